package job

import (
	"context"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Journal keeps what a job's page shows and what the daily budget counts (internal/journal).
// Its kinds of lines are journal.Kind*.
type Journal interface {
	Begin(ctx context.Context, jobID int64, req trigger.Request)
	Record(ctx context.Context, jobID int64, kind, text string)
	AddRun(ctx context.Context, jobID int64, costUSD float64, turns int, took time.Duration)
	Finish(ctx context.Context, jobID int64, outcome string)
	SpentSince(ctx context.Context, projectID int64, since time.Time) (float64, error)
}

// begin records the job's request for its page.
func (r *Runner) begin(ctx context.Context, j *job) {
	if r.Journal != nil {
		r.Journal.Begin(ctx, j.id, j.req)
	}
}

// note adds a line to the job's transcript, secrets redacted.
func (r *Runner) note(ctx context.Context, j *job, kind, text string) {
	if r.Journal != nil {
		r.Journal.Record(ctx, j.id, kind, r.redact(text))
	}
}

// record puts an event of the agent's stream in the transcript.
func (r *Runner) record(j *job, ev agent.Progress) {
	if kind, text, ok := journal.AgentLine(ev); ok {
		r.note(context.Background(), j, kind, text)
	}
}

// recordRun counts what an agent run cost, for the job page, the metrics and the daily budget.
func (r *Runner) recordRun(ctx context.Context, j *job, out outcome) {
	if r.Journal != nil {
		r.Journal.AddRun(ctx, j.id, out.CostUSD, out.Turns, out.Duration)
	}
	if m := r.Metrics; m != nil {
		p := j.req.Project.Path
		m.AgentCost.WithLabelValues(p).Add(out.CostUSD)
		m.AgentTurns.WithLabelValues(p).Add(float64(out.Turns))
		m.AgentSeconds.WithLabelValues(p).Add(out.Duration.Seconds())
	}
}
