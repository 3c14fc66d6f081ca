package agent

import "time"

// SetTimings shortens the kill grace and the wait after a result for a test.
func SetTimings(grace, linger time.Duration) (restore func()) {
	oldGrace, oldLinger := killGrace, resultLinger
	killGrace, resultLinger = grace, linger
	return func() { killGrace, resultLinger = oldGrace, oldLinger }
}
