package job

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// Steps of a follow-up on a review comment.
const (
	stepFollowUp = "followup"          // the review comment the request answers, or "none"
	stepResolved = "followup_resolved" // its discussion resolved after the fix was pushed
)

// followUp finds the review comment a request in its discussion refers to; nil when the request
// is not a fix asked in one of the bot's finding discussions. The answer is recorded, so a
// resumed job keeps it.
func (t answerTask) followUp(ctx context.Context, j *job) (*prompt.FollowUp, error) {
	var f prompt.FollowUp
	if v, ok := j.steps.values[stepFollowUp]; ok {
		if v == "none" || !j.steps.get(stepFollowUp, &f) {
			return nil, nil
		}
		return &f, nil
	}
	found, err := t.findFollowUp(ctx, j)
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, j.steps.save(ctx, stepFollowUp, "none")
	}
	j.log.Info("job: a fix asked in a review comment's discussion", "discussion", found.DiscussionID, "path", found.Path, "line", found.Line)
	return found, j.steps.save(ctx, stepFollowUp, found)
}

func (t answerTask) findFollowUp(ctx context.Context, j *job) (*prompt.FollowUp, error) {
	req := j.req
	if req.Thread.Type != event.ThreadMergeRequest || req.DiscussionID == "" || req.Task == trigger.TaskReview ||
		!trigger.IsFixRequest(req.Text) {
		return nil, nil
	}
	ds, err := t.reviews.ListDiscussions(ctx, req.Project.ID, req.Thread.IID)
	if err != nil {
		return nil, fmt.Errorf("read the merge request's discussions: %w", err)
	}
	for _, d := range ds {
		if d.ID != req.DiscussionID || len(d.Notes) == 0 || d.Notes[0].AuthorID != j.bot.ID {
			continue
		}
		if _, ok := marker.FindingID(d.Notes[0].Body); !ok {
			return nil, nil
		}
		f := &prompt.FollowUp{DiscussionID: d.ID, Text: findingText(d.Notes[0].Body)}
		if p := d.Position; p != nil {
			f.Path, f.Line = p.NewPath, int(p.NewLine)
			if f.Line == 0 {
				f.Path, f.Line = p.OldPath, int(p.OldLine)
			}
		}
		return f, nil
	}
	return nil, nil
}

// resolveFollowUp resolves the review comment's discussion once the fix is on the branch.
func (t answerTask) resolveFollowUp(ctx context.Context, j *job, f *prompt.FollowUp) error {
	var p pushed
	if f == nil || j.steps.has(stepResolved) || !j.steps.get(stepPushed, &p) || p.OpenMR {
		return nil // no fix, or it went to a branch of its own: the comment stays open
	}
	if err := t.reviews.ResolveDiscussion(ctx, j.req.Project.ID, j.req.Thread.IID, f.DiscussionID, true); err != nil {
		return fmt.Errorf("resolve the review comment: %w", err)
	}
	return j.steps.save(ctx, stepResolved, f.DiscussionID)
}
