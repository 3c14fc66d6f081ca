// Package job executes one queued request: the steps of DESIGN.md "What happens to a trigger",
// each recorded so that a job retried or resumed after a crash continues where it stopped and
// never posts anything twice.
package job

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/session"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// GitLab is what a job needs of GitLab's API (gitlab.Client in production): the small
// interfaces of gitlabapi.go, each task's runner holding only those it uses.
type GitLab interface {
	Notes
	Issues
	MergeRequests
	review.Discussions
	Branches
	Pipelines
	People
	Projects
}

// Workspaces gives a job its worktree.
type Workspaces interface {
	Prepare(ctx context.Context, p workspace.Project, ref string) (*workspace.Workspace, error)
}

// AgentFunc runs the agent (agent.Run in production).
type AgentFunc func(ctx context.Context, cfg agent.Config, req agent.Request, progress func(agent.Progress)) (agent.Result, error)

// Settings are the operator's choices that shape a job.
type Settings struct {
	MinAccessLevel int
	UseMR          bool
	AutoMerge      bool
	BranchPrefix   string
	Agent          agent.Config
	AgentHomes     string        // where each run gets its private HOME
	ProgressEvery  time.Duration // least time between two edits of the progress note
	PublicURL      string
	// Per-project settings (settings.go) and the daily budget.
	AutoReview     bool
	DailyBudgetUSD float64  // PROJECT_DAILY_BUDGET_USD; 0: none
	Instructions   string   // the project's words for the prompt
	ForbiddenPaths []string // patterns a commit may not touch
	SensitivePaths []string // the project's additions to projectconfig.DefaultSensitive
	// PIPELINE_FIX_ATTEMPTS: fixes of failed pipelines per MR before asking a human; 0: the default.
	PipelineFixAttempts int
	// TRIGGER_PHRASE: the request lines of a wiki page are found, and removed, by it.
	TriggerPhrase string
	// ConfidentialChanges: CONFIDENTIAL_CHANGES=allow, push changes asked in confidential threads
	// of projects that are not private.
	ConfidentialChanges bool
	// PipelineWait bounds the wait for an MR's head pipeline before auto-merge; 0: 3 minutes.
	PipelineWait time.Duration
	// Other projects the GitLab tools may read (the settings file's gitlab_tools_projects).
	ToolProjects []string
	// ToolsBinary is this service's binary, which the CLI starts as the GitLab tools' helper.
	ToolsBinary string
	// SESSION_MAX_AGE: an older session of the thread is not resumed; session.DefaultMaxAge when 0.
	SessionMaxAge time.Duration
}

// Runner runs jobs; it is the queue's Handler.
type Runner struct {
	GitLab     GitLab
	Workspaces Workspaces
	Agent      AgentFunc
	Steps      jobstate.StepStore
	Settings   Settings
	Redactor   *redact.Redactor
	Metrics    *metrics.Metrics
	Log        *slog.Logger
	Control    Control                                     // "@claude stop": the queue; nil: stop not available
	Journal    Journal                                     // the job page's record; nil keeps none
	JobURL     func(jobID int64, confidential bool) string // the job page's link; nil: no link
	// SettingsCache keeps the project settings file per default-branch commit; nil: none.
	SettingsCache *projectconfig.Cache
	Allow         *authz.AllowLists // ALLOWED_USERS/BOTS/PROJECTS; nil: none
	Refusals      authz.RefusalLog  // one refusal per user, thread and day; nil: no limit
	// Tools serves Claude's GitLab tools, which the CLI reaches by starting
	// Settings.ToolsBinary; nil offers none.
	Tools ToolServer
	// Sessions keeps each thread's Claude session so a later request resumes it; nil: every
	// run starts fresh.
	Sessions session.Store

	auth *authz.Cache

	botOnce sync.Mutex
	bot     *gitlab.User
}

// Handle runs one job. A nil error completes it; a transient error lets the queue retry it; a
// failure the user must know about is posted in the thread and ends the job.
func (r *Runner) Handle(ctx context.Context, qj queue.Job) error {
	j, err := r.load(ctx, qj)
	if err != nil {
		return err
	}
	ended, _ := j.steps.Value(stepAnswered)
	if o := jobstate.ParseOutcome(ended); o.Status == jobstate.Failed || o.Status == jobstate.Cancelled {
		// A job that ended in failure runs again only when an operator retried it (`jobs
		// retry`): start over from the failed step; the note says what happens now.
		j.log.Info("job: retried after it failed; running again", "failure", o.String())
		if err := j.steps.Forget(ctx, stepAnswered); err != nil {
			return err
		}
		j.retried = true
	}
	if j.steps.Has(stepAnswered) {
		return r.unlabel(ctx, j)
	}
	defer func() {
		if j.ws != nil {
			j.ws.Release()
		}
	}()
	err = r.run(ctx, j)
	return r.unlabelWhenOver(ctx, j, r.finish(ctx, j, err))
}

func (r *Runner) botUser(ctx context.Context) (gitlab.User, error) {
	r.botOnce.Lock()
	defer r.botOnce.Unlock()
	if r.bot != nil {
		return *r.bot, nil
	}
	u, err := r.GitLab.CurrentUser(ctx)
	if err != nil {
		return gitlab.User{}, fmt.Errorf("learn the bot's identity: %w", err)
	}
	r.bot = &u
	return u, nil
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

func (r *Runner) redact(s string) string { return r.Redactor.Redact(s) }
