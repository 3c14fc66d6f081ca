package review

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// The steps of a follow-up on a review comment. Their names are stored with the jobs in flight:
// never rename one.
const (
	StepFollowUp         = "followup"          // the review comment the request answers, or "none"
	StepFollowUpResolved = "followup_resolved" // its discussion resolved after the fix was pushed
)

// FollowUp is the review comment a fix request answers: the finding's discussion, where it
// sits, and what it says. Its fields are prompt.FollowUp's, which it converts to.
type FollowUp struct {
	DiscussionID string `json:"discussion_id"`
	Path         string `json:"path"`
	Line         int    `json:"line"`
	Text         string `json:"text"`
}

// FollowUps are what a follow-up needs of GitLab: the merge request's discussions, to find the
// review comment, and resolving it once fixed.
type FollowUps interface {
	ListDiscussions(ctx context.Context, projectID, iid int64) ([]gitlab.Discussion, error)
	ResolveDiscussion(ctx context.Context, projectID, iid int64, discussionID string, resolved bool) error
}

// FindFollowUp finds the review comment a request in its discussion refers to; nil when the
// request is not a fix asked in one of the bot's finding discussions. The answer is recorded,
// so a resumed job keeps it.
func FindFollowUp(ctx context.Context, gl FollowUps, steps jobstate.Steps, req trigger.Request, botID int64, log *slog.Logger) (*FollowUp, error) {
	var f FollowUp
	if v, ok := steps.Value(StepFollowUp); ok {
		if v == "none" || !steps.Get(StepFollowUp, &f) {
			return nil, nil
		}
		return &f, nil
	}
	found, err := followUpOf(ctx, gl, req, botID)
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, steps.Save(ctx, StepFollowUp, "none")
	}
	log.Info("job: a fix asked in a review comment's discussion", "discussion", found.DiscussionID, "path", found.Path, "line", found.Line)
	return found, steps.Save(ctx, StepFollowUp, found)
}

func followUpOf(ctx context.Context, gl FollowUps, req trigger.Request, botID int64) (*FollowUp, error) {
	if req.Thread.Type != event.ThreadMergeRequest || req.DiscussionID == "" || req.Task == trigger.TaskReview ||
		!trigger.IsFixRequest(req.Text) {
		return nil, nil
	}
	ds, err := gl.ListDiscussions(ctx, req.Project.ID, req.Thread.IID)
	if err != nil {
		return nil, fmt.Errorf("read the merge request's discussions: %w", err)
	}
	for _, d := range ds {
		if d.ID != req.DiscussionID || len(d.Notes) == 0 || d.Notes[0].AuthorID != botID {
			continue
		}
		if _, ok := marker.FindingID(d.Notes[0].Body); !ok {
			return nil, nil
		}
		f := &FollowUp{DiscussionID: d.ID, Text: findingText(d.Notes[0].Body)}
		f.Path, f.Line = discussionLine(d)
		return f, nil
	}
	return nil, nil
}

// ResolveFollowUp resolves the review comment's discussion once the fix is on the merge
// request's branch, once.
func ResolveFollowUp(ctx context.Context, gl FollowUps, steps jobstate.Steps, mr gitlab.ThreadRef, discussionID string) error {
	if _, done := steps.Value(StepFollowUpResolved); done {
		return nil
	}
	if err := gl.ResolveDiscussion(ctx, mr.ProjectID, mr.IID, discussionID, true); err != nil {
		return fmt.Errorf("resolve the review comment: %w", err)
	}
	return steps.Save(ctx, StepFollowUpResolved, discussionID)
}

// findingText is a finding note without its marker and suggestion block.
func findingText(body string) string {
	text, _, _ := strings.Cut(body, "\n\n")
	return strings.TrimSpace(text)
}

// discussionLine is where a diff discussion sits: its new line, or its old line when it is on a
// removed one; nothing for a discussion off the diff.
func discussionLine(d gitlab.Discussion) (path string, line int) {
	p := d.Position
	if p == nil {
		return "", 0
	}
	if p.NewLine != 0 {
		return p.NewPath, int(p.NewLine)
	}
	return p.OldPath, int(p.OldLine)
}
