package job

import (
	"context"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
)

// AckQueue is what the job's part of the acknowledgement lane needs of the queue (queue.Queue in
// production).
type AckQueue interface {
	Ahead(ctx context.Context, jobID, projectID int64) (project, all int, err error)
	CancelledWhileQueued(ctx context.Context, queuedStep, answeredStep string) ([]int64, error)
	Get(ctx context.Context, id int64) (queue.Info, error)
}

// AckJobs is the per-job part of the acknowledgement lane (queue.AckLane runs the loop): it
// checks the requester's rights, gives the 👀 and posts the progress note saying the request is
// queued and how many are ahead of it. Every side effect is a recorded step of the job, so the
// worker that later runs it edits that note instead of posting another. It also edits the note
// of a job cancelled before a worker started it. Its GitLab calls share the service's client,
// and so GITLAB_RATE_LIMIT.
type AckJobs struct {
	Runner *Runner
	Queue  AckQueue
}

// Acknowledge is acknowledgeQueued; its error is redacted, for the lane's log.
func (a AckJobs) Acknowledge(ctx context.Context, c queue.AckClaim) error {
	return a.Runner.Redactor.Error(a.Runner.acknowledgeQueued(ctx, c, a.Queue))
}

// CancelledWhileQueued lists the jobs whose "queued" note the lane posted and that were cancelled
// before they had an answer.
func (a AckJobs) CancelledWhileQueued(ctx context.Context) ([]int64, error) {
	return a.Queue.CancelledWhileQueued(ctx, stepQueued, stepAnswered)
}

// SayCancelled is sayCancelledWhileQueued; its error is redacted, for the lane's log.
func (a AckJobs) SayCancelled(ctx context.Context, id int64) error {
	return a.Runner.Redactor.Error(a.Runner.sayCancelledWhileQueued(ctx, a.Queue, id))
}

// acknowledgeQueued is the lane's part of a job: authorisation, 👀, the "queued" note.
func (r *Runner) acknowledgeQueued(ctx context.Context, c queue.AckClaim, q AckQueue) error {
	j, err := r.load(ctx, queue.Job{ID: c.JobID, Attempt: 1, MaxAttempts: 1, Request: c.Request})
	if err != nil {
		return err
	}
	j.log = j.log.With("lane", "ack")
	j.lookup = c.Retaken // a lane that died may have posted before recording it
	if j.steps.Has(stepAnswered) || j.steps.Has(stepNote) {
		return nil
	}
	if j.bot, err = r.botUser(ctx); err != nil {
		return err
	}
	if j.fromBot() {
		return nil
	}
	if ok, err := r.laneAuthorise(ctx, j); err != nil || !ok {
		return err
	}
	if ok, err := r.withinBudget(ctx, j); err != nil || !ok {
		return err
	}
	if err := r.progressNoteOf(j).Award(ctx); err != nil {
		return err
	}
	project, all, err := q.Ahead(ctx, j.id, j.req.Project.ID)
	if err != nil {
		return err
	}
	j.noteID, err = r.progressNoteOf(j).Queue(ctx, project, all)
	return err
}

// laneAuthorise is the lane's authorisation, before anything is posted: someone not allowed gets
// authorise's one polite refusal (and the job ends there), never a 👀 or a progress note. It is
// recorded for the worker (laneAuthorised) with the requester's role when authorise read it
// (rights.go uses it).
func (r *Runner) laneAuthorise(ctx context.Context, j *job) (bool, error) {
	if ok, err := r.authorise(ctx, j); err != nil || !ok {
		return false, err
	}
	return true, j.steps.Save(ctx, stepAuthed, authz.NewGrant(time.Now(), j.level).String())
}

// laneAuthorised: the acknowledgement lane authorised the job recently (authz.Grant), which saves
// the worker a GitLab call per job; a request that waited longer is checked again.
func (r *Runner) laneAuthorised(j *job) bool {
	raw, _ := j.steps.Value(stepAuthed)
	level, ok := authz.Standing(raw, time.Now())
	if level != nil {
		j.level = level
	}
	return ok
}

func (r *Runner) sayCancelledWhileQueued(ctx context.Context, q AckQueue, id int64) error {
	info, err := q.Get(ctx, id)
	if err != nil {
		return err
	}
	j, err := r.load(ctx, queue.Job{ID: id, Attempt: 1, MaxAttempts: 1, Request: info.Request})
	if err != nil || j.noteID == 0 || j.steps.Has(stepAnswered) {
		return err
	}
	if err := r.progressNoteOf(j).Edit(ctx, publish.CancelledWhileQueued(j.id, r.jobURL(j))); err != nil {
		return err
	}
	return r.end(ctx, j, jobstate.Cancelled, "while queued")
}
