// Package sandbox confines each run of the Claude CLI to its worktree and private HOME.
//
// The agent runs tools (Bash, Edit) on text anyone who can comment wrote, so a prompt injection
// can make it run any command. What it must never reach: the service's environment (GitLab token,
// webhook secret), its .env, DATA_DIR with the database, other projects' mirrors and worktrees,
// other runs. Three modes:
//
//	bwrap  bubblewrap: new user, mount, PID, IPC and UTS namespaces, no capabilities; the
//	       filesystem is /usr and a few /etc files read-only, the CLI's folder read-only, the
//	       worktree and HOME read-write, its own project's git objects read-only, a fresh /proc,
//	       /dev and a size-limited /tmp. Nothing else of the machine exists inside.
//	user   a separate unprivileged OS user (AGENT_USER), for machines without user namespaces:
//	       DATA_DIR becomes traverse-only and its secrets unreadable to that user, the worktree
//	       and HOME are lent to it for the run. Weaker: see user.go.
//	none   no confinement, only the minimal environment. Must be chosen explicitly.
//
// In every mode the run gets resource limits: rlimits through prlimit (CPU seconds per process,
// file size, processes, no core dumps) and, where the service may create cgroups, a cgroup per
// run (memory, processes, total CPU); a watchdog ends the run when the worktree and HOME grow
// past the disk limit or the cgroup's CPU time passes the limit.
//
// Network (AGENT_NETWORK): with bwrap each run has a network namespace of its own, a loopback
// and no route out; the only way out is the run's egress socket (internal/egress), reached
// through a bridge inside: the model API (model, the default), plus the host names of
// AGENT_EGRESS_ALLOW (allowlist). The user mode does the same with unshare(1) as root, the
// bridge (root) starting setpriv. full gives the host's network, as the service has it; none
// confines nothing, the network included.
package sandbox

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Modes of confinement.
const (
	ModeBwrap = "bwrap"
	ModeUser  = "user"
	ModeNone  = "none"
)

// Network policies (AGENT_NETWORK).
const (
	NetworkModel     = "model"     // the model API only, through the run's egress socket
	NetworkAllowlist = "allowlist" // the model API and the host names of AGENT_EGRESS_ALLOW
	NetworkFull      = "full"      // the host's network: no confinement
)

// Config is read once at start (AGENT_SANDBOX, AGENT_USER, AGENT_NETWORK, the limits).
type Config struct {
	Mode    string // bwrap, user, none; empty: the strongest that works here
	User    string // the agent's OS user in user mode; DefaultUser when empty
	Network string // NetworkModel when empty
	// Bridge is the binary that runs as the bridge inside (see RunBridgeIfAsked); the running
	// executable when empty.
	Bridge string
	// DataDir is the service's DATA_DIR: in user mode its secrets are made unreadable to the
	// agent's user. In bwrap mode nothing outside the run's own paths exists at all.
	DataDir string
	// SecretFiles are the service's .env and *_FILE files: made 0600 in user mode (bwrap never
	// shows them).
	SecretFiles []string
	Limits      Limits
}

// Limits of one run; 0 means the default, a negative value means no limit.
type Limits struct {
	MemoryMB   int // the run's memory (cgroup); not enforced without cgroups
	CPUSeconds int // CPU time: per process (rlimit) and for the whole run (cgroup)
	MaxProcs   int // processes and threads at once (cgroup; rlimit per user in user mode)
	DiskMB     int // worktree + HOME (watchdog), any single file (rlimit), /tmp (bwrap tmpfs)
}

// Defaults of Limits: generous for a real agent (the CLI alone peaks at ~220 MB and ~30 threads).
const (
	DefaultMemoryMB   = 4096
	DefaultCPUSeconds = 3600
	DefaultMaxProcs   = 512
	DefaultDiskMB     = 2048
	DefaultUser       = "claude-agent"
)

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.MemoryMB, DefaultMemoryMB)
	def(&l.CPUSeconds, DefaultCPUSeconds)
	def(&l.MaxProcs, DefaultMaxProcs)
	def(&l.DiskMB, DefaultDiskMB)
	return l
}

// Sandbox wraps commands in the chosen confinement. Safe for concurrent use.
type Sandbox struct {
	mode    string
	cfg     Config
	bwrap   string   // path of bwrap, in bwrap mode
	agent   *account // the agent's user, in user mode
	cgroups cgroupRoot
	prlimit string // path of prlimit, empty if missing
	bridge  string // the bridge binary, when the network is confined
}

// New checks the configured mode, or picks the strongest that works on this machine when
// Config.Mode is empty. It fails rather than fall back to none.
func New(cfg Config) (*Sandbox, error) {
	switch cfg.Network {
	case "":
		cfg.Network = NetworkModel
	case NetworkModel, NetworkAllowlist, NetworkFull:
	default:
		return nil, fmt.Errorf("AGENT_NETWORK=%s: want model, allowlist or full", cfg.Network)
	}
	if cfg.User == "" {
		cfg.User = DefaultUser
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.DataDir != "" {
		abs, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("sandbox: DATA_DIR: %w", err)
		}
		cfg.DataDir = abs
	}
	s := &Sandbox{cfg: cfg, cgroups: findCgroupRoot()}
	s.prlimit, _ = exec.LookPath("prlimit")
	if cfg.Network != NetworkFull {
		if s.bridge = cfg.Bridge; s.bridge == "" {
			exe, err := os.Executable()
			if err != nil {
				return nil, fmt.Errorf("sandbox: find the bridge binary (own executable): %w", err)
			}
			s.bridge = exe
		}
	}
	switch cfg.Mode {
	case "":
		err := s.pick()
		if err == nil {
			err = s.checkNetwork()
		}
		return s, err
	case ModeBwrap:
		return s, s.useBwrap()
	case ModeUser:
		err := s.useUser()
		if err == nil {
			err = s.checkNetwork()
		}
		return s, err
	case ModeNone:
		s.mode = ModeNone
		return s, nil
	}
	return nil, fmt.Errorf("AGENT_SANDBOX=%s: want bwrap, user or none (or leave it empty for the strongest that works)", cfg.Mode)
}

// checkNetwork refuses a confined network where the mode cannot give one.
func (s *Sandbox) checkNetwork() error {
	if s.mode != ModeUser || s.cfg.Network == NetworkFull {
		return nil
	}
	if err := checkUnshare(); err != nil {
		return fmt.Errorf("AGENT_SANDBOX=user cannot give the agent a network of its own (AGENT_NETWORK=%s): %w; or set AGENT_NETWORK=full to let the agent reach what the host reaches", s.cfg.Network, err)
	}
	return nil
}

// Network is the network policy in force: full when nothing confines the agent (none).
func (s *Sandbox) Network() string {
	if s.mode == ModeNone {
		return NetworkFull
	}
	return s.cfg.Network
}

// pick tries bwrap, then user, and explains both failures.
func (s *Sandbox) pick() error {
	errB := s.useBwrap()
	if errB == nil {
		return nil
	}
	errU := s.useUser()
	if errU == nil {
		return nil
	}
	return fmt.Errorf("no sandbox works here: %w; %w; or set AGENT_SANDBOX=none to run the agent unconfined (it can then read the service's secrets)",
		errB, errU)
}

func (s *Sandbox) useBwrap() error {
	path, err := exec.LookPath("bwrap")
	if err != nil {
		return errors.New("bwrap is not installed (apt-get install bubblewrap)")
	}
	if err := checkBwrap(path, s.cfg.Network != NetworkFull); err != nil {
		return err
	}
	s.mode, s.bwrap = ModeBwrap, path
	return nil
}

func (s *Sandbox) useUser() error {
	if os.Geteuid() != 0 {
		return errors.New("the user sandbox needs the service to run as root (to switch to AGENT_USER)")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		return errors.New("the user sandbox needs setpriv (util-linux)")
	}
	a, err := lookupAccount(s.cfg.User)
	if err != nil {
		return err
	}
	s.mode, s.agent = ModeUser, a
	// Files the service creates from now on (the database, mirrors, logs) are its own only: the
	// agent's user is an "other" on this machine. Worktrees are lent to it explicitly.
	syscall.Umask(0o077)
	return nil
}

// Mode is the confinement in use: bwrap, user or none.
func (s *Sandbox) Mode() string { return s.mode }

// Describe is one line for the start-up log and doctor: the mode and what is enforced.
func (s *Sandbox) Describe() string {
	l := s.cfg.Limits
	d := fmt.Sprintf("sandbox %s; network %s (%s); limits: disk %d MB (watchdog)", s.mode, s.Network(), s.networkWords(), l.DiskMB)
	if s.prlimit != "" {
		d += fmt.Sprintf(", CPU %ds per process, file size %d MB (rlimit)", l.CPUSeconds, l.DiskMB)
	}
	if s.cgroups.ok() {
		d += fmt.Sprintf(", memory %d MB, %d processes, CPU %ds in all (cgroup %s)", l.MemoryMB, l.MaxProcs, l.CPUSeconds, s.cgroups.version())
	} else {
		d += "; memory and process count NOT enforced (no writable cgroup: " + s.cgroups.why + ")"
	}
	if s.mode == ModeNone {
		d += "; WARNING: the agent runs unconfined and can read the service's secrets"
	}
	return d
}

func (s *Sandbox) networkWords() string {
	switch s.Network() {
	case NetworkModel:
		return "own namespace; the model API only, through the service"
	case NetworkAllowlist:
		return "own namespace; the model API and AGENT_EGRESS_ALLOW, through the service"
	}
	return "NOT restricted: the host's network"
}

// Log writes the start-up line that says how the agent is confined; loud when it is not.
func (s *Sandbox) Log(log *slog.Logger) {
	if s.mode == ModeNone {
		log.Warn("agent sandbox: NONE. The agent runs unconfined: a prompt injection can read the GitLab token, .env and DATA_DIR. Install bubblewrap or set AGENT_USER and AGENT_SANDBOX=user.",
			"sandbox", ModeNone, "detail", s.Describe())
		return
	}
	if s.Network() == NetworkFull {
		log.Warn("agent network: FULL. The agent reaches whatever this host reaches (internal services, cloud metadata, the internet). Set AGENT_NETWORK=model (the default) with bwrap to confine it.",
			"sandbox", s.mode, "network", NetworkFull, "detail", s.Describe())
		return
	}
	log.Info("agent sandbox", "sandbox", s.mode, "network", s.Network(), "detail", s.Describe())
}
