package publish

import (
	"context"
	"errors"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// push decides where the commit goes and pushes it there: a protected branch falls back to a
// branch of ours with a merge request; a branch that moved gets one rebase and one more try, and
// if the change does not apply on top of it, it too goes to a branch of ours with a merge request.
func (p *Publisher) push(ctx context.Context, j Job, c Change) (Pushed, error) {
	in, err := p.targetInput(ctx, j)
	if err != nil {
		return Pushed{}, err
	}
	target := ChooseTarget(in)
	ws, err := j.Worktree(ctx)
	if err != nil {
		return Pushed{}, err
	}
	if why := p.confidentialRefusal(ctx, j); why != "" {
		return p.asPatch(ctx, j, ws, c, why)
	}
	if target.Patch {
		return p.asPatch(ctx, j, ws, c, Why(in, target))
	}
	if target.URL != "" {
		return p.pushToFork(ctx, j, ws, in, target, c)
	}
	pu := Pushed{Branch: target.Branch, SHA: c.Commit, OpenMR: target.OpenMR, MRTarget: target.MRTarget,
		Fallback: Why(in, target)}
	if target.Existing {
		var done bool
		if pu, target, done, err = p.pushToSource(ctx, j, ws, in, target, c); done || err != nil {
			return pu, err
		}
	}
	if pu.Fallback == "" { // a fallback says why already
		right, err := j.Requester.MayPush(ctx, target.Branch)
		if err != nil {
			return Pushed{}, err
		}
		pu.Rule = right.Rule
	}
	pu.Branch, err = p.pushNew(ctx, j, ws, target.Branch)
	if err == nil {
		pu.SHA, _ = ws.Head(ctx)
	}
	return pu, err
}

// pushToSource pushes on top of the MR's source branch (done), or says where the change goes
// instead when that branch is protected or moved under a change that does not apply on it.
func (p *Publisher) pushToSource(ctx context.Context, j Job, ws *workspace.Workspace, in TargetInput, target Target, c Change) (Pushed, Target, bool, error) {
	pu := Pushed{Branch: target.Branch, SHA: c.Commit, Rule: in.RequesterPush.Rule}
	// The lease is on the tip Claude started from, not on the branch as GitLab shows it now:
	// if someone pushed meanwhile, that is the race to rebase over.
	err := p.PushExisting(ctx, j, ws, target.Branch, ws.BaseSHA)
	why := ""
	switch {
	case err == nil:
		pu.SHA, _ = ws.Head(ctx) // after a rebase, the new commit
		return pu, target, true, nil
	case errors.Is(err, workspace.ErrProtected):
		why = fmt.Sprintf("GitLab refused the push to the protected branch `%s`", in.SourceBranch)
	case errors.Is(err, workspace.ErrConflict), errors.Is(err, workspace.ErrStale):
		why = fmt.Sprintf("the branch `%s` changed while Claude worked and the change does not apply on top of it", in.SourceBranch)
	default:
		return Pushed{}, target, false, err
	}
	j.Log.Info("job: falling back to a new branch", "branch", target.Branch, "error", p.redact(err.Error()))
	target = FallbackTarget(in, target)
	return Pushed{Branch: target.Branch, SHA: c.Commit, OpenMR: true, MRTarget: target.MRTarget,
		Fallback: why + ", so the change is on a new branch with a merge request into it"}, target, false, nil
}

// PushExisting pushes on top of a branch that is not ours (an MR's source branch): never a force,
// the lease on base; if the branch moved, one rebase and one more try (PushWithLease).
func (p *Publisher) PushExisting(ctx context.Context, j Job, ws *workspace.Workspace, branch, base string) error {
	if j.Attempt > 1 && p.alreadyThere(ctx, j, ws, branch) {
		return nil // pushed before a crash or a lost answer
	}
	err := PushWithLease(ctx, ws, branch, base, j.Log)
	var notApplied *NotAppliedError
	if err != nil && !errors.As(err, &notApplied) {
		return fmt.Errorf("push to %s: %w", branch, err)
	}
	return err
}

// PushFix pushes a pipeline fix onto the branch whose pipeline failed, one of the bot's own
// (BRANCH_PREFIX): on top of the commit that failed (c.Base), with one rebase if someone pushed
// meanwhile; never a force. Nothing is pushed when nothing changed or the push is recorded.
func (p *Publisher) PushFix(ctx context.Context, j Job, c Change) error {
	if _, done := j.Steps.Value(StepPushed); c.Commit == "" || done {
		return nil
	}
	ws, err := j.Worktree(ctx)
	if err != nil {
		return err
	}
	branch := j.Request.Pipeline.Branch
	if err := p.PushExisting(ctx, j, ws, branch, c.Base); err != nil {
		return err
	}
	sha, err := ws.Head(ctx)
	if err != nil {
		return err
	}
	j.Log.Info("job: pipeline fix pushed", "branch", branch, "sha", sha)
	return j.Steps.Save(ctx, StepPushed, Pushed{Branch: branch, SHA: sha})
}

// alreadyThere reports whether branch already holds the worktree's commit.
func (p *Publisher) alreadyThere(ctx context.Context, j Job, ws *workspace.Workspace, branch string) bool {
	head, err := ws.Head(ctx)
	if err != nil {
		return false
	}
	b, err := p.Branches.Branch(ctx, j.Request.Project.ID, branch)
	return err == nil && b.CommitSHA == head
}

// confidentialRefusal says why a change asked in a confidential issue of a project that is not
// private is not pushed: its branch, commit and merge request would show what the issue hides to
// everyone who can read the project's code. "" when it may be pushed.
func (p *Publisher) confidentialRefusal(ctx context.Context, j Job) string {
	if !j.confidential() || p.Options.ConfidentialChanges {
		return ""
	}
	project, _ := j.Project(ctx) // read already for the push decision
	vis := project.Visibility
	if vis == "private" {
		return ""
	}
	if vis == "" {
		vis = "not private"
	}
	return fmt.Sprintf("this is a confidential thread in a project that is %s, and a branch, commit or merge request would show the change to everyone who can read the project's code, so nothing was pushed: the change is below, in this confidential thread. An operator can allow such pushes with CONFIDENTIAL_CHANGES=allow", vis)
}

// maxPatch bounds the patch a reply carries; a longer one is on the job's page (the transcript).
const maxPatch = 60_000

// asPatch pushes nothing and keeps the change for the reply, with why.
func (p *Publisher) asPatch(ctx context.Context, j Job, ws *workspace.Workspace, c Change, why string) (Pushed, error) {
	diff, err := ws.Diff(ctx)
	if err != nil {
		return Pushed{}, fmt.Errorf("make the patch: %w", err)
	}
	if len(diff) > maxPatch {
		diff = ""
		why += " (too large to show here: it is on the job's page)"
	}
	j.Log.Info("job: change not pushed; the reply carries it as a patch", "bytes", len(diff))
	return Pushed{Patch: true, PatchText: diff, SHA: c.Commit, Base: c.Base, Fallback: why}, nil
}

// pushToFork pushes on top of the source branch of an MR from a fork, which GitLab allows the
// requester (allow_collaboration, and they may merge to the target). Anything GitLab refuses, or
// a branch that moved, turns into a patch in the reply: the fork's commits stay out of the project.
func (p *Publisher) pushToFork(ctx context.Context, j Job, ws *workspace.Workspace, in TargetInput, target Target, c Change) (Pushed, error) {
	err := ws.Push(ctx, target.Branch, workspace.PushOptions{ExpectRemoteSHA: ws.BaseSHA, URL: target.URL})
	if err == nil {
		head, _ := ws.Head(ctx)
		return Pushed{Branch: target.Branch, SHA: head, Rule: in.ForkPush.Rule + " (the fork allows commits from them)", Fork: target.URL}, nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Pushed{}, err
	}
	j.Log.Info("job: the push to the fork failed; replying with a patch", "error", p.redact(err.Error()))
	return p.asPatch(ctx, j, ws, c, fmt.Sprintf("the push to the fork's branch `%s` failed (%s)", target.Branch, refusal(err))+
		", so nothing was pushed: the change is below as a patch")
}

// refusal says in words why GitLab refused a push.
func refusal(err error) string {
	switch {
	case errors.Is(err, workspace.ErrProtected):
		return "the branch is protected in the fork"
	case errors.Is(err, workspace.ErrStale):
		return "it changed while Claude worked"
	}
	return "GitLab refused it"
}
