package webhook

import (
	"testing"
	"time"
)

func TestRejectLogOneLinePerSourceAndMinute(t *testing.T) {
	l := newRejectLog()
	t0 := time.Unix(1_700_000_000, 0)
	lines := 0
	for i := range 1000 {
		if log, _, _ := l.admit("10.0.0.1", t0.Add(time.Duration(i)*time.Millisecond)); log {
			lines++
		}
	}
	if lines != 1 {
		t.Fatalf("%d lines for 1000 rejections within a second, want 1", lines)
	}
	log, before, _ := l.admit("10.0.0.1", t0.Add(61*time.Second))
	if !log || before != 999 {
		t.Errorf("next minute: log=%v, held back %d, want true, 999", log, before)
	}
	l.admit("10.0.0.2", t0.Add(61*time.Second))
	l.admit("10.0.0.2", t0.Add(62*time.Second)) // held back
	_, _, stale := l.admit("10.0.0.3", t0.Add(3*time.Minute))
	if len(stale) != 1 || stale[0].source != "10.0.0.2" || stale[0].count != 1 {
		t.Errorf("sweep told %+v, want 10.0.0.2 with 1", stale)
	}
}
