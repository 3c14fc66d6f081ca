package sandbox

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"
)

// watchEvery is how often the watchdog measures the run. Walking a 20,000-file worktree takes
// ~30 ms here, so once a second costs little; a variable for tests.
var watchEvery = time.Second

// Watch measures the run while it runs and calls kill (which should kill its process group)
// once it goes over the disk or total CPU limit; Exceeded then says which. stop ends the
// watchdog and waits for it.
func (r *Run) Watch(kill func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := r.check(); err != nil {
					r.setExceeded(err)
					kill()
					if r.cg != nil { // what left the process group (a daemon of a tool)
						r.cg.killAll()
					}
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// check measures what the kernel does not bound by itself.
func (r *Run) check() error {
	if max := int64(r.limits.DiskMB) << 20; max > 0 {
		var used int64
		for _, dir := range r.watched {
			used += diskUse(dir)
		}
		if used > max {
			return fmt.Errorf("the worktree and HOME grew past %d MB (AGENT_DISK_MB); the run was stopped", r.limits.DiskMB)
		}
	}
	if r.cg != nil && r.limits.CPUSeconds > 0 {
		if used := r.cg.cpuTime(); used > time.Duration(r.limits.CPUSeconds)*time.Second {
			return fmt.Errorf("the run used more than %d s of CPU time (AGENT_CPU_SECONDS); it was stopped", r.limits.CPUSeconds)
		}
	}
	return nil
}

// diskUse is the apparent size of the files under dir (sparse files count in full: an agent
// could otherwise hide a terabyte-sized file from the measure and from the commit).
func diskUse(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file removed meanwhile, an unreadable folder: count what we can
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
