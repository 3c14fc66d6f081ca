package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The attacks of a prompt-injected agent on the service's git (issue 16, vector 1). The agent
// writes only inside its worktree (what bwrap lets it) and, for the git-dir attacks, inside the
// worktree's git dir (what AGENT_SANDBOX=none lets it). Each attack runs twice: hardened, where
// nothing may run and nothing of the agent's repositories may be committed, and as a control with
// the hardening off, where the test must see the breach: a test that cannot fail proves nothing.

// withHardening runs fn with the hardening on or off.
func withHardening(t *testing.T, on bool) {
	t.Helper()
	old := hardened
	hardened = on
	t.Cleanup(func() { hardened = old })
}

// evilRepo makes, inside the worktree, a git dir (not named .git) whose config defines the
// filter, diff and fsmonitor programs as the marker script, in the way style says: plainly, by
// include.path, by includeIf, or in a worktree-local config.worktree.
func evilRepo(t *testing.T, wsDir, script, style string) string {
	t.Helper()
	src := filepath.Join(wsDir, ".evil", "src")
	must(t, os.MkdirAll(src, 0o755))
	agentGit(t, src, "init", "-q")
	write(t, src, "lib.txt", "library\n")
	agentGit(t, src, "add", "-A")
	agentGit(t, src, "commit", "-qm", "lib")
	repo := filepath.Join(wsDir, ".evil", "repo")
	must(t, os.Rename(filepath.Join(src, ".git"), repo))
	must(t, os.RemoveAll(src))
	defs := "[filter \"evil\"]\n\tclean = " + script + " filter\n\tsmudge = " + script + " smudge\n" +
		"[diff \"evil\"]\n\ttextconv = " + script + " textconv\n" +
		"[core]\n\tfsmonitor = " + script + " fsmonitor\n"
	cfg := filepath.Join(repo, "config")
	old := read(t, repo, "config")
	switch style {
	case "config":
		must(t, os.WriteFile(cfg, []byte(old+defs), 0o644))
	case "include.path":
		write(t, wsDir, ".evil/defs.inc", defs)
		must(t, os.WriteFile(cfg, []byte(old+"[include]\n\tpath = "+filepath.Join(wsDir, ".evil/defs.inc")+"\n"), 0o644))
	case "includeIf":
		write(t, wsDir, ".evil/defs.inc", defs)
		must(t, os.WriteFile(cfg, []byte(old+"[includeIf \"gitdir:"+repo+"\"]\n\tpath = "+filepath.Join(wsDir, ".evil/defs.inc")+"\n"), 0o644))
	case "config.worktree":
		old = strings.Replace(old, "repositoryformatversion = 0", "repositoryformatversion = 1", 1)
		must(t, os.WriteFile(cfg, []byte(old+"[extensions]\n\tworktreeConfig = true\n"), 0o644))
		must(t, os.WriteFile(filepath.Join(repo, "config.worktree"), []byte(defs), 0o644))
	default:
		t.Fatalf("style %q", style)
	}
	return repo
}

// plantNested makes dir (relative to the worktree) a checkout of repo through a .git file with
// gitdir:, with attributes that name the drivers, and its file written again with the same size:
// git has to clean (filter) it to know whether it changed.
func plantNested(t *testing.T, wsDir, dir, repo string) {
	t.Helper()
	write(t, wsDir, dir+"/.git", "gitdir: "+repo+"\n")
	write(t, wsDir, dir+"/.gitattributes", "* filter=evil diff=evil\n")
	write(t, wsDir, dir+"/lib.txt", "library\n")
}

// TestNestedRepositoriesNeverRunOrCommit: the submodule clean filter through a .git file with
// gitdir: (its config plain, by include.path, includeIf or config.worktree), nested repositories
// the agent made (a .git file, a .git folder), and .gitattributes naming drivers at the top.
func TestNestedRepositoriesNeverRunOrCommit(t *testing.T) {
	for _, style := range []string{"config", "include.path", "includeIf", "config.worktree"} {
		t.Run(style, func(t *testing.T) {
			for _, hard := range []bool{true, false} {
				name := map[bool]string{true: "hardened", false: "control"}[hard]
				t.Run(name, func(t *testing.T) { nestedAttack(t, style, hard) })
			}
		})
	}
}

func nestedAttack(t *testing.T, style string, hard bool) {
	withHardening(t, hard)
	f := newFixture(t)
	p, first := f.repo("group/app", sampleFiles)
	// The project has a submodule at vendor/lib (malicious repository content, or a real one).
	libSHA := strings.Repeat("1", 40)
	base := f.serverGitlink("group/app", first, "vendor/lib", libSHA)
	ws := prepare(t, f.m, p, "main")
	ctx := ctxT(t)
	marks := t.TempDir()
	script := marker(t, marks)

	repo := evilRepo(t, ws.Dir, script, style)
	plantNested(t, ws.Dir, "vendor/lib", repo) // the submodule, populated by the agent
	plantNested(t, ws.Dir, "extra", repo)      // an untracked nested checkout
	nested := filepath.Join(ws.Dir, "own")     // a nested repository of its own
	must(t, os.MkdirAll(nested, 0o755))
	agentGit(t, nested, "init", "-q")
	write(t, nested, "own.txt", "own\n")
	agentGit(t, nested, "add", "-A")
	agentGit(t, nested, "commit", "-qm", "own")
	agentGit(t, nested, "config", "filter.evil.clean", script+" own-filter")
	write(t, nested, ".gitattributes", "* filter=evil\n")
	write(t, nested, "own.txt", "own, changed\n")
	write(t, ws.Dir, ".gitattributes", "* filter=evil diff=evil merge=evil\n")
	write(t, ws.Dir, "README.md", "hello, changed by the agent\n") // the legitimate change

	changed, err := ws.Changed(ctx)
	must(t, err)
	if !changed {
		t.Fatal("Changed: false")
	}
	head, err := ws.Commit(ctx, bot, "change")
	must(t, err)
	_, err = ws.Diff(ctx)
	must(t, err)
	must(t, ws.Push(ctx, "claude/a", PushOptions{Create: true}))
	ws.Release()
	prepare(t, f.m, p, "main").Release()

	var ran []string
	entries, _ := os.ReadDir(marks)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "ran-") {
			ran = append(ran, e.Name())
		}
	}
	tree, _ := f.srv.Git("group/app", "ls-tree", "-r", head)
	committedNested := strings.Contains(tree, "\textra") || strings.Contains(tree, "\town") ||
		!strings.Contains(tree, "160000 commit "+libSHA+"\tvendor/lib")
	if !strings.Contains(tree, "\tREADME.md") || !strings.Contains(tree, "\t.gitattributes") {
		t.Errorf("the legitimate change is not in the commit:\n%s", tree)
	}
	if hard {
		if len(ran) > 0 {
			t.Errorf("the service's git ran the agent's programs: %v", ran)
		}
		if committedNested {
			t.Errorf("a nested repository of the agent was committed, or the submodule changed:\n%s", tree)
		}
		return
	}
	// Control: only the populated submodule is entered by git status and git add; the untracked
	// nested repositories are committed as submodules of the agent's.
	if len(ran) == 0 {
		t.Errorf("control: nothing ran without the hardening: the test cannot see the breach")
	}
	if !committedNested {
		t.Errorf("control: no nested repository committed without the hardening:\n%s", tree)
	}
	_ = base
}

// TestWorktreeGitFilesRewritten: an unconfined agent (AGENT_SANDBOX=none; bwrap gives it only a
// copy) rewrites the worktree's git dir: commondir and gitdir elsewhere, HEAD to a commit that is
// not on top of the job's, a config.worktree with a filter. The service refuses to commit on a
// HEAD it did not start from, runs nothing, and the pooled worktree comes back whole.
func TestWorktreeGitFilesRewritten(t *testing.T) {
	for _, hard := range []bool{true, false} {
		t.Run(map[bool]string{true: "hardened", false: "control"}[hard], func(t *testing.T) {
			withHardening(t, hard)
			f := newFixture(t)
			p, first := f.repo("group/app", sampleFiles)
			base := f.serverCommit("group/app", "refs/heads/main", first, map[string]string{"b.txt": "b\n"})
			f.m = f.manager(1) // one worktree, reused
			ws := prepare(t, f.m, p, "main")
			ctx := ctxT(t)
			marks := t.TempDir()
			script := marker(t, marks)
			gitDir := ws.t.gitDir

			write(t, gitDir, "commondir", "/tmp/nowhere\n")
			write(t, gitDir, "gitdir", "/tmp/nowhere/.git\n")
			write(t, gitDir, "HEAD", first+"\n") // not on top of main's tip
			write(t, gitDir, "config.worktree", "[filter \"evil\"]\n\tclean = "+script+" filter\n")
			write(t, gitDir, "config", "[filter \"evil\"]\n\tclean = "+script+" filter\n")
			// and, in the shared config, the extension that would make git read config.worktree
			mirrorCfg := filepath.Join(f.m.project(p).mirror, "config")
			cfg := strings.Replace(read(t, f.m.project(p).mirror, "config"), "repositoryformatversion = 0", "repositoryformatversion = 1", 1)
			must(t, os.WriteFile(mirrorCfg, []byte(cfg+"[extensions]\n\tworktreeConfig = true\n"), 0o644))
			write(t, ws.Dir, ".gitattributes", "* filter=evil\n")
			write(t, ws.Dir, "a.txt", "a\n")

			_, cerr := ws.Commit(ctx, bot, "a")
			ws.Release()
			if entries, _ := os.ReadDir(marks); hard && len(entries) > 0 {
				t.Errorf("something ran: %v", entries)
			}
			next := prepare(t, f.m, p, "main")
			defer next.Release()
			if got := strings.TrimSpace(read(t, next.t.gitDir, "commondir")); hard && got != "../.." {
				t.Errorf("commondir of the reused worktree: %q", got)
			}
			if hard {
				if !errors.Is(cerr, errHeadMoved) {
					t.Errorf("Commit on a HEAD the agent moved: %v, want errHeadMoved", cerr)
				}
				return
			}
			if cerr != nil {
				t.Fatalf("control: %v", cerr)
			}
			if got := strings.TrimSpace(read(t, next.t.gitDir, "commondir")); got == "../.." {
				t.Errorf("control: the poisoned commondir did not survive in the pool without the hardening")
			}
			_ = base
		})
	}
}

// A nested repository in a folder the agent made unreadable (to a service that is not root;
// as root the walk reads it anyway) is found all the same, and the job's change is committed.
func TestSweepGetsIntoUnreadableFolders(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	ctx := ctxT(t)
	write(t, ws.Dir, "locked/inner/.git", "gitdir: /nowhere\n")
	write(t, ws.Dir, "locked/inner/x.txt", "x\n")
	must(t, os.Chmod(filepath.Join(ws.Dir, "locked"), 0))
	write(t, ws.Dir, "README.md", "changed\n")
	head, err := ws.Commit(ctx, bot, "change")
	must(t, err)
	if exists(ws.Dir, "locked/inner/.git") {
		t.Errorf("the nested .git in an unreadable folder is still there")
	}
	files := agentGit(t, ws.Dir, "ls-tree", "-r", "--name-only", head)
	if strings.Contains(files, "locked/") || !strings.Contains(files, "README.md") {
		t.Errorf("the commit holds:\n%s", files)
	}
	ws.Release()
}

// serverGitlink commits a submodule (a gitlink at path, and its .gitmodules entry) on main.
func (f *fixture) serverGitlink(repo, parent, path, sha string) string {
	f.t.Helper()
	bare := f.srv.RepoDir(repo)
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(f.t.TempDir(), "index"),
		"GIT_AUTHOR_NAME=Other", "GIT_AUTHOR_EMAIL=other@example.com",
		"GIT_COMMITTER_NAME=Other", "GIT_COMMITTER_EMAIL=other@example.com"}
	gitT(f.t, bare, env, "", "read-tree", parent)
	modules := "[submodule \"lib\"]\n\tpath = " + path + "\n\turl = https://example.com/lib.git\n"
	blob := gitT(f.t, bare, env, modules, "hash-object", "-w", "--stdin")
	gitT(f.t, bare, env, "", "update-index", "--add", "--cacheinfo", "100644,"+blob+",.gitmodules")
	gitT(f.t, bare, env, "", "update-index", "--add", "--cacheinfo", "160000,"+sha+","+path)
	tree := gitT(f.t, bare, env, "", "write-tree")
	commit := gitT(f.t, bare, env, "", "commit-tree", tree, "-p", parent, "-m", "add a submodule")
	gitT(f.t, bare, env, "", "update-ref", "refs/heads/main", commit)
	return commit
}
