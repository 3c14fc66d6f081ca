package queue

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// fastBeats are take-over timings short enough for a test: beat every 100 ms, stale after 600 ms.
func fastBeats() Options {
	return Options{Workers: 2, JobTimeout: time.Minute, MaxAttempts: 3, Heartbeat: 100 * time.Millisecond, StaleAfter: 600 * time.Millisecond}
}

// blocker holds each job until released or its context ends, and counts the runs.
type blocker struct {
	mu      sync.Mutex
	runs    map[int64]int
	started chan int64
	release chan struct{}
	causes  chan error
}

func newBlocker() *blocker {
	return &blocker{runs: map[int64]int{}, started: make(chan int64, 10), release: make(chan struct{}), causes: make(chan error, 10)}
}

func (b *blocker) Handle(ctx context.Context, j Job) error {
	b.mu.Lock()
	b.runs[j.ID]++
	b.mu.Unlock()
	b.started <- j.ID
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		b.causes <- context.Cause(ctx)
		return ctx.Err()
	}
}

// A long job of a live replica is never taken over, however long it runs past StaleAfter, while
// other replicas watch; a job whose replica died (running, beats stopped) runs again on another
// within StaleAfter plus a beat, with its attempt count kept.
func TestTakeOverOnlyOfDeadReplicas(t *testing.T) {
	tg := storetest.Postgres(t)
	live := newBlocker()
	a := openQueue(t, tg, live, fastBeats())
	other := newBlocker()
	b := openQueue(t, tg, other, fastBeats())
	ctx := context.Background()

	out, err := a.Enqueue(ctx, delivery(1, "note:7:1"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-live.started:
	case <-other.started:
		live, other = other, live // b fetched it first: b is the live replica
	case <-time.After(10 * time.Second):
		t.Fatal("the job never started")
	}
	// The job runs five times StaleAfter, then ends; once it has completed, nothing can run it
	// again, so its count of runs is final.
	time.AfterFunc(3*time.Second, func() {
		close(live.release)
		close(other.release)
	})
	waitState(t, a, out.JobID, "completed")
	live.mu.Lock()
	other.mu.Lock()
	runs := live.runs[out.JobID] + other.runs[out.JobID]
	other.mu.Unlock()
	live.mu.Unlock()
	if runs != 1 {
		t.Fatalf("a live job ran %d times: taken over while its replica beat", runs)
	}

	// What a kill -9 leaves: running, attempted by a client that no longer beats. (A job that
	// ran and completed, put back to running: no worker of this test can hold it.)
	d := delivery(2, "note:7:2")
	d.Request.Thread.IID = 4
	dead, err := b.Enqueue(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, a, dead.JobID, "completed")
	select { // its first, normal run
	case <-live.started:
	case <-other.started:
	}
	db := a.db
	if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(), finalized_at = NULL,
		attempted_by = ARRAY['deadhost/0000/0000'] WHERE id = $1`, dead.JobID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO claude_job_heartbeat (job_id, client_id, heartbeat_at)
		VALUES ($1, 'deadhost/0000/0000', `+nowMS+`) ON CONFLICT (job_id) DO UPDATE SET client_id = excluded.client_id, heartbeat_at = excluded.heartbeat_at`, dead.JobID); err != nil {
		t.Fatal(err)
	}
	diedAt := time.Now()
	var got int64
	select {
	case got = <-live.started:
	case got = <-other.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the dead replica's job was not taken over")
	}
	took := time.Since(diedAt)
	if got != dead.JobID {
		t.Fatalf("started job %d, want the dead replica's job %d", got, dead.JobID)
	}
	if took < 500*time.Millisecond || took > 3*time.Second {
		t.Fatalf("taken over after %s, want after StaleAfter (600ms) and within a few beats", took)
	}
	waitState(t, a, dead.JobID, "completed")
	info, _ := a.Get(ctx, dead.JobID)
	if info.Attempt != 2 {
		t.Fatalf("taken-over job at attempt %d, want 2 (the dead run counts)", info.Attempt)
	}
}

// A run whose job was taken over (its beat finds another client's row: this replica was cut off
// longer than StaleAfter) is cancelled, so two replicas do not work on one job.
func TestRunStopsWhenTakenOver(t *testing.T) {
	tg := storetest.Postgres(t)
	h := newBlocker()
	q := openQueue(t, tg, h, fastBeats())
	ctx := context.Background()
	out, err := q.Enqueue(ctx, delivery(1, "note:7:1"))
	if err != nil {
		t.Fatal(err)
	}
	<-h.started
	if _, err := q.db.ExecContext(ctx, `UPDATE claude_job_heartbeat SET client_id = 'elsewhere/1/1' WHERE job_id = $1`, out.JobID); err != nil {
		t.Fatal(err)
	}
	select {
	case cause := <-h.causes:
		if !errors.Is(cause, errTakenOver) {
			t.Fatalf("run cancelled by %v, want errTakenOver", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the run went on after its job was taken over")
	}
}

// After a crash, a replica restarting with the same ReplicaID takes its own running jobs back at
// once: they cannot be alive anywhere.
func TestRestartedReplicaResumesItsJobsAtOnce(t *testing.T) {
	tg := storetest.Postgres(t)
	opts := fastBeats()
	opts.ReplicaID = "host-a/1234"
	opts.StaleAfter = time.Hour // only the restart can explain a quick resume
	ctx := context.Background()
	first := openQueue(t, tg, nil, opts)
	out, err := first.Enqueue(ctx, delivery(1, "note:7:1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.db.ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(),
		attempted_by = ARRAY['host-a/1234/dead'] WHERE id = $1`, out.JobID); err != nil {
		t.Fatal(err)
	}
	other := opts
	other.ReplicaID = "host-b/5678"
	hb := newBlocker()
	b := openQueue(t, tg, hb, other) // another replica: must leave it alone
	if n, err := b.beats.takeOver(ctx); err != nil || n != 0 {
		t.Fatalf("another replica's take-over took %d jobs (%v) although StaleAfter is an hour", n, err)
	}
	waitState(t, b, out.JobID, "running")
	h := newBlocker()
	start := time.Now()
	openQueue(t, tg, h, opts)
	// The restart makes the job available at once; then any replica's worker may fetch it first.
	var got int64
	select {
	case got = <-h.started:
	case got = <-hb.started:
	case <-time.After(5 * time.Second):
		t.Fatal("the restarted replica did not resume its job")
	}
	if got != out.JobID || time.Since(start) > 3*time.Second {
		t.Fatalf("resumed job %d after %s, want job %d within seconds", got, time.Since(start), out.JobID)
	}
	close(h.release)
	close(hb.release)
}

func waitState(t *testing.T, q *Queue, id int64, state string) {
	t.Helper()
	if waitfor.Within(10*time.Second, func() bool {
		info, err := q.Get(context.Background(), id)
		return err == nil && info.State == state
	}) {
		return
	}
	info, err := q.Get(context.Background(), id)
	t.Fatalf("job %d is %s (%v), want %s", id, info.State, err, state)
}
