package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitserver"
)

var bot = Author{Name: "Claude", Email: "claude@example.com"}

func TestCommitAndPushToANewBranch(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	ctx := ctxT(t)

	if _, err := ws.Commit(ctx, bot, "nothing"); !errors.Is(err, ErrNothingToCommit) {
		t.Fatalf("Commit with no change: %v", err)
	}
	write(t, ws.Dir, "src/app.go", "package app\n\nfunc Answer() int { return 42 }\n")
	write(t, ws.Dir, "docs/new.md", "new\n")
	if changed, err := ws.Changed(ctx); err != nil || !changed {
		t.Fatalf("Changed = %v, %v", changed, err)
	}
	diff, err := ws.Diff(ctx)
	must(t, err)
	for _, want := range []string{"src/app.go", "docs/new.md", "+func Answer() int { return 42 }", "2 files changed"} {
		if !strings.Contains(diff, want) {
			t.Errorf("Diff lacks %q:\n%s", want, diff)
		}
	}
	if staged, err := ws.staged(ctx); err != nil || staged {
		t.Fatalf("Diff changed the index: staged=%v, %v", staged, err)
	}
	sha, err := ws.Commit(ctx, bot, "Answer 42\n\nBecause.")
	must(t, err)
	must(t, ws.Push(ctx, "claude/answer", PushOptions{Create: true}))
	if got := f.serverRev("group/app", "refs/heads/claude/answer"); got != sha {
		t.Fatalf("server has %q, want %s", got, sha)
	}
	who, _ := f.srv.Git("group/app", "log", "-1", "--format=%an <%ae> / %cn <%ce>", sha)
	if strings.TrimSpace(who) != "Claude <claude@example.com> / Claude <claude@example.com>" {
		t.Errorf("commit by %q", who)
	}
	// Pushing the same commit again is a retry, and succeeds; another commit is refused.
	must(t, ws.Push(ctx, "claude/answer", PushOptions{Create: true}))
	write(t, ws.Dir, "docs/more.md", "more\n")
	_, err = ws.Commit(ctx, bot, "more")
	must(t, err)
	if err := ws.Push(ctx, "claude/answer", PushOptions{Create: true}); !errors.Is(err, ErrStale) {
		t.Errorf("creating an existing branch: %v, want ErrStale", err)
	}
}

func TestAgentCommitsArePushedToo(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	ctx := ctxT(t)
	write(t, ws.Dir, "a.txt", "a")
	agentGit(t, ws.Dir, "add", "a.txt")
	agentGit(t, ws.Dir, "commit", "-qm", "agent's own commit")
	agentSHA := agentGit(t, ws.Dir, "rev-parse", "HEAD")

	if changed, err := ws.Changed(ctx); err != nil || !changed {
		t.Fatalf("Changed = %v, %v after an agent commit", changed, err)
	}
	sha, err := ws.Commit(ctx, bot, "unused")
	if err != nil || sha != agentSHA {
		t.Fatalf("Commit = %s, %v; want the agent's %s", sha, err, agentSHA)
	}
	write(t, ws.Dir, "b.txt", "b")
	sha, err = ws.Commit(ctx, bot, "on top")
	must(t, err)
	must(t, ws.Push(ctx, "claude/two", PushOptions{Create: true}))
	if n, _ := f.srv.Git("group/app", "rev-list", "--count", ws.BaseSHA+".."+sha); strings.TrimSpace(n) != "2" {
		t.Errorf("%s commits on the server, want 2", n)
	}
}

func TestPushToAProtectedBranch(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	must(t, f.srv.SetProtected("group/app", "main"))
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	write(t, ws.Dir, "a.txt", "a")
	_, err := ws.Commit(ctxT(t), bot, "a")
	must(t, err)
	err = ws.Push(ctxT(t), "main", PushOptions{ExpectRemoteSHA: ws.BaseSHA})
	if !errors.Is(err, ErrProtected) || !strings.Contains(err.Error(), gitserver.ProtectedMessage) {
		t.Fatalf("push to protected main: %v", err)
	}
}

func TestStalePushThenRebaseOnce(t *testing.T) {
	f := newFixture(t)
	p, base := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	ctx := ctxT(t)
	write(t, ws.Dir, "ours.txt", "ours\n")
	_, err := ws.Commit(ctx, bot, "ours")
	must(t, err)

	theirs := f.serverCommit("group/app", "refs/heads/main", base, map[string]string{"theirs.txt": "theirs\n"})
	if err := ws.Push(ctx, "main", PushOptions{ExpectRemoteSHA: ws.BaseSHA}); !errors.Is(err, ErrStale) {
		t.Fatalf("push with a stale lease: %v, want ErrStale", err)
	}
	if err := ws.Push(ctx, "main", PushOptions{}); !errors.Is(err, ErrStale) {
		t.Fatalf("non-fast-forward push: %v, want ErrStale", err)
	}
	must(t, ws.RebaseOnto(ctx, "main"))
	if ws.BaseSHA != theirs {
		t.Fatalf("BaseSHA after rebase = %s, want %s", ws.BaseSHA, theirs)
	}
	must(t, ws.Push(ctx, "main", PushOptions{ExpectRemoteSHA: ws.BaseSHA}))
	files, _ := f.srv.Git("group/app", "ls-tree", "--name-only", "main")
	if !strings.Contains(files, "ours.txt") || !strings.Contains(files, "theirs.txt") {
		t.Fatalf("main after rebase and push has:\n%s", files)
	}
}

func TestRebaseConflictLeavesTheWorkspaceAsItWas(t *testing.T) {
	f := newFixture(t)
	p, base := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	ctx := ctxT(t)
	write(t, ws.Dir, "README.md", "ours\n")
	sha, err := ws.Commit(ctx, bot, "ours")
	must(t, err)
	f.serverCommit("group/app", "refs/heads/main", base, map[string]string{"README.md": "theirs\n"})

	if err := ws.RebaseOnto(ctx, "main"); !errors.Is(err, ErrConflict) {
		t.Fatalf("RebaseOnto: %v, want ErrConflict", err)
	}
	if head, _ := ws.head(ctx); head != sha || ws.BaseSHA != base || read(t, ws.Dir, "README.md") != "ours\n" {
		t.Fatalf("after a failed rebase: HEAD %s (want %s), BaseSHA %s", head, sha, ws.BaseSHA)
	}
}

func TestBadTokenIsErrAuthWithoutTheToken(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	f.token.Store("fakepat-BAD-token-0000000000")
	_, err := f.m.Prepare(ctxT(t), p, "main")
	if !errors.Is(err, ErrAuth) || containsToken(err.Error()) {
		t.Fatalf("Prepare with a bad token: %v", err)
	}

	f.token.Store(goodToken)
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	write(t, ws.Dir, "a.txt", "a")
	_, err = ws.Commit(ctxT(t), bot, "a")
	must(t, err)
	f.token.Store("fakepat-BAD-token-0000000000")
	err = ws.Push(ctxT(t), "claude/a", PushOptions{Create: true})
	if !errors.Is(err, ErrAuth) || containsToken(err.Error()) {
		t.Fatalf("Push with a bad token: %v", err)
	}
	f.token.Store(goodToken) // rotated back: the next command uses it
	must(t, ws.Push(ctxT(t), "claude/a", PushOptions{Create: true}))
}

// Replace lets a job replace the commit it pushed earlier on its own branch (a resumed job whose
// agent ran again), under a lease: a branch that moved meanwhile is not replaced.
func TestPushReplaceNeedsTheLease(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ctx := ctxT(t)
	first := prepare(t, f.m, p, "main")
	write(t, first.Dir, "a.txt", "first run\n")
	old, err := first.Commit(ctx, bot, "first run")
	must(t, err)
	must(t, first.Push(ctx, "claude/x", PushOptions{Create: true}))
	first.Release()

	second := prepare(t, f.m, p, "main")
	defer second.Release()
	write(t, second.Dir, "a.txt", "second run\n")
	sha, err := second.Commit(ctx, bot, "second run")
	must(t, err)
	if err := second.Push(ctx, "claude/x", PushOptions{ExpectRemoteSHA: old}); err == nil {
		t.Fatal("without Replace a push that is not a fast-forward must fail")
	}
	if err := second.Push(ctx, "claude/x", PushOptions{ExpectRemoteSHA: sha[:7] + "0000000000000000000000000000000000", Replace: true}); err == nil {
		t.Fatal("a lease on another tip must fail")
	}
	must(t, second.Push(ctx, "claude/x", PushOptions{ExpectRemoteSHA: old, Replace: true}))
	if got := f.serverRev("group/app", "refs/heads/claude/x"); got != sha {
		t.Fatalf("server has %s, want %s", got, sha)
	}
}

// A server hook that declines a push (push rules, a custom hook) is ErrRejected, not a race.
func TestPushDeclinedByAHookIsRejected(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	hook := "#!/bin/sh\necho 'GitLab: Commit message does not follow the pattern ^JIRA-' >&2\nexit 1\n"
	must(t, os.WriteFile(filepath.Join(f.srv.RepoDir("group/app"), "hooks", "pre-receive"), []byte(hook), 0o755))
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	write(t, ws.Dir, "a.txt", "x\n")
	_, err := ws.Commit(ctxT(t), bot, "no ticket")
	must(t, err)
	err = ws.Push(ctxT(t), "claude/y", PushOptions{Create: true})
	if !errors.Is(err, ErrRejected) || errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "does not follow the pattern") {
		t.Fatalf("push: %v, want ErrRejected with GitLab's message", err)
	}
}

// CommitChanges: nothing left is "" without an error; a change is one commit on the base.
func TestCommitChangesOnlyWhenSomethingChanged(t *testing.T) {
	f := newFixture(t)
	p, _ := f.repo("group/app", sampleFiles)
	ws := prepare(t, f.m, p, "main")
	defer ws.Release()
	ctx := ctxT(t)

	if sha, err := ws.CommitChanges(ctx, bot, "nothing"); err != nil || sha != "" {
		t.Fatalf("CommitChanges with no change = %q, %v", sha, err)
	}
	write(t, ws.Dir, "docs/new.md", "new\n")
	sha, err := ws.CommitChanges(ctx, bot, "Add docs")
	if err != nil || sha == "" || sha == ws.BaseSHA {
		t.Fatalf("CommitChanges with a change = %q, %v (base %s)", sha, err, ws.BaseSHA)
	}
	if again, err := ws.CommitChanges(ctx, bot, "again"); err != nil || again != sha {
		t.Fatalf("CommitChanges after the commit = %q, %v; want HEAD %s kept", again, err, sha)
	}
}
