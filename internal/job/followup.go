package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// followUp is the review comment a fix request answers, if any (review.FindFollowUp).
func (t answerTask) followUp(ctx context.Context, j *job) (*prompt.FollowUp, error) {
	f, err := review.FindFollowUp(ctx, t.reviews, j.steps, j.req, j.bot.ID, j.log)
	if f == nil || err != nil {
		return nil, err
	}
	p := prompt.FollowUp(*f)
	return &p, nil
}

// resolveFollowUp resolves the review comment's discussion once the fix is on its branch.
func (t answerTask) resolveFollowUp(ctx context.Context, j *job, f *prompt.FollowUp) error {
	var p publish.Pushed
	if f == nil || !j.steps.Get(stepPushed, &p) || p.OpenMR {
		return nil // no fix, or it went to a branch of its own: the comment stays open
	}
	return review.ResolveFollowUp(ctx, t.reviews, j.steps, j.thread, f.DiscussionID)
}
