package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Info is what `jobs list` and `jobs show` print about a job.
type Info struct {
	ID          int64           `json:"id"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	CreatedAt   time.Time       `json:"created_at"`
	FinalizedAt *time.Time      `json:"finalized_at,omitempty"`
	Errors      []string        `json:"errors,omitempty"`
	Request     trigger.Request `json:"request"`
}

// List returns up to limit jobs, newest first, optionally only in the given states
// (available, running, retryable, scheduled, completed, cancelled, discarded).
func (q *Queue) List(ctx context.Context, limit int, states ...string) ([]Info, error) {
	params := river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if len(states) > 0 {
		st := make([]rivertype.JobState, len(states))
		for i, s := range states {
			st[i] = rivertype.JobState(s)
		}
		params = params.States(st...)
	}
	res, err := q.river().JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out := make([]Info, 0, len(res.Jobs))
	for _, row := range res.Jobs {
		out = append(out, info(row))
	}
	return out, nil
}

// Get returns one job.
func (q *Queue) Get(ctx context.Context, id int64) (Info, error) {
	row, err := q.river().JobGet(ctx, id)
	if err != nil {
		return Info{}, fmt.Errorf("job %d: %w", id, err)
	}
	return info(row), nil
}

// Retry makes a finished or failing job run again as soon as possible.
func (q *Queue) Retry(ctx context.Context, id int64) (Info, error) {
	row, err := q.river().JobRetry(ctx, id)
	if err != nil {
		return Info{}, fmt.Errorf("retry job %d: %w", id, err)
	}
	return info(row), nil
}

// Cancel stops a job: a queued one never runs, a running one is told to stop.
func (q *Queue) Cancel(ctx context.Context, id int64) (Info, error) {
	row, err := q.river().JobCancel(ctx, id)
	if err != nil {
		return Info{}, fmt.Errorf("cancel job %d: %w", id, err)
	}
	return info(row), nil
}

// Depth counts jobs waiting or running.
func (q *Queue) Depth(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled')`).Scan(&n)
	return n, err
}

func info(row *rivertype.JobRow) Info {
	var args Args
	_ = json.Unmarshal(row.EncodedArgs, &args)
	in := Info{ID: row.ID, State: string(row.State), Attempt: row.Attempt, MaxAttempts: row.MaxAttempts,
		CreatedAt: row.CreatedAt, FinalizedAt: row.FinalizedAt, Request: args.Request}
	for _, e := range row.Errors {
		in.Errors = append(in.Errors, e.Error)
	}
	return in
}
