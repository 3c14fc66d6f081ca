package sandbox_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// cgroupsHere says whether this machine gives runs a cgroup (memory, process count, total CPU).
func cgroupsHere(t *testing.T, s *service) bool {
	return strings.Contains(s.sb.Describe(), "(cgroup")
}

// A fork bomb gets at most AGENT_MAX_PROCS processes, and a run beside it is not hurt.
func TestForkBombIsBounded(t *testing.T) {
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			s := newService(t, mode, sandbox.Limits{MaxProcs: 64})
			if !cgroupsHere(t, s) && mode != sandbox.ModeUser {
				t.Skip("no cgroups here: the process count is bounded only in user mode (RLIMIT_NPROC)")
			}
			other := newService(t, mode, sandbox.Limits{})
			var wg sync.WaitGroup
			var otherErr error
			var otherText string
			wg.Go(func() {
				res, err := other.run(t, "FAKE_CLAUDE forkbomb 20\nFAKE_CLAUDE write ok.txt fine")
				otherErr, otherText = err, res.Text
			})
			res, err := s.run(t, "FAKE_CLAUDE forkbomb 300")
			wg.Wait()
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			var r struct{ Wanted, Started int }
			if err := json.Unmarshal([]byte(res.Text), &r); err != nil {
				t.Fatalf("%v: %s", err, res.Text)
			}
			t.Logf("fork bomb: started %d of %d", r.Started, r.Wanted)
			if r.Started >= 64 || r.Started == 0 {
				t.Errorf("the fork bomb started %d processes; want fewer than the limit of 64", r.Started)
			}
			if otherErr != nil || !strings.Contains(otherText, `"started":20`) {
				t.Errorf("the run beside it: %v %s", otherErr, otherText)
			}
			if _, err := os.Stat(filepath.Join(other.worktree, "ok.txt")); err != nil {
				t.Errorf("the run beside it did not write its file: %v", err)
			}
		})
	}
}

// Filling the disk with many files ends the run with a reply naming AGENT_DISK_MB; one big
// file stops at the limit (EFBIG) even between two looks of the watchdog.
func TestDiskFillIsBounded(t *testing.T) {
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			s := newService(t, mode, sandbox.Limits{DiskMB: 16})
			_, err := s.run(t, "FAKE_CLAUDE fill 64 64")
			errIsLimit(t, err, "AGENT_DISK_MB")
			s = newService(t, mode, sandbox.Limits{DiskMB: 16}) // a clean worktree, as each job gets
			// The file size rlimit stops the write at once; the file alone then fills the quota,
			// so the watchdog ends the run too.
			_, err = s.run(t, "FAKE_CLAUDE fill 64 1")
			errIsLimit(t, err, "AGENT_DISK_MB")
			if st, err := os.Stat(filepath.Join(s.worktree, "fill-0")); err != nil {
				t.Errorf("one big file: %v", err) // st is nil: no size to report
			} else if st.Size() > 16<<20 {
				t.Errorf("one big file: %d bytes; want at most 16 MiB", st.Size())
			}
		})
	}
}

// A run that takes too much memory is killed by the kernel and the reply says why.
func TestMemoryIsBounded(t *testing.T) {
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			s := newService(t, mode, sandbox.Limits{MemoryMB: 64})
			if !cgroupsHere(t, s) {
				t.Skip("no cgroups here: memory is not bounded")
			}
			_, err := s.run(t, "FAKE_CLAUDE eat 512")
			errIsLimit(t, err, "AGENT_MEMORY_MB")
		})
	}
}

// A run that burns CPU past AGENT_CPU_SECONDS is stopped and the reply says why.
func TestCPUIsBounded(t *testing.T) {
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			s := newService(t, mode, sandbox.Limits{CPUSeconds: 1})
			if !cgroupsHere(t, s) {
				t.Skip("no cgroups here: only the per-process rlimit holds, and its kill is not told apart")
			}
			_, err := s.run(t, "FAKE_CLAUDE spin 30")
			errIsLimit(t, err, "AGENT_CPU_SECONDS")
		})
	}
}
