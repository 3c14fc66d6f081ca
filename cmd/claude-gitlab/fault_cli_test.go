package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The CLI crashing, hanging past CLAUDE_TIMEOUT, printing malformed JSON, or printing more than
// the output bound: each request gets a clear failure reply, the one worker is free for the
// next, and nothing the run wrote stays in a worktree. A 50 MB answer is answered, cut, over
// several notes, without the service's memory growing with it.
func TestFaultCLIFailuresEndInAReplyAndCleanUp(t *testing.T) {
	t.Parallel()
	// A generous CLAUDE_TIMEOUT: writing and reading 150 MB on a busy CI machine took more than
	// 10 s once. The hang gets its own service with a short limit (below).
	w := newWorld(t, "CLAUDE_TIMEOUT=120s", "WORKERS=1")
	hang := newWorld(t, "CLAUDE_TIMEOUT=3s", "WORKERS=1")
	hung := hang.issueNote("CLI hang", "@claude go\nFAKE_CLAUDE write stray-hang.txt \"x\"\nFAKE_CLAUDE hang")
	cases := []struct{ directive, want string }{
		{"crash", "stopped unexpectedly"},
		{"malformed", "stopped unexpectedly"},
		{"huge 150", "size limit"},
	}
	var iids []int64
	for i, c := range cases {
		iids = append(iids, w.issueNote("CLI "+c.directive, fmt.Sprintf("@claude go\nFAKE_CLAUDE write stray-%d.txt \"x\"\nFAKE_CLAUDE %s", i, c.directive)))
	}
	big := w.issueNote("Big answer", "@claude tell me everything\nFAKE_CLAUDE hugeanswer 50")
	after := w.issueNote("After", "@claude still there?")
	for i, c := range cases {
		notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(iids[i]), 1)
		if len(notes) != 1 || !contains(notes[0].Body, "could not finish", c.want, "What to do") {
			t.Fatalf("%s: bot notes %+v", c.directive, notes)
		}
	}
	if notes := hang.waitAnswers(fakegitlab.ThreadIssue, ref(hung), 1); len(notes) != 1 || !contains(notes[0].Body, "could not finish", "time limit", "What to do") {
		t.Fatalf("hang: bot notes %+v", notes)
	}
	if stray := hang.strayFiles("stray-hang.txt"); len(stray) > 0 {
		t.Fatalf("files of the hung run left in worktrees: %v", stray)
	}
	parts := w.waitAnswers(fakegitlab.ThreadIssue, ref(big), 1)
	w.waitFor("every part of the big answer", 30*time.Second, func() bool { return len(w.botNotes(fakegitlab.ThreadIssue, ref(big))) >= 5 })
	parts = w.botNotes(fakegitlab.ThreadIssue, ref(big))
	if len(parts) != 5 || !contains(parts[0].Body, "All work and no play", "too long and has been cut", "continued below") {
		t.Fatalf("big answer: %d notes; first: %.300s", len(parts), parts[0].Body)
	}
	total := 0
	for _, p := range parts {
		if len(p.Body) >= 1_000_000 {
			t.Fatalf("a part of %d chars, over GitLab's limit", len(p.Body))
		}
		total += len(p.Body)
	}
	w.exactlyOneAnswer(after)
	if stray := w.strayFiles("stray-0.txt", "stray-1.txt", "stray-2.txt"); len(stray) > 0 {
		t.Fatalf("files of failed runs left in worktrees: %v", stray)
	}
	t.Logf("FIGURE CLI faults: crash, hang (CLAUDE_TIMEOUT=3s), malformed, 150 MB output → failure replies; 50 MB answer → %d notes, %d MB posted, cut with a note; service peak RSS %s",
		len(parts), total>>20, peakRSS(w.svc.cmd.Process.Pid))
}

// peakRSS is a process's peak resident memory, from /proc.
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// 401 on every GitLab call: the service stays up, /ready says why, the log says what to do once,
// and the job waits with backoff instead of spinning.
func TestFault401OnEveryCallIsReportedWithoutACrashLoop(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.g.InjectFault(fakegitlab.Fault{PathPattern: `^/api/v4/`, Status: 401, Times: -1})
	w.restart()
	iid := w.issueNote("Anyone?", "@claude hello")
	// Between the job's first failed attempt and its second, the service backs off (5 s): the
	// second attempt comes no sooner, and GitLab hears little from it in between.
	attempts := func() int {
		var jobs []struct{ Errors []string }
		if json.Unmarshal([]byte(runCLI(t, w.env, "jobs", "list", "--json")), &jobs) != nil || len(jobs) != 1 {
			return 0
		}
		return len(jobs[0].Errors)
	}
	w.waitFor("the job's first failed attempt", 30*time.Second, func() bool { return attempts() >= 1 })
	first, before := time.Now(), len(w.g.Requests())
	w.waitFor("the job's second attempt", 30*time.Second, func() bool { return attempts() >= 2 })
	backoff, calls := time.Since(first), len(w.g.Requests())-before
	if backoff < 3*time.Second {
		t.Fatalf("the second attempt came %s after the first: not backing off", backoff.Round(time.Millisecond))
	}
	if w.svc.cmd.ProcessState != nil {
		t.Fatalf("the service exited:\n%s", w.svc.logs)
	}
	resp, err := http.Get(w.svc.url + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ready map[string]string
	json.Unmarshal(body, &ready)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(ready["gitlab"], "401") {
		t.Fatalf("/ready: %d %s", resp.StatusCode, body)
	}
	logs := w.svc.logs.String()
	if !strings.Contains(logs, "GITLAB_TOKEN") {
		t.Fatalf("the log does not say what to do:\n%s", logs)
	}
	if calls > 25 {
		t.Fatalf("%d GitLab calls in the %s between two attempts with a dead token: spinning", calls, backoff.Round(time.Millisecond))
	}
	var jobs []struct {
		State  string
		Errors []string
	}
	if err := json.Unmarshal([]byte(runCLI(t, w.env, "jobs", "list", "--json")), &jobs); err != nil || len(jobs) != 1 {
		t.Fatalf("jobs: %+v %v", jobs, err)
	}
	// Backing off (5 s, then 20 s): two failed attempts, and still to be retried.
	if s := jobs[0].State; (s != "waiting" && s != "queued") || len(jobs[0].Errors) > 2 {
		t.Fatalf("the job is %s after %d failed attempts, want backing off", s, len(jobs[0].Errors))
	}
	if n := len(w.botNotes(fakegitlab.ThreadIssue, ref(iid))); n != 0 {
		t.Fatalf("%d notes posted with a refused token?", n)
	}
	t.Logf("FIGURE 401 on every call: process up, /ready 503 %q, %d GitLab calls in the %s between attempts, job %s after %d attempts",
		ready["gitlab"], calls, backoff.Round(time.Millisecond), jobs[0].State, len(jobs[0].Errors))
}
