package job

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// answer turns the progress note into the final reply.
func (r *Runner) answer(ctx context.Context, j *job, out outcome) error {
	f := publish.Footer{JobID: j.id, JobURL: r.jobURL(j), Duration: out.Duration, Turns: out.Turns,
		CostUSD: out.CostUSD, Truncated: out.Truncated, Denials: out.Denials, Session: out.Session}
	var p pushed
	if j.steps.get(stepPushed, &p) && p.Patch {
		f.Fallback, f.Patch, f.HasPatch = p.Fallback, p.PatchText, true
		if at := j.steps.values[stepSuggestion]; at != "" && at != "none" {
			f.Fallback += fmt.Sprintf("; it is also a suggestion on `%s`, to apply with one click", at)
		}
	} else if j.steps.values[stepPushed] != "" {
		web := r.projectWeb(ctx, j)
		f.Branch, f.CommitSHA, f.Fallback, f.Rule = p.Branch, p.SHA, p.Fallback, p.Rule
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
	parts := publish.AnswerParts(out.Text, f)
	if err := r.GitLab.UpdateNote(ctx, j.thread, j.noteID, r.redact(parts[0])); err != nil {
		return fmt.Errorf("post the answer: %w", err)
	}
	for i := 1; i < len(parts); i++ {
		if err := r.postPart(ctx, j, i+1, parts[i]); err != nil {
			return err
		}
	}
	j.log.Info("job: answered", "note", j.noteID, "parts", len(parts), "commit", f.CommitSHA, "mr", f.MRIID)
	return r.end(ctx, j, jobstate.Answered, "")
}

// postPart posts the k-th note of a long answer as a reply in the discussion, once: each is a
// recorded step, and after a crash between posting and recording it is found by its marker.
func (r *Runner) postPart(ctx context.Context, j *job, k int, body string) error {
	step := fmt.Sprintf("%s_part_%d", stepAnswered, k)
	if j.steps.has(step) {
		return nil
	}
	mark := marker.Part(j.id, k)
	if j.attempt > 1 {
		if n, found, err := r.GitLab.FindNote(ctx, j.thread, mark); err != nil {
			return fmt.Errorf("look for part %d of the answer: %w", k, err)
		} else if found {
			return j.steps.save(ctx, step, strconv.FormatInt(n.ID, 10))
		}
	}
	n, err := r.GitLab.PostNote(ctx, j.thread, j.req.DiscussionID, r.redact(body), j.confidential(), mark)
	if err != nil {
		return fmt.Errorf("post part %d of the answer: %w", k, err)
	}
	return j.steps.save(ctx, step, strconv.FormatInt(n.ID, 10))
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
