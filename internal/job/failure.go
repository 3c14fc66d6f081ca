package job

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// agentError is a failed agent run, with what the run produced.
type agentError struct {
	err error
	res agent.Result
}

func (e *agentError) Error() string { return e.err.Error() }
func (e *agentError) Unwrap() error { return e.err }

// finish decides what a job's error means. Nil: done. A transient error (GitLab busy or down, a
// network hiccup) with attempts left goes back to the queue. Anything else ends the job with the
// progress note saying what failed and what to do: nothing is left saying "working…".
func (r *Runner) finish(ctx context.Context, j *job, err error) error {
	if err == nil {
		return nil
	}
	if cause := context.Cause(ctx); ctx.Err() != nil && !errors.Is(err, agent.ErrTimeout) {
		switch {
		case errors.Is(cause, queue.ErrCancelledRemotely):
			return r.endCancelled(ctx, j, cause)
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = fmt.Errorf("%w: the job ran past its time limit (CLAUDE_TIMEOUT plus 10 minutes for GitLab and git)", publish.ErrJobTimeout)
		default:
			// Shutdown: the job resumes at the next start, where it stopped; a snooze does not
			// count as an attempt.
			j.log.Info("job: interrupted by shutdown; it resumes at the next start", "error", r.redact(err.Error()))
			return queue.Snooze(0)
		}
	}
	if isTransient(err) && j.attempt < j.maxAttempts && !j.lastTry {
		j.log.Warn("job: transient failure; will retry", "error", r.redact(err.Error()), "next_try", j.retryAt.UTC().Format(time.RFC3339))
		r.progressNoteOf(j).Wait(ctx, err.Error(), j.retryAt)
		return err
	}
	what, todo := publish.Explain(err)
	if isTransient(err) {
		what = publish.GaveUp(what, j.attempt, j.lastTry)
	}
	j.log.Error("job: failed", "error", r.redact(err.Error()))
	if perr := r.reportEnd(context.WithoutCancel(ctx), j, jobstate.Failed, what, todo); perr != nil {
		// Not even the failure could be posted: let the queue try again while it may.
		j.log.Error("job: could not post the failure reply", "error", r.redact(perr.Error()), "max_attempts", j.maxAttempts)
		return fmt.Errorf("%v; and posting the failure failed: %w", err, perr)
	}
	return queue.Cancel(errors.New(r.redact(err.Error())))
}

// reportEnd ends a job with a failure reply (or a refusal, or a cancellation: st) saying what
// happened and what to do.
func (r *Runner) reportEnd(ctx context.Context, j *job, st jobstate.Status, what, todo string) error {
	if j.req.Wiki != nil { // a wiki page has no thread: the log and the job's page say it
		j.log.Error("job: wiki edit failed", "page", j.req.Wiki.Slug, "what", r.redact(what), "todo", todo)
		r.note(ctx, j, journal.KindError, what+" "+todo)
		return r.end(ctx, j, st, what)
	}
	if err := r.progressNoteOf(j).Fail(ctx, what, todo); err != nil {
		return err
	}
	return r.end(ctx, j, st, what)
}

// isTransient: worth another try later.
func isTransient(err error) bool {
	if gitlab.IsTransient(err) {
		return true
	}
	var ae *agentError
	return !errors.As(err, &ae) && workspace.IsTransient(err)
}
