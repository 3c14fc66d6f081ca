package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// Replicas (separate connections) asking for one lease at once: exactly one gets it; a second
// ask within the hold is refused, one after it is granted.
func TestLeaseOneHolderAcrossConnections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		const n = 4
		dbs := make([]*store.DB, n)
		for i := range n {
			dbs[i] = tg.Open(t)
		}
		var got atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ok, _, err := dbs[i].TryLease(ctx, "rotate-token", time.Hour)
				if err != nil {
					t.Error(err)
				}
				if ok {
					got.Add(1)
				}
			})
		}
		wg.Wait()
		if got.Load() != 1 {
			t.Fatalf("%d holders, want 1", got.Load())
		}
		ok, since, err := dbs[0].TryLease(ctx, "rotate-token", time.Hour)
		if err != nil || ok || time.Since(since) > time.Minute {
			t.Fatalf("second ask: ok=%v since=%v err=%v, want refused with the holder's time", ok, since, err)
		}
		if ok, _, _ := dbs[0].TryLease(ctx, "rotate-token", -time.Second); !ok {
			t.Fatal("an expired lease is not taken over")
		}
		if err := dbs[1].ReleaseLease(ctx, "rotate-token"); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := dbs[2].TryLease(ctx, "rotate-token", time.Hour); !ok {
			t.Fatal("a released lease is not granted")
		}
	})
}

func TestMarks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.Open(t)
		if ok, _, err := db.Marked(ctx, "webhook-signed"); ok || err != nil {
			t.Fatalf("fresh: %v %v", ok, err)
		}
		db.Mark(ctx, "webhook-signed")
		if err := db.Mark(ctx, "webhook-signed"); err != nil {
			t.Fatal(err)
		}
		if ok, at, err := db.Marked(ctx, "webhook-signed"); !ok || at.IsZero() || err != nil {
			t.Fatalf("after Mark: %v %v %v", ok, at, err)
		}
	})
}
