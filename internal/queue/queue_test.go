package queue

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// openQueue opens the target's database and a started queue on it; opts, if given, replaces the
// test defaults (Handler is always h).
func openQueue(t testing.TB, tg storetest.Target, h Handler, opts ...Options) *Queue {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, tg.URL, tg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Workers: 2, JobTimeout: time.Minute, MaxAttempts: 3}
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Handler = h
	q, err := Open(ctx, db, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q.Stop(ctx)
		db.Close()
	})
	return q
}

func delivery(note int64, keys ...string) Delivery {
	return Delivery{
		Request: trigger.Request{
			Reason:  trigger.ReasonMention,
			Project: event.Project{ID: 7, Path: "group/proj"},
			Thread:  event.Thread{Type: event.ThreadIssue, IID: 3},
			NoteID:  note,
			Author:  event.User{ID: 1, Username: "alice"},
			Text:    "@claude hello",
		},
		Keys: keys,
	}
}

func TestEnqueueStoresAndDedupes(t *testing.T) { storetest.Each(t, testEnqueueStoresAndDedupes) }

func testEnqueueStoresAndDedupes(t *testing.T, tg storetest.Target) {
	q := openQueue(t, tg, nil)
	ctx := context.Background()
	a, err := q.Enqueue(ctx, delivery(1, "delivery:a", "note:7:1"))
	if err != nil || a.Duplicate || a.JobID == 0 {
		t.Fatalf("first: %+v %v", a, err)
	}
	b, err := q.Enqueue(ctx, delivery(1, "delivery:b", "note:7:1"))
	if err != nil || !b.Duplicate || b.JobID != a.JobID {
		t.Fatalf("same note, other delivery: %+v %v (first job %d)", b, err, a.JobID)
	}
	c, err := q.Enqueue(ctx, delivery(2, "delivery:a", "note:7:2"))
	if err != nil || !c.Duplicate {
		t.Fatalf("same delivery key: %+v %v", c, err)
	}
	jobs, err := q.List(ctx, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Request.Text != "@claude hello" || jobs[0].Request.Project.Path != "group/proj" {
		t.Fatalf("jobs: %+v %v", jobs, err)
	}
}

func TestConcurrentCopiesOfOneNoteMakeOneJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		q := openQueue(t, tg, nil)
		concurrentCopies(t, q, q)
	})
}

// Copies of one note reaching different replicas at once (PostgreSQL: two queues on one
// database) still make one job.
func TestCopiesOnTwoReplicasMakeOneJob(t *testing.T) {
	tg := storetest.Postgres(t)
	concurrentCopies(t, openQueue(t, tg, nil), openQueue(t, tg, nil))
}

// concurrentCopies sends 100 copies of one note, alternately to a and b.
func concurrentCopies(t *testing.T, a, b *Queue) {
	q := a
	var wg sync.WaitGroup
	outs := make([]Outcome, 100)
	errs := make([]error, 100)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := a
			if i%2 == 1 {
				to = b
			}
			outs[i], errs[i] = to.Enqueue(context.Background(), delivery(9, fmt.Sprintf("delivery:%d", i), "note:7:9"))
		}()
	}
	wg.Wait()
	fresh := 0
	for i, o := range outs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !o.Duplicate {
			fresh++
		}
		if o.JobID != outs[0].JobID {
			t.Fatalf("copy %d points at job %d, copy 0 at %d", i, o.JobID, outs[0].JobID)
		}
	}
	jobs, _ := q.List(context.Background(), 200)
	if fresh != 1 || len(jobs) != 1 {
		t.Fatalf("fresh=%d jobs=%d, want 1 and 1", fresh, len(jobs))
	}
}

func TestJobsSurviveRestart(t *testing.T) { storetest.Each(t, testJobsSurviveRestart) }

func testJobsSurviveRestart(t *testing.T, tg storetest.Target) {
	ctx := context.Background()
	db, err := store.Open(ctx, tg.URL, tg.DataDir)
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
	q.Stop(ctx)
	db.Close()

	q2 := openQueue(t, tg, nil)
	got, err := q2.Get(ctx, out.JobID)
	if err != nil || got.State != "available" || got.Request.NoteID != 5 {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	again, err := q2.Enqueue(ctx, delivery(5, "note:7:5"))
	if err != nil || !again.Duplicate {
		t.Fatalf("dedupe keys must survive a restart: %+v %v", again, err)
	}
}

type recorder struct {
	mu   sync.Mutex
	seen []Job
	done chan struct{}
}

func (r *recorder) Handle(_ context.Context, j Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, j)
	if len(r.seen) == 1 {
		close(r.done)
	}
	return nil
}

func TestWorkerReceivesRequest(t *testing.T) { storetest.Each(t, testWorkerReceivesRequest) }

func testWorkerReceivesRequest(t *testing.T, tg storetest.Target) {
	rec := &recorder{done: make(chan struct{})}
	q := openQueue(t, tg, rec)
	out, err := q.Enqueue(context.Background(), delivery(11, "note:7:11"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker never ran the job")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.seen[0].ID != out.JobID || rec.seen[0].Request.NoteID != 11 || rec.seen[0].Request.Author.Username != "alice" {
		t.Fatalf("worker saw %+v", rec.seen[0])
	}
}

// A full batch stores more keys than one statement takes (maxRowsPerStatement): every key is
// stored and found again, and a copy inside the batch points at its original's job.
func TestFullBatchStoresEveryKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		q := openQueue(t, tg, nil, Options{AckLane: true})
		ctx := context.Background()
		var batch []*pending
		for i := range maxBatch - 1 {
			d := delivery(int64(1000+i), fmt.Sprintf("k%da", i), fmt.Sprintf("k%db", i), fmt.Sprintf("k%dc", i))
			d.Request.Thread.IID = int64(i)
			batch = append(batch, &pending{d: d})
		}
		batch = append(batch, &pending{d: delivery(5000, "copy", "k7c")})
		if 3*(len(batch)-1) <= maxRowsPerStatement {
			t.Fatalf("the batch's %d keys fit one statement: the test does not split", 3*(len(batch)-1))
		}
		outs, err := q.insertBatch(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int64]bool{}
		for i, o := range outs[:len(outs)-1] {
			if o.Duplicate || o.JobID <= 0 || ids[o.JobID] {
				t.Fatalf("delivery %d: %+v, want a job of its own", i, o)
			}
			ids[o.JobID] = true
		}
		if last := outs[len(outs)-1]; !last.Duplicate || last.JobID != outs[7].JobID {
			t.Fatalf("copy in the batch: %+v, want a duplicate of job %d", last, outs[7].JobID)
		}
		for _, i := range []int{0, 200, maxBatch - 2} {
			got, err := q.Enqueue(ctx, delivery(9000, fmt.Sprintf("k%dc", i)))
			if err != nil || !got.Duplicate || got.JobID != outs[i].JobID {
				t.Fatalf("key k%dc again: %+v %v, want a duplicate of job %d", i, got, err, outs[i].JobID)
			}
		}
		var threads, acks int
		if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM claude_job_thread`).Scan(&threads); err != nil || threads != maxBatch-1 {
			t.Fatalf("thread rows = %d (%v), want %d", threads, err, maxBatch-1)
		}
		err = q.db.QueryRowContext(ctx, q.db.Rebind(`SELECT COUNT(*) FROM claude_job_steps WHERE name = ? AND value = ?`), AckStepName, AckQueued).Scan(&acks)
		if err != nil || acks != maxBatch-1 {
			t.Fatalf("acknowledgement rows = %d (%v), want %d", acks, err, maxBatch-1)
		}
	})
}
