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
	iid := w.issueNote("Slow", "@claude take your time\nFAKE_CLAUDE sleep 10")
	w.waitFor("the agent to start", 20*time.Second, func() bool { return w.agentStarted(w.jobOf(iid)) })
	id := fmt.Sprint(w.jobOf(iid))
	// The command returns once the job has stopped, and says so: no "running (attempt 1 of 5)".
	asked := time.Now()
	out := runCLI(t, w.env, "jobs", "cancel", id)
	took := time.Since(asked)
	if !strings.HasPrefix(out, "Job "+id+": cancelled") {
		t.Fatalf("jobs cancel:\n%s", out)
	}
	if n := w.botNotes(fakegitlab.ThreadIssue, ref(iid)); len(n) != 1 || !strings.Contains(n[0].Body, "operator cancelled") {
		t.Fatalf("when jobs cancel returns the thread should say so: %+v", n)
	}
	runCLI(t, w.env, "jobs", "retry", id)
	w.waitFor("the retried job's answer", 45*time.Second, func() bool {
		n := w.botNotes(fakegitlab.ThreadIssue, ref(iid))
		return len(n) == 1 && strings.Contains(n[0].Body, "turns ·")
	})
	answer := w.exactlyOneAnswer(iid)
	if strings.Contains(answer.Body, "cancelled") {
		t.Fatalf("retried job's note:\n%s", answer.Body)
	}
	t.Logf("FIGURE jobs cancel on a running job → stopped and said so in the thread when the command returns (%s); jobs retry → answered in the same note", took.Round(10*time.Millisecond))
}
