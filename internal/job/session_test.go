package job

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// sessionWorld is the harness with the real CLI against the fake Messages API (with prompt
// caching) and a real database for the sessions.
type sessionWorld struct {
	*harness
	api   *fakeanthropic.Server
	db    *store.DB
	issue fakegitlab.Issue
	iid   string
	last  trigger.Request // the latest request asked
}

func newSessionWorld(t testing.TB, tg storetest.Target) *sessionWorld {
	t.Helper()
	if testing.Short() {
		t.Skip("the real Claude CLI test installs ~370 MB once; skipped with -short")
	}
	cli := agenttest.InstallRealCLI(t)
	h := newHarness(t, agent.Run)
	api := fakeanthropic.Start(func(req *fakeanthropic.MessagesRequest, n int) fakeanthropic.Reply {
		if !req.HasTools() {
			return fakeanthropic.Text("Fake title")
		}
		return fakeanthropic.Text(fmt.Sprintf("Answer %d: I read %d messages.", n, len(req.Messages)))
	})
	api.Cache = true
	t.Cleanup(api.Close)
	h.r.Settings.Agent = agent.Config{Path: cli, MaxTurns: 3, Timeout: 2 * time.Minute, AllowedTools: []string{"Read"},
		Env: []string{"ANTHROPIC_API_KEY=sk-fake-session", "ANTHROPIC_BASE_URL=" + api.URL, "CLAUDE_CODE_MAX_RETRIES=0"}}
	db := tg.Open(t)
	h.r.Sessions = db
	w := &sessionWorld{harness: h, api: api, db: db}
	w.issue = h.g.CreateIssue(h.proj.ID, h.alice.ID, "Checkout is slow", strings.Repeat("The checkout page takes eight seconds to load on a cold cache. ", 60), false)
	w.iid = strconv.FormatInt(w.issue.IID, 10)
	return w
}

// ask writes a comment of bob's (context) and alice's request, runs the job, and returns the
// requests the fake API got for it and the job's answer note.
func (w *sessionWorld) ask(t testing.TB, id int64, context, text string) ([]fakeanthropic.Recorded, string) {
	t.Helper()
	if context != "" {
		w.g.AddNote(w.proj.ID, fakegitlab.ThreadIssue, w.iid, w.alice.ID, context)
	}
	before := len(w.api.Requests())
	n := w.g.AddNote(w.proj.ID, fakegitlab.ThreadIssue, w.iid, w.alice.ID, text)
	req := w.request(w.issue, n, text)
	w.last = req
	if err := w.handle(id, 1, 3, req); err != nil {
		t.Fatalf("job %d: %v", id, err)
	}
	var main []fakeanthropic.Recorded
	for _, rq := range w.api.Requests()[before:] {
		if rq.Body != nil && rq.Body.HasTools() {
			main = append(main, rq)
		}
	}
	if len(main) == 0 {
		t.Fatalf("job %d sent the model nothing", id)
	}
	var answer string
	for _, note := range w.g.Notes(w.proj.ID, fakegitlab.ThreadIssue, w.iid) {
		if note.AuthorID == w.bot.ID && marker.OfJob(note.Body, id) {
			answer = note.Body
		}
	}
	return main, answer
}

func (w *sessionWorld) request(is fakegitlab.Issue, n fakegitlab.Note, text string) trigger.Request {
	return trigger.Request{Reason: trigger.ReasonMention, Text: text, NoteID: n.ID, DiscussionID: n.DiscussionID,
		Project: event.Project{ID: w.proj.ID, Path: w.proj.Path},
		Thread:  event.Thread{Type: event.ThreadIssue, IID: is.IID, Title: is.Title},
		Author:  event.User{ID: w.alice.ID, Username: "alice"}}
}

func uncached(rs []fakeanthropic.Recorded) (in, cached int) {
	for _, r := range rs {
		in += r.InputTokens
		cached += r.CacheRead
	}
	return in, cached
}

// earlierTurns: the run's first request carries an earlier conversation (assistant turns).
func earlierTurns(rs []fakeanthropic.Recorded) int {
	n := 0
	for _, m := range rs[0].Body.Messages {
		if m.Role == "assistant" {
			n++
		}
	}
	return n
}

func promptOf(rs []fakeanthropic.Recorded) string {
	var b strings.Builder
	for _, m := range rs[0].Body.Messages {
		b.Write(m.Content)
	}
	return b.String()
}

// A three-request thread: the second and third runs resume the first's session, see its turns,
// read them from the cache, and get only the comments written since; a lost session and
// "start over" start fresh with the whole thread, and say so.
func TestThreadRemembersItsSession(t *testing.T) {
	w := newSessionWorld(t, storetest.SQLite(t))
	r1, a1 := w.ask(t, 1, "bob: I see it too, mostly on Mondays.", "@claude why is checkout slow?")
	contains(t, "the first prompt", promptOf(r1), "mostly on Mondays", "eight seconds")
	if strings.Contains(a1, "Session:") {
		t.Errorf("the first run's footer speaks of a session:\n%s", a1)
	}

	r2, a2 := w.ask(t, 2, "bob: the profiler says the price service.", "@claude can you cache the prices?")
	p2 := promptOf(r2)
	contains(t, "the second run's messages", p2, "Answer 1: I read", "price service", "cache the prices", "This continues your earlier conversation")
	if strings.Count(p2, "mostly on Mondays") != 1 || earlierTurns(r2) != 1 {
		t.Errorf("the second run has %d earlier turns, and quotes the first comment %d times (want 1, 1)", earlierTurns(r2), strings.Count(p2, "mostly on Mondays"))
	}
	if _, cached := uncached(r2); cached == 0 {
		t.Errorf("the resumed run read nothing from the cache")
	}
	contains(t, "the second answer", a2, "Session: continued this thread's session (from job 1)")

	r3, a3 := w.ask(t, 3, "bob: prices change hourly.", "@claude then make the cache expire hourly")
	contains(t, "the third run's messages", promptOf(r3), "Answer 1: I read", "cache the prices", "expire hourly", "prices change hourly")
	if earlierTurns(r3) != 2 {
		t.Errorf("the third run has %d earlier turns, want 2", earlierTurns(r3))
	}
	contains(t, "the third answer", a3, "(from job 2)")

	// The session is lost (the database row is corrupt): a fresh run with the whole thread.
	if err := w.db.SaveSession(context.Background(), store.Session{JobID: 3, ThreadKey: w.request(w.issue, fakegitlab.Note{}, "").ThreadKey(),
		SessionID: "0a0b0c0d-0000-0000-0000-000000000000", Data: []byte("not gzip"), LastNoteID: 1, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	r4, a4 := w.ask(t, 4, "", "@claude summarise where we are")
	p4 := promptOf(r4)
	contains(t, "the fallback prompt", p4, "eight seconds", "mostly on Mondays", "price service", "prices change hourly")
	if earlierTurns(r4) != 0 || strings.Contains(p4, "This continues") {
		t.Errorf("the fallback run had %d earlier turns", earlierTurns(r4))
	}
	contains(t, "the fallback answer", a4, "Session: a fresh one with the whole thread: the earlier session (job 3) could not be resumed")

	// "start over": fresh, though job 4's session is fine.
	r5, a5 := w.ask(t, 5, "", "@claude start over: what would you do first?")
	if earlierTurns(r5) != 0 || !strings.Contains(promptOf(r5), "mostly on Mondays") {
		t.Errorf("start over did not start fresh with the whole thread: %d earlier turns", earlierTurns(r5))
	}
	contains(t, "the start-over answer", a5, "Session: a fresh one, as asked (start over)")

	// Too old: SESSION_MAX_AGE.
	w.r.Settings.SessionMaxAge = time.Nanosecond
	_, a6 := w.ask(t, 6, "", "@claude and now?")
	contains(t, "the too-old answer", a6, "older than 1ns (SESSION_MAX_AGE)")

	// A session that looks right but the CLI does not know ("No conversation found"): the run
	// ends before any turn and a fresh one follows.
	w.r.Settings.SessionMaxAge = 0
	id := "0a0b0c0d-0000-4000-8000-000000000006"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"type":"bogus","sessionId":"` + id + `"}` + "\n"))
	zw.Close()
	if err := w.db.SaveSession(context.Background(), store.Session{JobID: 6, ThreadKey: w.last.ThreadKey(), SessionID: id,
		Data: buf.Bytes(), LastNoteID: 1, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	r7, a7 := w.ask(t, 7, "", "@claude one more")
	if earlierTurns(r7) != 0 || !strings.Contains(promptOf(r7), "mostly on Mondays") {
		t.Errorf("after the CLI refused the session, the run was not fresh with the whole thread")
	}
	contains(t, "the refused-session answer", a7, "the earlier session (job 6) could not be resumed")
}

// A replica other than the first resumes the thread's session from PostgreSQL: its own
// workspaces and agent homes, the same database.
func TestAnotherReplicaResumesOnPostgres(t *testing.T) {
	tg := storetest.Postgres(t)
	w := newSessionWorld(t, tg)
	_, _ = w.ask(t, 1, "bob: it fails on Safari only.", "@claude why does login fail?")

	ws, err := workspace.New(workspace.Config{Dir: t.TempDir(), Token: func() string { return w.token }, Env: workspace.GitEnv(os.Environ())})
	if err != nil {
		t.Fatal(err)
	}
	// The second replica: the same GitLab and database, nothing else shared.
	other := &Runner{GitLab: w.r.GitLab, Workspaces: ws, Agent: w.r.Agent, Steps: w.r.Steps, Settings: w.r.Settings,
		Redactor: w.r.Redactor, Sessions: tg.Open(t)}
	other.Settings.AgentHomes = t.TempDir()
	w.r = other
	r2, a2 := w.ask(t, 2, "bob: Safari 17 only.", "@claude and how do we fix it?")
	contains(t, "the other replica's run", promptOf(r2), "Answer 1: I read", "Safari 17 only")
	if earlierTurns(r2) != 1 {
		t.Errorf("the other replica's run has %d earlier turns, want 1", earlierTurns(r2))
	}
	contains(t, "the other replica's answer", a2, "(from job 1)")

	// A crash after the run and its answer lost their records: the job runs again, resumes the
	// same earlier session (not its own), and edits the same note: nothing is posted twice.
	w.steps.forget(2, stepResult, stepAnswered)
	before := len(w.api.Requests())
	if err := w.handle(2, 2, 3, w.last); err != nil {
		t.Fatal(err)
	}
	var again []fakeanthropic.Recorded
	for _, rq := range w.api.Requests()[before:] {
		if rq.Body != nil && rq.Body.HasTools() {
			again = append(again, rq)
		}
	}
	if len(again) == 0 || earlierTurns(again) != 1 {
		t.Errorf("the resumed job did not continue job 1's session")
	}
	answers := 0
	for _, n := range w.g.Notes(w.proj.ID, fakegitlab.ThreadIssue, w.iid) {
		if n.AuthorID == w.bot.ID && marker.OfJob(n.Body, 2) {
			answers++
		}
	}
	if answers != 1 {
		t.Errorf("job 2 has %d notes after its crash-resume, want 1", answers)
	}
}

// BenchmarkThreadSession: the uncached input tokens the third request of a three-request thread
// sends to the model API, resumed (the thread's session, earlier turns read from the prompt
// cache) beside fresh (the whole thread in a new session), on the fake Messages API.
func BenchmarkThreadSession(b *testing.B) {
	tokens := map[string]int{}
	for _, mode := range []string{"fresh", "resumed"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				w := newSessionWorld(b, storetest.SQLite(b))
				if mode == "fresh" {
					w.r.Sessions = nil
				}
				w.ask(b, 1, "bob: I see it too, mostly on Mondays.", "@claude why is checkout slow?")
				w.ask(b, 2, "bob: the profiler says the price service.", "@claude can you cache the prices?")
				r3, _ := w.ask(b, 3, "bob: prices change hourly.", "@claude then make the cache expire hourly")
				in, cached := uncached(r3)
				tokens[mode] = in
				b.ReportMetric(float64(in), "uncached_tokens")
				b.ReportMetric(float64(cached), "cache_read_tokens")
			}
		})
	}
	if f, r := tokens["fresh"], tokens["resumed"]; f > 0 && r > 0 {
		b.Logf("third request: resumed sends %d uncached input tokens, fresh %d: %.0f%% fewer", r, f, 100*(1-float64(r)/float64(f)))
	}
}
