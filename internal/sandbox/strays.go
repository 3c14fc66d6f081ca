package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// userRuns are the runs of user mode going on in this process: their processes are the only ones
// of the agent's user that may live (with those of another service process's runs, see userProcs).
var userRuns struct {
	mu     sync.Mutex
	active map[*Run]bool
}

func track(r *Run) {
	userRuns.mu.Lock()
	defer userRuns.mu.Unlock()
	if userRuns.active == nil {
		userRuns.active = map[*Run]bool{}
	}
	userRuns.active[r] = true
}

func untrack(r *Run) {
	userRuns.mu.Lock()
	defer userRuns.mu.Unlock()
	delete(userRuns.active, r)
}

// killStrays kills every process of the agent's user that is not in the cgroup of a run going
// on: a daemon a tool left, a process of a run that ended, one started by someone else under that
// user. It runs before the worktree is lent and after each run, so that no process of the
// agent's outlives its run or sees the next one's files. Without cgroups there is no telling
// whose a process is: it kills them all when no run is going on, and nothing otherwise (runs at
// the same time then share the user: see user.go).
func (s *Sandbox) killStrays() error {
	userRuns.mu.Lock()
	defer userRuns.mu.Unlock()
	if !s.cgroups.ok() && len(userRuns.active) > 0 {
		return nil
	}
	var keep []string
	for r := range userRuns.active {
		if r.cg != nil {
			keep = append(keep, "/"+r.cg.name)
		}
	}
	var left []int
	for pass := 0; pass < 100; pass++ {
		if left = userProcs(s.agent.uid, keep); len(left) == 0 {
			return nil
		}
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond) // SIGKILL is delivered, not waited for
	}
	return fmt.Errorf("sandbox: processes of the agent's user %s do not die: %v", s.agent.name, left)
}

// userProcs lists the live processes any of whose user ids is uid, but for those in a cgroup
// whose path ends with one of keep, and those in the run cgroup of another service process on
// this machine (its own killStrays is in charge of them; a process cannot move itself into a
// cgroup, they are root's).
func userProcs(uid int, keep []string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		status, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil || !ownedBy(string(status), uid) {
			continue
		}
		if cg, err := os.ReadFile("/proc/" + e.Name() + "/cgroup"); err == nil && inCgroup(string(cg), keep) {
			continue
		}
		out = append(out, pid)
	}
	return out
}

// ownedBy says whether a /proc/<pid>/status is of a live process with uid as its real,
// effective, saved or file-system user id.
func ownedBy(status string, uid int) bool {
	var mine, live bool
	for _, line := range strings.Split(status, "\n") {
		key, value, _ := strings.Cut(line, ":")
		fields := strings.Fields(value)
		switch {
		case key == "State" && len(fields) > 0:
			live = fields[0] != "Z" && fields[0] != "X"
		case key == "Uid":
			for _, f := range fields {
				mine = mine || f == strconv.Itoa(uid)
			}
		}
	}
	return mine && live
}

func inCgroup(cgroups string, keep []string) bool {
	mine := "/" + runPrefix + strconv.Itoa(os.Getpid()) + "-"
	for _, line := range strings.Split(cgroups, "\n") {
		line = strings.TrimSpace(line)
		for _, k := range keep {
			if strings.HasSuffix(line, k) {
				return true
			}
		}
		if i := strings.LastIndex(line, "/"+runPrefix); i >= 0 && !strings.HasPrefix(line[i:], mine) {
			return true
		}
	}
	return false
}
