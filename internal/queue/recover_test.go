package queue

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

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
		for id := range int64(50) {
			d := retryDelay(retryDelays, id, n)
			if d < want*3/4 || d > want*5/4 || d > 10*time.Minute {
				t.Fatalf("after failure %d: %s, want %s ±25%% and at most 10 min", n, d, want)
			}
			if again := retryDelay(retryDelays, id, n); again != d {
				t.Fatalf("job %d after failure %d: %s then %s; the job could not tell its next try", id, n, d, again)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("after failure %d: only %d distinct delays in 50 jobs: no jitter", n, len(seen))
		}
	}
}

// River calls the policy with the errors before the failure it handles: the first failure must
// get the first delay, the second the second (the bug: 5 s, 5 s, 20 s, 1 min, and the job gone
// 2.5 minutes into an outage).
func TestRetryPolicyCountsTheFailureBeingHandled(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := retryPolicy{delays: retryDelays, now: func() time.Time { return now }}
	row := &rivertype.JobRow{ID: 9}
	for i, want := range []time.Duration{5 * time.Second, 20 * time.Second, time.Minute, 3 * time.Minute, 10 * time.Minute, 10 * time.Minute} {
		got := p.NextRetry(row).Sub(now)
		if got < want*3/4 || got > want*5/4 {
			t.Fatalf("failure %d: next try in %s, want %s ±25%%", i+1, got, want)
		}
		row.Errors = append(row.Errors, rivertype.AttemptError{At: now, Attempt: i + 1})
	}
}

// A job tries again until JOB_GIVE_UP after its first failure, never longer than 10 minutes apart,
// and MaxAttempts never ends it sooner.
func TestGiveUpHorizonDecidesTheLastTry(t *testing.T) {
	giveUp := 24 * time.Hour
	maxAttempts := attemptsWithin(retryDelays, giveUp)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	row := &rivertype.JobRow{ID: 3, MaxAttempts: maxAttempts}
	now := start
	for attempt := 1; ; attempt++ {
		row.Attempt = attempt
		at, last := nextTry(row, retryDelays, giveUp, now)
		if last {
			if now.Sub(start) < giveUp-10*time.Minute*5/4 {
				t.Fatalf("last try at attempt %d, %s after the first failure; want about %s", attempt, now.Sub(start), giveUp)
			}
			if attempt >= maxAttempts {
				t.Fatalf("ended by MaxAttempts %d, not by the horizon", maxAttempts)
			}
			return
		}
		if wait := at.Sub(now); wait > 10*time.Minute {
			t.Fatalf("attempt %d: waits %s, want at most 10 min (+jitter)", attempt, wait)
		}
		row.Errors = append(row.Errors, rivertype.AttemptError{At: now, Attempt: attempt})
		now = at
	}
}
