// Package waitfor lets tests wait for a condition, checked every few milliseconds, instead of
// sleeping a fixed time: a fixed sleep is too short on a slow machine and too long on a fast one.
package waitfor

import (
	"testing"
	"time"
)

// Interval is how often a condition is checked.
const Interval = 10 * time.Millisecond

// Cond waits until cond holds; after timeout the test fails, saying what it waited for.
func Cond(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	if !Within(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// Within waits until cond holds and says whether it did within timeout.
func Within(timeout time.Duration, cond func() bool) bool {
	tick := time.NewTicker(Interval)
	defer tick.Stop()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-deadline:
			return cond()
		case <-tick.C:
		}
	}
	return true
}
