package queue

import (
	"context"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// orderRecorder records, per thread, the order jobs ran in and whether two ever overlapped.
type orderRecorder struct {
	mu       sync.Mutex
	running  map[string]bool
	order    map[string][]int64
	overlaps int
	total    int
	all      chan struct{}
	want     int
}

func (o *orderRecorder) Handle(_ context.Context, j Job) error {
	key := j.Request.ThreadKey()
	o.mu.Lock()
	if o.running[key] {
		o.overlaps++
	}
	o.running[key] = true
	o.order[key] = append(o.order[key], j.ID)
	o.mu.Unlock()
	time.Sleep(50 * time.Millisecond) // the job's work: a second job of the thread started now would overlap it
	o.mu.Lock()
	o.running[key] = false
	o.total++
	if o.total == o.want {
		close(o.all)
	}
	o.mu.Unlock()
	return nil
}

func TestThreadJobsRunOneAtATimeInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		rec := &orderRecorder{running: map[string]bool{}, order: map[string][]int64{}, all: make(chan struct{}), want: 6}
		threadOrder(t, rec, openQueue(t, tg, rec))
	})
}

// With three replicas on one database, a thread's jobs still run one at a time, in order.
func TestThreadOrderAcrossReplicas(t *testing.T) {
	tg := storetest.Postgres(t)
	rec := &orderRecorder{running: map[string]bool{}, order: map[string][]int64{}, all: make(chan struct{}), want: 6}
	q := openQueue(t, tg, rec)
	openQueue(t, tg, rec)
	openQueue(t, tg, rec)
	threadOrder(t, rec, q)
}

func threadOrder(t *testing.T, rec *orderRecorder, q *Queue) {
	ctx := context.Background()
	ids := map[string][]int64{}
	for i := range 6 {
		d := delivery(int64(100 + i))
		d.Request.Thread = event.Thread{Type: event.ThreadIssue, IID: int64(1 + i%2)}
		d.Keys = []string{"k" + string(rune('a'+i))}
		out, err := q.Enqueue(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		ids[d.Request.ThreadKey()] = append(ids[d.Request.ThreadKey()], out.JobID)
	}
	select {
	case <-rec.all:
	case <-time.After(60 * time.Second):
		t.Fatalf("only %d of 6 jobs ran", rec.total)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.overlaps != 0 {
		t.Fatalf("%d times two jobs of one thread ran at once", rec.overlaps)
	}
	for key, want := range ids {
		got := rec.order[key]
		if len(got) != len(want) {
			t.Fatalf("thread %s ran %v, want %v", key, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("thread %s ran %v, want arrival order %v", key, got, want)
			}
		}
	}
}

// A job that has recorded its outcome (store.OutcomeStep) no longer holds back the later jobs of
// its thread, nor counts as ahead of them, even before River marks it completed.
func TestRecordedOutcomeCountsAsFinished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		q := openQueue(t, tg, nil)
		var ids []int64
		for i := range 2 {
			out, err := q.Enqueue(ctx, delivery(int64(200+i), "outcome-"+string(rune('a'+i))))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, out.JobID)
		}
		check := func(wantRun bool, wantAhead int) {
			t.Helper()
			ok, err := q.mayRun(ctx, ids[1], 0)
			if err != nil || ok != wantRun {
				t.Fatalf("mayRun(second job) = %v, %v; want %v", ok, err, wantRun)
			}
			project, all, err := q.Ahead(ctx, ids[1], 7)
			if err != nil || project != wantAhead || all != wantAhead {
				t.Fatalf("Ahead(second job) = %d, %d, %v; want %d", project, all, err, wantAhead)
			}
		}
		check(false, 1)
		if err := q.db.SaveStep(ctx, ids[0], store.OutcomeStep, "answered"); err != nil {
			t.Fatal(err)
		}
		check(true, 0)
	})
}
