package sandbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// The agent rewrites its worktree's git files from inside bwrap: HEAD, commondir, gitdir, a
// config.worktree with a filter, and an index entry. The service's git dir is as it was after
// the run; git status works inside all the same. The control run, with the copy switched off,
// shows the test sees the rewrite.
func TestAgentCannotWriteTheServicesGitDir(t *testing.T) {
	if !contains(modes(t), sandbox.ModeBwrap) {
		t.Skip("no bwrap here")
	}
	for _, copy := range []bool{true, false} {
		t.Run(map[bool]string{true: "copy", false: "control"}[copy], func(t *testing.T) {
			sandbox.SetCopyGitDir(copy)
			t.Cleanup(func() { sandbox.SetCopyGitDir(true) })
			s := newService(t, sandbox.ModeBwrap, sandbox.Limits{})
			gitDir := strings.TrimPrefix(strings.TrimSpace(readT(t, filepath.Join(s.worktree, ".git"))), "gitdir: ")
			before := snapshot(t, gitDir)
			res, err := s.run(t, "FAKE_CLAUDE sh "+strings.Join([]string{
				"git status --short >/dev/null",
				"G=$(git rev-parse --git-dir)",
				"echo /tmp/evil > $G/commondir", "echo /tmp/evil/.git > $G/gitdir",
				"echo 0000000000000000000000000000000000000001 > $G/HEAD",
				"printf '[filter \"evil\"]\\n\\tclean = /tmp/x\\n' > $G/config.worktree",
				"echo pwned > $G/index",
				"echo wrote",
			}, " && "))
			if err != nil {
				t.Fatalf("run: %v\n%s", err, res.StderrTail)
			}
			if !strings.Contains(res.Text, "wrote") {
				t.Fatalf("the agent could not write its git dir at all, the test shows nothing:\n%s", res.Text)
			}
			after := snapshot(t, gitDir)
			if copy {
				if after != before {
					t.Errorf("the service's git dir changed:\nbefore %s\nafter  %s", before, after)
				}
				return
			}
			if after == before {
				t.Errorf("control: the git dir did not change without the copy: the test cannot see the rewrite")
			}
		})
	}
}

// snapshot is the names and contents of a git dir's files.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b.WriteString(e.Name() + "=" + string(data) + ";")
	}
	return b.String()
}

func readT(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
