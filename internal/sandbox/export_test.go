package sandbox

import "time"

// SetWatchEvery makes the watchdog look more often, so limit tests end sooner.
func SetWatchEvery(d time.Duration) { watchEvery = d }

// Relay is the bridge's forwarding of one connection to the egress socket (benchmarks).
var Relay = relay

// SetCopyGitDir switches the copy of the worktree's git dir off, for a control run.
func SetCopyGitDir(on bool) { copyGitDir = on }

// CgroupsOK says whether runs get a cgroup here.
func (s *Sandbox) CgroupsOK() bool { return s.cgroups.ok() }
