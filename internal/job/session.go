package job

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// SessionStore keeps the Claude session each run left, by thread (store.DB).
type SessionStore interface {
	SaveSession(ctx context.Context, s store.Session) error
	LatestSession(ctx context.Context, threadKey string, beforeJob int64) (store.Session, bool, error)
}

// Defaults of the thread's session.
const (
	DefaultSessionMaxAge = 7 * 24 * time.Hour
	maxSessionPacked     = 8 << 20 // a packed session kept in the database
)

// startOver is the request that begins a fresh session in a thread: "@claude start over".
var startOver = regexp.MustCompile(`(?i)(^|\s)@[\w.-]+[\s,:]+start over\b`)

// threadSession is what a run does with the thread's session.
type threadSession struct {
	resume *agent.Session
	from   int64  // the job whose session is resumed
	since  int64  // that run's newest comment: the prompt quotes only later ones
	note   string // the footer's words when the run starts fresh for a reason the user should know
}

// planSession picks the thread's latest session to resume, or says why a fresh one starts.
func (r *Runner) planSession(ctx context.Context, j *job) threadSession {
	if r.Sessions == nil {
		return threadSession{}
	}
	if startOver.MatchString(j.req.Text) {
		return threadSession{note: "a fresh one, as asked (start over)"}
	}
	s, ok, err := r.Sessions.LatestSession(ctx, j.req.ThreadKey(), j.id)
	maxAge := r.Settings.SessionMaxAge
	if maxAge <= 0 {
		maxAge = DefaultSessionMaxAge
	}
	switch {
	case err != nil:
		j.log.Warn("job: the thread's Claude session is unreadable; starting a fresh one", "error", err)
		return threadSession{note: "a fresh one with the whole thread: the earlier session could not be read"}
	case !ok:
		return threadSession{}
	case s.PrivateTo != 0 && s.PrivateTo != j.req.Author.ID:
		return threadSession{note: fmt.Sprintf("a fresh one with the whole thread: the earlier session (job %d) read other projects for its requester, which are not yours to see", s.JobID)}
	case time.Since(s.CreatedAt) > maxAge:
		return threadSession{note: fmt.Sprintf("a fresh one with the whole thread: the earlier session (job %d) is older than %s (SESSION_MAX_AGE)", s.JobID, maxAge)}
	}
	return threadSession{resume: &agent.Session{ID: s.SessionID, Data: s.Data}, from: s.JobID, since: s.LastNoteID}
}

// words is the footer's line about the session.
func (t threadSession) words() string {
	if t.resume != nil {
		return fmt.Sprintf("continued this thread's session (from job %d) with the comments since", t.from)
	}
	return t.note
}

// resumeFailed: the run could not continue the session; a fresh run with the whole thread
// follows. A resumed run that ended before any turn counts too (the CLI refused the session),
// unless the cause would stop a fresh run as well (the API, the credential, time, budget).
func resumeFailed(t threadSession, res agent.Result, err error) bool {
	if t.resume == nil || err == nil {
		return false
	}
	if errors.Is(err, agent.ErrSession) {
		return true
	}
	for _, other := range []error{agent.ErrAPI, agent.ErrNotLoggedIn, agent.ErrTimeout, agent.ErrBudget, agent.ErrLimit, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, other) {
			return false
		}
	}
	return res.NumTurns == 0
}

// keepSession stores the session the run left, for the thread's next request. Losing it only
// costs the next run its context, so a failure is logged, not fatal.
func (r *Runner) keepSession(ctx context.Context, j *job, home string, res agent.Result) {
	if r.Sessions == nil || !j.keepSession || res.SessionID == "" {
		return
	}
	data, err := agent.SaveSession(home, res.SessionID, maxSessionPacked)
	if err == nil {
		err = r.Sessions.SaveSession(ctx, store.Session{JobID: j.id, ThreadKey: j.req.ThreadKey(), SessionID: res.SessionID,
			Data: data, LastNoteID: j.lastNote, PrivateTo: j.privateTo, CreatedAt: time.Now()})
	}
	if err != nil {
		j.log.Warn("job: the Claude session was not kept; the next request in this thread starts fresh", "error", err)
		return
	}
	r.note(ctx, j, journal.KindStep, fmt.Sprintf("Claude session %s kept for this thread (%d KB)", res.SessionID, len(data)>>10))
}
