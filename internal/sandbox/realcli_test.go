package sandbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// The real Claude CLI works inside the sandbox, and what its Bash tool finds when a prompt
// injection makes it look for secrets, which is what goes back to the model, holds none.
func TestRealCLIInsideTheSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("the real Claude CLI test installs ~370 MB once; skipped with -short")
	}
	for _, mode := range modes(t) {
		t.Run(mode, func(t *testing.T) {
			s := newService(t, mode, sandbox.Limits{})
			s.cli = agenttest.InstallRealCLI(t)
			look := "cat /proc/*/environ " + s.data + "/.env " + s.data + "/claude-gitlab.db " + s.data +
				"/repos/2/mirror.git/canary 2>&1; ls -a " + s.data + " 2>&1; git log --format=%s -1; echo SANDBOX-BASH-RAN"
			api := fakeanthropic.Start(fakeanthropic.ToolThenAnswer("Bash", map[string]string{"command": look}, "Nothing to see."))
			t.Cleanup(api.Close)
			// The run's only way out is the service's proxy, which holds the real key.
			cfg := agent.Config{Path: s.cli, Sandbox: s.sb, MaxTurns: 5, Timeout: time.Minute, AllowedTools: []string{"Bash"},
				Env:    []string{"ANTHROPIC_API_KEY=sk-fake-real-key", "ANTHROPIC_BASE_URL=" + api.URL, "CLAUDE_CODE_MAX_RETRIES=0"},
				Egress: &egress.Config{Upstream: api.URL, Credentials: map[string]string{"ANTHROPIC_API_KEY": "sk-fake-real-key"}}}
			res, err := agent.Run(context.Background(), cfg, agent.Request{Dir: s.worktree, Home: s.home, Prompt: "look around"}, nil)
			if err != nil {
				if strings.Contains(err.Error(), "cannot reach") {
					t.Skipf("the real CLI is installed where %s cannot run it: %v", mode, err)
				}
				t.Fatalf("Run: %v\nstderr: %s", err, res.StderrTail)
			}
			noCanary(t, res, err)
			var results strings.Builder
			for _, rq := range api.Requests() {
				if rq.Body != nil {
					for _, b := range rq.Body.LastToolResults() {
						results.Write(b.Content)
					}
				}
			}
			got := results.String()
			t.Logf("what the model saw (end):\n%s", got[max(0, len(got)-600):])
			if !strings.Contains(got, "SANDBOX-BASH-RAN") || res.Text != "Nothing to see." {
				t.Fatalf("the Bash tool did not run: %q; answer %q", got, res.Text)
			}
			for _, c := range append(canaries, "sk-fake-real-key") {
				if strings.Contains(got, c) {
					t.Errorf("the model was sent the secret %q", c)
				}
			}
			for _, rq := range api.Requests() {
				if k := rq.Header.Get("X-Api-Key"); k != "sk-fake-real-key" {
					t.Errorf("the API got X-Api-Key %q, not the real key put in by the proxy", k)
				}
			}
			if res.Model == nil || res.Model.Requests == 0 || res.CostUSD <= 0 {
				t.Errorf("the proxy counted nothing: %+v, cost %v", res.Model, res.CostUSD)
			}
		})
	}
}

// CLAUDE_MAX_BUDGET_USD holds at the proxy: once the run's requests cost it, the next one is
// refused and the run ends as a budget stop, whatever the CLI made of the refusal. The limit is
// given to the proxy alone (the CLI's own --max-budget-usd is off), so only the proxy can stop it.
func TestRealCLIRunBudgetAtTheProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("the real Claude CLI test installs ~370 MB once; skipped with -short")
	}
	mode := modes(t)[0]
	if mode != sandbox.ModeBwrap {
		// Without bwrap only user mode is left, and the CLI the tests install under root's cache
		// is out of the agent user's reach there; CI has bwrap (modes fails it otherwise).
		t.Skip("no bwrap here: the budget at the proxy is tested in a bwrap run")
	}
	s := newService(t, mode, sandbox.Limits{})
	s.cli = agenttest.InstallRealCLI(t)
	api := fakeanthropic.Start(fakeanthropic.ToolForever("Glob", map[string]string{"pattern": "*"}))
	t.Cleanup(api.Close)
	creds := map[string]string{"ANTHROPIC_API_KEY": "sk-fake-real-key"}
	cfg := agent.Config{Path: s.cli, Sandbox: s.sb, Model: "claude-sonnet-4-5", MaxTurns: 20, Timeout: time.Minute,
		Env:    []string{"ANTHROPIC_API_KEY=sk-fake-real-key", "CLAUDE_CODE_MAX_RETRIES=0"},
		Egress: &egress.Config{Upstream: api.URL, Credentials: creds}}
	limit := egress.Limit{USD: 0.001, Name: egress.LimitRun, Why: "one run may cost $0.001 (CLAUDE_MAX_BUDGET_USD)"}
	var calls []agent.Progress
	res, err := agent.Run(context.Background(), cfg, agent.Request{Dir: s.worktree, Home: s.home, Prompt: "look", Limits: []egress.Limit{limit}},
		func(p agent.Progress) {
			if p.Kind == agent.KindModel {
				calls = append(calls, p)
			}
		})
	if !errors.Is(err, agent.ErrBudget) || !strings.Contains(err.Error(), "CLAUDE_MAX_BUDGET_USD") {
		t.Fatalf("Run: %v (want a budget stop)\nresult %+v", err, res)
	}
	turns := 0
	for _, r := range api.Requests() {
		if r.Body != nil && r.Body.HasTools() {
			turns++
		}
	}
	if turns != 2 || res.CostUSD < 0.001 || len(calls) < 3 || calls[len(calls)-1].Call.Refused == "" {
		t.Fatalf("turns %d, cost %v, calls %+v", turns, res.CostUSD, calls)
	}
}
