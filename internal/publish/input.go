package publish

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// targetInput reads what the push decision needs: for MR threads, the source branch and whether
// the bot and the requester may push there.
func (p *Publisher) targetInput(ctx context.Context, j Job) (TargetInput, error) {
	project, err := j.Project(ctx)
	if err != nil {
		return TargetInput{}, err
	}
	in := TargetInput{Request: j.Request, DefaultBranch: project.DefaultBranch,
		BranchPrefix: p.Options.BranchPrefix, UseMR: p.Options.UseMR}
	if j.Request.Thread.Type != event.ThreadMergeRequest {
		return in, nil
	}
	mr, err := p.MRs.MergeRequest(ctx, j.Request.Project.ID, j.Request.Thread.IID)
	if err != nil {
		return in, fmt.Errorf("read the merge request: %w", err)
	}
	in.SourceBranch, in.SameProject = mr.SourceBranch, mr.SourceProjectID == mr.ProjectID || mr.SourceProjectID == 0
	if !in.SameProject {
		return p.forkInput(ctx, j, in, mr)
	}
	b, err := p.Branches.Branch(ctx, j.Request.Project.ID, mr.SourceBranch)
	if err != nil && !errors.Is(err, gitlab.ErrNotFound) {
		return in, fmt.Errorf("read branch %s: %w", mr.SourceBranch, err)
	}
	in.SourcePushable, in.SourceProtected = err == nil && (b.CanPush || !b.Protected), b.Protected && !b.CanPush
	if in.RequesterPush, err = j.Requester.MayPush(ctx, mr.SourceBranch); err != nil {
		return in, err
	}
	return in, nil
}

// forkInput reads what a change on an MR from a fork depends on: whether GitLab would let the
// requester push to its source branch, and where the fork's repository is.
func (p *Publisher) forkInput(ctx context.Context, j Job, in TargetInput, mr gitlab.MR) (TargetInput, error) {
	in.AllowCollaboration = mr.AllowCollaboration
	if !mr.AllowCollaboration {
		return in, nil
	}
	right, err := j.Requester.MayMerge(ctx, mr.TargetBranch)
	if err != nil {
		return in, err
	}
	in.ForkPush = right
	if !right.Allowed {
		return in, nil
	}
	fork, err := p.Projects.Project(ctx, strconv.FormatInt(mr.SourceProjectID, 10))
	switch {
	case errors.Is(err, gitlab.ErrNotFound), errors.Is(err, gitlab.ErrForbidden):
		return in, nil
	case err != nil:
		return in, fmt.Errorf("read the fork: %w", err)
	}
	in.ForkURL = fork.HTTPURLToRepo
	return in, nil
}
