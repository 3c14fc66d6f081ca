package jobpage

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// A job's page offers its Claude session to whoever can see the job; the one-line command,
// run in a fresh checkout with a fresh HOME, fetches it with the job's token and resumes it in
// the real CLI, which sends the model the earlier turns.
func TestTakeTheSessionHome(t *testing.T) {
	if testing.Short() {
		t.Skip("the real Claude CLI test installs ~370 MB once; skipped with -short")
	}
	cli := agenttest.InstallRealCLI(t)
	api := fakeanthropic.Start(func(req *fakeanthropic.MessagesRequest, n int) fakeanthropic.Reply {
		return fakeanthropic.Text("Turn " + strings.Repeat("I", n) + " of the conversation.")
	})
	t.Cleanup(api.Close)
	env := []string{"ANTHROPIC_API_KEY=sk-fake-home", "ANTHROPIC_BASE_URL=" + api.URL, "CLAUDE_CODE_MAX_RETRIES=0"}

	// The job's run in the service, and the session it left.
	home, dir := t.TempDir(), t.TempDir()
	res, err := agent.Run(context.Background(), agent.Config{Path: cli, MaxTurns: 2, Timeout: time.Minute, Env: env},
		agent.Request{Dir: dir, Home: home, Prompt: "Why is checkout slow?"}, nil)
	if err != nil || res.SessionID == "" {
		t.Fatalf("the job's run: %v %+v", err, res)
	}
	data, err := agent.SaveSession(home, res.SessionID, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, id := range []int64{5, 6} { // 6 is in a confidential thread
		if err := db.SaveSession(context.Background(), store.Session{JobID: id, ThreadKey: "1/issue/4", SessionID: res.SessionID,
			Data: data, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

	j := journal.New(db, nil)
	t.Cleanup(j.Close)
	signer := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	js := jobs{}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	for p, h := range Routes(Config{Journal: j, Jobs: js, Signer: signer, AdminToken: admin, PublicURL: srv.URL, Done: done, Sessions: db}) {
		mux.Handle(p, h)
	}
	for id, confidential := range map[int64]bool{5: false, 6: true, 7: false} {
		req := trigger.Request{Project: event.Project{ID: 1, Path: "acme/demo"}, Author: event.User{Username: "alice"},
			Thread: event.Thread{Type: event.ThreadIssue, IID: 4, Title: "Checkout", Confidential: confidential}, Text: "@claude why?"}
		js[id] = queue.Info{ID: id, State: "completed", Attempt: 1, MaxAttempts: 5, CreatedAt: time.Now(), Request: req}
		j.Begin(context.Background(), id, req)
	}

	c := http.DefaultClient
	code, page := get(t, c, srv.URL+"/jobs/5?t="+signer.JobToken(5))
	if code != 200 || !strings.Contains(page, "Continue in your terminal") {
		t.Fatalf("the page offers no session: %d", code)
	}
	m := regexp.MustCompile(`(?s)<pre class="request" id="take-home">(.*?)</pre>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no command on the page")
	}
	command := html.UnescapeString(m[1])
	if !strings.Contains(command, "claude --resume "+res.SessionID) || !strings.Contains(command, "t="+signer.JobToken(5)) {
		t.Fatalf("command = %s", command)
	}
	// The session is the job's: its token, not another job's, and never a confidential job's.
	for u, want := range map[string]int{
		"/jobs/5/session":                         http.StatusForbidden,
		"/jobs/5/session?t=" + signer.JobToken(7): http.StatusForbidden,
		"/jobs/6/session?t=" + signer.JobToken(6): http.StatusForbidden,
		"/jobs/7/session?t=" + signer.JobToken(7): http.StatusNotFound, // no session
		"/jobs/5/session?t=" + signer.JobToken(5): http.StatusOK,
	} {
		if code, _ := get(t, c, srv.URL+u); code != want {
			t.Errorf("GET %s: %d, want %d", u, code, want)
		}
	}
	if _, p6 := get(t, c, srv.URL+"/jobs/6?t="+signer.JobToken(6)); strings.Contains(p6, "take-home") {
		t.Errorf("a confidential job's page offered its session")
	}

	// At home: another machine's checkout and HOME; `claude` is the real CLI, headless here.
	userHome, checkout, bin := t.TempDir(), t.TempDir(), t.TempDir()
	shim := "#!/bin/sh\nexec " + cli + " -p --output-format stream-json --verbose \"$@\" <<'EOF'\nAnd what next?\nEOF\n"
	if err := os.WriteFile(filepath.Join(bin, "claude"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	before := len(api.Requests())
	cmd := exec.Command("sh", "-c", command)
	cmd.Dir = checkout
	cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + userHome, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"}, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the command failed: %v\n%s", err, out)
	}
	resumed := false
	for _, rq := range api.Requests()[before:] {
		if rq.Body == nil || !rq.Body.HasTools() {
			continue
		}
		for _, msg := range rq.Body.Messages {
			resumed = resumed || msg.Role == "assistant" && strings.Contains(string(msg.Content), "of the conversation")
		}
	}
	if !resumed {
		t.Errorf("the CLI at home did not continue the session:\n%s", out)
	}
}

func TestTakeHomeCommandQuotes(t *testing.T) {
	got := TakeHomeCommand("https://bot.example.com/jobs/5/session?t=abc", "0a0b0c0d-1111", "claude/it's-$(x)")
	if !strings.HasPrefix(got, `git fetch -q origin 'claude/it'\''s-$(x)' && git checkout -q 'claude/it'\''s-$(x)' && `) ||
		!strings.Contains(got, `curl -fsS 'https://bot.example.com/jobs/5/session?t=abc' | gunzip > "$d/0a0b0c0d-1111.jsonl" && claude --resume 0a0b0c0d-1111`) {
		t.Errorf("command = %s", got)
	}
}
