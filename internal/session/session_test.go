package session

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// oneSession is a store holding one session of the thread (or failing to read).
type oneSession struct {
	s     store.Session
	ok    bool
	err   error
	saved []store.Session
}

func (o *oneSession) SaveSession(_ context.Context, s store.Session) error {
	o.saved = append(o.saved, s)
	return o.err
}
func (o *oneSession) LatestSession(context.Context, string, int64) (store.Session, bool, error) {
	return o.s, o.ok, o.err
}

// A session whose run read other projects for its requester is resumed for that requester only;
// "start over" is the request right after the mention, not any sentence with the words.
func TestSessionPlanRights(t *testing.T) {
	s := store.Session{JobID: 1, SessionID: "0a0b0c0d-0000-0000-0000-000000000001", Data: []byte("x"), PrivateTo: 7, CreatedAt: time.Now()}
	plan := func(author int64, text string) Plan {
		p, err := Choose(context.Background(), &oneSession{s: s, ok: true}, Ask{Job: 2, Author: author, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := plan(7, "@claude go on"); p.Resume == nil {
		t.Errorf("its own requester did not resume the session: %+v", p)
	}
	if p := plan(8, "@claude go on"); p.Resume != nil || !strings.Contains(p.Note, "not yours to see") {
		t.Errorf("another requester resumed a session that read other projects: %+v", p)
	}
	if p := plan(7, "@claude start over please"); p.Resume != nil || !strings.Contains(p.Note, "start over") {
		t.Errorf("start over: %+v", p)
	}
	if p := plan(7, "@claude do not start over, go on"); p.Resume == nil {
		t.Errorf("a sentence with the words started over: %+v", p)
	}
}

func TestChoose(t *testing.T) {
	kept := store.Session{JobID: 4, SessionID: "abc", Data: []byte("x"), LastNoteID: 40, CreatedAt: time.Now()}
	broken := errors.New("database is locked")
	cases := []struct {
		name    string
		st      Store
		text    string
		want    Plan
		wantErr error
	}{
		{"no store keeps nothing", nil, "@claude go on", Plan{}, nil},
		{"no store ignores start over", nil, "@claude start over", Plan{}, nil},
		{"nothing kept yet", &oneSession{}, "@claude go on", Plan{}, nil},
		{"unreadable", &oneSession{err: broken}, "@claude go on",
			Plan{Note: "a fresh one with the whole thread: the earlier session could not be read"}, broken},
		{"start over", &oneSession{s: kept, ok: true}, "@bot, start over", Plan{Note: "a fresh one, as asked (start over)"}, nil},
		{"start over after a colon", &oneSession{s: kept, ok: true}, "@claude: Start Over", Plan{Note: "a fresh one, as asked (start over)"}, nil},
		{"resumed", &oneSession{s: kept, ok: true}, "@claude go on", Plan{Resume: &agent.Session{ID: "abc", Data: []byte("x")}, From: 4, Since: 40}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Choose(context.Background(), c.st, Ask{ThreadKey: "1/issue/2", Job: 5, Author: 7, Text: c.text})
			if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
				t.Fatalf("error %v, want %v", err, c.wantErr)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("plan %+v (%v), want %+v (%v)", got, got.Resume, c.want, c.want.Resume)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		privateTo  int64
		age        time.Duration
		maxAge     time.Duration
		wantResume bool
		wantNote   string
	}{
		{"fresh enough", 0, time.Hour, 0, true, ""},
		{"private to the requester", 7, time.Hour, 0, true, ""},
		{"private to another", 8, time.Hour, 0, false,
			"a fresh one with the whole thread: the earlier session (job 3) read other projects for its requester, which are not yours to see"},
		{"older than the default", 0, DefaultMaxAge + time.Minute, 0, false,
			"a fresh one with the whole thread: the earlier session (job 3) is older than 168h0m0s (SESSION_MAX_AGE)"},
		{"just the default age", 0, DefaultMaxAge, 0, true, ""},
		{"older than SESSION_MAX_AGE", 0, 2 * time.Hour, time.Hour, false,
			"a fresh one with the whole thread: the earlier session (job 3) is older than 1h0m0s (SESSION_MAX_AGE)"},
		{"negative max age is the default", 0, 2 * time.Hour, -time.Hour, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := store.Session{JobID: 3, SessionID: "s", PrivateTo: c.privateTo, LastNoteID: 30, CreatedAt: now.Add(-c.age)}
			p := Decide(s, Ask{Author: 7, MaxAge: c.maxAge}, now)
			if (p.Resume != nil) != c.wantResume || p.Note != c.wantNote {
				t.Fatalf("plan %+v, want resume %v note %q", p, c.wantResume, c.wantNote)
			}
			if c.wantResume && (p.Resume.ID != "s" || p.From != 3 || p.Since != 30) {
				t.Errorf("resumed %+v from %d since %d", p.Resume, p.From, p.Since)
			}
		})
	}
}

func TestWords(t *testing.T) {
	resumed := Plan{Resume: &agent.Session{ID: "s"}, From: 3}
	cases := []struct {
		name string
		p    Plan
		want string
	}{
		{"resumed", resumed, "continued this thread's session (from job 3) with the comments since"},
		{"fresh, nothing to say", Plan{}, ""},
		{"fresh, as asked", Plan{Note: "a fresh one, as asked (start over)"}, "a fresh one, as asked (start over)"},
		{"restarted", resumed.Restarted(), "a fresh one with the whole thread: the earlier session (job 3) could not be resumed"},
		{"unkept", Plan{}.Unkept(), "a fresh one with the whole thread: no session of the earlier answers here was kept"},
		{"unkept keeps the resume", resumed.Unkept(), "continued this thread's session (from job 3) with the comments since"},
		{"unkept keeps another note", Plan{Note: "a fresh one, as asked (start over)"}.Unkept(), "a fresh one, as asked (start over)"},
	}
	for _, c := range cases {
		if got := c.p.Words(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if r := resumed.Restarted(); r.Resume != nil || r.From != 0 {
		t.Errorf("a restarted plan still resumes: %+v", r)
	}
}

func TestResumeFailed(t *testing.T) {
	resumed := Plan{Resume: &agent.Session{ID: "s"}, From: 3}
	cases := []struct {
		name  string
		p     Plan
		turns int
		err   error
		want  bool
	}{
		{"no error", resumed, 0, nil, false},
		{"a fresh run", Plan{}, 0, agent.ErrSession, false},
		{"the session refused", resumed, 3, fmt.Errorf("run: %w", agent.ErrSession), true},
		{"ended before any turn", resumed, 0, agent.ErrCrashed, true},
		{"failed after turns", resumed, 2, agent.ErrCrashed, false},
		{"the API", resumed, 0, agent.ErrAPI, false},
		{"no credential", resumed, 0, agent.ErrNotLoggedIn, false},
		{"time", resumed, 0, agent.ErrTimeout, false},
		{"budget", resumed, 0, agent.ErrBudget, false},
		{"a sandbox limit", resumed, 0, agent.ErrLimit, false},
		{"cancelled", resumed, 0, context.Canceled, false},
		{"deadline", resumed, 0, fmt.Errorf("wait: %w", context.DeadlineExceeded), false},
	}
	for _, c := range cases {
		if got := c.p.ResumeFailed(c.turns, c.err); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// A session id that is not one is never packed nor stored.
func TestKeepRefusesABadID(t *testing.T) {
	st := &oneSession{}
	if _, err := Keep(context.Background(), st, t.TempDir(), store.Session{JobID: 1, SessionID: "../etc"}); err == nil || len(st.saved) != 0 {
		t.Fatalf("err %v, saved %v", err, st.saved)
	}
}
