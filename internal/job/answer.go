package job

import (
	"context"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// answer turns the progress note into the final reply.
func (r *Runner) answer(ctx context.Context, j *job, out outcome) error {
	f := publish.Footer{JobID: j.id, JobURL: r.jobURL(j), Duration: out.Duration, Turns: out.Turns,
		CostUSD: out.CostUSD, Truncated: out.Truncated, Denials: out.Denials, Session: out.Session}
	if err := r.publisher(j).PostAnswer(ctx, r.publishJob(j, out), j.noteID, out.Text, f); err != nil {
		return err
	}
	return r.end(ctx, j, jobstate.Answered, "")
}

func (r *Runner) projectWeb(ctx context.Context, j *job) string {
	if j.project.WebURL == "" {
		_ = r.readProject(ctx, j) // links are a courtesy: without them the answer still stands
	}
	return strings.TrimRight(j.project.WebURL, "/")
}

func (r *Runner) count(st jobstate.Status) {
	if r.Metrics != nil {
		r.Metrics.Jobs.WithLabelValues(st.String()).Inc()
	}
}
