package mcptools

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
)

// Access is what OtherProjects reads of GitLab (gitlab.Client in production).
type Access interface {
	Project(ctx context.Context, idOrPath string) (gitlab.Project, error)
	MemberAccessLevel(ctx context.Context, projectID, userID int64) (int, error)
}

// OtherProjects picks, of paths (a settings file's gitlab_tools_projects), the projects a job's
// tools may read for requester: readable by the bot, within ALLOWED_PROJECTS (allowed returns
// nil), and readable by the requester too: the tools never show a requester what GitLab would
// not show them. Each project left out is recorded, with why.
func OtherProjects(ctx context.Context, gl Access, paths []string, requester event.User,
	allowed func(ctx context.Context, projectID int64) error, record func(kind, text string)) []string {
	var out []string
	for _, path := range paths {
		p, err := gl.Project(ctx, path)
		if err != nil {
			record(journal.KindError, fmt.Sprintf("gitlab_tools_projects: %s is not readable by the bot (%v); left out", path, err))
			continue
		}
		if err := allowed(ctx, p.ID); err != nil {
			record(journal.KindError, fmt.Sprintf("gitlab_tools_projects: %s left out: %v", path, err))
			continue
		}
		if p.Visibility == "public" || p.Visibility == "internal" {
			out = append(out, p.Path)
			continue
		}
		level, err := gl.MemberAccessLevel(ctx, p.ID, requester.ID)
		if err != nil || level < gitlab.AccessReporter {
			record(journal.KindStep, fmt.Sprintf("gitlab_tools_projects: @%s cannot read %s; left out of this job's tools", requester.Username, path))
			continue
		}
		out = append(out, p.Path)
	}
	return out
}
