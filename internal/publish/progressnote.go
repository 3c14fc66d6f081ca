package publish

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// The steps of a job's acknowledgement and progress note. Their names are stored with the jobs in
// flight, which resume by them: never rename one.
const (
	StepAward   = "award"   // 👀 given
	StepNote    = "note"    // the progress note's id
	StepWaiting = "waiting" // the note says it waits for GitLab: the next run edits it back
	StepQueued  = "queued"  // the acknowledgement lane posted the note saying it is queued
	StepStarted = "started" // a worker turned that note into the progress note
)

// NoteSteps are the job's steps as its progress note keeps them: a step it forgets is done again.
type NoteSteps interface {
	jobstate.Steps
	Forget(ctx context.Context, name string) error
}

// Awards gives an award emoji to a note.
type Awards interface {
	Award(ctx context.Context, t gitlab.ThreadRef, noteID int64, name string) error
}

// ProgressNote is a job's note in its thread, from its acknowledgement to its answer: posted
// once, found again by its marker when a crash or a lost reply may have hidden it, then edited as
// the job goes on. Its id and what it says are recorded steps of the job. Methods that may post
// return the note's id, for the job to keep.
type ProgressNote struct {
	*Publisher
	Awards  Awards
	Job     Job
	Steps   NoteSteps // the job's steps, which the note also forgets
	ID      int64     // the note's id; 0 until it is posted
	JobURL  string    // the job's page, linked from the note; "" without one
	Lookup  bool      // look for the note before posting: the acknowledgement lane may have posted it
	Retried bool      // an operator retried the job after a failure reply, which the note still shows
}

// Award gives 👀 to the note that asked, once. An award is a courtesy: a refusal (e.g. the thread
// is locked) is logged and does not stop the work; GitLab busy or away is an error.
func (n ProgressNote) Award(ctx context.Context) error {
	if _, done := n.Steps.Value(StepAward); done {
		return nil
	}
	if err := n.Awards.Award(ctx, n.Job.Thread, n.Job.Request.NoteID, "eyes"); err != nil {
		if gitlab.IsTransient(err) || workspace.IsTransient(err) {
			return fmt.Errorf("award: %w", err)
		}
		n.Job.Log.Warn("job: could not add the 👀 award", "error", n.redact(err.Error()))
	}
	return n.Steps.Save(ctx, StepAward, "eyes")
}

// Queue shows the note the acknowledgement lane gives a request that waits behind aheadProject
// requests of its project and aheadAll overall (Acknowledgement). StepQueued is recorded first:
// if the post is lost, the worker knows to look for the note, and to edit it.
func (n ProgressNote) Queue(ctx context.Context, aheadProject, aheadAll int) (int64, error) {
	if err := n.Steps.Save(ctx, StepQueued, "1"); err != nil {
		return n.ID, err
	}
	body, started := Acknowledgement(n.Job.ID, n.JobURL, aheadProject, aheadAll)
	if started {
		if err := n.Steps.Save(ctx, StepStarted, "1"); err != nil {
			return n.ID, err
		}
	}
	return n.Show(ctx, body)
}

// Start shows the note as a worker starts on the request (Started): the "queued" note of the
// acknowledgement lane becomes the progress note.
func (n ProgressNote) Start(ctx context.Context) (int64, error) {
	body := Started(n.Job.ID, n.JobURL)
	_, queued := n.Steps.Value(StepQueued)
	_, started := n.Steps.Value(StepStarted)
	if !queued || n.ID == 0 || started {
		return n.Show(ctx, body)
	}
	if err := n.Edit(ctx, body); err != nil {
		return n.ID, fmt.Errorf("edit the progress note: %w", err)
	}
	return n.ID, n.Steps.Save(ctx, StepStarted, "1")
}

// Show makes body the progress note: posted once and recorded (StepNote). A note there already is
// edited only when it says something else: that the job failed (Retried), or that it waits for
// GitLab (StepWaiting, forgotten once the note is edited back).
func (n ProgressNote) Show(ctx context.Context, body string) (int64, error) {
	if n.ID == 0 {
		id, err := n.Post(ctx, body)
		if err != nil {
			return 0, err
		}
		return id, n.Steps.Save(ctx, StepNote, strconv.FormatInt(id, 10))
	}
	if n.Retried {
		return n.ID, n.Edit(ctx, body)
	}
	if _, waiting := n.Steps.Value(StepWaiting); !waiting {
		return n.ID, nil
	}
	if err := n.Edit(ctx, body); err != nil {
		return n.ID, err
	}
	return n.ID, n.Steps.Forget(ctx, StepWaiting)
}

// Post posts body in the job's discussion once (PostOnce, with the job's marker) and returns the
// note's id; a note of the job found there (posted before a crash or a lost reply) becomes body.
// Each run of a job is a new attempt, so on the first nothing of it can be there yet: one API
// call saved on every job. Unless the acknowledgement lane was at it (Lookup).
func (n ProgressNote) Post(ctx context.Context, body string) (int64, error) {
	got, found, err := n.PostOnce(ctx, n.Job, "the progress note", body, marker.Job(n.Job.ID), n.Job.Attempt > 1 || n.Lookup)
	if err != nil {
		return 0, err
	}
	if !found {
		n.Job.Log.Info("job: posted", "note", got.ID)
	} else if err := n.Notes.UpdateNote(ctx, n.Job.Thread, got.ID, n.redact(body)); err != nil {
		return 0, fmt.Errorf("update our note: %w", err)
	}
	return got.ID, nil
}

// Edit replaces the note's text with body.
func (n ProgressNote) Edit(ctx context.Context, body string) error {
	return n.Notes.UpdateNote(ctx, n.Job.Thread, n.ID, n.redact(body))
}

// Fail makes the note the job's failure reply (Failure: what happened, what to do); posted when
// the job has no note yet.
func (n ProgressNote) Fail(ctx context.Context, what, todo string) error {
	body := Failure(n.Job.ID, n.JobURL, what, todo)
	if n.ID != 0 {
		return n.Edit(ctx, body)
	}
	_, err := n.Post(ctx, body)
	return err
}

// Wait says in the note that the job waits for GitLab, why, and when it tries again (next), and
// records it (StepWaiting) so that the next run edits it back. GitLab may be the one away: then
// the note cannot be edited now and the next run, when GitLab answers again, edits it instead.
// Nothing is said without a note or a next try, nor for a wiki page (it has no thread).
func (n ProgressNote) Wait(ctx context.Context, why string, next time.Time) {
	if n.ID == 0 || next.IsZero() || n.Job.Request.Wiki != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := n.Edit(ctx, Waiting(n.Job.ID, n.JobURL, n.redact(why), next)); err != nil {
		n.Job.Log.Info("job: could not say in the thread that it waits for GitLab", "error", n.redact(err.Error()))
		return
	}
	if err := n.Steps.Save(ctx, StepWaiting, next.UTC().Format(time.RFC3339)); err != nil {
		n.Job.Log.Warn("job: could not record the waiting note", "error", err.Error())
	}
}

// Begun says whether a worker has begun the job: it posted the progress note, or took over the
// acknowledgement lane's "queued" one (StepStarted). The lane's note alone does not count: the
// checks before acknowledging still apply to the job.
func Begun(s jobstate.Steps) bool {
	_, note := s.Value(StepNote)
	_, queued := s.Value(StepQueued)
	_, started := s.Value(StepStarted)
	return note && (!queued || started)
}
