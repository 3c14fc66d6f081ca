package job

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// stepSuggestion: the one-line change of a patch reply posted as a suggestion ("path:line"), or
// "none" when it could not be.
const stepSuggestion = "suggestion"

// suggest offers a change that was not pushed, and replaces one line of a file the MR changes,
// as a suggestion on that line: its author applies it with one click.
func (r *Runner) suggest(ctx context.Context, j *job, p pushed) error {
	if j.steps.has(stepSuggestion) || j.req.Thread.Type != event.ThreadMergeRequest {
		return nil
	}
	path, line, text, ok := publish.OneLine(p.PatchText)
	if !ok {
		return j.steps.save(ctx, stepSuggestion, "none")
	}
	mr, err := r.GitLab.MergeRequest(ctx, j.req.Project.ID, j.req.Thread.IID)
	if err != nil {
		return fmt.Errorf("read the merge request: %w", err)
	}
	diffs, err := r.GitLab.MergeRequestDiff(ctx, j.req.Project.ID, mr.IID, prompt.MaxDiffChars)
	if err != nil {
		return fmt.Errorf("read the merge request's changes: %w", err)
	}
	files := make([]review.File, 0, len(diffs))
	for _, d := range diffs {
		files = append(files, review.ParseFile(d.OldPath, d.NewPath, d.Diff))
	}
	at, ok := review.Place(files, review.Finding{Path: path, NewLine: line})
	if !ok || mr.DiffRefs.Head != p.Base {
		return j.steps.save(ctx, stepSuggestion, "none") // not a line of the MR's diff, or the MR moved
	}
	mark := marker.Suggestion(j.id)
	if j.attempt > 1 {
		if _, found, err := r.GitLab.FindDiscussion(ctx, j.req.Project.ID, mr.IID, mark); err != nil {
			return fmt.Errorf("look for our suggestion: %w", err)
		} else if found {
			return j.steps.save(ctx, stepSuggestion, fmt.Sprintf("%s:%d", path, line))
		}
	}
	pos := gitlab.Position{BaseSHA: mr.DiffRefs.Base, StartSHA: mr.DiffRefs.Start, HeadSHA: mr.DiffRefs.Head,
		OldPath: at.OldPath, NewPath: at.NewPath, OldLine: int64(at.OldLine), NewLine: int64(at.NewLine)}
	why := strings.TrimSuffix(p.Fallback, ", so nothing was pushed: the change is below as a patch")
	_, err = r.GitLab.CreateDiffDiscussion(ctx, j.req.Project.ID, mr.IID, pos, r.redact(publish.Suggestion(j.id, text, why)), mark)
	if errors.Is(err, gitlab.ErrBadPosition) {
		return j.steps.save(ctx, stepSuggestion, "none")
	}
	if err != nil {
		return fmt.Errorf("post the suggestion: %w", err)
	}
	return j.steps.save(ctx, stepSuggestion, fmt.Sprintf("%s:%d", path, line))
}
