package job

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// stepMergeWait records when the job began to wait for the MR's head pipeline, so that a job
// resumed after a restart keeps the same bounded wait instead of starting it again.
const stepMergeWait = "merge_wait"

// Waiting for the head pipeline: how long at most, and how often to look.
const (
	defaultPipelineWait = 3 * time.Minute
	pipelinePoll        = 2 * time.Second
)

// awaitPipeline lets auto-merge be set once GitLab shows the MR's head pipeline for the pushed commit:
// before it exists, GitLab (every version) merges at once unless the project requires pipelines
// to succeed. A commit without CI configuration gets no pipeline, so no auto-merge. It returns
// "" when auto-merge may be set now, else why not (for the reply).
func (r *Runner) awaitPipeline(ctx context.Context, j *job, mr mrDone) (string, error) {
	ci, err := r.hasCI(ctx, j, mr.SHA)
	if err != nil {
		return "", err
	}
	if !ci {
		return "the commit has no CI configuration (`" + r.ciPath(j) + "`), so no pipeline would run and GitLab would merge at once: merge it by hand after a review", nil
	}
	started := time.Now()
	if v, ok := j.steps.values[stepMergeWait]; ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			started = t
		}
	} else if err := j.steps.save(ctx, stepMergeWait, started.UTC().Format(time.RFC3339Nano)); err != nil {
		return "", err
	}
	wait := r.Settings.PipelineWait
	if wait <= 0 {
		wait = defaultPipelineWait
	}
	for {
		m, err := r.GitLab.MergeRequest(ctx, j.req.Project.ID, mr.IID)
		if err != nil {
			return "", fmt.Errorf("read the merge request's pipeline: %w", err)
		}
		if m.HeadPipelineSHA == mr.SHA {
			return "", nil
		}
		if time.Since(started) >= wait {
			j.log.Info("job: no pipeline for the pushed commit in time; auto-merge not set", "mr", mr.IID, "sha", mr.SHA, "waited", wait)
			return fmt.Sprintf("no pipeline for %s appeared within %s (GitLab would merge at once without one): set auto-merge by hand once it runs", event.ShortSHA(mr.SHA), wait), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(pipelinePoll):
		}
	}
}

func (r *Runner) ciPath(j *job) string {
	if p := strings.TrimSpace(j.project.CIConfigPath); p != "" {
		return p
	}
	return ".gitlab-ci.yml"
}

// hasCI says whether the commit holds the project's CI configuration; a configuration kept in
// another project or at a URL is taken to exist.
func (r *Runner) hasCI(ctx context.Context, j *job, sha string) (bool, error) {
	if j.project.ID == 0 {
		if err := r.readProject(ctx, j); err != nil {
			return false, err
		}
	}
	path := r.ciPath(j)
	if strings.Contains(path, "@") || strings.Contains(path, "://") {
		return true, nil
	}
	_, err := r.GitLab.RawFile(ctx, j.req.Project.ID, strings.TrimPrefix(path, "/"), sha)
	switch {
	case errors.Is(err, gitlab.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look for the CI configuration: %w", err)
	}
	return true, nil
}
