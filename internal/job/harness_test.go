package job

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// harness is a Runner against the fake GitLab and a real workspace manager, with an agent played
// by a Go function and steps kept in memory: the job's steps without a queue or a process.
type harness struct {
	t     testing.TB
	token string // the bot's
	g     *fakegitlab.GitLab
	r     *Runner
	steps *memSteps
	proj  fakegitlab.Project
	bot   fakegitlab.User
	alice fakegitlab.User
}

func newHarness(t testing.TB, agentFn AgentFunc) *harness {
	t.Helper()
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	h := &harness{t: t, g: g, steps: &memSteps{m: map[int64]map[string]string{}}}
	h.bot = g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(h.bot.ID, []string{"api", "write_repository"}, time.Now().Add(24*time.Hour), "project")
	h.alice = g.AddUser("alice", "Alice", false)
	h.proj = g.AddProject("acme/demo", "main", map[string]string{"README.md": "# demo\n"})
	g.AddMember(h.proj.ID, h.bot.ID, fakegitlab.Developer)
	g.AddMember(h.proj.ID, h.alice.ID, fakegitlab.Developer)
	tok := func() string { return token }
	h.token = token
	gl, err := gitlab.New(gitlab.Config{BaseURL: g.URL(), Token: tok, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.New(workspace.Config{Dir: t.TempDir(), Token: tok, Env: workspace.GitEnv(os.Environ())})
	if err != nil {
		t.Fatal(err)
	}
	h.r = &Runner{GitLab: gl, Workspaces: ws, Agent: agentFn, Steps: h.steps, Redactor: redact.New(token),
		Settings: Settings{MinAccessLevel: 30, BranchPrefix: "claude/", UseMR: true, AgentHomes: t.TempDir()}}
	return h
}

// request is alice's note on a new issue.
func (h *harness) request(title, text string) trigger.Request {
	is := h.g.CreateIssue(h.proj.ID, h.alice.ID, title, "", false)
	n := h.g.AddNote(h.proj.ID, fakegitlab.ThreadIssue, strconv.FormatInt(is.IID, 10), h.alice.ID, text)
	return trigger.Request{Reason: trigger.ReasonMention, Text: text, NoteID: n.ID, DiscussionID: n.DiscussionID,
		Project: event.Project{ID: h.proj.ID, Path: h.proj.Path},
		Thread:  event.Thread{Type: event.ThreadIssue, IID: is.IID, Title: title},
		Author:  event.User{ID: h.alice.ID, Username: "alice"}}
}

func (h *harness) handle(id int64, attempt, maxAttempts int, req trigger.Request) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return h.r.Handle(ctx, queue.Job{ID: id, Attempt: attempt, MaxAttempts: maxAttempts, Request: req})
}

func (h *harness) botNotes(req trigger.Request) []fakegitlab.Note {
	var out []fakegitlab.Note
	for _, n := range h.g.Notes(h.proj.ID, fakegitlab.ThreadIssue, strconv.FormatInt(req.Thread.IID, 10)) {
		if n.AuthorID == h.bot.ID {
			out = append(out, n)
		}
	}
	return out
}

// writes is an agent that writes files in its worktree and answers text.
func writes(text string, files map[string]string) AgentFunc {
	return func(_ context.Context, _ agent.Config, req agent.Request, _ func(agent.Progress)) (agent.Result, error) {
		for name, content := range files {
			if err := os.WriteFile(req.Dir+"/"+name, []byte(content), 0o644); err != nil {
				return agent.Result{}, err
			}
		}
		return agent.Result{Text: text, NumTurns: 1}, nil
	}
}

type memSteps struct {
	mu sync.Mutex
	m  map[int64]map[string]string
}

func (s *memSteps) Steps(_ context.Context, id int64) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.m[id] {
		out[k] = v
	}
	return out, nil
}

func (s *memSteps) SaveStep(_ context.Context, id int64, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[id] == nil {
		s.m[id] = map[string]string{}
	}
	s.m[id][name] = value
	return nil
}

func (s *memSteps) DeleteStep(_ context.Context, id int64, name string) error {
	s.forget(id, name)
	return nil
}

// forget deletes steps, as if the process died before recording them.
func (s *memSteps) forget(id int64, names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		delete(s.m[id], n)
	}
}

func (s *memSteps) get(id int64, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id][name]
}

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, body)
		}
	}
}

type (
	agentConfig  = agent.Config
	agentRequest = agent.Request
	agentResult  = agent.Result
	progressFn   = func(agent.Progress)
)
