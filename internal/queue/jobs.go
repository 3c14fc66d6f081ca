package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Info is what `jobs list` and `jobs show` print about a job.
type Info struct {
	ID int64 `json:"id"`
	// Status is where the job is in the words of jobstate, shared by every command and page;
	// Outcome is how it ended, once it did. State is River's own word for its row.
	Status      jobstate.Status `json:"state"`
	Outcome     string          `json:"outcome,omitempty"`
	State       string          `json:"queue_state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	CreatedAt   time.Time       `json:"created_at"`
	FinalizedAt *time.Time      `json:"finalized_at,omitempty"`
	Errors      []string        `json:"errors,omitempty"`
	Request     trigger.Request `json:"request"`
}

// List returns up to limit jobs, newest first, optionally only in the given states.
func (q *Queue) List(ctx context.Context, limit int, states ...jobstate.Status) ([]Info, error) {
	params := river.NewJobListParams().First(min(4*limit, 10_000)).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if len(states) > 0 {
		params = params.States(riverStates(states)...)
	}
	res, err := q.river().JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	all, err := q.infos(ctx, res.Jobs...)
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, min(len(all), limit))
	for _, in := range all {
		if (len(states) == 0 || slices.Contains(states, in.Status)) && len(out) < limit {
			out = append(out, in)
		}
	}
	return out, nil
}

// riverStates are the River states a job in one of states can be in (the outcome tells apart
// the final ones).
func riverStates(states []jobstate.Status) []rivertype.JobState {
	var out []rivertype.JobState
	add := func(s ...rivertype.JobState) {
		for _, x := range s {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	for _, s := range states {
		switch s {
		case jobstate.Queued:
			add(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStatePending)
		case jobstate.Running:
			add(rivertype.JobStateRunning)
		case jobstate.Waiting:
			add(rivertype.JobStateRetryable)
		case jobstate.Failed:
			add(rivertype.JobStateCancelled, rivertype.JobStateDiscarded, rivertype.JobStateCompleted)
		case jobstate.Cancelled:
			add(rivertype.JobStateCancelled)
		default:
			add(rivertype.JobStateCompleted, rivertype.JobStateCancelled)
		}
	}
	return out
}

// infos turns River's rows into Infos with their recorded outcomes.
func (q *Queue) infos(ctx context.Context, rows ...*rivertype.JobRow) ([]Info, error) {
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	outcomes, err := q.db.Outcomes(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Info, len(rows))
	for i, row := range rows {
		out[i] = info(row, outcomes[row.ID])
	}
	return out, nil
}

func (q *Queue) one(ctx context.Context, what string, id int64, row *rivertype.JobRow, err error) (Info, error) {
	if err != nil {
		return Info{}, fmt.Errorf("%s %d: %w", what, id, err)
	}
	in, err := q.infos(ctx, row)
	if err != nil {
		return Info{}, err
	}
	return in[0], nil
}

// Get returns one job.
func (q *Queue) Get(ctx context.Context, id int64) (Info, error) {
	row, err := q.river().JobGet(ctx, id)
	return q.one(ctx, "job", id, row, err)
}

// Retry makes a finished or failing job run again as soon as possible.
func (q *Queue) Retry(ctx context.Context, id int64) (Info, error) {
	row, err := q.river().JobRetry(ctx, id)
	return q.one(ctx, "retry job", id, row, err)
}

// Cancel stops a job: a queued one never runs, a running one is told to stop (the serving
// process learns it at its next fetch: within FetchPollInterval on SQLite, at once on PostgreSQL).
func (q *Queue) Cancel(ctx context.Context, id int64) (Info, error) {
	row, err := q.river().JobCancel(ctx, id)
	return q.one(ctx, "cancel job", id, row, err)
}

// Depth counts jobs waiting or running.
func (q *Queue) Depth(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled')`).Scan(&n)
	return n, err
}

func info(row *rivertype.JobRow, outcome string) Info {
	var args Args
	_ = json.Unmarshal(row.EncodedArgs, &args)
	o := jobstate.ParseOutcome(outcome)
	in := Info{ID: row.ID, Status: jobstate.Of(string(row.State), o), Outcome: o.Detail, State: string(row.State),
		Attempt: row.Attempt, MaxAttempts: row.MaxAttempts, CreatedAt: row.CreatedAt, FinalizedAt: row.FinalizedAt, Request: args.Request}
	for _, e := range row.Errors {
		in.Errors = append(in.Errors, e.Error)
	}
	return in
}
