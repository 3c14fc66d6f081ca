package queue

import (
	"context"
	"fmt"
)

// recoverOrphans makes every job still marked running available again, before any worker starts.
// With SQLite one process owns DATA_DIR (and its database), so a job that is running at start
// was running in a previous process that died (kill -9, a crash, a power cut): nobody works on
// it. River would rescue it only after RescueStuckJobsAfter, tens of minutes; people are
// waiting in the thread, so it resumes now, where its recorded steps say it stopped.
//
// The job keeps its attempt count (a process that keeps dying on one job still stops after
// MaxAttempts) and its place in line (scheduled_at is in the past). River's JobRetry leaves
// running jobs alone by design, hence the UPDATE; it is the state change River's own rescuer
// makes, minus the wait.
//
// SQLite only: with PostgreSQL several replicas share the queue and a running job may be alive
// in another replica; there the heartbeat take-over (heartbeat.go) is the safe path, and Start
// never calls this.
func (q *Queue) recoverOrphans(ctx context.Context) (int64, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE river_job
		SET state = 'available',
		    metadata = jsonb_remove(metadata, '$.cancel_attempted_at')
		WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("resume jobs of the previous run: %w", err)
	}
	return res.RowsAffected()
}
