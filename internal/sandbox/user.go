package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// User mode, for machines without user namespaces: the CLI runs as AGENT_USER, an unprivileged
// user of its own. Ordinary file permissions do the confining, so it is weaker than bwrap:
//   - DATA_DIR and the folders down to the worktree and HOME become traverse-only (0711) for
//     that user, everything beside them (the database, other projects, the mirror) 0700/0600,
//     and the secret files (.env, *_FILE) 0600: unreadable, even when it guesses a name.
//   - The worktree and HOME are chowned to it for the run and back afterwards.
//   - The service's /proc/<pid>/environ is root's and unreadable to it.
//   - Git does not work inside (the mirror holds the worktree's git dir and stays 0700): a
//     mirror readable by AGENT_USER would be readable by every run of every project.
//   - Runs at the same time share the user: one could read another's worktree or HOME if it
//     guessed the path, and signal its processes. Use bwrap, or WORKERS=1, where that matters.
//   - Ownership changes hands without following links (chown_linux.go), and no process of the
//     user outlives its run: every one outside a running run's cgroup is killed before the
//     worktree is lent and after the run (strays.go). Without cgroups, only when no other run
//     is going on.
//   - The host's /tmp is shared; files it leaves there are not counted. The network is the run's
//     own (unshare --net, as root) unless AGENT_NETWORK=full.

// account is the agent's OS user.
type account struct {
	name     string
	uid, gid int
}

func lookupAccount(name string) (*account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("AGENT_USER %s does not exist: create it with `useradd --system --no-create-home --shell /usr/sbin/nologin %s`", name, name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if uid == 0 || gid == 0 {
		return nil, fmt.Errorf("AGENT_USER %s is root or in group root: it must be an unprivileged user of its own", name)
	}
	if uid == os.Getuid() {
		return nil, fmt.Errorf("AGENT_USER %s is the service's own user: it must be a user of its own", name)
	}
	return &account{name: name, uid: uid, gid: gid}, nil
}

func (s *Sandbox) wrapUser(r *Run, c Command) error {
	a := s.agent
	if err := s.lockDown(c); err != nil {
		return err
	}
	for _, p := range append(cliPaths(c.Path), c.Dir, c.Home) {
		if err := a.canReach(p); err != nil {
			return err
		}
	}
	// No process of the agent's user may be around when its files change owner (see killStrays).
	if err := s.killStrays(); err != nil {
		return err
	}
	var lent []func() error
	r.undo = append(r.undo, func() error {
		untrack(r)
		errs := []error{s.killStrays()}
		for _, undo := range lent {
			errs = append(errs, undo())
		}
		return errors.Join(errs...)
	})
	for _, dir := range []string{c.Dir, c.Home} {
		undo, err := a.lend(dir)
		if undo != nil {
			lent = append(lent, undo)
		}
		if err != nil {
			return err
		}
	}
	// no-new-privs: a setuid program (su, sudo) cannot give the user back what it lost.
	r.prefix("setpriv", "--reuid="+strconv.Itoa(a.uid), "--regid="+strconv.Itoa(a.gid), "--clear-groups",
		"--no-new-privs", "--")
	s.userNetwork(r, c)
	return nil
}

// userNetwork gives the run a network namespace of its own unless AGENT_NETWORK=full: unshare(1)
// makes it as root; with an egress socket the bridge, still root, brings the loopback up, listens
// and starts setpriv. The socket stays in a root-only folder: the agent's user reaches it only
// through the bridge, and cannot signal or trace a root process.
func (s *Sandbox) userNetwork(r *Run, c Command) {
	if s.cfg.Network == NetworkFull {
		return
	}
	if c.Egress != "" {
		r.prefix(s.bridge, BridgeArg, "--lo", c.Egress, c.EgressAddr, "--")
	}
	r.prefix("unshare", "--net", "--")
}

func cliPaths(cli string) []string {
	if real, err := filepath.EvalSymlinks(cli); err == nil && real != cli {
		return []string{cli, real}
	}
	return []string{cli}
}

// lockDown makes DATA_DIR unreadable to the agent's user except the way to the worktree and
// HOME, and the secret files unreadable. It runs before every run: folders the service created
// since (a new project) are locked too.
func (s *Sandbox) lockDown(c Command) error {
	var errs []error
	for _, f := range s.cfg.SecretFiles {
		if f != "" {
			errs = append(errs, chmodOff(f, 0o077))
		}
	}
	if s.cfg.DataDir != "" {
		errs = append(errs, lockTree(s.cfg.DataDir, []string{c.Dir, c.Home}))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sandbox: lock DATA_DIR from the agent's user: %w", err)
	}
	return nil
}

// lockTree makes dir traverse-only if a kept path is below it, else private, and does the same
// for each of its entries; it stops at the kept paths themselves (they are lent to the agent).
func lockTree(dir string, keep []string) error {
	var below bool
	for _, k := range keep {
		if k == dir {
			return nil
		}
		below = below || strings.HasPrefix(k, dir+string(filepath.Separator))
	}
	if !below {
		return chmodOff(dir, 0o077)
	}
	if err := setMode(dir, 0o711); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, lockTree(filepath.Join(dir, e.Name()), keep))
	}
	return errors.Join(errs...)
}

// chmodOff removes bits from a file or folder's mode (not through a symlink).
func chmodOff(path string, bits fs.FileMode) error {
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&fs.ModeSymlink != 0 {
		return nil // gone, or a link: links have no mode of their own
	}
	if st.Mode().Perm()&bits == 0 {
		return nil
	}
	return os.Chmod(path, st.Mode().Perm()&^bits)
}

// setMode makes a folder owner-only plus the given bits for others (0711: they may pass).
func setMode(dir string, mode fs.FileMode) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	want := st.Mode().Perm()&0o700 | mode&0o077
	if st.Mode().Perm() == want {
		return nil
	}
	return os.Chmod(dir, want)
}

// canReach says whether the account can get to path: every folder above it searchable.
func (a *account) canReach(path string) error {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("sandbox: %s: %w", dir, err)
		}
		if !a.may(st, 0o1) {
			return fmt.Errorf("the agent's user %s cannot reach %s: %s is not searchable by it; put it (or DATA_DIR) where other users can pass, e.g. /var/lib/claude-gitlab, or use AGENT_SANDBOX=bwrap",
				a.name, path, dir)
		}
		if dir == "/" {
			return nil
		}
	}
}

// may checks the permission bits (x=1, w=2, r=4) that apply to the account.
func (a *account) may(st fs.FileInfo, bits fs.FileMode) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	perm := st.Mode().Perm()
	switch {
	case !ok:
		return false
	case int(sys.Uid) == a.uid:
		return perm>>6&bits == bits
	case int(sys.Gid) == a.gid:
		return perm>>3&bits == bits
	}
	return perm&bits == bits
}

// lend chowns dir and everything in it to the account; undo gives it all back to dir's owner.
func (a *account) lend(dir string) (undo func() error, err error) {
	st, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	sys := st.Sys().(*syscall.Stat_t)
	uid, gid := int(sys.Uid), int(sys.Gid)
	undo = func() error { return chownTree(dir, uid, gid) }
	if err := chownTree(dir, a.uid, a.gid); err != nil {
		return undo, fmt.Errorf("sandbox: lend %s to %s: %w", dir, a.name, err)
	}
	return undo, nil
}

// checkUnshare makes a network namespace once, as runs will: a container may forbid it.
func checkUnshare() error {
	path, err := exec.LookPath("unshare")
	if err != nil {
		return errors.New("unshare (util-linux) is not installed")
	}
	cmd := exec.Command(path, "--net", "--", "/bin/true")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("unshare --net fails here (a container without CAP_SYS_ADMIN?): %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
