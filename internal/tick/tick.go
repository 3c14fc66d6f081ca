// Package tick calls a function at a steady pace for as long as its owner wants, in a goroutine
// the owner waits for.
package tick

import (
	"context"
	"time"
)

// Run calls f every d until ctx ends; a slow f delays the next call (ticks do not pile up).
func Run(ctx context.Context, d time.Duration, f func()) {
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

// Start calls f every d in a goroutine of its own until ctx ends or stop is called; f's context
// ends then too. stop waits for the goroutine to return: no call of f is under way or to come.
func Start(ctx context.Context, d time.Duration, f func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, d, func() { f(ctx) })
	}()
	return func() { cancel(); <-done }
}
