package jobpage

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

const admin = "operator-token-0123456789"

// jobs is River as the pages see it: a few rows.
type jobs map[int64]queue.Info

func (j jobs) Get(_ context.Context, id int64) (queue.Info, error) {
	if in, ok := j[id]; ok {
		return in, nil
	}
	return queue.Info{}, errors.New("not found")
}

func (j jobs) List(context.Context, int, ...jobstate.Status) ([]queue.Info, error) {
	var out []queue.Info
	for _, in := range j {
		out = append(out, in)
	}
	return out, nil
}

type site struct {
	srv    *httptest.Server
	j      *journal.Journal
	signer *Signer
	jobs   jobs
}

func newSite(t *testing.T) *site {
	t.Helper()
	db, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	j := journal.New(db, nil)
	t.Cleanup(j.Close)
	s := &site{j: j, signer: NewSigner([]byte("0123456789abcdef0123456789abcdef")), jobs: jobs{}}
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	mux := http.NewServeMux()
	for p, h := range Routes(Config{Journal: j, Jobs: s.jobs, Signer: s.signer, AdminToken: admin, Done: done}) {
		mux.Handle(p, h)
	}
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) addJob(id int64, title string, confidential bool, state string) {
	req := trigger.Request{Project: event.Project{ID: 1, Path: "acme/demo"}, Author: event.User{Username: "alice"},
		Thread: event.Thread{Type: event.ThreadIssue, IID: 4, Title: title, Confidential: confidential},
		Text:   "@claude fix <b>it</b>", URL: "https://gitlab.example.com/acme/demo/-/issues/4#note_1"}
	s.jobs[id] = queue.Info{ID: id, State: state, Attempt: 1, MaxAttempts: 5, CreatedAt: time.Now(), Request: req}
	s.j.Begin(context.Background(), id, req)
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestJobPageNeedsItsTokenAndEscapes(t *testing.T) {
	s := newSite(t)
	s.addJob(1, `<script>alert("x")</script>`, false, "completed")
	s.j.Record(context.Background(), 1, journal.KindText, "<img src=x onerror=alert(1)>")
	s.j.Record(context.Background(), 1, journal.KindDiff, "diff --git a/x b/x\n+added\n-removed\n")
	s.j.Finish(context.Background(), 1, "answered")
	s.j.Flush()
	c := http.DefaultClient
	page := s.srv.URL + "/jobs/1?t=" + s.signer.JobToken(1)

	code, body := get(t, c, page)
	if code != 200 {
		t.Fatalf("GET with the token: %d\n%s", code, body)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>it</b>"} {
		if strings.Contains(body, bad) {
			t.Fatalf("page holds unescaped %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert", "@alice", "answered", `class="add">&#43;added`, "gitlab.example.com/acme/demo/-/issues/4"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q\n%s", want, body)
		}
	}
	if strings.Contains(body, "data-events") {
		t.Error("a finished job needs no live stream")
	}
	for _, u := range []string{s.srv.URL + "/jobs/1", s.srv.URL + "/jobs/1?t=wrong", s.srv.URL + "/jobs/2?t=" + s.signer.JobToken(1)} {
		if code, _ := get(t, c, u); code != http.StatusForbidden {
			t.Errorf("GET %s: %d, want 403", u, code)
		}
	}
	if code, _ := get(t, c, s.srv.URL+"/jobs/99?t="+s.signer.JobToken(99)); code != http.StatusNotFound {
		t.Errorf("unknown job with a valid token: %d", code)
	}
	resp, _ := c.Get(page)
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers: %v", resp.Header)
	}
}

func TestConfidentialJobOnlyForTheOperator(t *testing.T) {
	s := newSite(t)
	s.addJob(3, "secret plans", true, "running")
	if code, _ := get(t, http.DefaultClient, s.srv.URL+"/jobs/3?t="+s.signer.JobToken(3)); code != http.StatusForbidden {
		t.Fatalf("confidential job with its token: %d, want 403", code)
	}
	if got := s.signer.Link("https://claude.example.com/", 3, true); got != "https://claude.example.com/jobs/3" {
		t.Fatalf("confidential link carries a token: %s", got)
	}
	req, _ := http.NewRequest("GET", s.srv.URL+"/jobs/3", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("operator: %d", resp.StatusCode)
	}
}

func TestListNeedsTheOperatorAndFilters(t *testing.T) {
	s := newSite(t)
	s.addJob(1, "one", false, "completed")
	s.addJob(2, "two", false, "running")
	s.j.AddRun(context.Background(), 1, 0.0123, 2, time.Second)
	s.j.Finish(context.Background(), 1, "failed: boom")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if code, body := get(t, c, s.srv.URL+"/jobs"); code != 200 || !strings.Contains(body, "Operator sign-in") {
		t.Fatalf("list without sign-in: %d\n%s", code, body)
	}
	resp, err := c.PostForm(s.srv.URL+"/jobs/login", url.Values{"token": {"nope"}, "next": {"/jobs"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong operator token: %d", resp.StatusCode)
	}
	resp, err = c.PostForm(s.srv.URL+"/jobs/login", url.Values{"token": {admin}, "next": {"//evil.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/jobs" {
		t.Fatalf("after sign-in at %s", resp.Request.URL)
	}
	code, body := get(t, c, s.srv.URL+"/jobs")
	if code != 200 || !strings.Contains(body, `href="/jobs/1"`) || !strings.Contains(body, `href="/jobs/2"`) || !strings.Contains(body, "$0.0123") {
		t.Fatalf("list: %d\n%s", code, body)
	}
	if _, body := get(t, c, s.srv.URL+"/jobs?state=running"); strings.Contains(body, `href="/jobs/1"`) || !strings.Contains(body, `href="/jobs/2"`) {
		t.Fatalf("state filter:\n%s", body)
	}
	if _, body := get(t, c, s.srv.URL+"/jobs?project=other/x"); !strings.Contains(body, `id="none"`) {
		t.Fatalf("project filter:\n%s", body)
	}
	// The cookie also opens job pages without their token.
	if code, _ := get(t, c, s.srv.URL+"/jobs/1"); code != 200 {
		t.Fatalf("operator's cookie on a job page: %d", code)
	}
}

// The stream replays stored lines after ?after=, then sends new ones live, then "end".
func TestEventsStreamReplaysThenFollows(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.addJob(5, "t", false, "running")
	s.j.Record(ctx, 5, journal.KindText, "first")
	s.j.Record(ctx, 5, journal.KindText, "second")
	s.j.Flush()
	resp, err := http.Get(s.srv.URL + "/jobs/5/events?after=1&t=" + s.signer.JobToken(5))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "data:") || strings.HasPrefix(l, "event:") {
				lines <- l
			}
		}
		close(lines)
	}()
	want := func(sub string) {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("stream ended before %q", sub)
				}
				if strings.Contains(l, `"first"`) {
					t.Fatal("a line before ?after= was sent")
				}
				if strings.Contains(l, sub) {
					return
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no %q within 5s", sub)
			}
		}
	}
	want(`"text":"second"`)
	s.j.Record(ctx, 5, journal.KindTool, "Read <main.go>")
	want(`"text":"Read \u003cmain.go\u003e"`)
	s.j.Finish(ctx, 5, "answered")
	want("event: end")
}
