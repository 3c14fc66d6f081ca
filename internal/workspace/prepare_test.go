package workspace

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestPrepareClonesThenFetchesNewCommitsAndBranches(t *testing.T) {
	f := newFixture(t)
	p, first := f.repo("group/app", sampleFiles)

	ws := prepare(t, f.m, p, "main")
	if ws.BaseSHA != first || read(t, ws.Dir, "README.md") != "hello\n" {
		t.Fatalf("first Prepare: BaseSHA %s want %s", ws.BaseSHA, first)
	}
	ws.Release()

	second := f.serverCommit("group/app", "refs/heads/main", first, map[string]string{"README.md": "hello again\n"})
	ws = prepare(t, f.m, p, "main")
	if ws.BaseSHA != second || read(t, ws.Dir, "README.md") != "hello again\n" {
		t.Fatalf("second Prepare did not fetch: BaseSHA %s want %s", ws.BaseSHA, second)
	}
	ws.Release()

	// An MR's source branch pushed after the mirror was made, by name and by its MR ref.
	mr := f.serverCommit("group/app", "refs/heads/feature/x", first, map[string]string{"new.txt": "mr\n"})
	f.serverCommit("group/app", "refs/merge-requests/7/head", mr, map[string]string{"mr-head.txt": "7\n"})
	for ref, want := range map[string]string{"feature/x": "new.txt", "refs/heads/feature/x": "new.txt", "refs/merge-requests/7/head": "mr-head.txt"} {
		ws = prepare(t, f.m, p, ref)
		if !exists(ws.Dir, want) {
			t.Errorf("Prepare(%q): %s missing", ref, want)
		}
		ws.Release()
	}

	// A SHA, already in the mirror or not; and the default branch.
	unreachable := f.serverCommit("group/app", "refs/keep-around/x", second, map[string]string{"k.txt": "k\n"})
	for ref, want := range map[string]string{first: first, unreachable: unreachable, "": second} {
		ws = prepare(t, f.m, p, ref)
		if ws.BaseSHA != want {
			t.Errorf("Prepare(%q): BaseSHA %s want %s", ref, ws.BaseSHA, want)
		}
		ws.Release()
	}

	for _, bad := range []string{"no-such-branch", "--upload-pack=touch /tmp/x", "a..b", "refs/merge-requests/99/head"} {
		if ws, err := f.m.Prepare(ctxT(t), p, bad); err == nil {
			ws.Release()
			t.Errorf("Prepare(%q) succeeded", bad)
		}
	}
}

func TestReleasedWorktreeIsReusedClean(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	dir := ws.Dir
	write(t, dir, "README.md", "changed by the agent\n")
	write(t, dir, "untracked.txt", "x")
	write(t, dir, "debug.log", "ignored")
	write(t, dir, "build/out/bin", "ignored dir")
	must(t, os.Chmod(filepath.Join(dir, "build", "out"), 0o500)) // as Go's module cache does
	os.MkdirAll(filepath.Join(dir, "nested"), 0o755)
	agentGit(t, filepath.Join(dir, "nested"), "init", "-q")
	agentGit(t, dir, "checkout", "-q", "-b", "agent-branch")
	ws.Release()

	ws = prepare(t, f.m, p, "main")
	defer ws.Release()
	if ws.Dir != dir {
		t.Fatalf("warm worktree not reused: %s, then %s", dir, ws.Dir)
	}
	for _, name := range []string{"untracked.txt", "debug.log", "build", "nested"} {
		if exists(dir, name) {
			t.Errorf("%s survived Release", name)
		}
	}
	if got := read(t, dir, "README.md"); got != "hello\n" {
		t.Errorf("README.md = %q after Release", got)
	}
	if changed, err := ws.Changed(ctxT(t)); err != nil || changed {
		t.Errorf("Changed = %v, %v on a fresh workspace", changed, err)
	}
}

func TestConcurrentJobsGetTheirOwnWorktrees(t *testing.T) {
	f := newFixture(t)
	f.m = f.manager(1)
	p, _ := f.repo("group/app", sampleFiles)
	q, _ := f.repo("group/other", sampleFiles)

	var wg sync.WaitGroup
	wss := make([]*Workspace, 4)
	errs := make([]error, 4)
	for i, pr := range []Project{p, p, q, q} {
		wg.Go(func() { wss[i], errs[i] = f.m.Prepare(ctxT(t), pr, "main") })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, ws := range wss {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seen[ws.Dir] {
			t.Fatalf("two jobs share %s", ws.Dir)
		}
		seen[ws.Dir] = true
	}
	for _, ws := range wss {
		ws.Release()
	}
	// A pool of one per project: of each project's two worktrees, one is gone from disk.
	kept := 0
	for dir := range seen {
		if exists(dir, "README.md") {
			kept++
		}
	}
	if kept != 2 {
		t.Errorf("%d worktrees kept after Release, want 2 (one per project)", kept)
	}
}

func TestNewRemovesWorktreesOfACrashedProcess(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main") // never released: the process "crashed"
	write(t, ws.Dir, "secret.txt", "half-done work")

	m := f.manager(2)
	if exists(ws.Dir, "") {
		t.Fatalf("leftover worktree %s still there", ws.Dir)
	}
	ws2 := prepare(t, m, p, "main")
	defer ws2.Release()
	if exists(ws2.Dir, "secret.txt") {
		t.Fatal("the new worktree holds the old job's file")
	}
}

func TestPrepareGivesUpWhenCancelled(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ws, err := f.m.Prepare(ctx, p, "main"); err == nil {
		ws.Release()
		t.Fatal("Prepare with a cancelled context succeeded")
	}
	ws := prepare(t, f.m, p, "main") // and nothing half-made blocks the next one
	ws.Release()
}

func TestPrepareRefusesCredentialsInTheURL(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	p.CloneURL = "http://oauth2:" + goodToken + "@" + p.CloneURL[len("http://"):]
	_, err := f.m.Prepare(ctxT(t), p, "main")
	if err == nil || containsToken(err.Error()) {
		t.Fatalf("Prepare with a token in the URL: %v", err)
	}
}

func TestRemoveDeletesTheWorktree(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	must(t, ws.Remove())
	must(t, ws.Remove())
	ws.Release() // after Remove: nothing to do
	if exists(ws.Dir, "") || exists(ws.t.gitDir, "") {
		t.Fatal("worktree still on disk after Remove")
	}
	ws = prepare(t, f.m, p, "main")
	ws.Release()
}
