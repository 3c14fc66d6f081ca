package job

import (
	"context"
	"fmt"
	"strconv"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// acknowledge gives 👀 to what triggered the job and posts the progress note in its discussion.
// When the acknowledgement lane posted it already (acklane.go), the note said "queued": a worker
// has started, so it becomes the progress note.
func (r *Runner) acknowledge(ctx context.Context, j *job) error {
	if err := r.award(ctx, j); err != nil {
		return err
	}
	body := publish.Started(j.id, r.jobURL(j))
	if j.steps.Has(stepQueued) && j.noteID != 0 && !j.steps.Has(stepStarted) {
		if err := r.GitLab.UpdateNote(ctx, j.thread, j.noteID, r.redact(body)); err != nil {
			return fmt.Errorf("edit the progress note: %w", err)
		}
		return j.steps.Save(ctx, stepStarted, "1")
	}
	return r.progressNote(ctx, j, body)
}

// award gives 👀 once.
func (r *Runner) award(ctx context.Context, j *job) error {
	if j.steps.Has(stepAward) {
		return nil
	}
	if err := r.GitLab.Award(ctx, j.thread, j.req.NoteID, "eyes"); err != nil {
		// An award is a courtesy: a refusal (e.g. the thread is locked) must not stop the work.
		if !isTransient(err) {
			j.log.Warn("job: could not add the 👀 award", "error", r.redact(err.Error()))
		} else {
			return fmt.Errorf("award: %w", err)
		}
	}
	return j.steps.Save(ctx, stepAward, "eyes")
}

// progressNote posts the job's progress note once and records it; a job run again after a
// failure reply turns that same note back into progress.
func (r *Runner) progressNote(ctx context.Context, j *job, body string) error {
	if j.noteID != 0 {
		if j.retried { // the note says it failed: it is working again
			return r.GitLab.UpdateNote(ctx, j.thread, j.noteID, r.redact(body))
		}
		if j.steps.Has(stepWaiting) { // the note says it waits for GitLab: GitLab is back
			if err := r.GitLab.UpdateNote(ctx, j.thread, j.noteID, r.redact(body)); err != nil {
				return err
			}
			return j.steps.Forget(ctx, stepWaiting)
		}
		return nil
	}
	id, err := r.postOnce(ctx, j, body)
	if err != nil {
		return err
	}
	j.noteID = id
	return j.steps.Save(ctx, stepNote, strconv.FormatInt(id, 10))
}

// readProject learns the job's project from GitLab (clone URL, default branch, web URL), once per
// job: GitLab.com allows GET /projects/:id 400 times a minute.
func (r *Runner) readProject(ctx context.Context, j *job) error {
	if j.project.ID != 0 {
		return nil
	}
	project, err := r.GitLab.Project(ctx, strconv.FormatInt(j.req.Project.ID, 10))
	if err != nil {
		return fmt.Errorf("read the project: %w", err)
	}
	j.project = project
	return nil
}

// postOnce posts body in the job's discussion once (publish.Publisher.PostOnce) and returns the
// note's id; a note of this job found there (a crash or a lost answer after posting) becomes body.
// Each run of a job is a new attempt, so on the first nothing of this job can be there yet: one
// API call saved on every job. Unless the acknowledgement lane was at it (j.lookup).
func (r *Runner) postOnce(ctx context.Context, j *job, body string) (int64, error) {
	n, found, err := r.publisher(j).PostOnce(ctx, r.publishJob(j, outcome{}), "the progress note", body, marker.Job(j.id), j.attempt > 1 || j.lookup)
	if err != nil {
		return 0, err
	}
	if !found {
		j.log.Info("job: posted", "note", n.ID)
	} else if err := r.GitLab.UpdateNote(ctx, j.thread, n.ID, r.redact(body)); err != nil {
		return 0, fmt.Errorf("update our note: %w", err)
	}
	return n.ID, nil
}

// jobURL links a job's page ("" without PUBLIC_URL).
func (r *Runner) jobURL(j *job) string {
	if r.JobURL == nil {
		return ""
	}
	return r.JobURL(j.id, j.confidential())
}
