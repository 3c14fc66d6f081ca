package publish

import (
	"context"
	"errors"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// pushNew pushes to a new branch of ours; if the name is taken (an earlier job on this thread)
// the job id makes it unique. A resumed job goes back to the branch it recorded: if the branch
// holds the commit pushed then, it is ours and takes the new commit (with a lease on that tip; a
// branch this job did not create is never forced), so a job never leaves two branches behind.
func (p *Publisher) pushNew(ctx context.Context, j Job, ws *workspace.Workspace, branch string) (string, error) {
	head, err := ws.Head(ctx)
	if err != nil {
		return "", fmt.Errorf("push to a new branch %s: %w", branch, err)
	}
	var intent BranchIntent
	if j.Steps.Get(StepBranch, &intent) {
		ours, err := p.resumeBranch(ctx, j, ws, intent, head)
		if err != nil || ours {
			return intent.Name, err
		}
	}
	names := []string{branch, fmt.Sprintf("%s-%d", branch, j.ID)}
	for _, name := range names {
		if err := j.Steps.Save(ctx, StepBranch, BranchIntent{Name: name, SHA: head}); err != nil {
			return "", err
		}
		err := ws.Push(ctx, name, workspace.PushOptions{Create: true})
		if errors.Is(err, workspace.ErrStale) {
			continue // taken by someone else
		}
		if err != nil {
			return "", fmt.Errorf("push to a new branch %s: %w", name, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("push to a new branch: %s and %s are taken: %w", names[0], names[1], workspace.ErrStale)
}

// resumeBranch finishes the push of a branch recorded by an earlier attempt; ours is false when
// the branch belongs to someone else after all.
func (p *Publisher) resumeBranch(ctx context.Context, j Job, ws *workspace.Workspace, intent BranchIntent, head string) (ours bool, err error) {
	b, err := p.Branches.Branch(ctx, j.Request.Project.ID, intent.Name)
	switch {
	case errors.Is(err, gitlab.ErrNotFound): // the crash came before the push
		err = ws.Push(ctx, intent.Name, workspace.PushOptions{Create: true})
		if errors.Is(err, workspace.ErrStale) {
			return false, nil
		}
	case err != nil:
		return false, fmt.Errorf("read branch %s: %w", intent.Name, err)
	case b.CommitSHA == head:
		return true, nil // pushed before the crash
	case b.CommitSHA == intent.SHA && intent.SHA != "":
		// Our branch with the commit of an earlier run: the new commit replaces it.
		j.Log.Info("job: replacing the commit of an earlier attempt on our branch", "branch", intent.Name, "old", intent.SHA, "new", head)
		if err := j.Steps.Save(ctx, StepBranch, BranchIntent{Name: intent.Name, SHA: head}); err != nil {
			return false, err
		}
		err = ws.Push(ctx, intent.Name, workspace.PushOptions{ExpectRemoteSHA: intent.SHA, Replace: true})
	default:
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("push to %s: %w", intent.Name, err)
	}
	return true, nil
}
