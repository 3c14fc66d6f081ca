package publish

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

func TestExplainNamesTheSandboxLimit(t *testing.T) {
	err := fmt.Errorf("run: %w: memory grew past 64 MB (AGENT_MEMORY_MB)", agent.ErrLimit)
	what, todo := Explain(err)
	if !strings.Contains(what, "AGENT_MEMORY_MB") || !strings.Contains(todo, "AGENT_") || strings.HasPrefix(what, "Something went wrong") {
		t.Fatalf("what %q, todo %q", what, todo)
	}
}

// Each failure says what failed and what to do in words of its own; what failed wins over what
// it wraps in the order the cases are read.
func TestExplain(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		what, todo string // the start of what, a part of todo
	}{
		{"disk full", fmt.Errorf("clone: %w", syscall.ENOSPC), "The server running Claude ran out of disk space.", "free space in DATA_DIR"},
		{"disk full in git's words", errors.New("fatal: write error: No space left on device"), "The server running Claude ran out of disk space.", "DATA_DIR"},
		{"the job's time", fmt.Errorf("%w: ran past its time limit", ErrJobTimeout), "This request took longer than the service allows for one job.", "raise CLAUDE_TIMEOUT"},
		{"the job's time over Claude's", fmt.Errorf("%w: %w", ErrJobTimeout, agent.ErrTimeout), "This request took longer than the service allows", "CLAUDE_TIMEOUT"},
		{"push rule", fmt.Errorf("%w: remote: GitLab: commit message does not follow the pattern", workspace.ErrRejected),
			"GitLab refused the push: GitLab: commit message does not follow the pattern", "push rules"},
		{"GitLab busy", &gitlab.APIError{Status: 503, Method: "GET", Path: "/api/v4/projects/1"}, "GitLab did not answer properly (busy, down, or too slow): gitlab GET /api/v4/projects/1: 503", "Try again later"},
		{"Claude's time", agent.ErrTimeout, "Claude did not finish within the time limit (CLAUDE_TIMEOUT).", "raise CLAUDE_TIMEOUT"},
		{"turns", agent.ErrMaxTurns, "Claude reached the turn limit (CLAUDE_MAX_TURNS)", "raise CLAUDE_MAX_TURNS"},
		{"daily budget", agent.ErrDailyBudget, "This project's daily budget for Claude (PROJECT_DAILY_BUDGET_USD) was spent", "Ask again tomorrow (UTC)"},
		{"run budget", agent.ErrBudget, "Claude stopped at the cost limit of one run (CLAUDE_MAX_BUDGET_USD).", "raise CLAUDE_MAX_BUDGET_USD"},
		{"not logged in", agent.ErrNotLoggedIn, "The Claude CLI has no valid Anthropic credential.", "ANTHROPIC_API_KEY"},
		{"the API", fmt.Errorf("%w: overloaded", agent.ErrAPI), "The Anthropic API failed: anthropic API error: overloaded", "in a few minutes"},
		{"output", agent.ErrOutputTooLarge, "Claude's output grew past the size limit", "smaller step"},
		{"crashed", fmt.Errorf("%w: exit 2", agent.ErrCrashed), "The Claude CLI stopped unexpectedly: claude crashed: exit 2", "claude-gitlab doctor"},
		{"malformed", agent.ErrMalformed, "The Claude CLI stopped unexpectedly:", "claude-gitlab doctor"},
		{"git's token", workspace.ErrAuth, "GitLab refused the bot's token.", "rotate-token"},
		{"the API's token", gitlab.ErrUnauthorized, "GitLab refused the bot's token.", "GITLAB_TOKEN"},
		{"forbidden", gitlab.ErrForbidden, "GitLab did not allow the bot to do this: gitlab: forbidden (403)", "Developer role"},
		{"conflict", workspace.ErrConflict, "The branch changed while Claude worked", "start from the branch as it is now"},
		{"stale", workspace.ErrStale, "The branch changed while Claude worked", "Ask again"},
		{"protected", workspace.ErrProtected, "GitLab refused the push: the branch is protected.", "GITLAB_USE_MR=true"},
		{"anything else", errors.New("boom"), "Something went wrong: boom", "claude-gitlab jobs show"},
	}
	for _, c := range cases {
		what, todo := Explain(c.err)
		if !strings.HasPrefix(what, c.what) || !strings.Contains(todo, c.todo) {
			t.Errorf("%s:\nwhat %q\ntodo %q\nwant what starting %q, todo with %q", c.name, what, todo, c.what, c.todo)
		}
	}
}

func TestGaveUp(t *testing.T) {
	cases := []struct {
		attempts int
		lastTry  bool
		want     string
	}{
		{3, false, "GitLab did not answer. It kept failing, so I gave up after 3 attempts."},
		{5, true, "GitLab did not answer. It kept failing, so I gave up after 5 attempts (JOB_GIVE_UP)."},
	}
	for _, c := range cases {
		if got := GaveUp("GitLab did not answer.", c.attempts, c.lastTry); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
}

// The waiting note quotes at most 200 characters of why, and says when the next try is in UTC.
func TestWaitingCutsALongReason(t *testing.T) {
	next := time.Date(2026, 12, 7, 15, 4, 0, 0, time.FixedZone("CET", 3600))
	cases := []struct {
		name, why, quoted string
	}{
		{"short", " 502 Bad Gateway ", "(502 Bad Gateway)"},
		{"just 200", strings.Repeat("é", 200), "(" + strings.Repeat("é", 200) + ")"},
		{"longer", strings.Repeat("é", 199) + "xyz", "(" + strings.Repeat("é", 199) + "x…)"},
	}
	for _, c := range cases {
		body := Waiting(7, "https://bot/jobs/7", c.why, next)
		if !strings.Contains(body, "GitLab did not answer properly "+c.quoted+". Nothing is lost") ||
			!strings.Contains(body, "next try at 14:04 UTC") || !strings.Contains(body, "[Follow the run](https://bot/jobs/7)") {
			t.Errorf("%s:\n%s", c.name, body)
		}
	}
}
