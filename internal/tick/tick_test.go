package tick

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// Run returns when its context ends, and calls f on every tick before that.
func TestRunCallsUntilTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, time.Millisecond, func() {
			if calls++; calls == 3 {
				cancel()
			}
		})
	}()
	<-done
	if calls != 3 {
		t.Fatalf("%d calls, want 3", calls)
	}
}

// stop waits for the goroutine: once it returned, f is neither running nor called again, and
// the context f was given has ended.
func TestStopWaitsForTheGoroutine(t *testing.T) {
	var calls atomic.Int64
	ticked := make(chan struct{}, 1)
	var last context.Context
	stop := Start(context.Background(), time.Millisecond, func(ctx context.Context) {
		last = ctx
		calls.Add(1)
		select {
		case ticked <- struct{}{}:
		default:
		}
	})
	<-ticked
	stop()
	after := calls.Load()
	if last.Err() == nil {
		t.Error("f's context did not end with stop")
	}
	if got := calls.Load(); got != after {
		t.Errorf("f was called after stop returned: %d then %d", after, got)
	}
}
