package queue

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// instant is a fake agent that answers at once.
type instant struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (h *instant) Handle(context.Context, Job) error {
	if h.n.Add(1) == h.want {
		close(h.done)
	}
	return nil
}

// BenchmarkQueueJobs: jobs/s through the queue (intake, River's fetch, the thread gate, the
// heartbeat on PostgreSQL, completion) with an agent that answers at once; one job per thread
// across 50 projects, 8 workers per replica.
//
//	go test ./internal/queue -run '^$' -bench QueueJobs -benchtime 2000x
func BenchmarkQueueJobs(b *testing.B) {
	for _, c := range []struct {
		name     string
		replicas int
	}{{"sqlite", 1}, {"postgres-1", 1}, {"postgres-3", 3}} {
		b.Run(c.name, func(b *testing.B) {
			tg := storetest.SQLite(b)
			if c.name != "sqlite" {
				tg = storetest.Postgres(b)
			}
			h := &instant{want: int64(b.N), done: make(chan struct{})}
			opts := Options{Workers: 8, JobTimeout: time.Minute, MaxAttempts: 3}
			var qs []*Queue
			for range c.replicas {
				qs = append(qs, openQueue(b, tg, h, opts))
			}
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				d := delivery(int64(i), fmt.Sprintf("bench:%d", i))
				d.Request.Project = event.Project{ID: int64(1 + i%50), Path: fmt.Sprintf("g/p%d", i%50)}
				d.Request.Thread = event.Thread{Type: event.ThreadIssue, IID: int64(i)}
				go qs[i%len(qs)].Enqueue(context.Background(), d)
			}
			select {
			case <-h.done:
			case <-time.After(5 * time.Minute):
				b.Fatalf("%d of %d jobs ran", h.n.Load(), b.N)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
		})
	}
}
