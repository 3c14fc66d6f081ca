package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

func TestMain(m *testing.M) {
	mcptools.RunHelperIfAsked() // a real CLI started by a test reaches the GitLab tools through this binary
	agenttest.Main(m)
}

// world is a fake GitLab with a project, a bot, a developer (alice), a webhook pointing at a
// running claude-gitlab with the fake Claude CLI: the whole product, end to end.
type world struct {
	t        *testing.T
	g        *fakegitlab.GitLab
	botToken string
	bot      fakegitlab.User
	alice    fakegitlab.User
	proj     fakegitlab.Project
	svc      *service
	env      []string
}

var sampleFiles = map[string]string{
	"README.md":       "# Demo service\n\nA small HTTP service.\n",
	"main.go":         "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
	"handler/user.go": "package handler\n\n// User returns a user.\nfunc User(id string) string { return \"user \" + id }\n",
}

// realTestKey is the Anthropic key the service holds in tests: the agent must never see it.
const realTestKey = "sk-fake-anthropic-key-for-tests"

func newWorld(t *testing.T, env ...string) *world {
	t.Helper()
	return newWorldAt(t, fakegitlab.Options{}, env...)
}

// newWorldAt is newWorld against a fake GitLab of another version or tier.
func newWorldAt(t *testing.T, opts fakegitlab.Options, env ...string) *world {
	t.Helper()
	opts.RateLimitPerMinute = -1
	g, err := fakegitlab.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	w := &world{t: t, g: g}
	w.bot = g.AddUser("claude-bot", "Claude", true)
	w.botToken = g.AddToken(w.bot.ID, []string{"api", "read_repository", "write_repository"}, time.Now().Add(90*24*time.Hour), "project")
	w.alice = g.AddUser("alice", "Alice", false)
	w.proj = g.AddProject("acme/demo", "main", sampleFiles)
	g.AddMember(w.proj.ID, w.bot.ID, fakegitlab.Developer)
	g.AddMember(w.proj.ID, w.alice.ID, fakegitlab.Developer)
	w.env = append([]string{
		"GITLAB_URL=" + g.URL(), "GITLAB_TOKEN=" + w.botToken, "WEBHOOK_SECRET=" + testSecret,
		"DATA_DIR=" + t.TempDir(), "CLAUDE_PATH=" + agenttest.BuildFakeClaude(t),
		"ANTHROPIC_API_KEY=" + realTestKey,
	}, env...)
	w.svc = startService(t, w.env...)
	w.addHook()
	return w
}

// addHook registers the service's webhook on the project.
func (w *world) addHook() { w.g.AddHook(w.proj.ID, w.svc.url+"/webhook", testSecret) }

// deliver sends a webhook through the fake's hooks and checks the service's answer.
func (w *world) deliver(event string, payload []byte, wantStatus int) {
	w.t.Helper()
	got := w.g.Deliver(context.Background(), w.proj.ID, event, payload)
	if len(got) != 1 || got[0].ResponseStatus != strconv.Itoa(wantStatus) {
		w.t.Fatalf("delivery of %s: %+v, want status %d\n%s", event, got, wantStatus, w.svc.logs)
	}
}

// botNotes are the bot's notes in a thread.
func (w *world) botNotes(kind fakegitlab.ThreadType, ref string) []fakegitlab.Note {
	var out []fakegitlab.Note
	for _, n := range w.g.Notes(w.proj.ID, kind, ref) {
		if n.AuthorID == w.bot.ID {
			out = append(out, n)
		}
	}
	return out
}

// finished says whether a note is a final answer or failure, not a progress note.
func finished(n fakegitlab.Note) bool {
	return strings.Contains(n.Body, "turns ·") || strings.Contains(n.Body, "could not finish") || strings.Contains(n.Body, "only project members")
}

// waitAnswers waits until the thread has n finished bot notes and returns the bot's notes.
func (w *world) waitAnswers(kind fakegitlab.ThreadType, ref string, n int) []fakegitlab.Note {
	w.t.Helper()
	var notes []fakegitlab.Note
	if waitfor.Within(45*time.Second, func() bool {
		notes = w.botNotes(kind, ref)
		done := 0
		for _, note := range notes {
			if finished(note) {
				done++
			}
		}
		return done >= n
	}) {
		return notes
	}
	w.t.Fatalf("no %d answers in %s %s; bot notes: %+v\nlogs:\n%s", n, kind, ref, w.botNotes(kind, ref), w.svc.logs)
	return nil
}

func ref(iid int64) string { return strconv.FormatInt(iid, 10) }
