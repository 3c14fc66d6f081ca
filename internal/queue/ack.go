package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river/rivertype"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// The acknowledgement lane's side of the queue. A request a person waits on gets, in the intake's
// own transaction, a step row "ack" = "queued": the lane (acklane.go) claims it, has the job give
// the 👀 and post the progress note saying how many requests are ahead, and marks it "done" (or
// "failed", then the job's worker acknowledges when it starts). The job's worker does not start
// before the lane is through (mayRun), so the two never post at once; AckStale bounds that wait
// if the lane is gone.

// AckStepName is the step row of a job's acknowledgement.
const AckStepName = "ack"

// Values of the ack step.
const (
	AckQueued  = "queued"
	AckClaimed = "claimed"
	AckDone    = "done"
	AckFailed  = "failed"
)

// AckStale is when a claim counts as abandoned (its replica died): another lane may take it, and
// the job's worker stops waiting for it. A lane gives up on one acknowledgement well before.
const AckStale = 90 * time.Second

// AckIDs delivers the ids of jobs just queued that the lane should acknowledge. It never blocks
// the intake: when the lane is behind, PendingAcks finds the rest.
func (q *Queue) AckIDs() <-chan int64 { return q.acks }

func (q *Queue) notifyAcks(batch []*pending, outs []Outcome, err error) {
	if err != nil || !q.ackLane {
		return
	}
	for i, p := range batch {
		if outs[i].Duplicate || !p.d.Request.AcknowledgedAtOnce() {
			continue
		}
		select {
		case q.acks <- outs[i].JobID:
		default: // the lane's scan finds it
		}
	}
}

// PendingAcks lists jobs whose acknowledgement is waiting, or claimed longer ago than staleAfter.
func (q *Queue) PendingAcks(ctx context.Context, staleAfter time.Duration, limit int) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, q.db.Rebind(`SELECT job_id FROM claude_job_steps
		WHERE name = ? AND (value = ? OR (value = ? AND updated_at <= ?)) ORDER BY job_id LIMIT ?`),
		AckStepName, AckQueued, AckClaimed, time.Now().Add(-staleAfter).Unix(), limit)
	if err != nil {
		return nil, fmt.Errorf("pending acknowledgements: %w", err)
	}
	return jobIDs(rows)
}

// AckClaim is a claimed acknowledgement: the job's request, and whether an earlier claim was
// abandoned (something may have been posted already: look before posting).
type AckClaim struct {
	JobID   int64
	Request trigger.Request
	Retaken bool
	State   string // River's state of the job
}

// ClaimAck takes a job's acknowledgement for this lane; ok is false if another lane has it, it
// is done, or the job is gone.
func (q *Queue) ClaimAck(ctx context.Context, jobID int64) (c AckClaim, ok bool, err error) {
	var prev string
	err = q.db.QueryRowContext(ctx, q.db.Rebind(`SELECT value FROM claude_job_steps WHERE job_id = ? AND name = ?`),
		jobID, AckStepName).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	} else if err != nil {
		return c, false, fmt.Errorf("claim acknowledgement of job %d: %w", jobID, err)
	}
	now := time.Now().Unix()
	res, err := q.db.ExecContext(ctx, q.db.Rebind(`UPDATE claude_job_steps SET value = ?, updated_at = ?
		WHERE job_id = ? AND name = ? AND (value = ? OR (value = ? AND updated_at <= ?))`),
		AckClaimed, now, jobID, AckStepName, AckQueued, AckClaimed, now-int64(AckStale.Seconds()))
	if err != nil {
		return c, false, fmt.Errorf("claim acknowledgement of job %d: %w", jobID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c, false, nil
	}
	row, err := q.river().JobGet(ctx, jobID)
	if errors.Is(err, rivertype.ErrNotFound) {
		return c, false, q.FinishAck(ctx, jobID, AckDone) // River deleted it: nothing to acknowledge
	} else if err != nil {
		// Leave it to the worker rather than make it wait for a claim nobody works on.
		return c, false, errors.Join(fmt.Errorf("read job %d: %w", jobID, err), q.FinishAck(ctx, jobID, AckFailed))
	}
	in := info(row, "")
	c.JobID, c.Request, c.State, c.Retaken = jobID, in.Request, in.State, prev == AckClaimed
	return c, true, nil
}

// FinishAck records the end of a job's acknowledgement: AckDone or AckFailed.
func (q *Queue) FinishAck(ctx context.Context, jobID int64, value string) error {
	_, err := q.db.ExecContext(ctx, q.db.Rebind(`UPDATE claude_job_steps SET value = ?, updated_at = ? WHERE job_id = ? AND name = ?`),
		value, time.Now().Unix(), jobID, AckStepName)
	if err != nil {
		return fmt.Errorf("record acknowledgement of job %d: %w", jobID, err)
	}
	return nil
}

// Ahead counts the unfinished requests queued before job: in its project, and overall. A job
// with its final answer recorded (store.OutcomeStep; e.g. refused by the lane) is not ahead: its worker only closes it.
func (q *Queue) Ahead(ctx context.Context, jobID, projectID int64) (project, all int, err error) {
	const unanswered = ` AND NOT EXISTS (SELECT 1 FROM claude_job_steps s WHERE s.job_id = j.id AND s.name = ?)`
	err = q.db.QueryRowContext(ctx, q.db.Rebind(`SELECT COUNT(*) FROM river_job j
		WHERE j.kind = ? AND j.state IN `+activeStates+` AND j.id < ?`+unanswered), Args{}.Kind(), jobID, store.OutcomeStep).Scan(&all)
	if err != nil {
		return 0, 0, fmt.Errorf("count requests ahead: %w", err)
	}
	err = q.db.QueryRowContext(ctx, q.db.Rebind(`SELECT COUNT(*) FROM claude_job_thread t JOIN river_job j ON j.id = t.job_id
		WHERE t.project_id = ? AND t.job_id < ? AND j.state IN `+activeStates+unanswered), projectID, jobID, store.OutcomeStep).Scan(&project)
	if err != nil {
		return 0, 0, fmt.Errorf("count requests ahead in the project: %w", err)
	}
	return project, all, nil
}

// CancelledWhileQueued lists cancelled jobs whose progress note the lane posted (step queuedStep)
// and that have no final answer: no worker ran them to say so (a running job cancelled says it
// itself), so their note still says queued.
func (q *Queue) CancelledWhileQueued(ctx context.Context, queuedStep, answeredStep string) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, q.db.Rebind(`SELECT s.job_id FROM claude_job_steps s JOIN river_job j ON j.id = s.job_id
		WHERE s.name = ? AND j.state = 'cancelled'
		  AND NOT EXISTS (SELECT 1 FROM claude_job_steps o WHERE o.job_id = s.job_id AND o.name = ?)
		ORDER BY s.job_id LIMIT 100`), queuedStep, answeredStep)
	if err != nil {
		return nil, fmt.Errorf("jobs cancelled while queued: %w", err)
	}
	return jobIDs(rows)
}

// jobIDs reads a one-column result of job ids and closes it.
func jobIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ackPending is the gate's part: the job waits while the lane acknowledges it. An acknowledgement
// left longer than AckStale (the lane's replica died, or it is far behind) is taken from the lane,
// marked failed, and the worker acknowledges when it starts.
func (q *Queue) ackPending(ctx context.Context, jobID int64) (bool, error) {
	if !q.ackLane {
		return false, nil
	}
	var value string
	var at int64
	err := q.db.QueryRowContext(ctx, q.db.Rebind(`SELECT value, updated_at FROM claude_job_steps WHERE job_id = ? AND name = ?`),
		jobID, AckStepName).Scan(&value, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("acknowledgement: %w", err)
	case value != AckQueued && value != AckClaimed:
		return false, nil
	}
	cutoff := time.Now().Add(-AckStale).Unix()
	if at > cutoff {
		return true, nil
	}
	res, err := q.db.ExecContext(ctx, q.db.Rebind(`UPDATE claude_job_steps SET value = ?, updated_at = ?
		WHERE job_id = ? AND name = ? AND value IN (?, ?) AND updated_at <= ?`),
		AckFailed, time.Now().Unix(), jobID, AckStepName, AckQueued, AckClaimed, cutoff)
	if err != nil {
		return false, fmt.Errorf("acknowledgement: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 0, nil // 0: a lane claimed it a moment ago
}

// ackColumns and ackRow are the intake's row for a request the lane acknowledges (insertJobs).
const ackColumns = `claude_job_steps (job_id, name, value, updated_at)`

func ackRow(jobID, now int64) []any { return []any{jobID, AckStepName, AckQueued, now} }
