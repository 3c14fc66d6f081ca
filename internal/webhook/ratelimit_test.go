package webhook

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiterForgetsIdleSources(t *testing.T) {
	l := newLimiter(10)
	now := time.Unix(1_700_000_000, 0)
	for i := range 100 {
		l.allow("10.0.0."+strconv.Itoa(i), now)
	}
	if len(l.sources) != 100 {
		t.Fatalf("tracked %d sources", len(l.sources))
	}
	l.allow("10.0.1.1", now.Add(5*time.Minute))
	if len(l.sources) != 1 {
		t.Errorf("after the idle sweep %d sources remain, want 1", len(l.sources))
	}
}

func TestLimiterBoundedAndIPv6ByPrefix(t *testing.T) {
	l := newLimiter(1)
	now := time.Unix(1_700_000_000, 0)
	for i := range maxSources + 10 {
		l.allow("10."+strconv.Itoa(i>>16)+"."+strconv.Itoa(i>>8&255)+"."+strconv.Itoa(i&255), now)
	}
	if len(l.sources) != maxSources {
		t.Errorf("tracked %d sources, want the cap %d", len(l.sources), maxSources)
	}
	l = newLimiter(1) // burst 2
	for i, addr := range []string{"2001:db8::1", "2001:db8::2", "2001:db8::3"} {
		ok, wait := l.allow(addr, now)
		if want := i < 2; ok != want || (!ok && wait <= 0) {
			t.Errorf("%s: allowed=%v wait=%v, want allowed=%v (one /64, one bucket)", addr, ok, wait, want)
		}
	}
	if ok, _ := l.allow("2001:db9::1", now); !ok {
		t.Error("another /64 shares the bucket")
	}
	if ok, _ := (*limiter)(nil).allow("x", now); !ok {
		t.Error("a nil limiter (rate 0) must allow")
	}
}
