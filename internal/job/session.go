package job

import (
	"context"
	"fmt"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/session"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// planSession picks the thread's session to resume, or says why a fresh one starts.
func (r *Runner) planSession(ctx context.Context, j *job) session.Plan {
	p, err := session.Choose(ctx, r.Sessions, session.Ask{ThreadKey: j.req.ThreadKey(), Job: j.id,
		Author: j.req.Author.ID, Text: j.req.Text, MaxAge: r.Settings.SessionMaxAge})
	if err != nil {
		j.log.Warn("job: the thread's Claude session is unreadable; starting a fresh one", "error", err)
	}
	return p
}

// keepSession stores the session the run left, for the thread's next request. Losing it only
// costs the next run its context, so a failure is logged, not fatal.
func (r *Runner) keepSession(ctx context.Context, j *job, home string, res agent.Result) {
	if r.Sessions == nil || !j.keepSession || res.SessionID == "" {
		return
	}
	size, err := session.Keep(ctx, r.Sessions, home, store.Session{JobID: j.id, ThreadKey: j.req.ThreadKey(),
		SessionID: res.SessionID, LastNoteID: j.lastNote, PrivateTo: j.privateTo, CreatedAt: time.Now()})
	if err != nil {
		j.log.Warn("job: the Claude session was not kept; the next request in this thread starts fresh", "error", err)
		return
	}
	r.note(ctx, j, journal.KindStep, fmt.Sprintf("Claude session %s kept for this thread (%d KB)", res.SessionID, size>>10))
}
