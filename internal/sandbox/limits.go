package sandbox

import (
	"fmt"
	"strconv"
)

// joinScript writes the shell's own pid into each cgroup.procs file named before "--", then
// becomes the rest of the command. A process must be in its cgroup before it forks, and cgroup
// v1 has no way to start a child inside one: joining from inside, then exec, is the only race-free
// way. The shell runs as the service's user (cgroup files are root's), before any confinement.
const joinScript = `for f; do [ "$f" = -- ] && break; echo $$ > "$f" || { echo "sandbox: cannot join cgroup $f" >&2; exit 126; }; shift; done; shift; exec "$@"`

// limit adds the resource limits around the (already confined) command.
func (s *Sandbox) limit(r *Run) error {
	if s.prlimit != "" {
		r.prefix(s.rlimitArgs(r.limits)...)
	}
	if !s.cgroups.ok() {
		return nil
	}
	cg, err := s.cgroups.newCgroup(r.limits)
	if err != nil {
		return err
	}
	r.cg = cg
	r.undo = append(r.undo, cg.remove)
	argv := append([]string{"/bin/sh", "-c", joinScript, "sandbox-join"}, cg.procs...)
	r.prefix(append(argv, "--")...)
	return nil
}

// rlimitArgs set limits that hold per process, whatever the mode. RLIMIT_NPROC counts the
// processes of a real user id and does not bind root, so it is set only in user mode, where that
// user is the agent's alone; elsewhere the cgroup counts processes. The file size limit stops a
// single file from filling the disk before the watchdog sees it (the writer gets EFBIG/SIGXFSZ).
func (s *Sandbox) rlimitArgs(l Limits) []string {
	args := []string{s.prlimit, "--core=0"}
	if l.CPUSeconds > 0 {
		// With a cgroup the watchdog stops the run at the limit and says why; the rlimit is then
		// a backstop a little later, whose kill would read as a plain crash.
		cpu := l.CPUSeconds
		if s.cgroups.ok() {
			cpu += 2 + cpu/10
		}
		args = append(args, fmt.Sprintf("--cpu=%d", cpu))
	}
	if l.DiskMB > 0 {
		args = append(args, "--fsize="+strconv.FormatInt(int64(l.DiskMB)<<20, 10))
	}
	if s.mode == ModeUser && l.MaxProcs > 0 {
		args = append(args, fmt.Sprintf("--nproc=%d", l.MaxProcs))
	}
	return append(args, "--")
}
