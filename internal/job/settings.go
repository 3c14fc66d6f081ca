package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// Steps of this file.
const (
	stepSettings = "settings" // the project's settings in effect for the job
	stepChecked  = "checked"  // the commit passed forbidden_paths and its diff is in the transcript
)

// useProjectSettings puts the job's settings in place: the operator's, narrowed by the
// project's file on its default branch. They are read once and recorded, so a resumed job keeps
// them.
func (r *Runner) useProjectSettings(ctx context.Context, j *job) error {
	var eff projectconfig.Effective
	if !j.steps.Get(stepSettings, &eff) {
		var err error
		if eff, err = r.projectSettings(ctx, j); err != nil {
			return err
		}
		if err := j.steps.Save(ctx, stepSettings, eff); err != nil {
			return err
		}
	}
	j.settings = r.Settings.narrowed(eff)
	return nil
}

// narrowed are the settings with the project's effective ones in place of the operator's.
func (s Settings) narrowed(e projectconfig.Effective) Settings {
	s.Agent.Model, s.Agent.MaxTurns, s.Agent.MaxBudgetUSD = e.Model, e.MaxTurns, e.MaxBudgetUSD
	s.Agent.AllowedTools = e.AllowedTools
	s.UseMR, s.AutoMerge, s.AutoReview, s.BranchPrefix = e.UseMR, e.AutoMerge, e.AutoReview, e.BranchPrefix
	s.Instructions, s.ForbiddenPaths, s.SensitivePaths = e.Instructions, e.ForbiddenPaths, e.SensitivePaths
	s.ToolProjects = e.ToolProjects
	return s
}

// operator is the ceiling of the project's settings. AllowedProjects is ALLOWED_PROJECTS as
// written (paths and group/*), for the file's gitlab_tools_projects; the tools check each
// project by id again (toolProjects).
func (r *Runner) operator() projectconfig.Operator {
	s := r.Settings
	op := projectconfig.Operator{Model: s.Agent.Model, MaxTurns: s.Agent.MaxTurns, MaxBudgetUSD: s.Agent.MaxBudgetUSD,
		AllowedTools: s.Agent.AllowedTools, UseMR: s.UseMR, AutoMerge: s.AutoMerge, AutoReview: s.AutoReview,
		BranchPrefix: s.BranchPrefix}
	if r.Allow != nil {
		op.AllowedProjects = r.Allow.Projects
	}
	return op
}

// projectSettings reads the project's file from its default branch at the branch's commit. A
// broken file is told in the thread and the job runs with the defaults.
func (r *Runner) projectSettings(ctx context.Context, j *job) (projectconfig.Effective, error) {
	op := r.operator()
	branch, err := r.defaultBranch(ctx, j)
	if err != nil || branch == "" {
		return projectconfig.Defaults(op), err
	}
	f, err := r.SettingsCache.Settings(ctx, r.GitLab, j.req.Project.ID, branch, r.defaultBranchCommit(ctx, j, branch))
	if err != nil {
		return projectconfig.Defaults(op), err
	}
	if f.Forbidden {
		j.log.Warn("job: may not read the project's settings file; using the defaults", "file", f.Path)
	}
	res := projectconfig.Resolve(op, f)
	return res.Effective, r.tellSettings(ctx, j, f.Path, branch, res)
}

// tellSettings records which settings apply, and tells in the thread what of the file did not.
func (r *Runner) tellSettings(ctx context.Context, j *job, path, branch string, res projectconfig.Resolved) error {
	if len(res.Problems) > 0 {
		j.log.Info("job: the project's settings file is invalid; using the defaults", "file", path, "problems", len(res.Problems))
		r.note(ctx, j, journal.KindError, publish.SettingsInvalidEntry(path, res.Problems))
		return r.settingsNote(ctx, j, publish.SettingsInvalid(j.id, path, branch, res.Problems))
	}
	if res.Source == "" {
		return nil
	}
	r.note(ctx, j, journal.KindStep, publish.SettingsAppliedEntry(path, branch, res.Effective))
	if len(res.Refused) == 0 {
		return nil
	}
	j.log.Info("job: the project's settings file asks for more than the server allows", "file", path, "refused", len(res.Refused))
	r.note(ctx, j, journal.KindError, publish.SettingsRefusedEntry(path, res.Refused))
	return r.settingsNote(ctx, j, publish.SettingsRefused(j.id, path, branch, res.Refused))
}

// settingsNote posts the note about the project's file once, even across a crash.
func (r *Runner) settingsNote(ctx context.Context, j *job, body string) error {
	_, _, err := r.publisher(j).PostOnce(ctx, r.publishJob(j, outcome{}), "the note about the project's settings", body, marker.Settings(j.id), j.attempt > 1)
	return err
}

func (r *Runner) defaultBranch(ctx context.Context, j *job) (string, error) {
	if b := j.req.Project.DefaultBranch; b != "" {
		return b, nil
	}
	if err := r.readProject(ctx, j); err != nil {
		return "", err
	}
	return j.project.DefaultBranch, nil
}

// remoteHeads is what Workspaces may offer: the commit a branch points at on the server.
type remoteHeads interface {
	RemoteHead(ctx context.Context, p workspace.Project, branch string) (string, error)
}

// defaultBranchCommit is the default branch's commit on the server, asked once per job (the
// settings file and CLAUDE.md both need it), or "" when it cannot be had cheaply: then the files
// are read from the branch and not cached.
func (r *Runner) defaultBranchCommit(ctx context.Context, j *job, branch string) string {
	if j.defaultCommit != nil {
		return *j.defaultCommit
	}
	var sha string
	if rh, ok := r.Workspaces.(remoteHeads); ok && r.SettingsCache != nil && r.readProject(ctx, j) == nil {
		var err error
		if sha, err = rh.RemoteHead(ctx, wsProject(j.project), branch); err != nil {
			j.log.Debug("job: default branch commit unknown; reading the settings file", "err", r.redact(err.Error()))
			sha = ""
		}
	}
	j.defaultCommit = &sha
	return sha
}

// checkChange refuses to push a commit that touches a path the project forbids, and puts the
// diff in the transcript. It reports the refusal itself; ok is false then.
func (r *Runner) checkChange(ctx context.Context, j *job, out outcome) (ok bool, err error) {
	if out.Commit == "" || j.steps.Has(stepChecked) || j.steps.Has(stepPushed) {
		return true, nil
	}
	ws, err := r.resumeWorktree(ctx, j, out)
	if err != nil {
		return false, err
	}
	if diff, err := ws.Diff(ctx); err == nil {
		r.note(ctx, j, journal.KindDiff, diff)
	}
	files, err := ws.ChangedFiles(ctx)
	if err != nil {
		return false, err
	}
	if path, pattern, found := projectconfig.Forbidden(j.settings.ForbiddenPaths, files); found {
		j.log.Info("job: the change touches a forbidden path; not pushed", "path", path, "pattern", pattern)
		what, todo := publish.ForbiddenRefusal(path, pattern, r.settingsSource(j))
		return false, r.reportEnd(ctx, j, jobstate.Refused, what, todo)
	}
	return r.checkSensitive(ctx, j, files)
}

// sensitivePrefix starts the checked step of a change that touches sensitive paths: pushed on a
// Maintainer's request, never set to merge automatically.
const sensitivePrefix = "sensitive: "

// checkSensitive lets a change to sensitive paths (projectconfig.SensitiveTouched) through only
// when the requester may ask for it. Otherwise nothing is pushed and the reply names the paths
// and who may ask.
func (r *Runner) checkSensitive(ctx context.Context, j *job, files []string) (bool, error) {
	if j.project.ID == 0 {
		if err := r.readProject(ctx, j); err != nil {
			return false, err
		}
	}
	touched := projectconfig.SensitiveTouched(j.project.CIConfigPath, j.settings.SensitivePaths, files)
	if len(touched) == 0 {
		return true, j.steps.Save(ctx, stepChecked, "ok")
	}
	level, err := r.requesterLevel(ctx, j)
	if err != nil {
		return false, err
	}
	if projectconfig.MayChangeSensitive(level) {
		j.log.Info("job: the change touches sensitive paths; a Maintainer asked", "paths", len(touched))
		return true, j.steps.Save(ctx, stepChecked, sensitivePrefix+publish.CodeList(touched))
	}
	j.log.Info("job: the change touches sensitive paths; the requester is not a Maintainer; not pushed", "paths", len(touched), "level", level)
	what, todo := publish.SensitiveRefusal(touched, j.req.Author.Username, level)
	return false, r.reportEnd(ctx, j, jobstate.Refused, what, todo)
}

func (r *Runner) settingsSource(j *job) string {
	var eff projectconfig.Effective
	if j.steps.Get(stepSettings, &eff) && eff.Source != "" {
		return eff.Source
	}
	return "the project's settings"
}
