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
			// `jobs cancel`: say so in the thread rather than leave "working…" there.
			j.log.Info("job: cancelled by the operator")
			what, todo := "An operator cancelled this request.", "Comment `@claude` again to ask anew."
			if w, t, ok := r.stoppedNote(ctx, j); ok {
				what, todo = w, t
			}
			if perr := r.reportEnd(context.WithoutCancel(ctx), j, jobstate.Cancelled, what, todo); perr != nil {
				j.log.Warn("job: could not say it was cancelled", "error", r.redact(perr.Error()))
			}
			return queue.Cancel(cause)
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = fmt.Errorf("%w: the job ran past its time limit (CLAUDE_TIMEOUT plus 10 minutes for GitLab and git)", errJobTimeout)
		default:
			// Shutdown: the job resumes at the next start, where it stopped; a snooze does not
			// count as an attempt.
			j.log.Info("job: interrupted by shutdown; it resumes at the next start", "error", r.redact(err.Error()))
			return queue.Snooze(0)
		}
	}
	if isTransient(err) && j.attempt < j.maxAttempts && !j.lastTry {
		j.log.Warn("job: transient failure; will retry", "error", r.redact(err.Error()), "next_try", j.retryAt.UTC().Format(time.RFC3339))
		r.sayWaiting(ctx, j, err)
		return err
	}
	what, todo := explain(err)
	if isTransient(err) {
		limit := "attempts"
		if j.lastTry {
			limit = "attempts (JOB_GIVE_UP)"
		}
		what = fmt.Sprintf("%s It kept failing, so I gave up after %d %s.", what, j.attempt, limit)
	}
	j.log.Error("job: failed", "error", r.redact(err.Error()))
	if perr := r.reportFailure(context.WithoutCancel(ctx), j, what, todo); perr != nil {
		// Not even the failure could be posted: let the queue try again while it may.
		j.log.Error("job: could not post the failure reply", "error", r.redact(perr.Error()), "max_attempts", j.maxAttempts)
		return fmt.Errorf("%v; and posting the failure failed: %w", err, perr)
	}
	return queue.Cancel(errors.New(r.redact(err.Error())))
}

// sayWaiting turns the progress note into "waiting for GitLab, next try at HH:MM UTC" while the
// job waits for its next try. GitLab may be the one away: then the note cannot be edited now and
// the next run, when GitLab answers again, edits it instead.
func (r *Runner) sayWaiting(ctx context.Context, j *job, err error) {
	if j.noteID == 0 || j.retryAt.IsZero() || j.req.Wiki != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	why := []rune(r.redact(err.Error()))
	if len(why) > 200 {
		why = append(why[:200], '…')
	}
	body := r.redact(publish.Waiting(j.id, r.jobURL(j), string(why), j.retryAt))
	if uerr := r.GitLab.UpdateNote(ctx, j.thread, j.noteID, body); uerr != nil {
		j.log.Info("job: could not say in the thread that it waits for GitLab", "error", r.redact(uerr.Error()))
		return
	}
	if serr := j.steps.save(ctx, stepWaiting, j.retryAt.UTC().Format(time.RFC3339)); serr != nil {
		j.log.Warn("job: could not record the waiting note", "error", serr.Error())
	}
}

// errJobTimeout: the job as a whole ran past the queue's timeout.
var errJobTimeout = errors.New("job timed out")

func (r *Runner) reportFailure(ctx context.Context, j *job, what, todo string) error {
	return r.reportEnd(ctx, j, jobstate.Failed, what, todo)
}

// reportEnd ends a job with a failure reply (or a refusal, or a cancellation: st) saying what
// happened and what to do.
func (r *Runner) reportEnd(ctx context.Context, j *job, st jobstate.Status, what, todo string) error {
	if j.req.Wiki != nil { // a wiki page has no thread: the log and the job's page say it
		j.log.Error("job: wiki edit failed", "page", j.req.Wiki.Slug, "what", r.redact(what), "todo", todo)
		r.note(ctx, j, journal.KindError, what+" "+todo)
		return r.end(ctx, j, st, what)
	}
	body := r.redact(publish.Failure(j.id, r.jobURL(j), what, todo))
	if j.noteID != 0 {
		if err := r.GitLab.UpdateNote(ctx, j.thread, j.noteID, body); err != nil {
			return err
		}
	} else if _, err := r.postOnce(ctx, j, body); err != nil {
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

// explain says what failed and what to do, in plain words. The caller redacts secrets.
func explain(err error) (what, todo string) {
	switch {
	case workspace.NoSpace(err):
		return "The server running Claude ran out of disk space.", "The operator should free space in DATA_DIR (repository cache and job logs), then ask again."
	case errors.Is(err, errJobTimeout):
		return "This request took longer than the service allows for one job.", "Ask for a smaller step, or ask the operator to raise CLAUDE_TIMEOUT."
	case errors.Is(err, workspace.ErrRejected):
		return "GitLab refused the push: " + workspace.Rejection(err), "Fix what GitLab's rule asks for (for example the push rules of the project), then ask again."
	case gitlab.IsTransient(err):
		return "GitLab did not answer properly (busy, down, or too slow): " + err.Error(), "Try again later: comment `@claude` again."
	case errors.Is(err, agent.ErrTimeout):
		return "Claude did not finish within the time limit (CLAUDE_TIMEOUT).", "Ask for a smaller step, or ask the operator to raise CLAUDE_TIMEOUT."
	case errors.Is(err, agent.ErrMaxTurns):
		return "Claude reached the turn limit (CLAUDE_MAX_TURNS) before finishing.", "Ask for a smaller step, or ask the operator to raise CLAUDE_MAX_TURNS."
	case errors.Is(err, agent.ErrDailyBudget):
		return "This project's daily budget for Claude (PROJECT_DAILY_BUDGET_USD) was spent while Claude worked, so the service refused its further model requests.", "Ask again tomorrow (UTC), or ask the operator to raise PROJECT_DAILY_BUDGET_USD."
	case errors.Is(err, agent.ErrBudget):
		return "Claude stopped at the cost limit of one run (CLAUDE_MAX_BUDGET_USD).", "Ask for a smaller step, or ask the operator to raise CLAUDE_MAX_BUDGET_USD."
	case errors.Is(err, agent.ErrNotLoggedIn):
		return "The Claude CLI has no valid Anthropic credential.", "The operator should set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN) and run `claude-gitlab doctor`."
	case errors.Is(err, agent.ErrAPI):
		return "The Anthropic API failed: " + err.Error(), "Try again in a few minutes: comment `@claude` again."
	case errors.Is(err, agent.ErrLimit):
		return "Claude's run went over a resource limit of the sandbox: " + err.Error(), "Ask for a smaller step, or ask the operator to raise the AGENT_* limit named above."
	case errors.Is(err, agent.ErrOutputTooLarge):
		return "Claude's output grew past the size limit and the run was stopped.", "Ask for a smaller step."
	case errors.Is(err, agent.ErrCrashed), errors.Is(err, agent.ErrMalformed):
		return "The Claude CLI stopped unexpectedly: " + err.Error(), "Try again; if it keeps failing, the operator should run `claude-gitlab doctor` and look at the service's log."
	case errors.Is(err, workspace.ErrAuth), errors.Is(err, gitlab.ErrUnauthorized):
		return "GitLab refused the bot's token.", "The operator should check GITLAB_TOKEN (expired or revoked?) with `claude-gitlab doctor`, or rotate it with `claude-gitlab rotate-token`."
	case errors.Is(err, gitlab.ErrForbidden):
		return "GitLab did not allow the bot to do this: " + err.Error(), "Give the bot user the Developer role (or higher) on this project."
	case errors.Is(err, workspace.ErrConflict), errors.Is(err, workspace.ErrStale):
		return "The branch changed while Claude worked and the change could not be applied on top of it.", "Ask again: Claude will start from the branch as it is now."
	case errors.Is(err, workspace.ErrProtected):
		return "GitLab refused the push: the branch is protected.", "Set GITLAB_USE_MR=true, or allow the bot to push to that branch."
	}
	return "Something went wrong: " + err.Error(), "Try again; if it keeps failing, the operator can look at `claude-gitlab jobs show` and the service's log."
}
