package queue

import (
	"context"
	"time"
)

// onTicks calls f every d until ctx ends; a slow f delays the next call (ticks do not pile up).
func onTicks(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
