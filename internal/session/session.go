// Package session decides what a run does with its thread's Claude session: which one to resume,
// the footer's words about it, whether a resume failed, and keeping the one a run leaves.
package session

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// Store keeps the Claude session each run left, by thread (store.DB).
type Store interface {
	SaveSession(ctx context.Context, s store.Session) error
	LatestSession(ctx context.Context, threadKey string, beforeJob int64) (store.Session, bool, error)
}

// Defaults of the thread's session.
const (
	DefaultMaxAge = 7 * 24 * time.Hour
	maxPacked     = 8 << 20 // a packed session kept in the database
)

// startOver is the request that begins a fresh session in a thread: "@claude start over".
var startOver = regexp.MustCompile(`(?i)(^|\s)@[\w.-]+[\s,:]+start over\b`)

// Plan is what a run does with the thread's session.
type Plan struct {
	Resume *agent.Session // nil: a fresh session
	From   int64          // the job whose session is resumed
	Since  int64          // that run's newest comment: the prompt quotes only later ones
	Note   string         // the footer's words when the run starts fresh for a reason the user should know
}

// Ask is the request a plan is made for.
type Ask struct {
	ThreadKey string
	Job       int64 // the job asking: only earlier jobs' sessions count
	Author    int64 // the requester's user id
	Text      string
	MaxAge    time.Duration // SESSION_MAX_AGE; DefaultMaxAge when 0
}

// Choose picks the thread's latest session to resume, or says why a fresh one starts. A nil
// store keeps no sessions. The error, when the store could not be read, is for the log: the plan
// then says a fresh one starts.
func Choose(ctx context.Context, st Store, a Ask) (Plan, error) {
	if st == nil {
		return Plan{}, nil
	}
	if startOver.MatchString(a.Text) {
		return Plan{Note: "a fresh one, as asked (start over)"}, nil
	}
	s, ok, err := st.LatestSession(ctx, a.ThreadKey, a.Job)
	if err != nil {
		return Plan{Note: "a fresh one with the whole thread: the earlier session could not be read"}, err
	}
	if !ok {
		return Plan{}, nil
	}
	return Decide(s, a, time.Now()), nil
}

// Decide says whether the thread's latest session s is resumed for a, at now.
func Decide(s store.Session, a Ask, now time.Time) Plan {
	maxAge := a.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	switch {
	case s.PrivateTo != 0 && s.PrivateTo != a.Author:
		return Plan{Note: fmt.Sprintf("a fresh one with the whole thread: the earlier session (job %d) read other projects for its requester, which are not yours to see", s.JobID)}
	case now.Sub(s.CreatedAt) > maxAge:
		return Plan{Note: fmt.Sprintf("a fresh one with the whole thread: the earlier session (job %d) is older than %s (SESSION_MAX_AGE)", s.JobID, maxAge)}
	}
	return Plan{Resume: &agent.Session{ID: s.SessionID, Data: s.Data}, From: s.JobID, Since: s.LastNoteID}
}

// Words is the footer's line about the session.
func (p Plan) Words() string {
	if p.Resume != nil {
		return fmt.Sprintf("continued this thread's session (from job %d) with the comments since", p.From)
	}
	return p.Note
}

// Restarted is the plan after the session of p could not be resumed: a fresh run with the whole
// thread.
func (p Plan) Restarted() Plan {
	return Plan{Note: fmt.Sprintf("a fresh one with the whole thread: the earlier session (job %d) could not be resumed", p.From)}
}

// Unkept is the plan of a thread answered before whose session was not kept: p itself unless it
// starts fresh without a word, which the footer then gives.
func (p Plan) Unkept() Plan {
	if p.Resume == nil && p.Note == "" {
		p.Note = "a fresh one with the whole thread: no session of the earlier answers here was kept"
	}
	return p
}

// ResumeFailed: the run could not continue the session; a fresh run with the whole thread
// follows. A resumed run that ended before any turn counts too (the CLI refused the session),
// unless the cause would stop a fresh run as well (the API, the credential, time, budget).
func (p Plan) ResumeFailed(turns int, err error) bool {
	if p.Resume == nil || err == nil {
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
	return turns == 0
}

// Keep packs the session s.SessionID the run left in home and stores it as s, for the thread's
// next request; it returns the packed size.
func Keep(ctx context.Context, st Store, home string, s store.Session) (int, error) {
	data, err := agent.SaveSession(home, s.SessionID, maxPacked)
	if err != nil {
		return 0, err
	}
	s.Data = data
	if err := st.SaveSession(ctx, s); err != nil {
		return 0, err
	}
	return len(data), nil
}
