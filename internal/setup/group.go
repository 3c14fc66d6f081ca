package setup

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// GroupGitLab is what setting up a whole group needs.
type GroupGitLab interface {
	Hooks
	GroupProjects(ctx context.Context, group string) ([]gitlab.Project, error)
}

// ProjectResult is what setup did, or would do, on one project of a group.
type ProjectResult struct {
	Project string
	Plan    Plan
	Hook    gitlab.Hook
	Err     error // the token may not administer the project, or GitLab failed
}

// Status is the result in a few words for the table.
func (r ProjectResult) Status(dry bool) string {
	verb := map[bool]string{true: "would ", false: ""}[dry]
	switch {
	case r.Err != nil:
		if hasStatus(r.Err, 403) {
			return "✗ the token cannot administer it (needs Maintainer): give the bot Maintainer there, or add the hook by hand"
		}
		return "✗ " + firstLine(r.Err.Error())
	case r.Plan.Create:
		return fmt.Sprintf("✓ %screate the webhook", verb)
	case len(r.Plan.Changes) > 0:
		return fmt.Sprintf("✓ %supdate webhook %d (%d settings)", verb, r.Plan.Existing.ID, len(r.Plan.Changes))
	}
	return fmt.Sprintf("✓ webhook %d already right", r.Plan.Existing.ID)
}

// ForGroupProjects plans (and unless dry, applies) our hook on every project of the group and its
// subgroups the token can see. A project that fails is reported and the others go on.
func ForGroupProjects(ctx context.Context, gl GroupGitLab, group string, want gitlab.HookSettings, dry bool) ([]ProjectResult, error) {
	projects, err := gl.GroupProjects(ctx, group)
	if err != nil {
		return nil, withFix(err)
	}
	out := make([]ProjectResult, 0, len(projects))
	for _, p := range projects {
		r := ProjectResult{Project: p.Path}
		scope := gitlab.ProjectHooks(p.Path)
		r.Plan, r.Err = PlanFor(ctx, gl, scope, want)
		if r.Err == nil && !dry {
			r.Hook, r.Err = Apply(ctx, gl, scope, r.Plan)
		}
		out = append(out, r)
	}
	return out, nil
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
