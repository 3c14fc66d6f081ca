package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// Waiting for the head pipeline: how long at most, and how often to look.
const (
	defaultPipelineWait = 3 * time.Minute
	pipelinePoll        = 2 * time.Second
)

// autoMerge asks GitLab to merge when the pipeline succeeds, provided the requester may merge
// into the target themselves; a refusal is told in the reply.
func (p *Publisher) autoMerge(ctx context.Context, j Job, pu Pushed, mr OpenedMR) (string, error) {
	right, err := j.Requester.MayMerge(ctx, pu.MRTarget)
	if err != nil {
		return "", err
	}
	if !right.Allowed {
		j.Log.Info("job: auto-merge not set: the requester may not merge", "mr", mr.IID, "target", pu.MRTarget)
		return right.Rule, nil
	}
	if why, err := p.awaitPipeline(ctx, j, mr); err != nil || why != "" {
		return why, err
	}
	if err := p.MRs.SetAutoMerge(ctx, j.Request.Project.ID, mr.IID, mr.SHA); err != nil {
		j.Log.Info("job: auto-merge refused", "mr", mr.IID, "error", p.redact(err.Error()))
		return p.redact(err.Error()), nil
	}
	return "set: " + right.Rule, nil
}

// awaitPipeline lets auto-merge be set once GitLab shows the MR's head pipeline for the pushed commit:
// before it exists, GitLab (every version) merges at once unless the project requires pipelines
// to succeed. A commit without CI configuration gets no pipeline, so no auto-merge. It returns
// "" when auto-merge may be set now, else why not (for the reply). When the wait began is a
// recorded step, so that a job resumed after a restart keeps the same bounded wait.
func (p *Publisher) awaitPipeline(ctx context.Context, j Job, mr OpenedMR) (string, error) {
	ci, path, err := p.hasCI(ctx, j, mr.SHA)
	if err != nil {
		return "", err
	}
	if !ci {
		return "the commit has no CI configuration (`" + path + "`), so no pipeline would run and GitLab would merge at once: merge it by hand after a review", nil
	}
	started := time.Now()
	if v, ok := j.Steps.Value(StepMergeWait); ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			started = t
		}
	} else if err := j.Steps.Save(ctx, StepMergeWait, started.UTC().Format(time.RFC3339Nano)); err != nil {
		return "", err
	}
	wait := p.Options.PipelineWait
	if wait <= 0 {
		wait = defaultPipelineWait
	}
	for {
		m, err := p.MRs.MergeRequest(ctx, j.Request.Project.ID, mr.IID)
		if err != nil {
			return "", fmt.Errorf("read the merge request's pipeline: %w", err)
		}
		if m.HeadPipelineSHA == mr.SHA {
			return "", nil
		}
		if time.Since(started) >= wait {
			j.Log.Info("job: no pipeline for the pushed commit in time; auto-merge not set", "mr", mr.IID, "sha", mr.SHA, "waited", wait)
			return fmt.Sprintf("no pipeline for %s appeared within %s (GitLab would merge at once without one): set auto-merge by hand once it runs", event.ShortSHA(mr.SHA), wait), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(pipelinePoll):
		}
	}
}

// hasCI says whether the commit holds the project's CI configuration, at path; a configuration
// kept in another project or at a URL is taken to exist.
func (p *Publisher) hasCI(ctx context.Context, j Job, sha string) (ok bool, path string, err error) {
	project, err := j.Project(ctx)
	if err != nil {
		return false, "", err
	}
	path = ".gitlab-ci.yml"
	if s := strings.TrimSpace(project.CIConfigPath); s != "" {
		path = s
	}
	if strings.Contains(path, "@") || strings.Contains(path, "://") {
		return true, path, nil
	}
	_, err = p.Files.RawFile(ctx, j.Request.Project.ID, strings.TrimPrefix(path, "/"), sha)
	switch {
	case errors.Is(err, gitlab.ErrNotFound):
		return false, path, nil
	case err != nil:
		return false, path, fmt.Errorf("look for the CI configuration: %w", err)
	}
	return true, path, nil
}
