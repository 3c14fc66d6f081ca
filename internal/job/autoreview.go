package job

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
)

// autoReviewWanted decides, without a word in the thread, whether an automatic review (AUTO_REVIEW)
// runs: nobody asked for it, so an author below MIN_ACCESS_LEVEL (a contribution from outside)
// or a project that turned auto_review off in its settings file skip it quietly.
func (r *Runner) autoReviewWanted(ctx context.Context, j *job) (bool, error) {
	if j.steps.has(stepNote) {
		return true, nil // acknowledged already: decided on an earlier attempt
	}
	s := r.Settings
	if projectAllowed(s.AllowedProjects, j.req.Project.Path) && !isAllowedUser(s.AllowedUsers, j.req.Author.Username) {
		level, err := r.GitLab.MemberAccessLevel(ctx, j.req.Project.ID, j.req.Author.ID)
		if err != nil {
			return false, fmt.Errorf("check @%s's access: %w", j.req.Author.Username, err)
		}
		if level < s.MinAccessLevel {
			j.log.Info("job: automatic review of an MR by someone below MIN_ACCESS_LEVEL; skipped", "author", j.req.Author.Username)
			return false, r.end(ctx, j, jobstate.Skipped, "automatic review, author below MIN_ACCESS_LEVEL")
		}
	}
	jr, err := r.forProject(ctx, j)
	if err != nil {
		return false, err
	}
	if !jr.Settings.AutoReview {
		j.log.Info("job: automatic review turned off for this project; skipped")
		return false, r.end(ctx, j, jobstate.Skipped, "auto_review off for the project")
	}
	return true, nil
}
