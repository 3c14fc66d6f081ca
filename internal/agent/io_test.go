package agent

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestLineReader(t *testing.T) {
	in := "one\n\n" + strings.Repeat("x", 40) + "\nthree\nlast"
	lr := newLineReader(strings.NewReader(in), 1000)
	lr.maxLine = 10
	type got struct {
		line      string
		oversized bool
	}
	var lines []got
	for {
		l, over, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, got{string(l), over})
	}
	want := []got{{"one", false}, {"", false}, {"xxxxxxxxxx", true}, {"three", false}, {"last", false}} // an oversized line: its first maxLine bytes
	if len(lines) != len(want) {
		t.Fatalf("lines = %+v, want %+v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}
}

// A line longer than bufio's buffer is still read whole when under the bound.
func TestLineReaderLongLine(t *testing.T) {
	long := strings.Repeat("y", 200<<10)
	lr := newLineReader(strings.NewReader(long+"\nend\n"), 1<<20)
	l, over, err := lr.next()
	if err != nil || over || string(l) != long {
		t.Fatalf("long line: len=%d over=%v err=%v", len(l), over, err)
	}
}

func TestLineReaderTotalBound(t *testing.T) {
	lr := newLineReader(strings.NewReader(strings.Repeat("abcdefghi\n", 100)), 55)
	n := 0
	for {
		_, _, err := lr.next()
		if errors.Is(err, errOutputLimit) {
			break
		}
		if err != nil {
			t.Fatalf("err = %v, want errOutputLimit", err)
		}
		n++
	}
	if n != 5 {
		t.Errorf("read %d lines before the bound, want 5", n)
	}
}

func TestTailBuffer(t *testing.T) {
	tb := newTailBuffer(8)
	for _, s := range []string{"hello ", "world ", "and more", "!"} {
		tb.Write([]byte(s))
	}
	if got := tb.String(); got != "nd more!" {
		t.Errorf("tail = %q", got)
	}
	tb.Write([]byte(strings.Repeat("z", 20) + "12345678"))
	if got := tb.String(); got != "12345678" {
		t.Errorf("tail after a big write = %q", got)
	}
}

func TestBuildArgs(t *testing.T) {
	cfg := Config{Model: "claude-x", MaxTurns: 7, MaxBudgetUSD: 0.5, AllowedTools: []string{"Bash(git log *)", "Edit"}}
	args, err := buildArgs(cfg, Request{Prompt: "secret prompt", AppendSystemPrompt: "be brief"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, "|")
	want := "-p|--output-format|stream-json|--verbose|--permission-mode|acceptEdits|--setting-sources|user|" +
		"--strict-mcp-config|--model|claude-x|--max-turns|7|--max-budget-usd|0.5|--append-system-prompt|be brief|" +
		"--allowedTools|Bash(git log *)|Edit"
	if got != want {
		t.Errorf("args =\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(got, "secret prompt") {
		t.Error("the prompt must go on stdin, not argv")
	}
	if _, err := buildArgs(Config{AllowedTools: []string{"--dangerously-skip-permissions"}}, Request{}); err == nil {
		t.Error("a tool that looks like a flag must be refused")
	}
}

func TestBuildEnv(t *testing.T) {
	env := buildEnv("/opt/claude/bin/claude", Config{Env: []string{"ANTHROPIC_API_KEY=k"}}, "/h")
	want := []string{"PATH=/usr/local/bin:/usr/bin:/bin:/opt/claude/bin", "HOME=/h", "CLAUDE_CONFIG_DIR=/h/.claude",
		"TMPDIR=/h/tmp", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_AUTOUPDATER=1", "LANG=C.UTF-8", "ANTHROPIC_API_KEY=k"}
	if strings.Join(env, "\n") != strings.Join(want, "\n") {
		t.Errorf("env =\n%s\nwant\n%s", strings.Join(env, "\n"), strings.Join(want, "\n"))
	}
	if env := buildEnv("/usr/bin/claude", Config{}, "/h"); env[0] != "PATH="+basePath {
		t.Errorf("PATH repeats a system dir: %s", env[0])
	}
}

func TestCheckEnv(t *testing.T) {
	if err := checkEnv([]string{"ANTHROPIC_API_KEY=sk-1", "CLAUDE_CODE_MAX_RETRIES=0"}); err != nil {
		t.Errorf("allowed names refused: %v", err)
	}
	err := checkEnv([]string{"GITLAB_TOKEN=fakepat-secret-value"})
	if err == nil || !strings.Contains(err.Error(), "GITLAB_TOKEN") || strings.Contains(err.Error(), "glpat") {
		t.Errorf("checkEnv = %v, want an error naming GITLAB_TOKEN without its value", err)
	}
	if err := checkEnv([]string{"NOEQUALS"}); err == nil {
		t.Error("an entry without = must be refused")
	}
}

func TestCredentialEnv(t *testing.T) {
	vars := map[string]string{"ANTHROPIC_API_KEY": "sk-1", "GITLAB_TOKEN": "fakepat-x", "ANTHROPIC_MODEL": ""}
	got := CredentialEnv(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if strings.Join(got, ",") != "ANTHROPIC_API_KEY=sk-1" {
		t.Errorf("CredentialEnv = %v", got)
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor([]string{"ANTHROPIC_API_KEY=sk-ant-verysecret", "ANTHROPIC_BASE_URL=https://gw.example/k-123",
		"CLAUDE_CODE_OAUTH_TOKEN=short", "ANTHROPIC_MODEL=claude-sonnet-4-5"})
	got := r.str("key sk-ant-verysecret at https://gw.example/k-123 short claude-sonnet-4-5")
	if got != "key [REDACTED] at [REDACTED] short claude-sonnet-4-5" {
		t.Errorf("redacted = %q", got)
	}
}
