package main

import (
	"net/http"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
)

// onlyGit is a PATH with git and nothing else: a fresh machine without bubblewrap.
func onlyGit(t *testing.T) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(git, filepath.Join(dir, "git")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// With a credential and the CLI but no sandbox, the demo says so in one line and runs the real
// CLI (here the fake one) on its own sample repository.
func TestDemoRunsTheCLIUnconfinedWhereNoSandboxWorks(t *testing.T) {
	out := runCLI(t, []string{"PATH=" + onlyGit(t), "CLAUDE_PATH=" + agenttest.BuildFakeClaude(t),
		"ANTHROPIC_API_KEY=sk-fake-anthropic-key-for-tests", "AGENT_USER=no-such-user-i14"}, "demo")
	if n := strings.Count(out, "No sandbox works here"); n != 1 || !strings.Contains(out, "bwrap is not installed") {
		t.Fatalf("want one line saying no sandbox works and why:\n%s", out)
	}
	if !strings.Contains(out, "Using the real Claude Code CLI") || strings.Count(out, "turns ·") != 3 || strings.Contains(out, "could not finish") {
		t.Fatalf("want the real CLI's three answers:\n%s", out)
	}
}

// A GITLAB_TOKEN exported for glab, without the service's other settings: one line saying the
// demo was skipped and what to do, not "WEBHOOK_SECRET is not set".
func TestExportedTokenSaysWhyTheDemoWasSkipped(t *testing.T) {
	out := runCLIErr(t, []string{"GITLAB_TOKEN=token-of-glab-for-tests"})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(out, "the demo was skipped because GITLAB_TOKEN is set in your environment") ||
		!strings.Contains(out, "demo`") || !strings.Contains(out, "WEBHOOK_SECRET") {
		t.Fatalf("want one line saying why and what to do:\n%s", out)
	}
}

// The README's first command on a fresh machine with Go and git only (no bubblewrap on PATH): no
// token, no credential → the demo, with the scripted stand-in, and its three threads answered;
// the job links lead to the demo itself, not to a PUBLIC_URL set for the real service.
func TestDefaultCommandRunsTheDemo(t *testing.T) {
	out := runCLI(t, []string{"PATH=" + onlyGit(t), "PUBLIC_URL=https://claude.example.invalid"}) // no command, no .env, no GITLAB_TOKEN
	if strings.Contains(out, "sandbox") || strings.Contains(out, "claude.example.invalid") {
		t.Fatalf("the stand-in demo needs no sandbox and links to itself:\n%s", out)
	}
	if !regexp.MustCompile(`job \[1\]\(http://127\.0\.0\.1:\d+/jobs/1\?t=`).MatchString(out) {
		t.Fatalf("no job link to the demo's own address:\n%s", out)
	}
	for _, want := range []string{
		"SCRIPTED STAND-IN",
		"Issue #1: What does this service do?",
		"This is a small **web shop API**",
		"Merge request !1: Add a discount helper",
		"Review of this merge request",
		"Issue #2: Add a health endpoint",
		"on branch [`claude/issue-2-add-a-health-endpoint`]",
		"⎇ Merge request !2",
		"main.go | 6 ++++++",
		"👀 by @claude",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "turns ·") != 3 {
		t.Fatalf("want exactly three answers:\n%s", out)
	}
}

// The bot's token written into .env, with no webhook secret and no PUBLIC_URL, is a set-up for
// polling (INTAKE=poll needs no secret): the README's first command serves, reading the To-Do list.
func TestTokenInDotEnvAloneServesByPolling(t *testing.T) {
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	bot := g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(bot.ID, []string{"api"}, time.Now().Add(90*24*time.Hour), "project")
	dir := t.TempDir()
	addr := freeAddr(t)
	dotenv := "GITLAB_URL=" + g.URL() + "\nGITLAB_TOKEN=" + token + "\nDATA_DIR=" + filepath.Join(dir, "data") +
		"\nLISTEN_ADDR=" + addr + "\nAGENT_SANDBOX=none\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd := exec.Command(binary(t))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LOG_FORMAT=json"}
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	deadline := time.After(30 * time.Second)
	for {
		// Serving, and reading the To-Do list (the poller says so once it starts).
		if resp, err := http.Get("http://" + addr + "/health"); err == nil {
			resp.Body.Close()
			if strings.Contains(logs.String(), "polling the bot's To-Do list") {
				return
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the default command exited (%v) instead of serving by polling:\n%s", err, logs)
		case <-deadline:
			t.Fatalf("not serving by polling after 30 s:\n%s", logs)
		case <-time.After(20 * time.Millisecond): // the next look at /health
		}
	}
}
