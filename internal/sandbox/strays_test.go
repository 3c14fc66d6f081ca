package sandbox_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// In user mode no process of the agent's user outlives its run: one left from before (started
// outside any run) is killed before the worktree is lent, one the run puts in a session of its
// own is gone once the run is.
func TestNoProcessOfTheAgentsUserOutlivesItsRun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("user mode needs root")
	}
	s := newService(t, sandbox.ModeUser, sandbox.Limits{})
	stray := exec.Command("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "sleep", "300")
	stray.Env = []string{"PATH=/usr/bin:/bin"}
	if err := stray.Start(); err != nil {
		t.Skipf("setpriv: %v", err)
	}
	gone := make(chan error, 1)
	go func() { gone <- stray.Wait() }()
	t.Cleanup(func() { stray.Process.Kill() })

	res, err := s.run(t, "FAKE_CLAUDE sh setsid sleep 300 >/dev/null 2>&1 & echo left=$!")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, res.StderrTail)
	}
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Errorf("a process of the agent's user from before the run is still alive after it")
	}
	_, after, ok := strings.Cut(res.Text, "left=")
	pid, err := strconv.Atoi(strings.TrimSpace(strings.Split(after, "\n")[0]))
	if !ok || err != nil {
		t.Fatalf("no pid in %q", res.Text)
	}
	if status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil && !strings.Contains(string(status), "State:\tZ") {
		t.Errorf("the process the run left (%d) outlived it", pid)
	}
}
