package job

import (
	"context"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// publishChange pushes the commit, opens the merge request and sets auto-merge, as far as they
// are not recorded yet (publish.Publisher.Publish).
func (r *Runner) publishChange(ctx context.Context, j *job, out outcome) error {
	checked, _ := j.steps.Value(stepChecked)
	paths, sensitive := strings.CutPrefix(checked, sensitivePrefix)
	return r.publisher(j).Publish(ctx, r.publishJob(j, out), publish.Change{Text: out.Text, Commit: out.Commit,
		Base: out.Base, Sensitive: sensitive, SensitivePaths: paths})
}

// publisher publishes with the runner's GitLab and the job's effective settings.
func (r *Runner) publisher(j *job) *publish.Publisher {
	return &publish.Publisher{Notes: r.GitLab, Branches: r.GitLab, MRs: r.GitLab, Files: r.GitLab,
		Projects: r.GitLab, Diffs: r.GitLab, Redact: r.redact,
		Options: publish.Options{UseMR: j.settings.UseMR, AutoMerge: j.settings.AutoMerge, BranchPrefix: j.settings.BranchPrefix,
			ConfidentialChanges: r.Settings.ConfidentialChanges, PipelineWait: r.Settings.PipelineWait}}
}

// publishJob is the job as publish sees it; out's commit is the one it pushes.
func (r *Runner) publishJob(j *job, out outcome) publish.Job {
	return publish.Job{ID: j.id, Attempt: j.attempt, Request: j.req, Thread: j.thread, Steps: j.steps,
		Requester: r.requester(j), Log: j.log,
		Project: func(ctx context.Context) (gitlab.Project, error) {
			err := r.readProject(ctx, j)
			return j.project, err
		},
		Worktree: func(ctx context.Context) (*workspace.Workspace, error) {
			return r.resumeWorktree(ctx, j, out)
		},
	}
}
