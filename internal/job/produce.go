package job

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
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
		project: wsProject,
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
		message: func(out outcome) string { return commitMessage(j, out.Text) },
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

// gather reads what the prompt quotes, and picks the commit the worktree starts from.
func (r *Runner) gather(ctx context.Context, j *job) (prompt.ThreadInput, string, error) {
	in := prompt.ThreadInput{Request: j.req, Title: j.req.Thread.Title, Description: j.req.Thread.Description,
		Instructions: j.settings.Instructions, ForbiddenPaths: j.settings.ForbiddenPaths, FollowUp: j.followUp,
		Resumed: j.resume != nil}
	ref, threadBy, err := r.readThread(ctx, j, &in)
	if err != nil {
		return in, "", err
	}
	kept, err := r.notesSoFar(ctx, j, &in)
	if err != nil {
		return in, "", err
	}
	authors := map[int64]string{}
	if threadBy != 0 {
		authors[threadBy] = in.ThreadBy
	}
	for _, n := range kept {
		authors[n.AuthorID] = n.AuthorUsername
	}
	roles, err := r.roles(ctx, j, authors)
	if err != nil {
		return in, "", err
	}
	level, err := r.requesterLevel(ctx, j)
	if err != nil {
		return in, "", err
	}
	in.RequestRole = publish.RoleName(level)
	in.ThreadRole = roles[threadBy]
	for _, n := range kept {
		in.Notes = append(in.Notes, prompt.Note{Author: n.AuthorUsername, Body: n.Body, Who: roles[n.AuthorID]})
	}
	return in, ref, nil
}

// readThread reads the issue or merge request the request is on: its text and author, and the
// commit the worktree starts from.
func (r *Runner) readThread(ctx context.Context, j *job, in *prompt.ThreadInput) (ref string, threadBy int64, err error) {
	switch j.req.Thread.Type {
	case event.ThreadIssue:
		is, err := r.GitLab.Issue(ctx, j.req.Project.ID, j.req.Thread.IID)
		if err != nil {
			return "", 0, fmt.Errorf("read the issue: %w", err)
		}
		in.Title, in.Description = is.Title, is.Description
		in.ThreadBy = is.AuthorUsername
		return "", is.AuthorID, nil
	case event.ThreadMergeRequest:
		mr, err := r.mergeRequest(ctx, j, in)
		if err != nil {
			return "", 0, err
		}
		in.ThreadBy = mr.AuthorUsername
		return "refs/merge-requests/" + strconv.FormatInt(mr.IID, 10) + "/head", mr.AuthorID, nil
	case event.ThreadCommit:
		return j.req.Thread.CommitSHA, 0, nil
	}
	return "", 0, nil
}

// notesSoFar are the thread's comments before the request that the prompt quotes (the latest
// maxNotes; a resumed session's own and older ones left out).
func (r *Runner) notesSoFar(ctx context.Context, j *job, in *prompt.ThreadInput) ([]gitlab.Note, error) {
	notes, err := r.GitLab.ListNotes(ctx, j.thread, gitlab.ListNotesOptions{ExcludeSystem: true})
	if err != nil {
		return nil, fmt.Errorf("read the discussion: %w", err)
	}
	var kept []gitlab.Note
	j.lastNote = j.req.NoteID
	for _, n := range notes {
		if n.ID == j.req.NoteID || n.ID == j.noteID || (j.req.NoteID != 0 && n.ID > j.req.NoteID) {
			continue // the request is quoted on its own; later comments and our own note are not "so far"
		}
		j.lastNote = max(j.lastNote, n.ID)
		j.answeredBefore = j.answeredBefore || n.AuthorID == j.bot.ID && marker.HasJob(n.Body)
		if j.since != 0 && (n.ID <= j.since || n.AuthorID == j.bot.ID) {
			continue // a resumed session has them already (its own answers among them)
		}
		kept = append(kept, n)
	}
	if len(kept) > prompt.MaxNotes { // the prompt quotes the latest ones: only their authors are looked up
		in.Omitted, kept = len(kept)-prompt.MaxNotes, kept[len(kept)-prompt.MaxNotes:]
	}
	return kept, nil
}

func (r *Runner) mergeRequest(ctx context.Context, j *job, in *prompt.ThreadInput) (gitlab.MR, error) {
	mr, err := r.GitLab.MergeRequest(ctx, j.req.Project.ID, j.req.Thread.IID)
	if err != nil {
		return mr, fmt.Errorf("read the merge request: %w", err)
	}
	in.Title, in.Description = mr.Title, mr.Description
	files, err := r.GitLab.MergeRequestDiff(ctx, j.req.Project.ID, mr.IID, prompt.MaxDiffChars)
	if err != nil {
		return mr, fmt.Errorf("read the merge request's changes: %w", err)
	}
	mc := &prompt.MR{SourceBranch: mr.SourceBranch, TargetBranch: mr.TargetBranch}
	var diff strings.Builder
	for _, f := range files {
		mc.Files = append(mc.Files, f.NewPath)
		fmt.Fprintf(&diff, "--- a/%s\n+++ b/%s\n%s\n", f.OldPath, f.NewPath, f.Diff)
	}
	mc.Diff = diff.String()
	in.MR = mc
	return mr, nil
}
