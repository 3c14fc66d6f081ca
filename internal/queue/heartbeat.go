package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/tick"
)

// Take-over of the jobs of a replica that died (PostgreSQL, several replicas).
//
// River's open-source rescuer only knows how long a job has been running (RescueStuckJobsAfter):
// it cannot tell a dead replica's job from a live 20-minute agent run, and River v0.51 has no
// per-job or per-client heartbeat of its own. So each running job beats: its worker refreshes a
// row (job, client, time by the database's clock) every Heartbeat while the job runs. Every
// replica, every Heartbeat, makes available again the running jobs whose last beat (or, with no
// beat yet, whose start) is older than StaleAfter and whose beat belongs to the client River says
// runs the job. The job's recorded steps make the re-run safe: it skips what it already did.
// A worker whose beat finds its row taken by another client has lost the job: its run is
// cancelled. RescueStuckJobsAfter stays as the backstop.

// Default timing: a dead replica's job is available again 60–75 s after its last beat, and runs
// within the next fetch (≤ 0.2 s): inside the 90 s DESIGN allows.
const (
	DefaultHeartbeat  = 15 * time.Second
	DefaultStaleAfter = 60 * time.Second
)

// errTakenOver cancels a run whose job another replica took over.
var errTakenOver = errors.New("another replica took this job over: this replica's heartbeat stopped for too long")

// nowMS is the database's clock in Unix milliseconds: replicas' clocks may differ, the
// database's is one.
const nowMS = `CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)`

type heartbeats struct {
	db       *store.DB
	clientID string // River's client ID of this process: what river_job.attempted_by records
	replica  string // the stable part of clientID: this replica across restarts
	every    time.Duration
	stale    time.Duration
	log      *slog.Logger
}

// begin records that this client runs job and keeps it fresh until stop; ctx is cancelled if
// another replica takes the job over.
func (h *heartbeats) begin(ctx context.Context, jobID int64) (context.Context, func(), error) {
	_, err := h.db.ExecContext(ctx, `INSERT INTO claude_job_heartbeat (job_id, client_id, heartbeat_at) VALUES ($1, $2, `+nowMS+`)
		ON CONFLICT (job_id) DO UPDATE SET client_id = excluded.client_id, heartbeat_at = excluded.heartbeat_at`, jobID, h.clientID)
	if err != nil {
		return ctx, nil, fmt.Errorf("job heartbeat: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { h.beat(ctx, cancel, jobID) })
	// The last beat stays: River marks the job completed a moment after Handle returns (it
	// completes in batches), and until then the job must not look abandoned. takeOver deletes
	// the beats of jobs no longer running once they are stale.
	stop := func() {
		cancel(nil)
		wg.Wait()
		dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer dcancel()
		if _, err := h.db.ExecContext(dctx, `UPDATE claude_job_heartbeat SET heartbeat_at = `+nowMS+`
			WHERE job_id = $1 AND client_id = $2`, jobID, h.clientID); err != nil {
			h.log.Warn("job heartbeat: last beat failed", "job", jobID, "error", err)
		}
	}
	return ctx, stop, nil
}

func (h *heartbeats) beat(ctx context.Context, cancel context.CancelCauseFunc, jobID int64) {
	tick.Run(ctx, h.every, func() {
		res, err := h.db.ExecContext(ctx, `UPDATE claude_job_heartbeat SET heartbeat_at = `+nowMS+`
			WHERE job_id = $1 AND client_id = $2`, jobID, h.clientID)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("job heartbeat failed; the job is taken over if this lasts", "job", jobID, "stale_after", h.stale.String(), "error", err)
			}
			return
		}
		if n, _ := res.RowsAffected(); n == 0 {
			h.log.Warn("job taken over by another replica; stopping this run", "job", jobID)
			cancel(errTakenOver) // ends ctx, and so the beats
		}
	})
}

// takeOver makes available the running jobs whose client stopped beating StaleAfter ago, and
// those of an earlier process of this same replica (it died: they cannot be running), and
// forgets beats of jobs no longer running. A job whose cancellation was asked for is cancelled
// instead of run again.
func (h *heartbeats) takeOver(ctx context.Context) (int64, error) {
	res, err := h.db.ExecContext(ctx, `
		WITH stale AS (
			SELECT j.id FROM river_job j
			LEFT JOIN claude_job_heartbeat b
			       ON b.job_id = j.id AND b.client_id = j.attempted_by[array_length(j.attempted_by, 1)]
			WHERE j.state = 'running' AND j.attempted_by[array_length(j.attempted_by, 1)] <> $3
			  AND (COALESCE(b.heartbeat_at, CAST(EXTRACT(EPOCH FROM j.attempted_at) * 1000 AS BIGINT)) < `+nowMS+` - $1
			       OR starts_with(j.attempted_by[array_length(j.attempted_by, 1)], $2))
			FOR UPDATE OF j SKIP LOCKED
		)
		UPDATE river_job j SET
			state = CASE WHEN j.metadata ? 'cancel_attempted_at' THEN 'cancelled'::river_job_state ELSE 'available'::river_job_state END,
			finalized_at = CASE WHEN j.metadata ? 'cancel_attempted_at' THEN now() END
		FROM stale WHERE j.id = stale.id`, h.stale.Milliseconds(), h.replica+"/", h.clientID)
	if err != nil {
		return 0, fmt.Errorf("take over jobs of stopped replicas: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := h.db.ExecContext(ctx, `DELETE FROM claude_job_heartbeat b WHERE heartbeat_at < `+nowMS+` - $1
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = b.job_id AND j.state = 'running')`, h.stale.Milliseconds()); err != nil {
		return n, fmt.Errorf("forget old job heartbeats: %w", err)
	}
	return n, nil
}

// run takes over stopped replicas' jobs every Heartbeat until ctx ends.
func (h *heartbeats) run(ctx context.Context) {
	tick.Run(ctx, h.every, func() {
		n, err := h.takeOver(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			h.log.Warn("queue: take-over check failed", "error", err)
		case n > 0:
			h.log.Info("queue: took over jobs of a replica that stopped beating", "jobs", n, "stale_after", h.stale.String())
		}
	})
}
