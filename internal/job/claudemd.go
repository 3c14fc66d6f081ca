package job

import (
	"context"
	"errors"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
)

// projectClaudeMD is the CLAUDE.md at the root of the project's default branch, like the settings
// file: guidance the prompt trusts comes from what the project's maintainers merged, never from an
// MR's source branch or a fork (whose author would write the bot's instructions). The CLI itself
// runs with --setting-sources user, which keeps it from reading the worktree's CLAUDE.md.
func (r *Runner) projectClaudeMD(ctx context.Context, j *job) (string, error) {
	branch, err := r.defaultBranch(ctx, j)
	if err != nil || branch == "" {
		return "", err
	}
	// Read at the branch's commit, once per commit, like the settings file.
	key := settingsKey{project: j.req.Project.ID, commit: r.defaultBranchCommit(ctx, j, branch), name: "CLAUDE.md"}
	if f, ok := r.SettingsCache.get(key); ok {
		return string(f.data), nil
	}
	ref := branch
	if key.commit != "" {
		ref = key.commit
	}
	data, err := r.GitLab.RawFile(ctx, j.req.Project.ID, "CLAUDE.md", ref)
	switch {
	case errors.Is(err, gitlab.ErrNotFound), errors.Is(err, gitlab.ErrForbidden):
		data = nil
	case err != nil:
		return "", fmt.Errorf("read CLAUDE.md on %s: %w", branch, err)
	}
	if key.commit != "" {
		r.SettingsCache.put(key, settingsFile{path: "CLAUDE.md", data: data})
	}
	if len(data) > prompt.MaxClaudeMD {
		data = data[:prompt.MaxClaudeMD]
	}
	return string(data), nil
}
