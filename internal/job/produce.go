package job

import (
	"context"
	"fmt"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/session"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// outcome is what a run produced, recorded before anything is pushed.
type outcome struct {
	Text      string        `json:"text"`
	Turns     int           `json:"turns"`
	CostUSD   float64       `json:"cost_usd"`
	Duration  time.Duration `json:"duration"`
	Denials   []string      `json:"denials,omitempty"`
	Truncated bool          `json:"truncated,omitempty"`
	Commit    string        `json:"commit,omitempty"` // empty: nothing changed
	Base      string        `json:"base,omitempty"`   // the commit the agent started from
	Started   time.Time     `json:"started"`
	// Findings a review added through the GitLab tool, posted with those of its answer.
	Findings []review.Finding `json:"findings,omitempty"`
	Session  string           `json:"session,omitempty"` // the footer's words on the thread's session
	res      agent.Result     // the run's result, not recorded
}

// produce answers in the thread: the agent runs on the thread's code, resuming the thread's
// session when one is kept, and what it changed is committed.
func (r *Runner) produce(ctx context.Context, j *job) (outcome, error) {
	var in prompt.ThreadInput
	var sess session.Plan
	return r.runAndCommit(ctx, j, agentRun{
		prepare: func(ctx context.Context) (ref string, err error) {
			sess = r.planSession(ctx, j)
			j.resume, j.keepSession = sess.Resume, true
			if sess.Resume != nil {
				j.since = sess.Since
			}
			in, ref, err = r.gather(ctx, j)
			return ref, err
		},
		run: func(ctx context.Context, ws *workspace.Workspace) (outcome, error) {
			return r.answerRun(ctx, j, ws, in, sess)
		},
		message: func(out outcome) string { return publish.CommitMessage(j.req, out.Text) },
	})
}

// answerRun runs the agent on the request; when the thread's session cannot be resumed, once
// more in a fresh session with the whole thread.
func (r *Runner) answerRun(ctx context.Context, j *job, ws *workspace.Workspace, in prompt.ThreadInput, sess session.Plan) (outcome, error) {
	var err error
	if in.ClaudeMD, err = r.projectClaudeMD(ctx, j); err != nil {
		return outcome{}, err
	}
	out, err := r.runAgent(ctx, j, ws, prompt.Thread(in))
	if sess.ResumeFailed(out.res.NumTurns, err) { // the whole thread, in a fresh session
		j.log.Warn("job: the thread's Claude session could not be resumed; running fresh", "from_job", sess.From, "error", err)
		r.note(ctx, j, journal.KindError, fmt.Sprintf("The session of job %d could not be resumed (%v); a fresh run with the whole thread follows", sess.From, err))
		sess = sess.Restarted()
		j.resume, j.since = nil, 0
		if in, _, err = r.gather(ctx, j); err != nil {
			return out, err
		}
		if in.ClaudeMD, err = r.projectClaudeMD(ctx, j); err != nil {
			return out, err
		}
		out, err = r.runAgent(ctx, j, ws, prompt.Thread(in))
	}
	if j.answeredBefore && r.Sessions != nil {
		sess = sess.Unkept()
	}
	out.Session = sess.Words()
	return out, err
}

// gather reads what the prompt quotes (prompt.Reader), and picks the commit the worktree starts from.
func (r *Runner) gather(ctx context.Context, j *job) (prompt.ThreadInput, string, error) {
	in := prompt.ThreadInput{Request: j.req, Title: j.req.Thread.Title, Description: j.req.Thread.Description,
		Instructions: j.settings.Instructions, ForbiddenPaths: j.settings.ForbiddenPaths, FollowUp: j.followUp,
		Resumed: j.resume != nil}
	got, err := prompt.Reader{GitLab: r.GitLab, Thread: j.thread, BotID: j.bot.ID, OwnNote: j.noteID, Since: j.since,
		RequesterLevel:     j.level,
		ReadRequesterLevel: func(ctx context.Context) (int, error) { return r.requesterLevel(ctx, j) },
	}.Read(ctx, &in)
	if err != nil {
		return in, "", err
	}
	j.lastNote, j.answeredBefore = got.LastNote, j.answeredBefore || got.AnsweredBefore
	return in, got.Ref, nil
}
