package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// `jobs cancel ID` on a running job ends it with a reply saying so; `jobs retry ID` runs it again
// and the same note becomes the answer: still one bot note in the thread.
func TestFaultJobsCancelAndRetry(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	iid := w.issueNote("Slow", "@claude take your time\nFAKE_CLAUDE sleep 4")
	w.waitFor("the agent to start", 20*time.Second, func() bool { return w.agentStarted(w.jobOf(iid)) })
	id := fmt.Sprint(w.jobOf(iid))
	runCLI(t, w.env, "jobs", "cancel", id)
	w.waitFor("the cancel reply", 15*time.Second, func() bool {
		n := w.botNotes(fakegitlab.ThreadIssue, ref(iid))
		return len(n) == 1 && strings.Contains(n[0].Body, "operator cancelled")
	})
	w.waitFor("the job to be cancelled", 10*time.Second, func() bool {
		return strings.Contains(runCLI(t, w.env, "jobs", "show", id), "cancelled")
	})
	runCLI(t, w.env, "jobs", "retry", id)
	w.waitFor("the retried job's answer", 30*time.Second, func() bool {
		n := w.botNotes(fakegitlab.ThreadIssue, ref(iid))
		return len(n) == 1 && strings.Contains(n[0].Body, "turns ·")
	})
	answer := w.exactlyOneAnswer(iid)
	if strings.Contains(answer.Body, "cancelled") {
		t.Fatalf("retried job's note:\n%s", answer.Body)
	}
	t.Logf("FIGURE jobs cancel on a running job → reply in the thread; jobs retry → answered in the same note")
}
