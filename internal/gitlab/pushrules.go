package gitlab

import (
	"context"
	"errors"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// PushRule is a project's push rule: checks GitLab runs on every push (Premium and up).
type PushRule struct {
	CommitMessageRegex         string
	CommitMessageNegativeRegex string
	BranchNameRegex            string
	AuthorEmailRegex           string
	FileNameRegex              string
	MaxFileSizeMB              int64
	MemberCheck                bool // author email must belong to a GitLab user
	CommitCommitterCheck       bool // committer email must be one of the pusher's verified emails
	CommitCommitterNameCheck   bool // committer name must be the pusher's name
	RejectUnsignedCommits      bool
	RejectNonDCOCommits        bool // every commit needs a Signed-off-by line
}

// PushRule reads a project's push rule; nil when it has none, or when the tier has none (the
// endpoint answers 404 on Free). Reading it needs Maintainer: a 403 is ErrForbidden.
func (c *Client) PushRule(ctx context.Context, projectID int64) (*PushRule, error) {
	var r *gl.ProjectPushRules
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		r, _, err = c.gl.Projects.GetProjectPushRules(projectID, opt)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get push rule of project %d: %w", projectID, err)
	}
	if r == nil || r.ID == 0 {
		return nil, nil // GitLab answers null when the project has no rule
	}
	return &PushRule{
		CommitMessageRegex: r.CommitMessageRegex, CommitMessageNegativeRegex: r.CommitMessageNegativeRegex,
		BranchNameRegex: r.BranchNameRegex, AuthorEmailRegex: r.AuthorEmailRegex, FileNameRegex: r.FileNameRegex,
		MaxFileSizeMB: r.MaxFileSize, MemberCheck: r.MemberCheck, CommitCommitterCheck: r.CommitCommitterCheck,
		CommitCommitterNameCheck: r.CommitCommitterNameCheck, RejectUnsignedCommits: r.RejectUnsignedCommits,
		RejectNonDCOCommits: r.RejectNonDCOCommits,
	}, nil
}
