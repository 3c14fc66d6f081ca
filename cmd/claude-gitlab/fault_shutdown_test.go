package main

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// SIGTERM while a job runs: the job finishes within SHUTDOWN_TIMEOUT, and every webhook sent
// during the drain is accepted (202) and answered after the next start.
func TestFaultSigtermFinishesRunningJobAndKeepsTakingWebhooks(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "SHUTDOWN_TIMEOUT=60s", "WORKERS=1")
	running := w.issueNote("Slow", "@claude take your time\nFAKE_CLAUDE sleep 3")
	w.waitFor("the agent to start", 20*time.Second, func() bool { return w.agentStarted(w.jobOf(running)) })

	done := make(chan error, 1)
	go func() { done <- w.svc.sigterm() }()
	var (
		mu       sync.Mutex
		statuses []int
		during   []int64
	)
	stop := time.After(2 * time.Second) // well inside the drain: the job still sleeps
	spread := time.NewTicker(100 * time.Millisecond)
	defer spread.Stop()
	for sending := true; sending; {
		issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "during the drain", "", false)
		ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude sent during the drain")
		got := w.g.Deliver(t.Context(), w.proj.ID, ev, body)
		mu.Lock()
		for _, d := range got {
			statuses = append(statuses, atoi(d.ResponseStatus))
		}
		during = append(during, issue.IID)
		mu.Unlock()
		select {
		case <-stop:
			sending = false
		case <-spread.C:
		}
	}
	for i, s := range statuses {
		if s != http.StatusAccepted {
			t.Fatalf("webhook %d during the drain got %d, want 202", i, s)
		}
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not stop after its running job finished")
	}
	// Finished before the process ended: the answer is there without a restart.
	w.exactlyOneAnswer(running)
	t.Logf("FIGURE SIGTERM with a job running: %d webhooks during the drain, all 202; the running job answered before exit", len(statuses))

	w.svc = startService(t, append(append([]string(nil), w.env...), "LISTEN_ADDR="+strings.TrimPrefix(w.svc.url, "http://"))...)
	for _, iid := range during {
		w.exactlyOneAnswer(iid)
	}
}

// SIGTERM with a run longer than SHUTDOWN_TIMEOUT: the run is cancelled, the process stops on
// time, and the job resumes at the next start and answers once.
func TestFaultSigtermPastTheTimeoutResumesAtNextStart(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "SHUTDOWN_TIMEOUT=1s")
	iid := w.issueNote("Slow", "@claude take your time\nFAKE_CLAUDE sleep 4")
	w.waitFor("the agent to start", 20*time.Second, func() bool { return w.agentStarted(w.jobOf(iid)) })
	start := time.Now()
	w.svc.sigterm()
	stopped := time.Since(start)
	if stopped > 10*time.Second {
		t.Fatalf("stopping took %s with SHUTDOWN_TIMEOUT=1s", stopped)
	}
	if notes := w.botNotes(fakegitlab.ThreadIssue, ref(iid)); len(notes) != 1 || finished(notes[0]) {
		t.Fatalf("before the restart: %+v", notes)
	}
	w.svc = startService(t, append(append([]string(nil), w.env...), "LISTEN_ADDR="+strings.TrimPrefix(w.svc.url, "http://"))...)
	restarted := time.Now()
	w.exactlyOneAnswer(iid)
	t.Logf("FIGURE SIGTERM past SHUTDOWN_TIMEOUT=1s: stopped in %.1fs; answered %.1fs after the next start (the 4 s run again)",
		stopped.Seconds(), time.Since(restarted).Seconds())
	if !bytes.Contains([]byte(w.svc.logs.String()), []byte("job: answered")) {
		t.Fatal("the answer did not come from the restarted service")
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
