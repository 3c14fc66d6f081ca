package publish

import (
	"context"
	"errors"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// StepWikiBranch records the wiki repository's branch the edit is pushed to (a stored step name:
// never rename it).
const StepWikiBranch = "wiki_branch"

// WikiUnchanged is the outcome of a wiki request that left the page as it was.
const WikiUnchanged = "wiki page unchanged"

// WikiEdited is the outcome of a wiki edit: the page and the commit pushed.
func WikiEdited(slug, sha string) string {
	return "edited wiki page " + slug + " (" + event.ShortSHA(sha) + ")"
}

// PushWiki pushes the edit in j's Worktree (of the wiki's repository) to the wiki's default
// branch (the payload's, else the one the wiki's HEAD pointed at when Claude started from base),
// on top of what Claude started from, rebasing once if someone edited meanwhile. The branch and
// the push are recorded as steps: a resumed job pushes once. It returns the branch.
func PushWiki(ctx context.Context, j Job, base string) (string, error) {
	branch, _ := j.Steps.Value(StepWikiBranch)
	if _, done := j.Steps.Value(StepPushed); done {
		return branch, nil
	}
	ws, err := j.Worktree(ctx)
	if err != nil {
		return "", err
	}
	if branch == "" {
		if branch = j.Request.Wiki.DefaultBranch; branch == "" {
			if branch, err = ws.WikiBranch(ctx, base); err != nil {
				return "", err
			}
		}
		if err := j.Steps.Save(ctx, StepWikiBranch, branch); err != nil {
			return "", err
		}
	}
	var notApplied *NotAppliedError
	if err := PushWithLease(ctx, ws, branch, ws.BaseSHA, j.Log); errors.As(err, &notApplied) {
		return "", fmt.Errorf("the wiki changed while Claude worked and the edit does not apply on top of it: %w", notApplied.Err)
	} else if err != nil {
		return "", fmt.Errorf("push the wiki page: %w", err)
	}
	sha, err := ws.Head(ctx)
	if err != nil {
		return "", err
	}
	return branch, j.Steps.Save(ctx, StepPushed, Pushed{Branch: branch, SHA: sha})
}
