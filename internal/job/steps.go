package job

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// The recorded steps of a job: those publish records under its own names, and job's.
const (
	stepAward    = publish.StepAward   // 👀 given
	stepNote     = publish.StepNote    // the progress note's id
	stepWaiting  = publish.StepWaiting // the progress note says it waits for GitLab
	stepQueued   = publish.StepQueued  // the acknowledgement lane posted the note saying it is queued
	stepStarted  = publish.StepStarted // a worker turned that note into the progress note
	stepBranch   = publish.StepBranch  // the new branch about to be pushed, and its commit
	stepPushed   = publish.StepPushed  // the commit is on GitLab
	stepMR       = publish.StepMR      // the merge request opened
	stepMerge    = publish.StepMerge   // auto-merge set, or why not
	stepAnswered = store.OutcomeStep   // the thread has its final reply: the job is over
	stepResult   = "result"            // the agent's outcome and the commit, before pushing
	stepAuthed   = "authorised"        // the acknowledgement lane's authorisation passed
)

// job is one run of a request with what it learns on the way.
type job struct {
	id            int64
	attempt       int
	maxAttempts   int
	retryAt       time.Time // when the queue runs it again after a failure of this run
	lastTry       bool      // no run after this one (JOB_GIVE_UP passed)
	req           trigger.Request
	settings      Settings // the operator's, narrowed by the project's file once read (useProjectSettings)
	thread        gitlab.ThreadRef
	steps         *jobstate.Record
	log           *slog.Logger
	bot           gitlab.User
	noteID        int64
	project       gitlab.Project
	ws            *workspace.Workspace // the worktree of this run, released when the job ends
	retried       bool                 // an operator retried it after a failure reply
	followUp      *prompt.FollowUp     // the review comment a fix request answers
	level         *int                 // the requester's role on the project, once read
	rights        *publish.Requester   // the requester's push and merge rights, once read (rights.go)
	defaultCommit *string              // the default branch's commit, once learnt (settings.go)
	lookup        bool                 // look for this job's note before posting: the acknowledgement lane may have posted it
	// The thread's Claude session: resume (nil: fresh), comments after since only (0: all),
	// keepSession stores what the run leaves; lastNote is the newest comment the run saw.
	resume      *agent.Session
	since       int64
	keepSession bool
	lastNote    int64
	privateTo   int64 // the requester, when the run's tools opened other projects
	// answeredBefore: the thread has an answer of ours from an earlier job.
	answeredBefore bool
}

func (r *Runner) load(ctx context.Context, qj queue.Job) (*job, error) {
	recorded, err := r.Steps.Steps(ctx, qj.ID)
	if err != nil {
		return nil, err
	}
	req := qj.Request
	j := &job{
		id: qj.ID, attempt: qj.Attempt, maxAttempts: qj.MaxAttempts, retryAt: qj.RetryAt, lastTry: qj.LastTry, req: req,
		settings: r.Settings, thread: threadRef(req),
		steps: jobstate.NewRecord(r.Steps, qj.ID, recorded),
		log: r.log().With("job", qj.ID, "project", req.Project.Path, "thread", req.ThreadKey(),
			"attempt", qj.Attempt),
	}
	j.lookup = j.steps.Has(queue.AckStepName)
	if v, ok := recorded[stepNote]; ok {
		j.noteID, _ = strconv.ParseInt(v, 10, 64)
	}
	return j, nil
}

// end records how the job ended (the thread has its final reply, or needs none) and counts it.
func (r *Runner) end(ctx context.Context, j *job, st jobstate.Status, detail string) error {
	if err := j.steps.Save(ctx, stepAnswered, jobstate.Outcome{Status: st, Detail: detail}.String()); err != nil {
		return err
	}
	r.count(st)
	return nil
}

func threadRef(r trigger.Request) gitlab.ThreadRef { return gitlab.ThreadOf(r.Project.ID, r.Thread) }

func (j *job) fromBot() bool {
	return (j.bot.ID != 0 && j.req.Author.ID == j.bot.ID) ||
		(j.bot.Username != "" && j.req.Author.Username == j.bot.Username)
}

// acknowledged: a worker has posted (or taken over) the progress note; the lane's "queued" note
// does not count, the checks before acknowledging still apply to it.
func (j *job) acknowledged() bool {
	return publish.Begun(j.steps)
}

func (j *job) confidential() bool { return j.req.Confidential || j.req.Thread.Confidential }
