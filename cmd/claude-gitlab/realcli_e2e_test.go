package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The whole product with the real Claude Code CLI (the pinned npm package), pointed at a fake
// Messages API on 127.0.0.1 that asks for a Write and then answers: the real stream is parsed, the
// file lands in a commit on a new branch, and the final text is the reply. The CLI runs in its
// own network and reaches the fake only through the service's proxy, which puts the real key in
// and counts the cost the footer shows.
func TestRealClaudeCLIEndToEnd(t *testing.T) {
	needOwnNetwork(t) // a bwrap-confined run (the default); skipped without bubblewrap outside CI
	if testing.Short() {
		t.Skip("installs the real CLI with npm")
	}
	cli := agenttest.InstallRealCLI(t)
	api := fakeanthropic.Start(fakeanthropic.WriteThenAnswer("NOTES.md", "# Notes\n\nWritten by the real CLI.\n", "I added NOTES.md."))
	defer api.Close()
	// A model whose list price is published, to compare the proxy's count with the CLI's.
	w := newWorld(t, "CLAUDE_PATH="+cli, "ANTHROPIC_BASE_URL="+api.URL, "CLAUDE_CODE_MAX_RETRIES=0", "CLAUDE_MODEL=claude-sonnet-4-5",
		"ADMIN_TOKEN="+realCLIAdmin)
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Notes", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude please add a NOTES.md")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	if !strings.Contains(notes[0].Body, "I added NOTES.md.") || !strings.Contains(notes[0].Body, "turns ·") {
		t.Fatalf("answer:\n%s\nlogs:\n%s", notes[0].Body, w.svc.logs)
	}
	mrs := w.g.MergeRequests(w.proj.ID)
	if len(mrs) != 1 {
		t.Fatalf("MRs: %+v", mrs)
	}
	if file, err := w.g.FileAt(w.proj.ID, mrs[0].SHA, "NOTES.md"); err != nil || !strings.Contains(file, "Written by the real CLI.") {
		t.Fatalf("NOTES.md: %q %v", file, err)
	}
	if len(api.Requests()) == 0 {
		t.Fatal("the real CLI never called the fake Messages API")
	}
	var want float64 // what the proxy must have counted: the fake's usage at the model's price
	for _, r := range api.Requests() {
		seen := fmt.Sprintf("%v %+v", r.Header, r.Body)
		if strings.Contains(seen, w.botToken) || strings.Contains(seen, testSecret) {
			t.Fatal("a GitLab secret reached the Anthropic API")
		}
		if got := r.Header.Get("X-Api-Key"); got != realTestKey {
			t.Fatalf("the API got X-Api-Key %q: the proxy did not put the real key in", got)
		}
		if r.Body != nil && r.Path == "/v1/messages" {
			want += egress.Cost(r.Body.Model, egress.Usage{InputTokens: 100, OutputTokens: 20})
		}
	}
	// The footer's cost is the proxy's count, and the CLI's own figure agrees with it.
	finished := logRecord(t, w.svc.logs.String(), "job: agent finished")
	proxy, cliCost := finished["cost_usd"].(float64), finished["cli_cost_usd"].(float64)
	t.Logf("proxy $%.6f, CLI $%.6f, expected $%.6f over %v requests", proxy, cliCost, want, finished["model_requests"])
	if math.Abs(proxy-want) > 1e-9 || math.Abs(cliCost-proxy) > 1e-6 || want == 0 {
		t.Fatalf("cost: proxy $%f, CLI $%f, want $%f", proxy, cliCost, want)
	}
	if footer := fmt.Sprintf("$%.4f", proxy); !strings.Contains(notes[0].Body, "turns · "+footer) {
		t.Fatalf("the footer does not show the proxy's %s:\n%s", footer, notes[0].Body)
	}
	// Each model request is a line of the job's transcript: model, tokens, cost, time; no content.
	var lines []string
	w.waitFor("the transcript's model lines", 10*time.Second, func() bool {
		lines = modelLines(t, w, 1)
		return len(lines) >= int(finished["model_requests"].(float64))
	})
	if len(lines) != int(finished["model_requests"].(float64)) {
		t.Fatalf("transcript model lines %q, want %v", lines, finished["model_requests"])
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "Model request claude-sonnet-4-5: 100 tokens in, 20 out, $0.0006, ") || strings.Contains(l, "NOTES") {
			t.Fatalf("transcript line %q", l)
		}
	}
}

const realCLIAdmin = "operator-token-for-the-real-cli-test"

// modelLines are the "model" lines of a job's transcript, read from its event stream.
func modelLines(t *testing.T, w *world, job int) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/jobs/%d/events", w.svc.url, job), nil)
	req.Header.Set("Authorization", "Bearer "+realCLIAdmin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body) // the job is over: the stream ends after the stored lines
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		var e struct{ Kind, Text string }
		if raw, ok := strings.CutPrefix(line, "data: "); ok && json.Unmarshal([]byte(raw), &e) == nil && e.Kind == "model" {
			out = append(out, e.Text)
		}
	}
	return out
}

// logRecord is the first JSON log record with msg.
func logRecord(t *testing.T, logs, msg string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			return rec
		}
	}
	t.Fatalf("no log record %q in:\n%s", msg, logs)
	return nil
}

// The project's daily budget holds during a run: once the run's requests cost what was left,
// the proxy refuses the next one, and the reply says why. The real CLI, asked by the model for
// a tool on every turn, would otherwise go on to its turn limit.
func TestDailyBudgetStopsTheRealCLIMidRun(t *testing.T) {
	needOwnNetwork(t) // the budget is held at the model proxy of a bwrap-confined run
	if testing.Short() {
		t.Skip("installs the real CLI with npm")
	}
	cli := agenttest.InstallRealCLI(t)
	api := fakeanthropic.Start(fakeanthropic.ToolForever("Glob", map[string]string{"pattern": "*.go"}))
	defer api.Close()
	w := newWorld(t, "CLAUDE_PATH="+cli, "ANTHROPIC_BASE_URL="+api.URL, "CLAUDE_CODE_MAX_RETRIES=0", "CLAUDE_MODEL=claude-sonnet-4-5",
		"PROJECT_DAILY_BUDGET_USD=0.001") // $0.0006 a request: the third is refused
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Look", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID, "@claude look at every Go file")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	t.Logf("reply:\n%s", notes[0].Body)
	if !strings.Contains(notes[0].Body, "daily budget") || !strings.Contains(notes[0].Body, "PROJECT_DAILY_BUDGET_USD") {
		t.Fatalf("reply:\n%s\nlogs:\n%s", notes[0].Body, w.svc.logs)
	}
	var messages int
	for _, r := range api.Requests() {
		if r.Path == "/v1/messages" && r.Body != nil && r.Body.HasTools() {
			messages++
		}
	}
	if messages != 2 {
		t.Fatalf("the API got %d turns, want 2 (the third refused)", messages)
	}
}
