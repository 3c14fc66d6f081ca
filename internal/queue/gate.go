package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// gateWait is how long a job that may not run yet waits before it looks again: short, because
// River makes a short snooze available at once instead of waiting for its scheduler.
const gateWait = 250 * time.Millisecond

// activeStates are the River states of a job that is not finished.
const activeStates = `('available', 'running', 'retryable', 'scheduled', 'pending')`

// mayRun says whether job may start now: no earlier unfinished job of its thread exists (so a
// thread's jobs run one at a time, in arrival order; a job that has recorded its final answer
// counts as finished even before River, which completes jobs in batches, marks it so; the step is
// store.OutcomeStep, the one every job records when it ends), and fewer than perProject earlier
// jobs of its project are running (so one busy project cannot take every worker).
func (q *Queue) mayRun(ctx context.Context, jobID int64, perProject int) (bool, error) {
	if pending, err := q.ackPending(ctx, jobID); err != nil || pending {
		return false, err // the acknowledgement lane is posting its note (ack.go)
	}
	var earlier int
	err := q.db.QueryRowContext(ctx, q.db.Rebind(`
		SELECT COUNT(*) FROM claude_job_thread t JOIN river_job j ON j.id = t.job_id
		WHERE t.thread_key = (SELECT thread_key FROM claude_job_thread WHERE job_id = ?)
		  AND t.job_id < ? AND j.state IN `+activeStates+`
		  AND NOT EXISTS (SELECT 1 FROM claude_job_steps s WHERE s.job_id = t.job_id AND s.name = ?)`),
		jobID, jobID, store.OutcomeStep).Scan(&earlier)
	if err != nil {
		return false, fmt.Errorf("thread order: %w", err)
	}
	if earlier > 0 || perProject <= 0 {
		return earlier == 0, nil
	}
	var running int
	err = q.db.QueryRowContext(ctx, q.db.Rebind(`
		SELECT COUNT(*) FROM claude_job_thread t JOIN river_job j ON j.id = t.job_id
		WHERE t.project_id = (SELECT project_id FROM claude_job_thread WHERE job_id = ?)
		  AND t.job_id < ? AND j.state = 'running'`), jobID, jobID).Scan(&running)
	if err != nil {
		return false, fmt.Errorf("project cap: %w", err)
	}
	return running < perProject, nil
}

// gate snoozes a job that may not run yet; snoozing does not count as an attempt.
func (q *Queue) gate(ctx context.Context, jobID int64, perProject int) error {
	ok, err := q.mayRun(ctx, jobID, perProject)
	if err != nil {
		return err
	}
	if !ok {
		return river.JobSnooze(gateWait)
	}
	return nil
}
