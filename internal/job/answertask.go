package job

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// answerTask answers a request in its thread, and changes the code when asked: the default task.
type answerTask struct {
	r       *Runner
	reviews review.FollowUps // the review comment a fix request answers, resolved once fixed (followup.go)
}

func (t answerTask) Run(ctx context.Context, j *job) error {
	r := t.r
	if ok, err := r.admit(ctx, j, r.notFromBot, r.authorised, r.beginPage, r.startInThread); err != nil || !ok {
		return err
	}
	return t.answerRequest(ctx, j)
}

// answerRequest runs Claude on the thread, pushes its change if it made one, and answers.
func (t answerTask) answerRequest(ctx context.Context, j *job) error {
	r := t.r
	var err error
	if j.followUp, err = t.followUp(ctx, j); err != nil {
		return err
	}
	out, err := r.produce(ctx, j)
	if err != nil {
		return err
	}
	if ok, err := r.checkChange(ctx, j, out); err != nil || !ok {
		return err
	}
	if err := r.publishChange(ctx, j, out); err != nil {
		return err
	}
	if err := t.resolveFollowUp(ctx, j, j.followUp); err != nil {
		return err
	}
	return r.answer(ctx, j, out)
}
