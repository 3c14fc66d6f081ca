package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// The controllers a run needs, by cgroup v1 name.
var controllers = []string{"memory", "pids", "cpuacct"}

// cgroupRoot is where runs' cgroups go: under the service's own cgroup, so that the limits of
// the service's unit still cover them.
type cgroupRoot struct {
	v1  map[string]string // controller → the service's folder in that v1 hierarchy
	v2  string            // the service's cgroup v2 folder, when v1 is not used
	why string            // why there are no cgroups, when neither is usable
}

func (c cgroupRoot) ok() bool { return c.v1 != nil || c.v2 != "" }

func (c cgroupRoot) version() string {
	if c.v1 != nil {
		return "v1"
	}
	return "v2"
}

var cgroupSeq atomic.Int64

// runPrefix starts the name of a run's cgroup: runPrefix<service PID>-<sequence>.
const runPrefix = "claude-run-"

// findCgroupRoot looks for writable cgroups: v1 hierarchies with every controller (hybrid
// systems, many VMs), else a v2 cgroup whose children can get memory and pids controllers
// (systemd with Delegate=yes, or the root cgroup). Trying is the only reliable test.
func findCgroupRoot() cgroupRoot {
	own, err := ownCgroups()
	if err != nil {
		return cgroupRoot{why: err.Error()}
	}
	if v1, err := findV1(own); err == nil {
		return cgroupRoot{v1: v1}
	} else if v2, err2 := findV2(own); err2 == nil {
		return cgroupRoot{v2: v2}
	} else {
		return cgroupRoot{why: fmt.Sprintf("%v; %v", err, err2)}
	}
}

// ownCgroups maps each v1 controller (and "" for v2) to the service's path in that hierarchy,
// joined to where the hierarchy is mounted.
func ownCgroups() (map[string]string, error) {
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	own := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, ctl := range strings.Split(parts[1], ",") {
			if m, ok := mounts[ctl]; ok {
				own[ctl] = filepath.Join(m.dir, strings.TrimPrefix(parts[2], m.root))
			}
		}
	}
	return own, nil
}

type mount struct{ dir, root string }

// cgroupMounts maps each v1 controller, and "" for cgroup2, to its mount.
func cgroupMounts() (map[string]mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	defer f.Close()
	out := map[string]mount{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 3 {
			continue
		}
		m := mount{dir: fields[4], root: fields[3]}
		switch tail[0] {
		case "cgroup2":
			out[""] = m
		case "cgroup":
			for _, opt := range strings.Split(tail[2], ",") {
				out[opt] = m
			}
		}
	}
	return out, sc.Err()
}

func findV1(own map[string]string) (map[string]string, error) {
	v1 := map[string]string{}
	for _, ctl := range controllers {
		dir, ok := own[ctl]
		if !ok {
			return nil, fmt.Errorf("no cgroup v1 %s hierarchy", ctl)
		}
		if err := tryMkdir(dir); err != nil {
			return nil, err
		}
		v1[ctl] = dir
	}
	return v1, nil
}

func findV2(own map[string]string) (string, error) {
	dir, ok := own[""]
	if !ok {
		return "", errors.New("no cgroup2 mount")
	}
	// Children get controllers only if they are enabled here, and a cgroup that holds processes
	// (other than the root) cannot enable them: in a delegated subtree (systemd Delegate=yes)
	// the service first moves itself into a leaf of its own.
	enable := func() error {
		return os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+memory +pids +cpu"), 0)
	}
	err := enable()
	if errors.Is(err, syscall.EBUSY) {
		if err = moveToLeaf(dir); err == nil {
			err = enable()
		}
	}
	if err != nil {
		return "", fmt.Errorf("cgroup v2 %s: cannot enable memory, pids and cpu for children (run the service with systemd Delegate=yes): %v", dir, err)
	}
	return dir, tryMkdir(dir)
}

// moveToLeaf moves the processes of dir (the service) into dir/service.
func moveToLeaf(dir string) error {
	leaf := filepath.Join(dir, "service")
	if err := os.Mkdir(leaf, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return err
	}
	for _, pid := range strings.Fields(string(data)) {
		if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(pid), 0); err != nil {
			return fmt.Errorf("move %s to %s: %w", pid, leaf, err)
		}
	}
	return nil
}

func tryMkdir(dir string) error {
	probe := filepath.Join(dir, fmt.Sprintf("claude-probe-%d", os.Getpid()))
	if err := os.Mkdir(probe, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("cgroup %s not writable: %v", dir, err)
	}
	return os.Remove(probe)
}

// cgroup is one run's cgroup, in one or several hierarchies.
type cgroup struct {
	name  string            // the folder's name in each hierarchy
	dirs  map[string]string // controller (v1) or "" (v2) → folder
	procs []string          // the cgroup.procs files a process writes itself into
}

// newCgroup creates the run's cgroup with its limits.
func (c cgroupRoot) newCgroup(l Limits) (*cgroup, error) {
	name := fmt.Sprintf("%s%d-%d", runPrefix, os.Getpid(), cgroupSeq.Add(1))
	cg := &cgroup{name: name, dirs: map[string]string{}}
	roots := c.v1
	if roots == nil {
		roots = map[string]string{"": c.v2}
	}
	for ctl, root := range roots {
		dir := filepath.Join(root, name)
		if err := mkdirFresh(dir); err != nil {
			cg.remove()
			return nil, fmt.Errorf("sandbox: create cgroup: %w", err)
		}
		cg.dirs[ctl] = dir
		cg.procs = append(cg.procs, filepath.Join(dir, "cgroup.procs"))
	}
	if err := cg.setLimits(l); err != nil {
		cg.remove()
		return nil, err
	}
	return cg, nil
}

// mkdirFresh creates a run's cgroup folder. One that exists already was left by a process killed
// with -9 whose PID this process now has (names are PID and sequence): nothing of it is alive that
// should be, so it is emptied, removed and made again.
func mkdirFresh(dir string) error {
	err := os.Mkdir(dir, 0o755)
	if !os.IsExist(err) {
		return err
	}
	if err := (&cgroup{dirs: map[string]string{"stale": dir}}).remove(); err != nil {
		return fmt.Errorf("remove a stale cgroup: %w", err)
	}
	return os.Mkdir(dir, 0o755)
}

func (cg *cgroup) v2() bool { _, ok := cg.dirs[""]; return ok }

// file is a control file of the hierarchy that has ctl.
func (cg *cgroup) file(ctl, v1name, v2name string) string {
	if cg.v2() {
		return filepath.Join(cg.dirs[""], v2name)
	}
	return filepath.Join(cg.dirs[ctl], v1name)
}

func (cg *cgroup) setLimits(l Limits) error {
	set := func(ctl, v1name, v2name string, v int64) error {
		if v <= 0 {
			return nil
		}
		path := cg.file(ctl, v1name, v2name)
		if err := os.WriteFile(path, []byte(strconv.FormatInt(v, 10)), 0); err != nil {
			return fmt.Errorf("sandbox: set %s: %w", path, err)
		}
		return nil
	}
	if err := set("memory", "memory.limit_in_bytes", "memory.max", int64(l.MemoryMB)<<20); err != nil {
		return err
	}
	if cg.v2() && l.MemoryMB > 0 {
		_ = os.WriteFile(filepath.Join(cg.dirs[""], "memory.swap.max"), []byte("0"), 0) // no swap to escape to
	}
	return set("pids", "pids.max", "pids.max", int64(l.MaxProcs))
}

// cpuTime is the CPU time of every process the run had, dead ones included.
func (cg *cgroup) cpuTime() time.Duration {
	if cg.v2() {
		n := statValue(filepath.Join(cg.dirs[""], "cpu.stat"), "usage_usec")
		return time.Duration(n) * time.Microsecond
	}
	data, _ := os.ReadFile(filepath.Join(cg.dirs["cpuacct"], "cpuacct.usage"))
	n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return time.Duration(n)
}

// exceeded reports a kill by the OOM killer or a refused fork.
func (cg *cgroup) exceeded(l Limits) error {
	if statValue(cg.file("memory", "memory.oom_control", "memory.events"), "oom_kill") > 0 {
		return fmt.Errorf("the run used more than %d MB of memory and the kernel killed a process (AGENT_MEMORY_MB)", l.MemoryMB)
	}
	if statValue(cg.file("pids", "pids.events", "pids.events"), "max") > 0 {
		return fmt.Errorf("the run tried to have more than %d processes at once (AGENT_MAX_PROCS)", l.MaxProcs)
	}
	return nil
}

// statValue reads "key value" from a flat-keyed control file; 0 when missing.
func statValue(path, key string) int64 {
	data, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// remove kills what is left in the cgroup (a daemon a tool started in its own session, in user
// mode) and deletes it.
func (cg *cgroup) remove() error {
	var errs []error
	for _, dir := range cg.dirs {
		killAll(filepath.Join(dir, "cgroup.procs"))
		var err error
		for i := 0; i < 50; i++ { // rmdir fails while dying processes are still counted
			if err = os.Remove(dir); err == nil || os.IsNotExist(err) {
				err = nil
				break
			}
			time.Sleep(20 * time.Millisecond)
			killAll(filepath.Join(dir, "cgroup.procs"))
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (cg *cgroup) killAll() {
	for _, p := range cg.procs {
		killAll(p)
	}
}

func killAll(procs string) {
	data, _ := os.ReadFile(procs)
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
