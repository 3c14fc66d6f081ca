package job

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// pushed is where a commit went.
type pushed struct {
	Branch   string `json:"branch"`
	SHA      string `json:"sha"`
	OpenMR   bool   `json:"open_mr"`
	MRTarget string `json:"mr_target,omitempty"`
	Fallback string `json:"fallback,omitempty"`
	Rule     string `json:"rule,omitempty"` // the requester's right that allowed this push
	// Patch: nothing was pushed (an MR from a fork); the reply carries the change as this patch.
	Patch     bool   `json:"patch,omitempty"`
	PatchText string `json:"patch_text,omitempty"`
	Fork      string `json:"fork,omitempty"` // the fork's repository, when pushed there
	Base      string `json:"base,omitempty"` // the commit a patch applies to
}

// mrDone is the merge request a job opened.
type mrDone struct {
	IID int64  `json:"iid"`
	URL string `json:"url"`
	SHA string `json:"sha"`
}

// publishChange pushes the commit, opens the merge request and sets auto-merge, as far as they
// are not recorded yet.
func (r *Runner) publishChange(ctx context.Context, j *job, out outcome) error {
	if out.Commit == "" {
		return nil
	}
	var p pushed
	if !j.steps.get(stepPushed, &p) {
		var err error
		if p, err = r.push(ctx, j, out); err != nil {
			return err
		}
		if err := j.steps.save(ctx, stepPushed, p); err != nil {
			return err
		}
	}
	if p.Patch {
		return r.suggest(ctx, j, p)
	}
	if !p.OpenMR {
		return nil
	}
	var mr mrDone
	if !j.steps.get(stepMR, &mr) {
		var err error
		if mr, err = r.openMR(ctx, j, p, out); err != nil {
			return err
		}
		if err := j.steps.save(ctx, stepMR, mr); err != nil {
			return err
		}
	}
	if checked := j.steps.values[stepChecked]; j.settings.AutoMerge && !j.steps.has(stepMerge) && strings.HasPrefix(checked, sensitivePrefix) {
		return j.steps.save(ctx, stepMerge, "the change touches "+strings.TrimPrefix(checked, sensitivePrefix)+
			", and changes to CI or the bot's configuration are never merged automatically: a person merges them")
	}
	if j.settings.AutoMerge && !j.steps.has(stepMerge) {
		v, err := r.autoMerge(ctx, j, p, mr)
		if err != nil {
			return err
		}
		return j.steps.save(ctx, stepMerge, v)
	}
	return nil
}

// push decides where the commit goes and pushes it there: a protected branch falls back to a
// branch of ours with a merge request; a branch that moved gets one rebase and one more try, and
// if the change does not apply on top of it, it too goes to a branch of ours with a merge request.
func (r *Runner) push(ctx context.Context, j *job, out outcome) (pushed, error) {
	in, _, err := r.targetInput(ctx, j)
	if err != nil {
		return pushed{}, err
	}
	target := publish.ChooseTarget(in)
	ws, err := r.commitWorkspace(ctx, j, out)
	if err != nil {
		return pushed{}, err
	}
	if why := r.confidentialRefusal(j); why != "" {
		return r.asPatch(ctx, j, ws, out, why)
	}
	if target.Patch {
		return r.asPatch(ctx, j, ws, out, publish.Why(in, target))
	}
	if target.URL != "" {
		return r.pushToFork(ctx, j, ws, in, target, out)
	}
	p := pushed{Branch: target.Branch, SHA: out.Commit, OpenMR: target.OpenMR, MRTarget: target.MRTarget,
		Fallback: publish.Why(in, target)}
	if target.Existing {
		p.Rule = in.RequesterPush.Rule
		// The lease is on the tip Claude started from, not on the branch as GitLab shows it now:
		// if someone pushed meanwhile, that is the race to rebase over.
		err = r.pushExisting(ctx, j, ws, target.Branch, ws.BaseSHA)
		why := ""
		switch {
		case err == nil:
			p.SHA, _ = ws.Head(ctx) // after a rebase, the new commit
			return p, nil
		case errors.Is(err, workspace.ErrProtected):
			why = fmt.Sprintf("GitLab refused the push to the protected branch `%s`", in.SourceBranch)
		case errors.Is(err, workspace.ErrConflict), errors.Is(err, workspace.ErrStale):
			why = fmt.Sprintf("the branch `%s` changed while Claude worked and the change does not apply on top of it", in.SourceBranch)
		default:
			return pushed{}, err
		}
		j.log.Info("job: falling back to a new branch", "branch", target.Branch, "error", r.redact(err.Error()))
		target = publish.FallbackTarget(in, target)
		p = pushed{Branch: target.Branch, SHA: out.Commit, OpenMR: true, MRTarget: target.MRTarget,
			Fallback: why + ", so the change is on a new branch with a merge request into it"}
	}
	if p.Fallback == "" { // a fallback says why already
		right, err := r.mayPush(ctx, j, target.Branch)
		if err != nil {
			return pushed{}, err
		}
		p.Rule = right.Rule
	}
	p.Branch, err = r.pushNew(ctx, j, ws, target.Branch)
	if err == nil {
		p.SHA, _ = ws.Head(ctx)
	}
	return p, err
}

// confidentialRefusal says why a change asked in a confidential issue of a project that is not
// private is not pushed: its branch, commit and merge request would show what the issue hides to
// everyone who can read the project's code. "" when it may be pushed.
func (r *Runner) confidentialRefusal(j *job) string {
	if !j.confidential() || r.Settings.ConfidentialChanges || j.project.Visibility == "private" {
		return ""
	}
	vis := j.project.Visibility
	if vis == "" {
		vis = "not private"
	}
	return fmt.Sprintf("this is a confidential thread in a project that is %s, and a branch, commit or merge request would show the change to everyone who can read the project's code, so nothing was pushed: the change is below, in this confidential thread. An operator can allow such pushes with CONFIDENTIAL_CHANGES=allow", vis)
}

// maxPatch bounds the patch a reply carries; a longer one is on the job's page (the transcript).
const maxPatch = 60_000

// asPatch pushes nothing and keeps the change for the reply, with why.
func (r *Runner) asPatch(ctx context.Context, j *job, ws *workspace.Workspace, out outcome, why string) (pushed, error) {
	diff, err := ws.Diff(ctx)
	if err != nil {
		return pushed{}, fmt.Errorf("make the patch: %w", err)
	}
	if len(diff) > maxPatch {
		diff = ""
		why += " (too large to show here: it is on the job's page)"
	}
	j.log.Info("job: change not pushed; the reply carries it as a patch", "bytes", len(diff))
	return pushed{Patch: true, PatchText: diff, SHA: out.Commit, Base: out.Base, Fallback: why}, nil
}

// pushToFork pushes on top of the source branch of an MR from a fork, which GitLab allows the
// requester (allow_collaboration, and they may merge to the target). Anything GitLab refuses, or
// a branch that moved, turns into a patch in the reply: the fork's commits stay out of the project.
func (r *Runner) pushToFork(ctx context.Context, j *job, ws *workspace.Workspace, in publish.TargetInput, target publish.Target, out outcome) (pushed, error) {
	err := ws.Push(ctx, target.Branch, workspace.PushOptions{ExpectRemoteSHA: ws.BaseSHA, URL: target.URL})
	if err == nil {
		head, _ := ws.Head(ctx)
		return pushed{Branch: target.Branch, SHA: head, Rule: in.ForkPush.Rule + " (the fork allows commits from them)", Fork: target.URL}, nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return pushed{}, err
	}
	j.log.Info("job: the push to the fork failed; replying with a patch", "error", r.redact(err.Error()))
	return r.asPatch(ctx, j, ws, out, fmt.Sprintf("the push to the fork's branch `%s` failed (%s)", target.Branch, workspaceReason(err))+
		", so nothing was pushed: the change is below as a patch")
}

func workspaceReason(err error) string {
	switch {
	case errors.Is(err, workspace.ErrProtected):
		return "the branch is protected in the fork"
	case errors.Is(err, workspace.ErrStale):
		return "it changed while Claude worked"
	}
	return "GitLab refused it"
}

// commitWorkspace is the worktree holding the job's commit: the one the agent worked in, or, for a
// job resumed after a crash, a worktree at the recorded commit (still in the project's mirror).
func (r *Runner) commitWorkspace(ctx context.Context, j *job, out outcome) (*workspace.Workspace, error) {
	return r.resumeWorktree(ctx, j, wsProject(j.project), out)
}

// pushExisting pushes on top of a branch that is not ours (an MR's source branch): never a force;
// if the branch moved, one rebase and one more try.
func (r *Runner) pushExisting(ctx context.Context, j *job, ws *workspace.Workspace, branch, base string) error {
	if j.attempt > 1 && r.alreadyThere(ctx, j, ws, branch) {
		return nil // pushed before a crash or a lost answer
	}
	err := ws.Push(ctx, branch, workspace.PushOptions{ExpectRemoteSHA: base})
	if errors.Is(err, workspace.ErrStale) {
		j.log.Info("job: branch moved while Claude worked; rebasing once", "branch", branch)
		if err := ws.RebaseOnto(ctx, branch); err != nil {
			return fmt.Errorf("the branch %s changed while Claude worked and the change does not apply on top of it: %w", branch, err)
		}
		err = ws.Push(ctx, branch, workspace.PushOptions{ExpectRemoteSHA: ws.BaseSHA})
	}
	if err != nil {
		return fmt.Errorf("push to %s: %w", branch, err)
	}
	return nil
}

// alreadyThere reports whether branch already holds the worktree's commit.
func (r *Runner) alreadyThere(ctx context.Context, j *job, ws *workspace.Workspace, branch string) bool {
	head, err := ws.Head(ctx)
	if err != nil {
		return false
	}
	b, err := r.GitLab.Branch(ctx, j.req.Project.ID, branch)
	return err == nil && b.CommitSHA == head
}

// branchIntent is the new branch a job is about to create and the commit it pushes there,
// recorded before the push: a job resumed after a crash knows that a branch of that name whose
// tip is that commit is its own.
type branchIntent struct {
	Name string `json:"name"`
	SHA  string `json:"sha"`
}

// pushNew pushes to a new branch of ours; if the name is taken (an earlier job on this thread)
// the job id makes it unique. A resumed job goes back to the branch it recorded: if the branch
// holds the commit pushed then, it is ours and takes the new commit (with a lease on that tip; a
// branch this job did not create is never forced), so a job never leaves two branches behind.
func (r *Runner) pushNew(ctx context.Context, j *job, ws *workspace.Workspace, branch string) (string, error) {
	head, err := ws.Head(ctx)
	if err != nil {
		return "", fmt.Errorf("push to a new branch %s: %w", branch, err)
	}
	var intent branchIntent
	if j.steps.get(stepBranch, &intent) {
		ours, err := r.resumeBranch(ctx, j, ws, intent, head)
		if err != nil || ours {
			return intent.Name, err
		}
	}
	names := []string{branch, fmt.Sprintf("%s-%d", branch, j.id)}
	for _, name := range names {
		if err := j.steps.save(ctx, stepBranch, branchIntent{Name: name, SHA: head}); err != nil {
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
func (r *Runner) resumeBranch(ctx context.Context, j *job, ws *workspace.Workspace, intent branchIntent, head string) (ours bool, err error) {
	b, err := r.GitLab.Branch(ctx, j.req.Project.ID, intent.Name)
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
		j.log.Info("job: replacing the commit of an earlier attempt on our branch", "branch", intent.Name, "old", intent.SHA, "new", head)
		if err := j.steps.save(ctx, stepBranch, branchIntent{Name: intent.Name, SHA: head}); err != nil {
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

// targetInput reads what the push decision needs: for MR threads, the source branch and whether
// the bot may push there; it also returns the tip our commit was made on.
func (r *Runner) targetInput(ctx context.Context, j *job) (publish.TargetInput, string, error) {
	if j.project.ID == 0 {
		if err := r.readProject(ctx, j); err != nil {
			return publish.TargetInput{}, "", err
		}
	}
	in := publish.TargetInput{Request: j.req, DefaultBranch: j.project.DefaultBranch,
		BranchPrefix: j.settings.BranchPrefix, UseMR: j.settings.UseMR}
	if j.req.Thread.Type != event.ThreadMergeRequest {
		return in, "", nil
	}
	mr, err := r.GitLab.MergeRequest(ctx, j.req.Project.ID, j.req.Thread.IID)
	if err != nil {
		return in, "", fmt.Errorf("read the merge request: %w", err)
	}
	in.SourceBranch, in.SameProject = mr.SourceBranch, mr.SourceProjectID == mr.ProjectID || mr.SourceProjectID == 0
	if !in.SameProject {
		return r.forkInput(ctx, j, in, mr)
	}
	if in.SameProject {
		b, err := r.GitLab.Branch(ctx, j.req.Project.ID, mr.SourceBranch)
		if err != nil && !errors.Is(err, gitlab.ErrNotFound) {
			return in, "", fmt.Errorf("read branch %s: %w", mr.SourceBranch, err)
		}
		in.SourcePushable, in.SourceProtected = err == nil && (b.CanPush || !b.Protected), b.Protected && !b.CanPush
		if in.RequesterPush, err = r.mayPush(ctx, j, mr.SourceBranch); err != nil {
			return in, "", err
		}
	}
	return in, mr.SHA, nil
}

// forkInput reads what a change on an MR from a fork depends on: whether GitLab would let the
// requester push to its source branch, and where the fork's repository is.
func (r *Runner) forkInput(ctx context.Context, j *job, in publish.TargetInput, mr gitlab.MR) (publish.TargetInput, string, error) {
	in.AllowCollaboration = mr.AllowCollaboration
	if !mr.AllowCollaboration {
		return in, mr.SHA, nil
	}
	right, err := r.mayMerge(ctx, j, mr.TargetBranch)
	if err != nil {
		return in, "", err
	}
	in.ForkPush = right
	if !right.Allowed {
		return in, mr.SHA, nil
	}
	fork, err := r.GitLab.Project(ctx, strconv.FormatInt(mr.SourceProjectID, 10))
	switch {
	case errors.Is(err, gitlab.ErrNotFound), errors.Is(err, gitlab.ErrForbidden):
		return in, mr.SHA, nil
	case err != nil:
		return in, "", fmt.Errorf("read the fork: %w", err)
	}
	in.ForkURL = fork.HTTPURLToRepo
	return in, mr.SHA, nil
}

func (r *Runner) openMR(ctx context.Context, j *job, p pushed, out outcome) (mrDone, error) {
	title, desc := mrText(j, out)
	mr, err := r.GitLab.CreateMR(ctx, j.req.Project.ID, gitlab.MRCreate{
		Source: p.Branch, Target: p.MRTarget, Title: title, Description: r.redact(desc), RemoveSourceBranch: true,
	})
	if err != nil {
		return mrDone{}, fmt.Errorf("open a merge request from %s: %w", p.Branch, err)
	}
	j.log.Info("job: opened merge request", "mr", mr.IID)
	return mrDone{IID: mr.IID, URL: mr.WebURL, SHA: p.SHA}, nil
}

// autoMerge asks GitLab to merge when the pipeline succeeds, provided the requester may merge
// into the target themselves; a refusal is told in the reply.
func (r *Runner) autoMerge(ctx context.Context, j *job, p pushed, mr mrDone) (string, error) {
	right, err := r.mayMerge(ctx, j, p.MRTarget)
	if err != nil {
		return "", err
	}
	if !right.Allowed {
		j.log.Info("job: auto-merge not set: the requester may not merge", "mr", mr.IID, "target", p.MRTarget)
		return right.Rule, nil
	}
	if why, err := r.awaitPipeline(ctx, j, mr); err != nil || why != "" {
		return why, err
	}
	if err := r.GitLab.SetAutoMerge(ctx, j.req.Project.ID, mr.IID, mr.SHA); err != nil {
		j.log.Info("job: auto-merge refused", "mr", mr.IID, "error", r.redact(err.Error()))
		return r.redact(err.Error()), nil
	}
	return "set: " + right.Rule, nil
}

// mrText is the merge request's title and description. A confidential thread's text never
// reaches the merge request: only its reference.
func mrText(j *job, out outcome) (string, string) {
	ref := threadMention(j)
	requested := fmt.Sprintf("Requested by @%s in %s.", j.req.Author.Username, ref)
	if j.confidential() {
		return "Changes requested in " + ref, requested + "\n\nRelates to " + ref + "."
	}
	title := publish.Subject(out.Text)
	if title == "" {
		title = "Changes requested in " + ref
	}
	body := strings.TrimSpace(out.Text)
	if len(body) > 20_000 {
		body = body[:20_000] + "\n\n…"
	}
	desc := body + "\n\n---\n" + requested
	if j.req.Thread.Type == event.ThreadIssue {
		desc += "\n\nCloses " + ref + "."
	}
	return title, desc
}

// threadMention names the thread in an MR description or a commit message, where GitLab links
// "#12" and "!7"; a commit or snippet thread has no such reference, so its address stands in.
func threadMention(j *job) string {
	switch j.req.Thread.Type {
	case event.ThreadMergeRequest, event.ThreadIssue:
		return j.req.Thread.Ref()
	}
	if j.req.URL != "" {
		return j.req.URL
	}
	return "a comment"
}

// commitMessage is Claude's summary and who asked where; confidential threads get a neutral one.
func commitMessage(j *job, text string) string {
	requested := fmt.Sprintf("Requested by @%s in %s", j.req.Author.Username, j.req.URL)
	if j.req.URL == "" {
		requested = fmt.Sprintf("Requested by @%s in %s", j.req.Author.Username, threadMention(j))
	}
	if j.confidential() {
		return "Changes requested in a confidential issue\n\n" + requested + "\n"
	}
	s := publish.Subject(text)
	if s == "" {
		s = "Changes requested in " + threadMention(j)
	}
	return s + "\n\n" + requested + "\n"
}
