package job

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// answer turns the progress note into the final reply.
func (r *Runner) answer(ctx context.Context, j *job, out outcome) error {
	f := publish.Footer{JobID: j.id, JobURL: r.jobURL(j), Duration: out.Duration, Turns: out.Turns,
		CostUSD: out.CostUSD, Truncated: out.Truncated, Denials: out.Denials}
	var p pushed
	if j.steps.get(stepPushed, &p) {
		web := r.projectWeb(ctx, j)
		f.Branch, f.CommitSHA, f.Fallback = p.Branch, p.SHA, p.Fallback
		f.BranchURL = web + "/-/tree/" + strings.ReplaceAll(url.PathEscape(p.Branch), "%2F", "/")
		f.CommitURL = web + "/-/commit/" + p.SHA
	}
	var mr mrDone
	if j.steps.get(stepMR, &mr) {
		f.MRURL, f.MRIID = mr.URL, mr.IID
	}
	if v, ok := j.steps.values[stepMerge]; ok {
		f.AutoMerge = v
	}
	if err := r.GitLab.UpdateNote(ctx, j.thread, j.noteID, r.redact(publish.Answer(out.Text, f))); err != nil {
		return fmt.Errorf("post the answer: %w", err)
	}
	j.log.Info("job: answered", "note", j.noteID, "commit", f.CommitSHA, "mr", f.MRIID)
	r.count("answered")
	return j.steps.save(ctx, stepAnswered, "answered")
}

func (r *Runner) projectWeb(ctx context.Context, j *job) string {
	if j.project.WebURL == "" {
		if p, err := r.GitLab.Project(ctx, fmt.Sprint(j.req.Project.ID)); err == nil {
			j.project = p
		}
	}
	return strings.TrimRight(j.project.WebURL, "/")
}

func (r *Runner) count(outcome string) {
	if r.Metrics != nil {
		r.Metrics.Jobs.WithLabelValues(outcome).Inc()
	}
}
