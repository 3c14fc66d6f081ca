package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// The first run of the day spends the project's budget (the fake CLI reports $0.0006 a turn);
// the next request gets a reply instead of a run. The cost shows in /metrics and `jobs list`.
func TestDailyBudgetRefusesOnceSpent(t *testing.T) {
	w := newWorld(t, "PROJECT_DAILY_BUDGET_USD=0.0005")
	first := w.g.CreateIssue(w.proj.ID, w.alice.ID, "First", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, first.IID, w.alice.ID, "@claude hello")
	w.deliver(ev, body, http.StatusAccepted)
	w.waitAnswers(fakegitlab.ThreadIssue, ref(first.IID), 1)

	second := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Second", "", false)
	ev, body = w.g.IssueNoteEvent(w.proj.ID, second.IID, w.alice.ID, "@claude hello again")
	w.deliver(ev, body, http.StatusAccepted)
	var reply string
	waitfor.Within(30*time.Second, func() bool {
		for _, n := range w.botNotes(fakegitlab.ThreadIssue, ref(second.IID)) {
			reply = n.Body
		}
		return reply != ""
	})
	if !strings.Contains(reply, "daily budget") || !strings.Contains(reply, "($0.0006 of $0.0005 today, PROJECT_DAILY_BUDGET_USD)") {
		t.Fatalf("reply to the second request:\n%s\n%s", reply, w.svc.logs)
	}
	w.waitDrained() // a run, had it started, would post more
	if notes := w.botNotes(fakegitlab.ThreadIssue, ref(second.IID)); len(notes) != 1 || strings.Contains(reply, "fake answer") {
		t.Fatalf("the second request ran anyway:\n%s", reply)
	}

	resp, err := http.Get(w.svc.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`claude_gitlab_agent_cost_usd_total{project="acme/demo"} 0.0006`, `claude_gitlab_agent_turns_total{project="acme/demo"} 1`, `claude_gitlab_agent_seconds_total{project="acme/demo"}`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if out := runCLI(t, w.env, "jobs", "list"); !strings.Contains(out, "COST") || !strings.Contains(out, "$0.0006") {
		t.Errorf("jobs list:\n%s", out)
	}
}
