package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// apiCall sends a request to the service's API with headers (name, value, …).
func (w *world) apiCall(method, path string, body any, headers ...string) (int, map[string]any) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, w.svc.url+path, rd)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// Requests from pipelines through the binary: a Developer's CI job token queues a request that
// is answered in the issue and can be waited for; a Reporter's is refused; a bad or expired
// token gets 401 after one call to GitLab and nothing else.
func TestPipelineRequestsWithJobTokens(t *testing.T) {
	w := newWorld(t)
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Weekly", "", false)
	ci := w.g.StartCIJob(w.proj.ID, w.alice.ID)
	status, out := w.apiCall(http.MethodPost, "/api/v1/requests",
		map[string]any{"issue": issue.IID, "prompt": "What does main.go do?"}, "JOB-TOKEN", ci.Token)
	if status != http.StatusAccepted || out["job"] == nil || out["token"] == "" {
		t.Fatalf("a Developer's request: %d %v\n%s", status, out, w.svc.logs)
	}
	job := int64(out["job"].(float64))
	linkToken := out["token"].(string)
	// The pipeline waits through GET with its job token.
	path := fmt.Sprintf("/api/v1/requests/%d", job)
	var state map[string]any
	w.waitFor("the request to be done", 45*time.Second, func() bool {
		_, state = w.apiCall(http.MethodGet, path, nil, "JOB-TOKEN", ci.Token)
		return state["done"] == true
	})
	if state["state"] != "answered" || !strings.HasPrefix(fmt.Sprint(state["outcome"]), "answered") {
		t.Fatalf("state when done: %v", state)
	}
	answer := w.exactlyOneAnswer(issue.IID)
	if !strings.Contains(answer.Body, "turns ·") {
		t.Fatalf("answer: %s", answer.Body)
	}
	// The same POST again (a retried pipeline step) is the same request.
	status, again := w.apiCall(http.MethodPost, "/api/v1/requests",
		map[string]any{"issue": issue.IID, "prompt": "What does main.go do?"}, "JOB-TOKEN", ci.Token)
	if status != http.StatusOK || again["job"] != out["job"] {
		t.Fatalf("the same request again: %d %v", status, again)
	}
	// After the CI job ended its token is refused; the request's own token still reads it.
	w.g.FinishCIJob(ci.ID)
	if status, _ := w.apiCall(http.MethodGet, path, nil, "JOB-TOKEN", ci.Token); status != http.StatusUnauthorized {
		t.Fatalf("GET with a finished job's token: %d", status)
	}
	if status, st := w.apiCall(http.MethodGet, path+"?t="+linkToken, nil); status != http.StatusOK || st["done"] != true {
		t.Fatalf("GET with the request's token: %d %v", status, st)
	}
	if status, _ := w.apiCall(http.MethodGet, path, nil); status != http.StatusUnauthorized {
		t.Fatalf("GET without a token: %d", status)
	}

	// A Reporter's pipeline is refused, and nothing is written in the thread.
	rita := w.g.AddUser("rita", "Rita", false)
	w.g.AddMember(w.proj.ID, rita.ID, fakegitlab.Reporter)
	other := w.g.CreateIssue(w.proj.ID, rita.ID, "Other", "", false)
	ritaJob := w.g.StartCIJob(w.proj.ID, rita.ID)
	status, out = w.apiCall(http.MethodPost, "/api/v1/requests",
		map[string]any{"issue": other.IID, "prompt": "Rewrite main.go"}, "JOB-TOKEN", ritaJob.Token)
	if status != http.StatusForbidden || !strings.Contains(fmt.Sprint(out["error"]), "access level 20") {
		t.Fatalf("a Reporter's request: %d %v", status, out)
	}
	if n := len(w.botNotes(fakegitlab.ThreadIssue, ref(other.IID))); n != 0 {
		t.Fatalf("the bot wrote %d notes after a refused request", n)
	}

	// A bad token: 401 after exactly one call to GitLab (GET /job), and nothing else.
	before := len(w.g.Requests())
	status, _ = w.apiCall(http.MethodPost, "/api/v1/requests",
		map[string]any{"issue": other.IID, "prompt": "x"}, "JOB-TOKEN", "not-a-job-token")
	after := w.g.Requests()[before:]
	if status != http.StatusUnauthorized || len(after) != 1 || after[0].Path != "/api/v4/job" {
		t.Fatalf("bad token: %d, GitLab calls %+v", status, after)
	}
	if status, _ = w.apiCall(http.MethodPost, "/api/v1/requests", map[string]any{"issue": other.IID, "prompt": "x"}); status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", status)
	}
	// Control for the 401: a valid token with the same body gets past it (403: Rita is a Reporter).
	if status, _ = w.apiCall(http.MethodPost, "/api/v1/requests",
		map[string]any{"issue": other.IID, "prompt": "x"}, "JOB-TOKEN", ritaJob.Token); status != http.StatusForbidden {
		t.Fatalf("control: %d", status)
	}
	// A bad body is 400.
	if status, out = w.apiCall(http.MethodPost, "/api/v1/requests",
		map[string]any{"issue": other.IID, "merge_request": 1, "prompt": "x"}, "JOB-TOKEN", ritaJob.Token); status != http.StatusBadRequest {
		t.Fatalf("two threads: %d %v", status, out)
	}
}

// A nightly pipeline opens a new issue for its request.
func TestPipelineRequestOpensANewIssue(t *testing.T) {
	w := newWorld(t)
	ci := w.g.StartCIJob(w.proj.ID, w.alice.ID)
	status, out := w.apiCall(http.MethodPost, "/api/v1/requests",
		map[string]any{"new_issue": map[string]string{"title": "Nightly: flaky tests"}, "prompt": "What does handler/user.go return?"},
		"JOB-TOKEN", ci.Token)
	if status != http.StatusAccepted {
		t.Fatalf("new issue request: %d %v", status, out)
	}
	answer := w.exactlyOneAnswer(1)
	if !strings.Contains(answer.Body, "turns ·") {
		t.Fatalf("answer in the new issue: %s", answer.Body)
	}
}

// `claude-gitlab ask` with the service's own settings: queued, answered in the issue, --wait
// prints the outcome; a Reporter named with --as is refused and nothing is queued.
func TestAskFromAShell(t *testing.T) {
	w := newWorld(t)
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Question", "", false)
	out := runCLI(t, w.env, "ask", "--project", w.proj.Path, "--issue", ref(issue.IID), "--as", "alice", "--wait", "What does main.go do?")
	if !strings.Contains(out, "queued as job") || !strings.Contains(out, ": answered") {
		t.Fatalf("ask --wait:\n%s", out)
	}
	w.exactlyOneAnswer(issue.IID)

	rita := w.g.AddUser("rita", "Rita", false)
	w.g.AddMember(w.proj.ID, rita.ID, fakegitlab.Reporter)
	out = runCLIErr(t, w.env, "ask", "--project", w.proj.Path, "--issue", ref(issue.IID), "--as", "rita", "Rewrite main.go")
	if !strings.Contains(out, "not allowed") || strings.Contains(out, "queued") {
		t.Fatalf("ask as a Reporter:\n%s", out)
	}
	if out := runCLIErr(t, w.env, "ask", "--project", w.proj.Path, "--as", "alice", "no thread"); !strings.Contains(out, "exactly one of") {
		t.Fatalf("ask without a thread:\n%s", out)
	}
}
