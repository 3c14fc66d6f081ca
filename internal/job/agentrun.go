package job

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// agentRun is what a task runs the agent on: every task runs it the same way (runAndCommit).
type agentRun struct {
	// prepare reads what the prompt needs before the worktree exists, and names the commit the
	// worktree starts from ("": the default branch).
	prepare func(ctx context.Context) (ref string, err error)
	// run builds the prompt (it may read the worktree) and runs the agent in it.
	run func(ctx context.Context, ws *workspace.Workspace) (outcome, error)
	// message is the commit's message; nil for a run whose changes are not kept (a review).
	message func(out outcome) string
}

// runAndCommit prepares the worktree, runs the agent in it and commits what it changed, as the
// bot. The outcome is recorded before anything is pushed: a resumed job returns the recorded one.
func (r *Runner) runAndCommit(ctx context.Context, j *job, a agentRun) (outcome, error) {
	var out outcome
	if j.steps.Get(stepResult, &out) {
		return out, nil
	}
	if err := r.readProject(ctx, j); err != nil {
		return out, err
	}
	ref, err := a.prepare(ctx)
	if err != nil {
		return out, err
	}
	p := repository(j)
	ws, err := r.Workspaces.Prepare(ctx, p, ref)
	if err != nil {
		return out, fmt.Errorf("prepare the %s: %w", repositoryName(p), err)
	}
	j.ws = ws // kept for pushing; Handle releases it
	if out, err = a.run(ctx, ws); err != nil {
		return out, err
	}
	out.Base = ws.BaseSHA
	if a.message != nil {
		if out.Commit, err = r.commitWith(ctx, j, ws, a.message(out)); err != nil {
			return out, err
		}
	}
	return out, j.steps.Save(ctx, stepResult, out)
}

// resumeWorktree is the worktree holding the job's commit: the one the agent worked in, or, for a
// job resumed after a crash, a worktree at the recorded commit (still in the repository's mirror).
func (r *Runner) resumeWorktree(ctx context.Context, j *job, out outcome) (*workspace.Workspace, error) {
	if j.ws != nil {
		return j.ws, nil
	}
	p := repository(j)
	ws, err := r.Workspaces.Prepare(ctx, p, out.Commit)
	if err != nil {
		return nil, fmt.Errorf("prepare the %s's commit for pushing: %w", repositoryName(p), err)
	}
	ws.BaseSHA = out.Base
	j.ws = ws
	return ws, nil
}

// repository is where the job's agent works: the wiki's repository for a wiki edit, else the
// project's.
func repository(j *job) workspace.Project {
	if j.req.Task == trigger.TaskWikiEdit {
		return workspace.WikiProject(wsProject(j.project))
	}
	return wsProject(j.project)
}

func repositoryName(p workspace.Project) string {
	if p.Wiki {
		return "wiki's repository"
	}
	return "repository"
}

func wsProject(p gitlab.Project) workspace.Project {
	return workspace.Project{ID: p.ID, Path: p.Path, CloneURL: p.HTTPURLToRepo}
}

// runAgent runs the CLI in the worktree and keeps the progress note up to date meanwhile.
func (r *Runner) runAgent(ctx context.Context, j *job, ws *workspace.Workspace, prompt string) (outcome, error) {
	out := outcome{Started: time.Now()}
	home, err := r.agentHome(j)
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(home)
	budget, err := r.budgetToday(ctx, j)
	if err != nil {
		return out, err
	}
	prog := newProgress(r, j)
	rt := &mcptools.Findings{}
	tools, revoke := r.grantTools(ctx, j, prog, rt)
	stop := prog.start(ctx)
	res, err := r.Agent(ctx, j.settings.Agent, agent.Request{Dir: ws.Dir, Home: home, Prompt: prompt, Limits: budget.Limits(), Tools: tools, Resume: j.resume}, prog.add)
	revoke() // the job's tools end with its run
	stop()
	out.res = res
	if err == nil {
		r.keepSession(ctx, j, home, res)
	}
	out.Findings = rt.Taken()
	out.Text, out.Turns, out.CostUSD, out.Truncated = res.Text, res.NumTurns, res.CostUSD, res.Truncated
	out.Duration = time.Since(out.Started)
	r.recordRun(ctx, j, out)
	for _, d := range res.PermissionDenials {
		out.Denials = append(out.Denials, strings.TrimSpace(d.Tool+" "+d.Summary))
	}
	if err != nil {
		return out, &agentError{err: err, res: res}
	}
	r.logRun(j, res, out.Duration)
	return out, nil
}

func (r *Runner) logRun(j *job, res agent.Result, took time.Duration) {
	args := []any{"turns", res.NumTurns, "cost_usd", res.CostUSD, "took", took.Round(time.Millisecond)}
	if m := res.Model; m != nil { // the cost is the proxy's count; the CLI's own beside it
		args = append(args, "cli_cost_usd", res.CLICostUSD, "model_requests", m.Requests,
			"input_tokens", m.InputTokens, "output_tokens", m.OutputTokens)
	}
	j.log.Info("job: agent finished", args...)
}

func (r *Runner) agentHome(j *job) (string, error) {
	base := r.Settings.AgentHomes
	if base == "" {
		base = os.TempDir()
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", fmt.Errorf("agent home: %w", err)
	}
	dir := filepath.Join(base, fmt.Sprintf("job-%d-%d", j.id, j.attempt))
	os.RemoveAll(dir)
	return dir, os.MkdirAll(dir, 0o700)
}

// commitWith commits the worktree's changes as the bot with message; "" when nothing changed.
func (r *Runner) commitWith(ctx context.Context, j *job, ws *workspace.Workspace, message string) (string, error) {
	author := workspace.Author{Name: cmp.Or(j.bot.Name, j.bot.Username), Email: j.bot.Email}
	sha, err := ws.CommitChanges(ctx, author, r.redact(message))
	if err != nil {
		return "", fmt.Errorf("commit the changes: %w", err)
	}
	if sha != "" {
		j.log.Info("job: committed", "sha", sha)
	}
	return sha, nil
}
