package webhook

import (
	"sync"
	"time"
)

// rejectEvery is how often one source's rejected deliveries are logged at most.
const rejectEvery = time.Minute

// rejectLog keeps the log of rejected deliveries (wrong token, bad signature, rate-limited, bad
// body) to one line per source address and minute: a flood must not become a flood of log lines.
// The lines it holds back are counted and told on the source's next line, or by the sweep; the
// /metrics counter stays exact.
type rejectLog struct {
	mu        sync.Mutex
	sources   map[string]*rejectSource
	lastSweep time.Time
}

type rejectSource struct {
	since      time.Time // the current window's first line
	suppressed int       // rejections not logged in that window
}

// heldBack is a source's count of rejections not logged, told when its window closes.
type heldBack struct {
	source string
	count  int
}

func newRejectLog() *rejectLog { return &rejectLog{sources: map[string]*rejectSource{}} }

// admit says whether to log this rejection from source now, with the count of those held back in
// the window before it; stale windows are returned for a summary line each.
func (l *rejectLog) admit(source string, now time.Time) (log bool, before int, stale []heldBack) {
	key := sourceKey(source)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= rejectEvery {
		stale = l.sweep(now, key)
	}
	s, ok := l.sources[key]
	if !ok && len(l.sources) >= maxSources {
		key = "other"
		s, ok = l.sources[key]
	}
	switch {
	case !ok:
		l.sources[key] = &rejectSource{since: now}
		return true, 0, stale
	case now.Sub(s.since) >= rejectEvery:
		before = s.suppressed
		s.since, s.suppressed = now, 0
		return true, before, stale
	}
	s.suppressed++
	return false, 0, stale
}

// sweep drops sources whose window closed, returning those that held lines back (except keep,
// whose count the caller's line tells).
func (l *rejectLog) sweep(now time.Time, keep string) []heldBack {
	var out []heldBack
	for key, s := range l.sources {
		if key == keep || now.Sub(s.since) < rejectEvery {
			continue
		}
		if s.suppressed > 0 {
			out = append(out, heldBack{source: key, count: s.suppressed})
		}
		delete(l.sources, key)
	}
	l.lastSweep = now
	return out
}
