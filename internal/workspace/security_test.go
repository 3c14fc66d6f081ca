package workspace

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secrets are every form of the tests' tokens that must not show up anywhere.
func secrets() []string {
	var s []string
	for _, tok := range []string{goodToken, "fakepat-BAD-token-0000000000"} {
		s = append(s, tok, base64.StdEncoding.EncodeToString([]byte("oauth2:"+tok)))
	}
	return s
}

func containsToken(text string) bool {
	for _, s := range secrets() {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// marker is a script that leaves a file named after its first argument in dir when run.
func marker(t *testing.T, dir string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "mark")
	body := "#!/bin/sh\ntouch " + dir + "/ran-\"$(basename \"$0\")\"-\"$1\"\nenv > " + dir + "/env-$$\n"
	must(t, os.WriteFile(script, []byte(body), 0o755))
	return script
}

func TestHooksAndAgentConfigNeverRun(t *testing.T) {
	f := newFixture(t)
	p, base := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	ctx := ctxT(t)
	marks := t.TempDir()
	script := marker(t, marks)

	// Hooks in the mirror (where a worktree's hooks live) and in a hooks path the agent sets.
	hookDirs := []string{filepath.Join(f.m.project(p).mirror, "hooks"), filepath.Join(ws.Dir, ".githooks")}
	for _, dir := range hookDirs {
		must(t, os.MkdirAll(dir, 0o755))
		for _, h := range []string{"pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "pre-push",
			"reference-transaction", "post-checkout", "post-rewrite", "pre-rebase", "post-index-change"} {
			must(t, os.Symlink(script, filepath.Join(dir, h)))
		}
	}
	// What an agent could write into the shared config to run a program in our commands, or to
	// send our token elsewhere.
	for _, kv := range [][2]string{
		{"core.hooksPath", ".githooks"},
		{"core.fsmonitor", script + " fsmonitor"},
		{"credential.helper", "!" + script + " credential"},
		{"core.askPass", script},
		{"filter.evil.clean", script + " filter"},
		{"url.http://127.0.0.1:9/.insteadOf", f.url + "/"},
		{"http.proxy", "http://127.0.0.1:9"},
		{"include.path", filepath.Join(marks, "included")},
	} {
		agentGit(t, ws.Dir, "config", kv[0], kv[1])
	}
	write(t, ws.Dir, ".gitattributes", "* filter=evil\n")
	write(t, filepath.Join(f.m.project(p).mirror, "info"), "exclude", "*.txt\n") // would hide a.txt
	write(t, ws.Dir, "a.txt", "a\n")
	// And point the worktree's .git somewhere else.
	must(t, os.WriteFile(filepath.Join(ws.Dir, ".git"), []byte("gitdir: "+marks+"\n"), 0o644))

	_, err := ws.Commit(ctx, bot, "a")
	must(t, err)
	must(t, ws.Push(ctx, "claude/a", PushOptions{Create: true}))
	if files, _ := f.srv.Git("group/app", "ls-tree", "--name-only", "claude/a"); !strings.Contains(files, "a.txt") {
		t.Errorf("a.txt not pushed; the branch has:\n%s", files)
	}
	f.serverCommit("group/app", "refs/heads/claude/a", base, map[string]string{"b.txt": "b\n"})
	if err := ws.RebaseOnto(ctx, "claude/a"); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Diff(ctx); err != nil {
		t.Fatal(err)
	}
	ws.Release()
	prepare(t, f.m, p, "main").Release()

	entries, _ := os.ReadDir(marks)
	for _, e := range entries {
		t.Errorf("something ran: %s", e.Name())
	}

}

func TestTokenNeverWrittenUnderTheDataDir(t *testing.T) {
	f := newFixture(t)
	p, base := f.repo("group/app", sampleFiles)
	ctx := ctxT(t)
	ws := prepare(t, f.m, p, "main")
	write(t, ws.Dir, "a.txt", "a\n")
	_, err := ws.Commit(ctx, bot, "a")
	must(t, err)
	must(t, ws.Push(ctx, "claude/a", PushOptions{Create: true}))
	f.serverCommit("group/app", "refs/heads/main", base, map[string]string{"b.txt": "b\n"})
	must(t, ws.RebaseOnto(ctx, "main"))
	f.token.Store("fakepat-BAD-token-0000000000")
	ws.Push(ctx, "claude/b", PushOptions{Create: true})
	f.m.Prepare(ctx, p, "main")
	f.token.Store(goodToken)
	kept := prepare(t, f.m, p, "main") // one worktree in use, one released into the pool
	ws.Release()
	defer kept.Release()

	files := 0
	err = filepath.WalkDir(f.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // sockets, dangling links
		}
		for _, s := range secrets() {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the token", path)
			}
		}
		return nil
	})
	must(t, err)
	if files < 20 {
		t.Fatalf("walked only %d files: wrong dir?", files)
	}
}
