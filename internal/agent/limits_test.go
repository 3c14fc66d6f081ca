package agent_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

func TestRunTimeoutKillsTheProcessGroup(t *testing.T) {
	for _, mode := range []string{"", "ignore-term"} { // ignore-term: only SIGKILL stops it
		t.Run("hang "+mode, func(t *testing.T) {
			defer agent.SetTimings(500*time.Millisecond, time.Second)()
			start := time.Now()
			r := runFake(t, "FAKE_CLAUDE hang "+mode, func(c *agent.Config, q *agent.Request) { c.Timeout = 2 * time.Second })
			took := time.Since(start)
			if !errors.Is(r.err, agent.ErrTimeout) {
				t.Fatalf("err = %v, want ErrTimeout", r.err)
			}
			if took < 2*time.Second || took > 5*time.Second {
				t.Errorf("took %s, want about the 2s timeout", took)
			}
			pid := childPID(t, r)
			if alive(pid) {
				t.Errorf("the CLI's child %d outlived the run", pid)
			}
		})
	}
}

func childPID(t *testing.T, r fakeRun) int {
	t.Helper()
	for _, e := range r.find(agent.KindText) {
		var pid int
		if _, err := fmt.Sscanf(e.Text, "FAKE_CHILD_PID=%d", &pid); err == nil {
			return pid
		}
	}
	t.Fatalf("no FAKE_CHILD_PID in %+v", r.events)
	return 0
}

// alive says whether pid runs, waiting a little for the kill to land. A zombie (dead, not yet
// reaped by an init that does not reap) counts as dead.
func alive(pid int) bool {
	return !waitfor.Within(2*time.Second, func() bool {
		if syscall.Kill(pid, 0) != nil {
			return true
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return false
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		return len(f) > 0 && f[0] == "Z"
	})
}

func TestRunBoundsHugeOutput(t *testing.T) {
	for _, directive := range []string{"huge 50", "hugeline 50"} {
		t.Run(directive, func(t *testing.T) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			r := runFake(t, "FAKE_CLAUDE "+directive, nil) // the default bound: 10 MiB
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if !errors.Is(r.err, agent.ErrOutputTooLarge) || !r.res.Truncated {
				t.Fatalf("Run = truncated %v, %v; want ErrOutputTooLarge", r.res.Truncated, r.err)
			}
			// 50 MiB went by; what was kept is bounded by a line (4 MiB) and the buffers.
			if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 16<<20 {
				t.Errorf("heap grew by %d MiB", grown>>20)
			}
			var texts int
			for _, e := range r.find(agent.KindText) {
				texts += len(e.Text)
			}
			if texts > agent.DefaultMaxOutputBytes {
				t.Errorf("progress carried %d bytes, more than the bound", texts)
			}
		})
	}
}
