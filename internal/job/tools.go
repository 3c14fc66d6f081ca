package job

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// ToolServer serves Claude's GitLab tools (mcptools.Server).
type ToolServer interface {
	Grant(mcptools.Scope) (capability string, revoke func())
	Socket() string
}

// maxToolFindings bounds the findings one review may add through the tool.
const maxToolFindings = 50

// runTools is what one run's GitLab tools produced for the job: the findings a review added.
type runTools struct {
	mu       sync.Mutex
	findings []review.Finding
}

func (t *runTools) add(f review.Finding) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.findings) >= maxToolFindings {
		return fmt.Errorf("this review already has %d findings: put the rest in your summary", maxToolFindings)
	}
	t.findings = append(t.findings, f)
	return nil
}

func (t *runTools) taken() []review.Finding {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.findings)
}

// isReview: the job reviews a merge request (its findings go on the diff).
func (j *job) isReview() bool {
	return j.req.Task == trigger.TaskReview && j.req.Thread.Type == event.ThreadMergeRequest
}

// grantTools gives the run its GitLab tools, when the service serves them and the job's allowed
// tools permit some: the read tools, the checklist when the job has a progress note, inline
// findings in a review. revoke ends the grant; call it when the run ends.
func (r *Runner) grantTools(ctx context.Context, j *job, prog *progress, rt *runTools) (*agent.Tools, func()) {
	if r.Tools == nil || r.Settings.ToolsBinary == "" {
		return nil, func() {}
	}
	wanted := slices.Clone(mcptools.ReadTools)
	sc := mcptools.Scope{JobID: j.id, ProjectID: j.req.Project.ID, ProjectPath: j.req.Project.Path,
		Confidential: j.confidential(), OtherProjects: r.toolProjects(ctx, j),
		Record: func(kind, text string) { r.note(context.Background(), j, kind, text) }}
	if j.noteID != 0 {
		wanted = append(wanted, mcptools.ToolUpdateProgress)
		sc.Progress = prog.plan
	}
	if j.isReview() {
		wanted = append(wanted, mcptools.ToolAddFinding)
		sc.Finding = rt.add
	}
	sc.Tools = mcptools.Offered(r.Settings.Agent.AllowedTools, wanted...)
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
// that the requester may read too: a project's tools never show a requester what GitLab would
// not show them.
func (r *Runner) toolProjects(ctx context.Context, j *job) []string {
	var out []string
	for _, path := range r.Settings.ToolProjects {
		p, err := r.GitLab.Project(ctx, path)
		if err != nil {
			r.note(ctx, j, journal.KindError, fmt.Sprintf("gitlab_tools_projects: %s is not readable by the bot (%v); left out", path, err))
			continue
		}
		ok, err := r.checker().ProjectAllowed(ctx, p.ID)
		if err == nil && !ok {
			err = fmt.Errorf("not within ALLOWED_PROJECTS")
		}
		if err != nil {
			r.note(ctx, j, journal.KindError, fmt.Sprintf("gitlab_tools_projects: %s left out: %v", path, err))
			continue
		}
		if p.Visibility == "public" || p.Visibility == "internal" {
			out = append(out, p.Path)
			continue
		}
		level, err := r.GitLab.MemberAccessLevel(ctx, p.ID, j.req.Author.ID)
		if err != nil || level < gitlab.AccessReporter {
			r.note(ctx, j, journal.KindStep, fmt.Sprintf("gitlab_tools_projects: @%s cannot read %s; left out of this job's tools", j.req.Author.Username, path))
			continue
		}
		out = append(out, p.Path)
	}
	return out
}

// withToolFindings adds the findings the review gave through the tool to those of its answer,
// once each (a finding is its file and words). An answer without its block still gets the
// structured summary then: the findings are not lost in the prose.
func withToolFindings(res review.Result, extra []review.Finding) review.Result {
	if len(extra) > 0 {
		res.Parsed = true
	}
	seen := map[string]bool{}
	for _, f := range res.Findings {
		seen[f.ID()] = true
	}
	for _, f := range extra {
		if !seen[f.ID()] {
			seen[f.ID()] = true
			res.Findings = append(res.Findings, f)
		}
	}
	return res
}
