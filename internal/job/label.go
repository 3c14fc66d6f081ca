package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// stepUnlabeled: the trigger label was taken off the issue or MR.
const stepUnlabeled = "unlabeled"

// unlabel takes LABEL_TRIGGER off the issue or MR once a labelled request is over (answered,
// refused or failed), so that adding the label again asks again.
func (r *Runner) unlabel(ctx context.Context, j *job) error {
	if j.req.Reason != trigger.ReasonLabeled || j.req.Label == "" || j.steps.Has(stepUnlabeled) {
		return nil
	}
	if err := r.GitLab.RemoveLabel(ctx, j.thread, j.req.Label); err != nil {
		return err
	}
	j.log.Info("job: trigger label removed", "label", j.req.Label)
	return j.steps.Save(ctx, stepUnlabeled, j.req.Label)
}

// unlabelWhenOver runs unlabel when finish ended the job (nil, or cancelled for good); a job
// that will be retried keeps its label until then. A failed removal on a completed job is
// retried by the queue (the answer is recorded, so only the removal runs again).
func (r *Runner) unlabelWhenOver(ctx context.Context, j *job, finished error) error {
	over := finished == nil || queue.Cancelled(finished)
	if !over {
		return finished
	}
	if err := r.unlabel(context.WithoutCancel(ctx), j); err != nil {
		if finished == nil {
			return err
		}
		j.log.Warn("job: could not remove the trigger label", "label", j.req.Label, "error", r.redact(err.Error()))
	}
	return finished
}
