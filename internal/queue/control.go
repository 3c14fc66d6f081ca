package queue

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// QueueControl is River's queue for requests about other jobs ("@claude stop"): its own workers,
// no thread gate, so a stop never waits behind the agent runs it stops.
const QueueControl = "control"

func insertOpts(r trigger.Request) *river.InsertOpts {
	if r.Task == trigger.TaskStop {
		return &river.InsertOpts{Queue: QueueControl, Priority: 1}
	}
	return nil
}

// ActiveInThread lists the unfinished jobs of a thread (queued, running or waiting to retry),
// oldest first.
func (q *Queue) ActiveInThread(ctx context.Context, threadKey string) ([]Info, error) {
	rows, err := q.db.QueryContext(ctx, q.db.Rebind(`
		SELECT t.job_id FROM claude_job_thread t JOIN river_job j ON j.id = t.job_id
		WHERE t.thread_key = ? AND j.state IN `+activeStates+` ORDER BY t.job_id`), threadKey)
	if err != nil {
		return nil, fmt.Errorf("jobs of thread %s: %w", threadKey, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(ids))
	for _, id := range ids {
		in, err := q.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// Stoppable splits a thread's unfinished jobs (ActiveInThread) for "@claude stop" by requester
// (job stop): their own, and others' — only a Maintainer stops those. Neither holds the stop
// itself nor any other stop.
func Stoppable(active []Info, stop, requester int64) (own, others []Info) {
	for _, in := range active {
		switch {
		case in.ID == stop || in.Request.Task == trigger.TaskStop:
		case in.Request.Author.ID == requester:
			own = append(own, in)
		default:
			others = append(others, in)
		}
	}
	return own, others
}
