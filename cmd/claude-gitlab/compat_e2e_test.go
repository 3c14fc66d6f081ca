package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// The suites that matter, against the oldest supported GitLab and the latest
// (docs/compatibility.md).
var compatVersions = []string{fakegitlab.VersionLTS, fakegitlab.VersionLatest}

// blast sends n requests from one address (this process) over a few keep-alive connections and
// counts the answers by status.
func blast(t *testing.T, url string, n, conns int, req func(i int) *http.Request) map[int]int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}, Timeout: 30 * time.Second}
	var mu sync.Mutex
	codes := map[int]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				resp, err := client.Do(req(i))
				code := -1
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return codes
}

func webhookRequest(url, event, token string, body []byte) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, url+"/webhook", bytes.NewReader(body))
	r.Header.Set("X-Gitlab-Event", event)
	r.Header.Set("X-Gitlab-Token", token)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// metric reads one counter of the service's /metrics.
func metric(t *testing.T, s *service, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains(line, l)
		}
		if all {
			v, _ := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
			return v
		}
	}
	return 0
}

// GitLab delivers every project's hooks from a few addresses: 500 authenticated deliveries from
// one address are all accepted while a wrong-token flood from the same address is limited.
// Control: with the limit in front of authentication (the old order) 479 of the 500 got 429.
func TestAuthenticatedDeliveriesAreNeverLimited(t *testing.T) {
	w := newWorld(t, "ALLOWED_PROJECTS=elsewhere/only", "WEBHOOK_RATE_LIMIT=100", "LOG_LEVEL=info")
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Load", "", false)
	bodies := make([][]byte, 500)
	for i := range bodies {
		_, bodies[i] = w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, fmt.Sprintf("@claude question %d", i))
	}
	var good, bad map[int]int
	start := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() {
		good = blast(t, w.svc.url, 500, 16, func(i int) *http.Request {
			return webhookRequest(w.svc.url, "Note Hook", testSecret, bodies[i])
		})
	})
	wg.Go(func() {
		bad = blast(t, w.svc.url, 500, 4, func(i int) *http.Request {
			return webhookRequest(w.svc.url, "Note Hook", "not-the-secret", bodies[i])
		})
	})
	wg.Wait()
	t.Logf("1000 deliveries in %s: authenticated %v, wrong token %v", time.Since(start).Round(time.Millisecond), good, bad)
	if good[http.StatusAccepted] != 500 {
		t.Fatalf("authenticated deliveries: %v, want all 500 answered 202", good)
	}
	if bad[http.StatusTooManyRequests] == 0 || bad[http.StatusForbidden]+bad[http.StatusTooManyRequests] != 500 {
		t.Fatalf("wrong-token flood: %v, want 403 then 429 past the burst", bad)
	}
	if got := metric(t, w.svc, "claude_gitlab_webhooks_total", `outcome="rate_limited"`); got != float64(bad[http.StatusTooManyRequests]) {
		t.Errorf("rate_limited counter %v, 429 answers %d", got, bad[http.StatusTooManyRequests])
	}
}

// A flood of 100,000 wrong-token requests leaves a few log lines, and /metrics counts them all.
func TestWrongTokenFloodLeavesFewLogLines(t *testing.T) {
	g, token := testGitLab(t)
	s := startService(t, "GITLAB_URL="+g.URL(), "GITLAB_TOKEN="+token, "WEBHOOK_SECRET="+testSecret, "DATA_DIR="+t.TempDir())
	before := strings.Count(s.logs.String(), "\n")
	body := []byte(`{"object_kind":"note"}`)
	const n = 100_000
	codes := blast(t, s.url, n, 8, func(int) *http.Request { return webhookRequest(s.url, "Note Hook", "guess", body) })
	if codes[http.StatusForbidden]+codes[http.StatusTooManyRequests] != n {
		t.Fatalf("answers: %v", codes)
	}
	forbidden := metric(t, s, "claude_gitlab_webhooks_total", `outcome="forbidden"`)
	limited := metric(t, s, "claude_gitlab_webhooks_total", `outcome="rate_limited"`)
	lines := strings.Count(s.logs.String(), "\n") - before
	t.Logf("%d requests: %v; %d log lines (LOG_LEVEL=debug)", n, codes, lines)
	if forbidden+limited != n {
		t.Errorf("metrics count %v forbidden + %v rate_limited, want %d", forbidden, limited, n)
	}
	if lines > 300 {
		t.Fatalf("%d log lines for one source's flood, want a few:\n%s", lines, tail(s.logs.String(), 3000))
	}
}

// A signing token on a GitLab that does not sign (16.11; internal/doctor covers 19.0 with the flag off) leaves
// deliveries working and doctor warning; on the latest GitLab deliveries are signed, and an
// unsigned one is refused once a signed one was seen.
func TestSignedWebhooksAcrossVersions(t *testing.T) {
	const signing = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	for _, version := range compatVersions {
		t.Run(version, func(t *testing.T) {
			w := newWorldAt(t, fakegitlab.Options{Version: version}, "WEBHOOK_SIGNING_TOKEN="+signing)
			w.g.AddMember(w.proj.ID, w.bot.ID, fakegitlab.Maintainer)
			env := append(append([]string(nil), w.env...), "PUBLIC_URL="+w.svc.url)
			out, _ := runCLIAt(t, t.TempDir(), env, "setup", "--project", w.proj.Path) // its doctor fails on the fake CLI
			signs := version == fakegitlab.VersionLatest
			if !strings.Contains(out, "signing:") || strings.Contains(out, "does not sign") == signs {
				t.Fatalf("setup output:\n%s", out)
			}
			hooks := w.g.Hooks(w.proj.ID)
			ours := hooks[len(hooks)-1]
			if (ours.SigningToken != "") != signs {
				t.Fatalf("signing token on the hook %q", ours.SigningToken)
			}
			issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Q", "", false)
			ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude what is this?")
			got := w.g.Deliver(context.Background(), w.proj.ID, ev, body)
			last := got[len(got)-1]
			if last.ResponseStatus != "202" || (last.RequestHeaders["webhook-signature"] != "") != signs {
				t.Fatalf("delivery: %+v", last)
			}
			w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
			report, _ := runCLIAt(t, t.TempDir(), env, "doctor", "--project", w.proj.Path)
			if line := lineWith(report, "webhook signing"); (strings.Contains(line, "does not sign")) == signs {
				t.Fatalf("doctor:\n%s", report)
			}
			_, body = w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude and this?")
			code, _ := w.svc.post(ev, body, "X-Gitlab-Token", testSecret) // no signature
			if want := map[bool]int{true: http.StatusForbidden, false: http.StatusAccepted}[signs]; code != want {
				t.Fatalf("unsigned delivery after signed ones: %d, want %d", code, want)
			}
			if !signs {
				return
			}
			// What was seen is kept in the database: after a restart unsigned is still refused.
			w.svc.kill()
			w.svc = startService(t, append(append([]string(nil), w.env...), "LISTEN_ADDR="+strings.TrimPrefix(w.svc.url, "http://"))...)
			_, body = w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude and after a restart?")
			if code, _ := w.svc.post(ev, body, "X-Gitlab-Token", testSecret); code != http.StatusForbidden {
				t.Fatalf("unsigned delivery after a restart: %d, want 403", code)
			}
		})
	}
}

func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// Before Idempotency-Key (≈17.4), a resend carries new UUIDs only (the fake makes them anew, as
// GitLab does): the object key is what dedupes it, and must keep doing so.
func TestRetryWithoutIdempotencyKeyIsDedupedByObject(t *testing.T) {
	w := newWorldAt(t, fakegitlab.Options{Version: fakegitlab.VersionLTS})
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Q", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude why?")
	first := w.g.Deliver(context.Background(), w.proj.ID, ev, body)
	if len(first) != 1 || first[0].ResponseStatus != "202" || first[0].RequestHeaders["Idempotency-Key"] != "" {
		t.Fatalf("first delivery: %+v", first)
	}
	hook := w.g.Hooks(w.proj.ID)[0]
	again, err := w.g.Redeliver(context.Background(), w.proj.ID, hook.ID, first[0].ID)
	if err != nil || again.ResponseStatus != "200" || !strings.Contains(again.ResponseBody, "duplicate") ||
		again.RequestHeaders["X-Gitlab-Webhook-UUID"] == first[0].RequestHeaders["X-Gitlab-Webhook-UUID"] {
		t.Fatalf("resend: %+v %v", again, err)
	}
	w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	if n := len(w.botNotes(fakegitlab.ThreadIssue, ref(issue.IID))); n != 1 {
		t.Fatalf("%d bot notes, want one answer", n)
	}
}

// On 16.11, members/all does not list members of a group invited into the project: such a
// person gets a refusal that says so and names ALLOWED_USERS; on the latest GitLab they are
// answered.
func TestSharedGroupMemberAcrossVersions(t *testing.T) {
	for _, version := range compatVersions {
		t.Run(version, func(t *testing.T) {
			w := newWorldAt(t, fakegitlab.Options{Version: version})
			bob := w.g.AddUser("bob", "Bob", false)
			w.g.AddGroupMember("partners", bob.ID, fakegitlab.Developer)
			w.g.ShareProjectWithGroup(w.proj.ID, "partners", fakegitlab.Developer)
			issue := w.g.CreateIssue(w.proj.ID, bob.ID, "Q", "", false)
			ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, bob.ID, "@claude how does it work?")
			w.deliver(ev, body, http.StatusAccepted)
			notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
			last := notes[len(notes)-1].Body
			refused := strings.Contains(last, "only project members")
			if version == fakegitlab.VersionLTS {
				if !refused || !strings.Contains(last, "ALLOWED_USERS") || !strings.Contains(last, "17.0") {
					t.Fatalf("refusal on %s: %s", version, last)
				}
				return
			}
			if refused {
				t.Fatalf("a shared-group member refused on %s: %s", version, last)
			}
		})
	}
}

// Two rotate-token runs at once (two replicas, or a cron job and a replica) leave one valid
// token: the second is refused by the database lease, on SQLite and PostgreSQL. Control: the
// fake revokes the new token when the old one rotates again (TestRotatedTokenReuseRevokesTheNewOne).
func TestRotateTokenOneAtATime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, tg storetest.Target) {
		g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1, Version: fakegitlab.VersionLTS})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(g.Close)
		bot := g.AddUser("claude-bot", "Claude", true)
		oldToken := g.AddToken(bot.ID, []string{"api"}, time.Now().Add(90*24*time.Hour), "personal")
		env := []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + oldToken, "DATA_DIR=" + tg.DataDir}
		if tg.URL != "" {
			env = append(env, "DATABASE_URL="+tg.URL, "DATA_DIR="+t.TempDir())
		}
		type run struct {
			stdout, stderr string
			code           int
		}
		runs := make([]run, 2)
		var wg sync.WaitGroup
		for i := range runs {
			wg.Go(func() {
				cmd := exec.Command(binary(t), "rotate-token", "--print")
				cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
				cmd.Dir = t.TempDir()
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				err := cmd.Run()
				var ee *exec.ExitError
				code := 0
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				}
				runs[i] = run{out.String(), errb.String(), code}
			})
		}
		wg.Wait()
		var winner, loser run
		switch {
		case runs[0].code == 0 && runs[1].code != 0:
			winner, loser = runs[0], runs[1]
		case runs[1].code == 0 && runs[0].code != 0:
			winner, loser = runs[1], runs[0]
		default:
			t.Fatalf("want one success and one refusal: %+v", runs)
		}
		newToken := strings.TrimSpace(winner.stdout)
		if !strings.Contains(loser.stderr, "another rotation started") || !g.TokenActive(newToken) || g.TokenActive(oldToken) {
			t.Fatalf("loser: %q; new token active %v, old %v", loser.stderr, g.TokenActive(newToken), g.TokenActive(oldToken))
		}
		if n := g.ActiveTokens(bot.ID); n != 1 {
			t.Fatalf("%d active tokens, want 1", n)
		}
		// Minutes later, with the new token: still refused within the hold.
		cmd := exec.Command(binary(t), "rotate-token", "--print")
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, append(env, "GITLAB_TOKEN="+newToken)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "another rotation started") || !g.TokenActive(newToken) {
			t.Fatalf("a second rotation within the hold: %v\n%s", err, out)
		}
	})
}

// Below 16.10 GitLab has no self-rotation: rotate-token says so plainly and the token stays.
func TestRotateTokenRefusedBefore1610(t *testing.T) {
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1, Version: "16.9.3-ee"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	bot := g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(bot.ID, []string{"api"}, time.Now().Add(90*24*time.Hour), "personal")
	out := runCLIErr(t, []string{"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + token, "DATA_DIR=" + t.TempDir()}, "rotate-token", "--print")
	if !strings.Contains(out, "16.10") || !regexp.MustCompile(`GitLab 16\.9\.3-ee cannot rotate`).MatchString(out) || !g.TokenActive(token) {
		t.Fatalf("output:\n%s", out)
	}
}

// A failure in a child pipeline: the child's hook (source parent_pipeline) and the parent's
// (whose only failure is the bridge) make one run, which reads the child's failed job through the
// parent's bridge and gets its log. Control: keyed by its own id, the parent's hook made a second
// job; reading only …/jobs of the parent, the run had no log.
func TestChildPipelineFailureGetsOneRunWithTheChildsLog(t *testing.T) {
	for _, version := range compatVersions {
		t.Run(version, func(t *testing.T) {
			w := newWorldAt(t, fakegitlab.Options{Version: version}, "PIPELINE_FIX=true")
			w.g.EnablePipelineEvents(w.proj.ID)
			const branch = "claude/issue-2-child"
			w.g.CommitFiles(w.proj.ID, "main", branch, map[string]string{"calc.go": "package main\n"})
			mr := w.g.CreateMR(w.proj.ID, w.bot.ID, branch, "main", "Add calc", "Closes #2.")
			parentID, _, ev, childHook, parentHook := w.g.ChildPipelineEvents(w.proj.ID, branch, w.bot.ID, map[string]string{
				"child-tests": "--- FAIL: TestChild\nFAKE_CLAUDE write child_fix.go package main\n",
			})
			w.deliver(ev, childHook, http.StatusAccepted)
			w.deliver(ev, parentHook, http.StatusOK) // the same tree: a duplicate
			notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)
			head := w.g.BranchSHA(w.proj.ID, branch)
			if _, err := w.g.FileAt(w.proj.ID, head, "child_fix.go"); err != nil {
				t.Fatalf("the fix did not follow the child's log: %v\n%s", err, tail(w.svc.logs.String(), 3000))
			}
			fixes := 0
			for _, n := range notes {
				if strings.Contains(n.Body, "fix 1 of at most") {
					fixes++
				}
			}
			if fixes != 1 || !strings.Contains(notes[len(notes)-1].Body, fmt.Sprintf("Pipeline #%d failed", parentID)) {
				t.Fatalf("want one fix note naming pipeline %d: %+v", parentID, notes)
			}
		})
	}
}

// A Q&A job makes at most 7 GitLab API calls (GitLab.com limits GET /projects/:id to 400/min):
// the project is read once, and the settings file once per default-branch commit. The first
// job also learns the bot (GET /user) and the settings; the second is counted.
func TestQAJobAPICalls(t *testing.T) {
	for _, version := range compatVersions {
		t.Run(version, func(t *testing.T) {
			w := newWorldAt(t, fakegitlab.Options{Version: version})
			issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Question", "", false)
			var calls []fakegitlab.RequestRecord
			for i := range 2 {
				before := len(apiRequests(w.g))
				ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, fmt.Sprintf("@claude question %d", i))
				w.deliver(ev, body, http.StatusAccepted)
				w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), i+1)
				calls = apiRequests(w.g)[before:]
			}
			var lines []string
			projectReads := 0
			for _, c := range calls {
				lines = append(lines, c.Method+" "+c.Path+"?"+c.Query)
				if c.Method == http.MethodGet && c.Path == fmt.Sprintf("/api/v4/projects/%d", w.proj.ID) {
					projectReads++
				}
			}
			t.Logf("%d calls:\n%s", len(calls), strings.Join(lines, "\n"))
			if len(calls) > 7 || projectReads > 1 {
				t.Fatalf("%d API calls (%d project reads) for a Q&A job, want ≤ 7 and one", len(calls), projectReads)
			}
			// A new commit on the default branch: the settings file is read again, at that commit.
			w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{".claude-gitlab.yml": "max_turns: 5\n"})
			head := w.g.BranchSHA(w.proj.ID, "main")
			before := len(apiRequests(w.g))
			ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude question 3")
			w.deliver(ev, body, http.StatusAccepted)
			w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 3)
			read := false
			for _, c := range apiRequests(w.g)[before:] {
				read = read || strings.Contains(c.Path, "/repository/files/%2Eclaude-gitlab%2Eyml/raw") && strings.Contains(c.Query, head)
			}
			if !read {
				t.Fatalf("the settings file was not read at the new commit %s", head)
			}
		})
	}
}
