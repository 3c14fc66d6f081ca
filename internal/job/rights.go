package job

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// requester judges the job's requester on branches, reading their rights once per job: the bot's
// token may be stronger than they are, and every push and merge is decided on them.
func (r *Runner) requester(j *job) *publish.Requester {
	if j.rights == nil {
		j.rights = publish.NewRequester(r.GitLab, j.req.Project.ID, j.req.Author.ID, j.req.Author.Username,
			func(ctx context.Context) (int, error) { return r.requesterLevel(ctx, j) })
	}
	return j.rights
}

// requesterLevel is the requester's role on the project, read once per job.
func (r *Runner) requesterLevel(ctx context.Context, j *job) (int, error) {
	if j.level != nil {
		return *j.level, nil
	}
	level, err := r.GitLab.MemberAccessLevel(ctx, j.req.Project.ID, j.req.Author.ID)
	if err != nil {
		return 0, fmt.Errorf("check @%s's access: %w", j.req.Author.Username, err)
	}
	j.level = &level
	return level, nil
}
