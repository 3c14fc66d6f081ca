package job

import (
	"context"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
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
	if !j.steps.get(stepSettings, &eff) {
		var err error
		if eff, err = r.projectSettings(ctx, j); err != nil {
			return err
		}
		if err := j.steps.save(ctx, stepSettings, eff); err != nil {
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

func (r *Runner) operator() projectconfig.Operator {
	s := r.Settings
	return projectconfig.Operator{Model: s.Agent.Model, MaxTurns: s.Agent.MaxTurns, MaxBudgetUSD: s.Agent.MaxBudgetUSD,
		AllowedTools: s.Agent.AllowedTools, UseMR: s.UseMR, AutoMerge: s.AutoMerge, AutoReview: s.AutoReview,
		BranchPrefix: s.BranchPrefix, AllowedProjects: r.allowedProjects()}
}

// allowedProjects is ALLOWED_PROJECTS as written (paths and group/*), for the settings file's
// gitlab_tools_projects; the tools check each project by id again (toolProjects).
func (r *Runner) allowedProjects() []string {
	if r.Allow == nil {
		return nil
	}
	return r.Allow.Projects
}

// projectSettings reads the project's file from its default branch, never from a branch a
// contributor controls. A broken file is told in the thread and the job runs with the defaults.
func (r *Runner) projectSettings(ctx context.Context, j *job) (projectconfig.Effective, error) {
	defaults, _ := projectconfig.Apply(r.operator(), projectconfig.File{})
	branch, err := r.defaultBranch(ctx, j)
	if err != nil || branch == "" {
		return defaults, err
	}
	// Read at the branch's commit, once per commit: the cache answers while the branch stays.
	ref := branch
	key := settingsKey{project: j.req.Project.ID, commit: r.defaultBranchCommit(ctx, j, branch)}
	f, cached := r.SettingsCache.get(key)
	if !cached {
		if key.commit != "" {
			ref = key.commit
		}
		if f, err = r.readSettingsFile(ctx, j, ref); err != nil {
			return defaults, err
		}
		if key.commit != "" {
			r.SettingsCache.put(key, f)
		}
	}
	switch {
	case f.forbidden:
		j.log.Warn("job: may not read the project's settings file; using the defaults", "file", f.path)
		return defaults, nil
	case f.path == "":
		return defaults, nil
	}
	return r.applyFile(ctx, j, f.path, branch, f.data, defaults)
}

func (r *Runner) applyFile(ctx context.Context, j *job, path, branch string, data []byte, defaults projectconfig.Effective) (projectconfig.Effective, error) {
	file, problems := projectconfig.Parse(data)
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		j.log.Info("job: the project's settings file is invalid; using the defaults", "file", path, "problems", len(problems))
		r.note(ctx, j, journal.KindError, fmt.Sprintf("%s is invalid, using the server's settings: %s", path, strings.Join(lines, "; ")))
		return defaults, r.settingsNote(ctx, j, publish.SettingsInvalid(j.id, path, branch, lines))
	}
	eff, refused := projectconfig.Apply(r.operator(), file)
	eff.Source = path
	r.note(ctx, j, journal.KindStep, fmt.Sprintf("Settings from %s on %s: model %s, %d turns, tools %s, use_mr %t, auto_merge %t%s",
		path, branch, orDefault(eff.Model), eff.MaxTurns, strings.Join(eff.AllowedTools, ", "), eff.UseMR, eff.AutoMerge,
		forbiddenSummary(eff.ForbiddenPaths)))
	if len(refused) == 0 {
		return eff, nil
	}
	lines := make([]string, len(refused))
	for i, x := range refused {
		lines[i] = x.String()
	}
	j.log.Info("job: the project's settings file asks for more than the server allows", "file", path, "refused", len(refused))
	r.note(ctx, j, journal.KindError, "Refused in "+path+": "+strings.Join(lines, "; "))
	return eff, r.settingsNote(ctx, j, publish.SettingsRefused(j.id, path, branch, lines))
}

func orDefault(model string) string {
	if model == "" {
		return "(the CLI's default)"
	}
	return model
}

func forbiddenSummary(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	return ", forbidden paths " + strings.Join(paths, ", ")
}

// settingsNote posts the note about the project's file once, even across a crash.
func (r *Runner) settingsNote(ctx context.Context, j *job, body string) error {
	mark := marker.Settings(j.id)
	if j.attempt > 1 {
		if _, found, err := r.GitLab.FindNote(ctx, j.thread, mark); err != nil || found {
			return err
		}
	}
	_, err := r.GitLab.PostNote(ctx, j.thread, j.req.DiscussionID, r.redact(body), j.confidential(), mark)
	if err != nil {
		return fmt.Errorf("post the note about the project's settings: %w", err)
	}
	return nil
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

// checkChange refuses to push a commit that touches a path the project forbids, and puts the
// diff in the transcript. It reports the refusal itself; ok is false then.
func (r *Runner) checkChange(ctx context.Context, j *job, out outcome) (ok bool, err error) {
	if out.Commit == "" || j.steps.has(stepChecked) || j.steps.has(stepPushed) {
		return true, nil
	}
	ws, err := r.resumeWorktree(ctx, j, wsProject(j.project), out)
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
	if len(j.settings.ForbiddenPaths) > 0 {
		if path, pattern, found := projectconfig.Forbidden(j.settings.ForbiddenPaths, files); found {
			j.log.Info("job: the change touches a forbidden path; not pushed", "path", path, "pattern", pattern)
			what := fmt.Sprintf("Claude's change touches `%s`, which this project's `forbidden_paths` (`%s` in %s) does not allow, so nothing was pushed.",
				path, pattern, r.settingsSource(j))
			todo := "Ask for the change without that file, or change `forbidden_paths` on the default branch."
			return false, r.reportEnd(ctx, j, jobstate.Refused, what, todo)
		}
	}
	return r.checkSensitive(ctx, j, files)
}

// sensitivePrefix starts the checked step of a change that touches sensitive paths: pushed on a
// Maintainer's request, never set to merge automatically.
const sensitivePrefix = "sensitive: "

// checkSensitive lets a change to CI configuration, the bot's settings and guidance, submodules
// or code owners through only when the requester is a Maintainer or Owner: such a change runs
// with the project's CI variables or steers later runs. Otherwise nothing is pushed and the reply
// names the paths and who may ask.
func (r *Runner) checkSensitive(ctx context.Context, j *job, files []string) (bool, error) {
	if j.project.ID == 0 {
		if err := r.readProject(ctx, j); err != nil {
			return false, err
		}
	}
	touched := projectconfig.Touched(projectconfig.SensitivePatterns(j.project.CIConfigPath, j.settings.SensitivePaths), files)
	if len(touched) == 0 {
		return true, j.steps.save(ctx, stepChecked, "ok")
	}
	level, err := r.requesterLevel(ctx, j)
	if err != nil {
		return false, err
	}
	list := "`" + strings.Join(touched, "`, `") + "`"
	if level >= gitlab.AccessMaintainer {
		j.log.Info("job: the change touches sensitive paths; a Maintainer asked", "paths", len(touched))
		return true, j.steps.save(ctx, stepChecked, sensitivePrefix+list)
	}
	j.log.Info("job: the change touches sensitive paths; the requester is not a Maintainer; not pushed", "paths", len(touched), "level", level)
	what := fmt.Sprintf("Claude's change touches %s: CI configuration, the bot's settings and guidance (CLAUDE.md, .claude/), submodules and code owners change only when a Maintainer or Owner asks, and @%s is %s here, so nothing was pushed.",
		list, j.req.Author.Username, publish.RoleName(level))
	todo := "Ask a Maintainer or Owner of the project to request this change, or ask again for a change that leaves these files alone."
	return false, r.reportEnd(ctx, j, jobstate.Refused, what, todo)
}

func (r *Runner) settingsSource(j *job) string {
	var eff projectconfig.Effective
	if j.steps.get(stepSettings, &eff) && eff.Source != "" {
		return eff.Source
	}
	return "the project's settings"
}
