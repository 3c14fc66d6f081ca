package queue

import (
	"context"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
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
