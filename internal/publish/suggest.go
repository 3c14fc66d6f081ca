package publish

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// OneLine reads a `git diff` that replaces exactly one line of one file (one "-" line followed by
// one "+" line): the file, the line's number before the change, and its new text. Such a change
// can go to a merge request as a suggestion its author applies with one click.
func OneLine(patch string) (path string, line int, text string, ok bool) {
	if strings.Count(patch, "\ndiff --git ")+boolInt(strings.HasPrefix(patch, "diff --git ")) != 1 {
		return "", 0, "", false
	}
	old, removed, added := 0, 0, 0
	inHunk := false
	for _, l := range strings.Split(patch, "\n") {
		switch {
		case strings.HasPrefix(l, "+++ b/"):
			path = strings.TrimPrefix(l, "+++ b/")
		case strings.HasPrefix(l, "@@ "):
			if inHunk {
				return "", 0, "", false // two hunks
			}
			inHunk = true
			fields := strings.Fields(l)
			if len(fields) < 3 {
				return "", 0, "", false
			}
			n, err := strconv.Atoi(strings.Split(strings.TrimPrefix(fields[1], "-"), ",")[0])
			if err != nil {
				return "", 0, "", false
			}
			old = n
		case !inHunk:
		case strings.HasPrefix(l, "-"):
			removed++
			line = old
			old++
		case strings.HasPrefix(l, "+"):
			if removed != 1 || added > 0 {
				return "", 0, "", false
			}
			added++
			text = strings.TrimPrefix(l, "+")
		case strings.HasPrefix(l, " "):
			if removed > 0 && added == 0 {
				return "", 0, "", false // the "+" does not follow the "-"
			}
			old++
		}
	}
	if removed != 1 || added != 1 || path == "" || strings.Contains(text, "```") {
		return "", 0, "", false
	}
	return path, line, text, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Suggestion is the diff comment that offers a one-line change to an MR's author.
func Suggestion(jobID int64, text, why string) string {
	return fmt.Sprintf("Claude's change to this line, as a suggestion to apply (%s):\n\n```suggestion:-0+0\n%s\n```\n\n%s",
		why, text, marker.Suggestion(jobID))
}

// suggest offers a change that was not pushed, and replaces one line of a file the MR changes,
// as a suggestion on that line: its author applies it with one click.
func (p *Publisher) suggest(ctx context.Context, j Job, pu Pushed) error {
	if _, done := j.Steps.Value(StepSuggestion); done || j.Request.Thread.Type != event.ThreadMergeRequest {
		return nil
	}
	path, line, text, ok := OneLine(pu.PatchText)
	if !ok {
		return j.Steps.Save(ctx, StepSuggestion, "none")
	}
	mr, at, ok, err := p.place(ctx, j, path, line)
	if err != nil {
		return err
	}
	if !ok || mr.DiffRefs.Head != pu.Base {
		return j.Steps.Save(ctx, StepSuggestion, "none") // not a line of the MR's diff, or the MR moved
	}
	mark := marker.Suggestion(j.ID)
	if j.Attempt > 1 {
		if _, found, err := p.Diffs.FindDiscussion(ctx, j.Request.Project.ID, mr.IID, mark); err != nil {
			return fmt.Errorf("look for our suggestion: %w", err)
		} else if found {
			return j.Steps.Save(ctx, StepSuggestion, fmt.Sprintf("%s:%d", path, line))
		}
	}
	pos := gitlab.Position{BaseSHA: mr.DiffRefs.Base, StartSHA: mr.DiffRefs.Start, HeadSHA: mr.DiffRefs.Head,
		OldPath: at.OldPath, NewPath: at.NewPath, OldLine: int64(at.OldLine), NewLine: int64(at.NewLine)}
	why := strings.TrimSuffix(pu.Fallback, ", so nothing was pushed: the change is below as a patch")
	_, err = p.Diffs.CreateDiffDiscussion(ctx, j.Request.Project.ID, mr.IID, pos, p.redact(Suggestion(j.ID, text, why)), mark)
	if errors.Is(err, gitlab.ErrBadPosition) {
		return j.Steps.Save(ctx, StepSuggestion, "none")
	}
	if err != nil {
		return fmt.Errorf("post the suggestion: %w", err)
	}
	return j.Steps.Save(ctx, StepSuggestion, fmt.Sprintf("%s:%d", path, line))
}

// place finds the line of the MR's diff a suggestion on path:line goes to; ok is false when the
// MR's changes do not show that line.
func (p *Publisher) place(ctx context.Context, j Job, path string, line int) (gitlab.MR, review.Position, bool, error) {
	mr, err := p.MRs.MergeRequest(ctx, j.Request.Project.ID, j.Request.Thread.IID)
	if err != nil {
		return mr, review.Position{}, false, fmt.Errorf("read the merge request: %w", err)
	}
	diffs, err := p.Diffs.MergeRequestDiff(ctx, j.Request.Project.ID, mr.IID, prompt.MaxDiffChars)
	if err != nil {
		return mr, review.Position{}, false, fmt.Errorf("read the merge request's changes: %w", err)
	}
	files := make([]review.File, 0, len(diffs))
	for _, d := range diffs {
		files = append(files, review.ParseFile(d.OldPath, d.NewPath, d.Diff))
	}
	at, ok := review.Place(files, review.Finding{Path: path, NewLine: line})
	return mr, at, ok, nil
}
