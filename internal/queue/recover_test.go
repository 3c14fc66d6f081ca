package queue

import (
	"context"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// A job left running by a process that died (the row says running, nobody works on it) runs again
// as soon as the next process starts, not after River's rescue delay, with its attempt count kept.
func TestJobLeftRunningResumesAtStart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q.Start(ctx)
	out, err := q.Enqueue(ctx, delivery(5, "note:7:5"))
	if err != nil {
		t.Fatal(err)
	}
	// What a kill -9 in the middle of the first attempt leaves behind.
	if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1,
		attempted_at = datetime('now', 'subsec') WHERE id = ?`, out.JobID); err != nil {
		t.Fatal(err)
	}
	q.Stop(ctx)
	// An insert-only queue (the jobs command) must not touch it: the service may be alive.
	q2, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q2.Start(ctx)
	if got, _ := q2.Get(ctx, out.JobID); got.State != "running" {
		t.Fatalf("an insert-only queue changed a running job to %s", got.State)
	}
	q2.Stop(ctx)
	db.Close()

	rec := &recorder{done: make(chan struct{})}
	start := time.Now()
	openQueue(t, storetest.Target{Kind: store.SQLite, DataDir: dir}, rec)
	select {
	case <-rec.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the orphaned job did not run again after the restart")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("resumed after %s, want within seconds", took)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.seen[0].ID != out.JobID || rec.seen[0].Attempt != 2 {
		t.Fatalf("resumed %+v, want job %d at attempt 2", rec.seen[0], out.JobID)
	}
}

func TestRetryDelayGrowsWithJitterAndCap(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 5 * time.Second, 1: 5 * time.Second, 2: 20 * time.Second,
		3: time.Minute, 5: 10 * time.Minute, 50: 10 * time.Minute} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := retryDelay(retryDelays, n)
			if d < want*3/4 || d > want*5/4 {
				t.Fatalf("after failure %d: %s, want %s ±25%%", n, d, want)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("after failure %d: only %d distinct delays in 50: no jitter", n, len(seen))
		}
	}
}
