package main

import (
	"context"
	"log/slog"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/job"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// ackWorkers acknowledge at once: GitLab calls of a few milliseconds each, so a handful keep up
// with a burst of mentions; the rate limit, not these, bounds them.
const ackWorkers = 4

// startAckLane runs the acknowledgement lane (👀 and the "queued" note at once, whatever the agent
// workers do) until the returned stop is called; stop waits for it.
func startAckLane(ctx context.Context, runner *job.Runner, q *queue.Queue, db *store.DB, log *slog.Logger) (stop func()) {
	lane := &queue.AckLane{Queue: q, Jobs: job.AckJobs{Runner: runner, Queue: q}, Workers: ackWorkers, Log: log}
	if db.Dialect == store.Postgres {
		lane.StartupStale = queue.AckStale // another replica may be acknowledging right now
	}
	return lane.Start(context.WithoutCancel(ctx)) // stopped by stop only, before the database closes
}
