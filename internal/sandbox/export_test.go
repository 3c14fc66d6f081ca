package sandbox

import "time"

// SetWatchEvery makes the watchdog look more often, so limit tests end sooner.
func SetWatchEvery(d time.Duration) { watchEvery = d }

// SetCopyGitDir switches the copy of the worktree's git dir off, for a control run.
func SetCopyGitDir(on bool) { copyGitDir = on }

// CgroupsOK says whether runs get a cgroup here.
func (s *Sandbox) CgroupsOK() bool { return s.cgroups.ok() }
