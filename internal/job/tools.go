package job

import (
	"context"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// ToolServer serves Claude's GitLab tools (mcptools.Server).
type ToolServer interface {
	Grant(mcptools.Scope) (capability string, revoke func())
	Socket() string
}

// grantTools gives the run its GitLab tools, when the service serves them and the job's allowed
// tools permit some: the read tools, the checklist when the job has a progress note, inline
// findings in a review. revoke ends the grant; call it when the run ends.
func (r *Runner) grantTools(ctx context.Context, j *job, prog *progress, rt *mcptools.Findings) (*agent.Tools, func()) {
	if r.Tools == nil || r.Settings.ToolsBinary == "" {
		return nil, func() {}
	}
	sc := mcptools.Scope{JobID: j.id, ProjectID: j.req.Project.ID, ProjectPath: j.req.Project.Path,
		Confidential: j.confidential(), OtherProjects: r.toolProjects(ctx, j),
		Record: func(kind, text string) { r.note(context.Background(), j, kind, text) }}
	if j.noteID != 0 {
		sc.Progress = prog.plan
	}
	if j.req.Task == trigger.TaskReview && j.req.Thread.Type == event.ThreadMergeRequest { // findings go on the diff
		sc.Finding = rt.Add
	}
	sc.Tools = mcptools.Offered(j.settings.Agent.AllowedTools, sc.Wanted()...)
	if len(sc.Tools) == 0 {
		return nil, func() {}
	}
	if len(sc.OtherProjects) > 0 {
		j.privateTo = j.req.Author.ID // the session may hold what only this requester may read
	}
	capability, revoke := r.Tools.Grant(sc)
	r.note(ctx, j, journal.KindStep, "GitLab tools offered: "+strings.Join(sc.Tools, ", "))
	return &agent.Tools{Binary: r.Settings.ToolsBinary, Socket: r.Tools.Socket(), Capability: capability, Config: mcptools.Config}, revoke
}

// toolProjects are the other projects of the settings file (already within ALLOWED_PROJECTS)
// that the requester may read too (mcptools.OtherProjects).
func (r *Runner) toolProjects(ctx context.Context, j *job) []string {
	return mcptools.OtherProjects(ctx, r.GitLab, j.settings.ToolProjects, j.req.Author, r.checker().WithinAllowedProjects,
		func(kind, text string) { r.note(ctx, j, kind, text) })
}
