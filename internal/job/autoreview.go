package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
)

// autoReviewWanted decides, without a word in the thread, whether an automatic review (AUTO_REVIEW)
// runs: nobody asked for it, so a project that turned auto_review off in its settings file skips
// it quietly (an author below MIN_ACCESS_LEVEL or a bot was skipped quietly by authorise).
func (r *Runner) autoReviewWanted(ctx context.Context, j *job) (bool, error) {
	if j.steps.has(stepNote) {
		return true, nil // acknowledged already: decided on an earlier attempt
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
