package job

import (
	"context"

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
	f, err := r.SettingsCache.ClaudeMD(ctx, r.GitLab, j.req.Project.ID, branch, r.defaultBranchCommit(ctx, j, branch))
	return string(f.Data[:min(len(f.Data), prompt.MaxClaudeMD)]), err
}
