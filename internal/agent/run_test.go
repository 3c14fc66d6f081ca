package agent_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
)

func TestMain(m *testing.M) { agenttest.Main(m) }

const fakeKey = "sk-fake-key-0123456789"

// fakeRun is one run of the fake CLI in a fresh worktree.
type fakeRun struct {
	dir    string
	res    agent.Result
	err    error
	events []agent.Progress
}

func runFake(t *testing.T, prompt string, tune func(*agent.Config, *agent.Request)) fakeRun {
	t.Helper()
	cfg := agent.Config{Path: agenttest.BuildFakeClaude(t), Model: "claude-test", MaxTurns: 5,
		Timeout: 20 * time.Second, Env: []string{"ANTHROPIC_API_KEY=" + fakeKey}}
	req := agent.Request{Dir: t.TempDir(), Home: t.TempDir(), Prompt: prompt}
	if tune != nil {
		tune(&cfg, &req)
	}
	r := fakeRun{dir: req.Dir}
	r.res, r.err = agent.Run(context.Background(), cfg, req, func(p agent.Progress) { r.events = append(r.events, p) })
	return r
}

func (r fakeRun) find(kind agent.ProgressKind) []agent.Progress {
	var out []agent.Progress
	for _, e := range r.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func TestRunAnswer(t *testing.T) {
	r := runFake(t, "How does auth work?\nFAKE_CLAUDE answer It uses \"tokens\".", nil)
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	if r.res.Text != `It uses "tokens".` || r.res.NumTurns != 1 || r.res.ExitCode != 0 || r.res.SessionID == "" ||
		r.res.CostUSD <= 0 || r.res.IsError || r.res.Subtype != "success" {
		t.Errorf("result = %+v", r.res)
	}
	if init := r.find(agent.KindInit); len(init) != 1 || init[0].Model != "claude-test" || init[0].Version == "" {
		t.Errorf("init progress = %+v", init)
	}
}

func TestRunWritesAndEditsFiles(t *testing.T) {
	prompt := "FAKE_CLAUDE write notes/todo.md \"one\\ntwo\\n\"\nFAKE_CLAUDE edit notes/todo.md two three\n" +
		"FAKE_CLAUDE answer done"
	r := runFake(t, prompt, nil)
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	data, err := os.ReadFile(filepath.Join(r.dir, "notes", "todo.md"))
	if err != nil || string(data) != "one\nthree\n" {
		t.Fatalf("notes/todo.md = %q, %v", data, err)
	}
	uses := r.find(agent.KindToolUse)
	if len(uses) != 2 || uses[0].Tool != "Write" || uses[0].Summary != "notes/todo.md" || uses[1].Tool != "Edit" {
		t.Errorf("tool_use progress = %+v", uses)
	}
	if results := r.find(agent.KindToolResult); len(results) != 2 || results[1].Tool != "Edit" || results[1].IsError {
		t.Errorf("tool_result progress = %+v", results)
	}
	if r.res.NumTurns != 3 || r.res.Text != "done" {
		t.Errorf("result = %+v", r.res)
	}
}

func TestRunCrash(t *testing.T) {
	r := runFake(t, "FAKE_CLAUDE crash 2", nil)
	if !errors.Is(r.err, agent.ErrCrashed) {
		t.Fatalf("err = %v, want ErrCrashed", r.err)
	}
	if r.res.ExitCode != 2 || !strings.Contains(r.res.StderrTail, "segmentation fault") {
		t.Errorf("result = %+v", r.res)
	}
	if !strings.Contains(r.err.Error(), "exit code 2") || !strings.Contains(r.err.Error(), "segmentation fault") {
		t.Errorf("the error should say the exit code and the stderr tail: %v", r.err)
	}
}

func TestRunMalformed(t *testing.T) {
	r := runFake(t, "FAKE_CLAUDE malformed", nil)
	if !errors.Is(r.err, agent.ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", r.err)
	}
}

// A few stray lines are skipped when a result still comes.
func TestRunToleratesSomeGarbage(t *testing.T) {
	r := runFake(t, "FAKE_CLAUDE garbage 3\nFAKE_CLAUDE answer fine", nil)
	if r.err != nil || r.res.Text != "fine" {
		t.Fatalf("Run = %+v, %v", r.res, r.err)
	}
}

func TestRunResultErrors(t *testing.T) {
	tests := []struct {
		directive string
		want      error
	}{
		{"max-turns", agent.ErrMaxTurns},
		{"budget", agent.ErrBudget},
		{"api-error 529", agent.ErrAPI},
		{"not-logged-in", agent.ErrNotLoggedIn},
		{"during-execution", agent.ErrCrashed},
		{"exit 3", agent.ErrCrashed}, // a success result, then a non-zero exit
	}
	for _, tt := range tests {
		t.Run(tt.directive, func(t *testing.T) {
			r := runFake(t, "FAKE_CLAUDE "+tt.directive, nil)
			if !errors.Is(r.err, tt.want) {
				t.Fatalf("err = %v, want %v", r.err, tt.want)
			}
			if r.res.SessionID == "" || r.res.NumTurns == 0 {
				t.Errorf("the result should be filled even with an error: %+v", r.res)
			}
		})
	}
}

func TestRunAPIErrorReportsRetries(t *testing.T) {
	r := runFake(t, "FAKE_CLAUDE api-error 529", nil)
	if retries := r.find(agent.KindAPIRetry); len(retries) != 1 || retries[0].ErrorStatus != 529 {
		t.Errorf("api_retry progress = %+v", retries)
	}
	if r.res.APIErrorStatus != 529 || r.res.Subtype != "success" || !r.res.IsError {
		t.Errorf("result = %+v", r.res)
	}
}

// A denied tool is no error, but the caller must see it.
func TestRunPermissionDenial(t *testing.T) {
	r := runFake(t, "FAKE_CLAUDE deny Bash rm -rf build\nFAKE_CLAUDE answer I could not clean up.", nil)
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	if d := r.res.PermissionDenials; len(d) != 1 || d[0].Tool != "Bash" || d[0].Summary != "rm -rf build" {
		t.Errorf("denials = %+v", d)
	}
	if len(r.find(agent.KindDenied)) != 1 {
		t.Errorf("no denied progress in %+v", r.events)
	}
}

func TestRunArgs(t *testing.T) {
	r := runFake(t, "private question\nFAKE_CLAUDE args", func(c *agent.Config, q *agent.Request) {
		c.AllowedTools = []string{"Bash(git diff *)", "Edit"}
		c.MaxBudgetUSD = 1.5
		q.AppendSystemPrompt = "Answer in English."
	})
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	args := "\n" + r.res.Text + "\n"
	for _, want := range []string{"\n-p\n", "\n--verbose\n", "\n--model\nclaude-test\n", "\n--max-turns\n5\n",
		"\n--permission-mode\nacceptEdits\n", "\n--max-budget-usd\n1.5\n",
		"\n--append-system-prompt\nAnswer in English.\n", "\n--allowedTools\nBash(git diff *)\nEdit\n"} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q:\n%s", want, r.res.Text)
		}
	}
	if strings.Contains(args, "private question") {
		t.Error("the prompt must not be in argv")
	}
}

// The result is complete: a CLI that does not exit after it is stopped, and the answer kept.
func TestRunStopsACLIThatLingersAfterItsResult(t *testing.T) {
	defer agent.SetTimings(time.Second, 200*time.Millisecond)()
	start := time.Now()
	r := runFake(t, "FAKE_CLAUDE answer all done\nFAKE_CLAUDE linger", nil)
	if r.err != nil || r.res.Text != "all done" {
		t.Fatalf("Run = %+v, %v", r.res, r.err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	r := runFake(t, "hi", func(c *agent.Config, q *agent.Request) { c.Env = append(c.Env, "GITLAB_TOKEN=fakepat-x") })
	if r.err == nil || !strings.Contains(r.err.Error(), "GITLAB_TOKEN") {
		t.Errorf("err = %v, want a refusal naming GITLAB_TOKEN", r.err)
	}
	r = runFake(t, "hi", func(c *agent.Config, q *agent.Request) { q.Dir = filepath.Join(q.Dir, "missing") })
	if r.err == nil {
		t.Error("a missing worktree must be an error")
	}
	r = runFake(t, "hi", func(c *agent.Config, q *agent.Request) { c.Path = "/nonexistent/claude" })
	if r.err == nil || !strings.Contains(r.err.Error(), "CLAUDE_PATH") {
		t.Errorf("err = %v, want a hint at CLAUDE_PATH", r.err)
	}
}

// Without a Home, Run makes a temporary one and removes it.
func TestRunTemporaryHome(t *testing.T) {
	r := runFake(t, "FAKE_CLAUDE env", func(c *agent.Config, q *agent.Request) { q.Home = "" })
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	home := envOf(r.res.Text)["HOME"]
	if home == "" {
		t.Fatalf("no HOME in %s", r.res.Text)
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("temporary HOME %s left behind (%v)", home, err)
	}
}

func TestRunCancel(t *testing.T) {
	cfg := agent.Config{Path: agenttest.BuildFakeClaude(t), Timeout: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err := agent.Run(ctx, cfg, agent.Request{Dir: t.TempDir(), Prompt: "FAKE_CLAUDE hang"}, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, agent.ErrTimeout) {
		t.Fatalf("err = %v, want context.Canceled and not ErrTimeout", err)
	}
}
