package job

import (
	"context"
	"fmt"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
)

// Control is what "@claude stop" needs of the queue: the thread's unfinished jobs, and the same
// cancel `jobs cancel` uses (a queued job never runs; a running one has its context cancelled).
type Control interface {
	ActiveInThread(ctx context.Context, threadKey string) ([]queue.Info, error)
	Cancel(ctx context.Context, id int64) (queue.Info, error)
}

// stepStoppedBy, on a stopped job: who stopped it, for its own last note.
const stepStoppedBy = "stopped_by"

// stopTask stops the thread's requests ("@claude stop").
type stopTask struct {
	r      *Runner
	people People // whether the requester may stop others' jobs (a Maintainer)
	notes  Notes  // the "queued" note of a job stopped before it ran
}

func (t stopTask) Run(ctx context.Context, j *job) error {
	if ok, err := t.r.admit(ctx, j, t.r.notFromBot, t.r.beginPage); err != nil || !ok {
		return err
	}
	return t.stop(ctx, j)
}

// stop cancels the thread's queued and running requests: its requester's own, or everyone's when
// a Maintainer asks. It answers with what it stopped and what it left.
func (t stopTask) stop(ctx context.Context, j *job) error {
	r := t.r
	if r.Control == nil {
		return r.end(ctx, j, jobstate.Skipped, "stop not available")
	}
	active, err := r.Control.ActiveInThread(ctx, j.req.StoppedThreadKey())
	if err != nil {
		return err
	}
	own, others := queue.Stoppable(active, j.id, j.req.Author.ID)
	stoppable := own
	if len(others) > 0 {
		level, err := t.people.MemberAccessLevel(ctx, j.req.Project.ID, j.req.Author.ID)
		if err != nil {
			return fmt.Errorf("check @%s's access: %w", j.req.Author.Username, err)
		}
		if level >= gitlab.AccessMaintainer {
			stoppable, others = append(own, others...), nil
		}
	}
	var stopped []string
	for _, in := range stoppable {
		what, err := t.stopOne(ctx, j, in)
		if err != nil {
			return err
		}
		stopped = append(stopped, what)
	}
	if _, err := r.postOnce(ctx, j, publish.StopReply(j.req.Author.Username, stopped, len(others))); err != nil {
		return err
	}
	return r.end(ctx, j, jobstate.Answered, fmt.Sprintf("stopped %d", len(stopped)))
}

// stopOne cancels one job of the thread and says what it was doing. A job a worker has begun
// (its progress note is the worker's, not the acknowledgement lane's "queued" one) is told to
// stop and writes its own last note. One that had not begun never will (River's "running"
// includes waiting in the thread's gate): its "queued" note is closed here.
func (t stopTask) stopOne(ctx context.Context, j *job, in queue.Info) (string, error) {
	r, by := t.r, j.req.Author.Username
	if err := r.Steps.SaveStep(context.WithoutCancel(ctx), in.ID, stepStoppedBy, by); err != nil {
		return "", err
	}
	if _, err := r.Control.Cancel(ctx, in.ID); err != nil {
		return "", err
	}
	stopped, err := r.load(context.WithoutCancel(ctx), queue.Job{ID: in.ID, Request: in.Request})
	if err != nil {
		return "", err
	}
	started := stopped.acknowledged()
	if !started {
		if err := t.closeQueued(context.WithoutCancel(ctx), stopped, by); err != nil {
			return "", err
		}
	}
	j.log.Info("job: stopped at a user's request", "stopped_job", in.ID, "by", by, "started", started)
	return publish.StoppedJob(in.ID, started), nil
}

// closeQueued turns the acknowledgement note of a job stopped before it ran (if it has one) into
// the stop, and records how the job ended.
func (t stopTask) closeQueued(ctx context.Context, stopped *job, by string) error {
	if stopped.noteID != 0 {
		what, todo := publish.StoppedBeforeStart(by)
		body := t.r.redact(publish.Failure(stopped.id, t.r.jobURL(stopped), what, todo))
		if err := t.notes.UpdateNote(ctx, stopped.thread, stopped.noteID, body); err != nil {
			return err
		}
	}
	return stopped.steps.Save(ctx, stepAnswered, jobstate.Outcome{Status: jobstate.Cancelled, Detail: "stopped by @" + by}.String())
}

// endCancelled ends a job cancelled by `jobs cancel` or "@claude stop": its thread says so rather
// than leave "working…" there — who stopped it and what was left undone (a push already made
// stays and is named), else that an operator cancelled it.
func (r *Runner) endCancelled(ctx context.Context, j *job, cause error) error {
	j.log.Info("job: cancelled by the operator")
	what, todo := publish.Cancelled()
	if recorded, err := r.Steps.Steps(context.WithoutCancel(ctx), j.id); err == nil && recorded[stepStoppedBy] != "" {
		what, todo = publish.Stopped(recorded[stepStoppedBy], j.steps, j.steps.Has(stepResult))
	}
	if perr := r.reportEnd(context.WithoutCancel(ctx), j, jobstate.Cancelled, what, todo); perr != nil {
		j.log.Warn("job: could not say it was cancelled", "error", r.redact(perr.Error()))
	}
	return queue.Cancel(cause)
}
