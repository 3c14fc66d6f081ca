package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// Issue 16, vector 4, through the real binary in user mode (AGENT_SANDBOX=user, WORKERS=2): while
// one run's agent keeps swapping the folder sub/ of the project's other worktrees for a link to a
// folder outside holding a root-owned stand-in for /etc/shadow, a second job's worktree is lent to
// the agent's user. Nothing outside the worktrees changes owner, and both jobs end with one
// reply. The control run is the same against a binary whose chown walks by path, as before
// (tag insecure_containment_control): the test must see the stand-in change owner there.
func TestUserModeChownRaceThroughTheBinary(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("user mode needs root")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("no setpriv")
	}
	t.Run("fd walk", func(t *testing.T) {
		if owner := chownRace(t); owner != 0 {
			t.Errorf("the stand-in outside the worktree now belongs to uid %d", owner)
		}
	})
	t.Run("control", func(t *testing.T) {
		if owner := chownRace(t, "TEST_BINARY="+controlBinary(t)); owner == 0 {
			t.Errorf("control: the path walk kept the stand-in's owner: the test cannot see the race")
		}
	})
}

// chownRace runs the two jobs and returns the owner of the stand-in file afterwards.
func chownRace(t *testing.T, env ...string) int {
	data := passable(t, t.TempDir())
	outside := passable(t, t.TempDir())
	standIn := filepath.Join(outside, "standin")
	if err := os.MkdirAll(standIn, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(standIn, "shadow"), []byte("root:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	passable(t, filepath.Dir(agenttest.BuildFakeClaude(t)))
	// WORKERS=4: two jobs of one project at once (the per-project cap is half the workers).
	w := newWorld(t, append([]string{"WORKERS=4", "AGENT_SANDBOX=user", "AGENT_USER=nobody", "DATA_DIR=" + data}, env...)...)
	// Many files before sub/ make the walk spend a while before it gets there.
	commitMany(t, w, 3000)

	// The first run swaps sub/ of the project's other worktrees for the link, once each, as soon
	// as the walk over one has got into a/ (a/f0010.txt is its own), polling every 0.5 ms, for up
	// to 20 s or until the second job has answered.
	wt := filepath.Join(data, "repos", strconv.FormatInt(w.proj.ID, 10), "wt")
	swapper := fmt.Sprintf(`perl -e 'my $end = time + 20; while (time < $end && ! -e "%[3]s/stop") {
  for my $d ("%[1]s/2", "%[1]s/3") { next if -l "$d/sub" || ! -o "$d/a/f0010.txt";
    print "swapped $d\n" if rename("$d/sub", "$d/.sub") && symlink("%[2]s", "$d/sub") }
  select(undef, undef, undef, 0.0005) }'; echo done`, wt, standIn, outside)
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Race", "", false)
	other := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Victim", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude look\nFAKE_CLAUDE sh "+strconv.Quote(swapper))
	w.deliver(ev, body, 202)
	w.waitFor("the racing run's agent", 30*time.Second, func() bool {
		m, _ := filepath.Glob(filepath.Join(data, "agent-homes", "job-*"))
		return len(m) > 0
	})
	ev, body = w.g.IssueNoteEvent(w.proj.ID, other.IID, w.alice.ID, "@claude note it\nFAKE_CLAUDE answer Noted.")
	w.deliver(ev, body, 202)
	victim := w.waitAnswers(fakegitlab.ThreadIssue, ref(other.IID), 1)
	os.WriteFile(filepath.Join(outside, "stop"), nil, 0o644)
	racer := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	t.Logf("victim: %.200s\nracer: %.300s", victim[0].Body, racer[0].Body)
	if !strings.Contains(victim[0].Body, "Noted.") {
		t.Errorf("the second job did not end with its answer:\n%s", victim[0].Body)
	}
	if !strings.Contains(racer[0].Body, "done") {
		t.Errorf("the racing run did not end with its count:\n%s", racer[0].Body)
	}
	// Stop the service gracefully: it gives the worktrees back before the test removes them.
	w.svc.cmd.Process.Signal(syscall.SIGTERM)
	w.svc.cmd.Wait()
	st, err := os.Lstat(filepath.Join(standIn, "shadow"))
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Sys().(*syscall.Stat_t).Uid)
}

// commitMany commits a/f0000.txt … and sub/file on the project's main, in one git add.
func commitMany(t *testing.T, w *world, n int) {
	t.Helper()
	src := t.TempDir()
	for i := range n {
		p := filepath.Join(src, "a", fmt.Sprintf("f%04d.txt", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("a\n"), 0o644)
	}
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "sub", "file"), []byte("sub\n"), 0o644)
	gitDir, err := w.g.Git(w.proj.ID, "rev-parse", "--absolute-git-dir")
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GIT_DIR="+gitDir, "GIT_WORK_TREE="+src, "GIT_INDEX_FILE="+filepath.Join(t.TempDir(), "index"),
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com",
		"GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.com")
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Env, cmd.Dir = env, src
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	parent := git("rev-parse", "refs/heads/main")
	git("read-tree", parent)
	git("add", "-A")
	git("update-ref", "refs/heads/main", git("commit-tree", git("write-tree"), "-p", parent, "-m", "many files"))
}

// passable makes dir and the folders above it searchable by other users (the agent's), as
// DATA_DIR must be in user mode; it returns dir.
func passable(t *testing.T, dir string) string {
	t.Helper()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
