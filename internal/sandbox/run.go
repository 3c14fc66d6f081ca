package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Command is what the caller wants to run: the CLI, its arguments and (minimal) environment,
// the worktree it works in and its private HOME.
type Command struct {
	Path string // absolute
	Args []string
	Env  []string
	Dir  string // the worktree: read-write inside
	Home string // the run's HOME: read-write inside
	// Egress is the run's egress socket on the host (internal/egress), or empty. Unless
	// AGENT_NETWORK=full the run has no network but its own loopback; with Egress, a bridge
	// inside listens on EgressAddr and forwards to the socket.
	Egress     string
	EgressAddr string
	// ReadOnly are host paths the run also sees, read-only, at the same path: the service's
	// binary (the GitLab tools' helper) and the folder of the tools' socket.
	ReadOnly []string
}

// Run is one confined command: start Path with Args and Env in Dir, call Watch once it runs,
// and Release once it has exited.
type Run struct {
	Path string
	Args []string
	Env  []string
	Dir  string

	limits  Limits
	watched []string // the folders whose size counts against DiskMB
	cg      *cgroup  // nil without cgroups
	undo    []func() error

	mu       sync.Mutex
	exceeded error // the limit the watchdog ended the run for
}

// Wrap turns c into a confined command. The caller must call Release on the result.
func (s *Sandbox) Wrap(c Command) (*Run, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	r := &Run{Path: c.Path, Args: slices.Clone(c.Args), Env: slices.Clone(c.Env), Dir: c.Dir,
		limits: s.cfg.Limits, watched: []string{c.Dir, c.Home}}
	var err error
	switch s.mode {
	case ModeBwrap:
		err = s.wrapBwrap(r, c)
	case ModeUser:
		err = s.wrapUser(r, c)
	}
	if err == nil {
		err = s.limit(r)
	}
	if err == nil && s.mode == ModeUser {
		track(r) // with its cgroup: killStrays spares its processes
	}
	if err != nil {
		r.Release()
		return nil, err
	}
	return r, nil
}

func (c Command) check() error {
	for name, p := range map[string]string{"CLI path": c.Path, "worktree": c.Dir, "HOME": c.Home} {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("sandbox: %s %q is not an absolute path", name, p)
		}
	}
	if st, err := os.Stat(c.Dir); err != nil || !st.IsDir() {
		return fmt.Errorf("sandbox: worktree %q is not a directory", c.Dir)
	}
	if st, err := os.Stat(c.Home); err != nil || !st.IsDir() {
		return fmt.Errorf("sandbox: HOME %q is not a directory", c.Home)
	}
	return nil
}

// prefix puts argv in front of the command: Path becomes argv[0].
func (r *Run) prefix(argv ...string) {
	r.Args = append(append(slices.Clone(argv[1:]), r.Path), r.Args...)
	r.Path = argv[0]
}

// Release undoes what Wrap did, in reverse order: removes the cgroup (killing what is left in
// it), gives the worktree back to the service's user. Call it once the command has exited.
func (r *Run) Release() error {
	var errs []error
	for i := len(r.undo) - 1; i >= 0; i-- {
		errs = append(errs, r.undo[i]())
	}
	r.undo = nil
	return errors.Join(errs...)
}

// Exceeded names the limit the run went over, or is nil. Limits that end a run (disk and CPU
// by the watchdog, memory by the kernel) count; so does a refused fork, which explains a crash.
func (r *Run) Exceeded() error {
	r.mu.Lock()
	err := r.exceeded
	r.mu.Unlock()
	if err != nil || r.cg == nil {
		return err
	}
	if err := r.cg.exceeded(r.limits); err != nil {
		return err
	}
	// The per-process CPU rlimit may have killed it before the watchdog's next look.
	if l := time.Duration(r.limits.CPUSeconds) * time.Second; l > 0 && r.cg.cpuTime() >= l {
		return fmt.Errorf("the run used %d s of CPU time, the limit (AGENT_CPU_SECONDS); it was stopped", r.limits.CPUSeconds)
	}
	return nil
}

func (r *Run) setExceeded(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.exceeded == nil {
		r.exceeded = err
	}
}
