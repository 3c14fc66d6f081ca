package job

import (
	"context"
	"fmt"
	"strconv"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
)

// acknowledge gives 👀 to what triggered the job and posts the progress note in its discussion.
// When the acknowledgement lane posted it already (acklane.go), the note said "queued": a worker
// has started, so it becomes the progress note.
func (r *Runner) acknowledge(ctx context.Context, j *job) (err error) {
	if err := r.progressNoteOf(j).Award(ctx); err != nil {
		return err
	}
	j.noteID, err = r.progressNoteOf(j).Start(ctx)
	return err
}

// progressNote posts the job's progress note once and records it; a job run again after a
// failure reply, or after waiting for GitLab, turns that same note back into progress.
func (r *Runner) progressNote(ctx context.Context, j *job, body string) (err error) {
	j.noteID, err = r.progressNoteOf(j).Show(ctx, body)
	return err
}

// postOnce posts body in the job's discussion once and returns the note's id; a note of this job
// found there (a crash or a lost answer after posting) becomes body.
func (r *Runner) postOnce(ctx context.Context, j *job, body string) (int64, error) {
	return r.progressNoteOf(j).Post(ctx, body)
}

// progressNoteOf is the job's note in its thread as publish posts and edits it.
func (r *Runner) progressNoteOf(j *job) publish.ProgressNote {
	return publish.ProgressNote{Publisher: r.publisher(j), Awards: r.GitLab, Job: r.publishJob(j, outcome{}),
		Steps: j.steps, ID: j.noteID, JobURL: r.jobURL(j), Lookup: j.lookup, Retried: j.retried}
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

// jobURL links a job's page ("" without PUBLIC_URL).
func (r *Runner) jobURL(j *job) string {
	if r.JobURL == nil {
		return ""
	}
	return r.JobURL(j.id, j.confidential())
}
