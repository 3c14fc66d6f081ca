package queue

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
)

// cancelEvery is how often a serving process on SQLite looks for `jobs cancel` of the jobs it
// runs. River has no notifications on SQLite and polls for cancellations every 2 s on its own.
const cancelEvery = 200 * time.Millisecond

// running holds the cancel functions of the jobs this process runs, by job id.
type running struct {
	mu sync.Mutex
	m  map[int64]context.CancelCauseFunc
}

func (r *running) add(id int64, cancel context.CancelCauseFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[int64]context.CancelCauseFunc{}
	}
	r.m[id] = cancel
}

func (r *running) remove(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, id)
}

func (r *running) ids() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]int64, 0, len(r.m))
	for id := range r.m {
		out = append(out, id)
	}
	return out
}

// cancel stops job id as River does when it learns of a cancellation: the job's context ends
// with ErrJobCancelledRemotely, and the job says so in its thread.
func (r *running) cancel(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.m[id]; ok {
		c(river.ErrJobCancelledRemotely)
	}
}

// cancelWatch stops, within cancelEvery, the jobs of this process that `jobs cancel` asked to
// stop (River marks the row with cancel_attempted_at). SQLite only: on PostgreSQL River is
// notified at once.
func (q *Queue) cancelWatch(ctx context.Context) {
	t := time.NewTicker(cancelEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids := q.running.ids()
		if len(ids) == 0 {
			continue
		}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := q.db.QueryContext(ctx, `SELECT id FROM river_job WHERE state = 'running'
			AND (metadata -> 'cancel_attempted_at') IS NOT NULL AND id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
		if err != nil {
			if ctx.Err() == nil {
				q.log.Warn("queue: could not look for cancelled jobs", "error", err)
			}
			continue
		}
		for rows.Next() {
			var id int64
			if rows.Scan(&id) == nil {
				q.log.Info("queue: job cancelled by an operator; stopping it", "job", id)
				q.running.cancel(id)
			}
		}
		rows.Close()
	}
}
