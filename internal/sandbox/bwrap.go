package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// etcFiles are the only files of /etc the agent sees: name resolution, TLS trust, user names
// (git and node ask), time zone, the dynamic linker's cache, Debian's alternatives symlinks.
var etcFiles = []string{
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
	"/etc/ssl", "/etc/ca-certificates", "/etc/ca-certificates.conf", "/etc/pki",
	"/etc/passwd", "/etc/group", "/etc/localtime", "/etc/alternatives",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
}

// rootDirs are the top-level system folders: symlinks into /usr on merged-/usr systems (Debian
// 12), real folders elsewhere.
var rootDirs = []string{"/bin", "/sbin", "/lib", "/lib64", "/lib32"}

// baseArgs confine everything but the files: no capabilities, no new user namespaces (a nested
// one would give the agent capabilities over its mounts), its own PID space (so /proc shows only
// the run, not the service's environ), killed with the service.
func baseArgs(bwrap string) []string {
	args := []string{bwrap,
		"--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
		"--disable-userns", "--die-with-parent", "--new-session", "--hostname", "claude-sandbox",
	}
	if os.Geteuid() == 0 {
		// As root, bwrap keeps every capability unless told otherwise.
		args = append(args, "--cap-drop", "ALL")
	}
	return args
}

// systemArgs are the read-only system, /proc, /dev and a private /tmp.
func systemArgs(tmpBytes int64) []string {
	args := []string{"--ro-bind", "/usr", "/usr"}
	for _, d := range rootDirs {
		if target, err := os.Readlink(d); err == nil && !filepath.IsAbs(target) {
			args = append(args, "--symlink", target, d)
		} else {
			args = append(args, "--ro-bind-try", d, d)
		}
	}
	for _, f := range etcFiles {
		args = append(args, "--ro-bind-try", f, f)
	}
	args = append(args, "--proc", "/proc", "--dev", "/dev")
	if tmpBytes > 0 {
		args = append(args, "--size", strconv.FormatInt(tmpBytes, 10))
	}
	return append(args, "--tmpfs", "/tmp")
}

func (s *Sandbox) wrapBwrap(r *Run, c Command) error {
	args := append(baseArgs(s.bwrap), systemArgs(int64(r.limits.DiskMB)<<20)...)
	for _, d := range cliDirs(c.Path) {
		args = append(args, "--ro-bind", d, d)
	}
	git, undo, err := gitBinds(c.Dir)
	if undo != nil {
		r.undo = append(r.undo, undo)
	}
	if err != nil {
		return err
	}
	args = append(args, git...)
	net, err := s.networkArgs(c)
	if err != nil {
		return err
	}
	args = append(args, net...)
	for _, p := range c.ReadOnly {
		args = append(args, "--ro-bind", p, p)
	}
	// The root is bwrap's own tmpfs, holding only the folders that lead to the mounts; read-only,
	// so that nothing can be written beside them (the mounts keep their own modes).
	args = append(args, "--bind", c.Home, c.Home, "--bind", c.Dir, c.Dir, "--remount-ro", "/", "--chdir", c.Dir, "--")
	// The environment passes through bwrap unchanged: --setenv would put the Anthropic key in
	// bwrap's argv, which every local user can read in /proc/<pid>/cmdline.
	r.prefix(args...)
	if c.Egress != "" { // the bridge starts first, inside, and runs the CLI
		i := slices.Index(r.Args, "--") // bwrap's own options end there
		r.Args = slices.Insert(r.Args, i+1, s.bridge, BridgeArg,
			filepath.Join(insideSocketDir, filepath.Base(c.Egress)), c.EgressAddr, "--")
	}
	return nil
}

// networkArgs give the run a network namespace of its own unless AGENT_NETWORK=full: only a
// loopback (bwrap brings it up), no route out. The egress socket's folder is bound read-only
// (connecting needs no write access to the mount) with the bridge's binary.
func (s *Sandbox) networkArgs(c Command) ([]string, error) {
	if s.cfg.Network == NetworkFull {
		return nil, nil
	}
	args := []string{"--unshare-net"}
	if c.Egress == "" {
		return args, nil
	}
	if s.bridge == "" {
		return nil, errors.New("sandbox: no bridge binary for the egress socket")
	}
	return append(args, "--ro-bind", filepath.Dir(c.Egress), insideSocketDir, "--ro-bind", s.bridge, s.bridge), nil
}

// cliDirs are the folders the CLI needs besides /usr: its own, and its target's when it is a
// symlink (npm's node_modules/.bin/claude).
func cliDirs(cli string) []string {
	dirs := []string{filepath.Dir(cli)}
	if real, err := filepath.EvalSymlinks(cli); err == nil && filepath.Dir(real) != dirs[0] {
		dirs = append(dirs, filepath.Dir(real))
	}
	var out []string
	for _, d := range dirs {
		if d != "/usr" && !strings.HasPrefix(d, "/usr/") {
			out = append(out, d)
		}
	}
	return out
}

// checkBwrap runs a trivial sandbox: bwrap may be installed where user namespaces are off.
func checkBwrap(bwrap string, ownNet bool) error {
	args := append(baseArgs(bwrap), systemArgs(1<<20)...)
	if ownNet {
		args = append(args, "--unshare-net")
	}
	cmd := exec.Command(args[0], append(args[1:], "--", "/bin/sh", "-c", "exit 0")...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bwrap does not work here (user namespaces off? try sysctl kernel.unprivileged_userns_clone=1 or run as root): %v: %s",
			err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
