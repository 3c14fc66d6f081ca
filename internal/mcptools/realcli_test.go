package mcptools_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent/agenttest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakeanthropic"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// The real CLI (pinned) starts our binary as the helper from --mcp-config, the fake model asks
// for read_issue, and its answer uses what the tool returned. Then it looks for the GitLab
// token where a prompt-injected run would: the run's processes, its HOME, its config.
func TestRealCLICallsAGitLabTool(t *testing.T) {
	if testing.Short() {
		t.Skip("the real Claude CLI test installs ~370 MB once; skipped with -short")
	}
	cli := agenttest.InstallRealCLI(t)
	modes := []string{"none"}
	if _, err := sandbox.New(sandbox.Config{Mode: sandbox.ModeBwrap}); err == nil {
		modes = append(modes, sandbox.ModeBwrap, "bwrap-own-network")
	} else {
		t.Logf("bwrap cannot run here (%v): the sandboxed run is left out", err)
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			w := newWorld(t)
			w.g.CreateIssue(w.demo.ID, w.alice.ID, "Flaky login", "The login test fails when TZ=Pacific/Kiritimati.", false)
			var mu sync.Mutex
			var transcript []string
			sc := w.scope()
			sc.Record = func(kind, text string) { mu.Lock(); transcript = append(transcript, kind+": "+text); mu.Unlock() }
			capability, revoke := w.srv.Grant(sc)
			defer revoke()
			exe, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			api := fakeanthropic.Start(script())
			t.Cleanup(api.Close)
			dir := t.TempDir()
			if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
				t.Fatalf("git init: %v\n%s", err, out)
			}
			cfg := agent.Config{Path: cli, MaxTurns: 6, Timeout: 2 * time.Minute, AllowedTools: []string{"Bash", mcptools.ToolPrefix},
				Env: []string{"ANTHROPIC_API_KEY=sk-fake-real-cli", "ANTHROPIC_BASE_URL=" + api.URL, "CLAUDE_CODE_MAX_RETRIES=0"}}
			switch mode {
			case sandbox.ModeBwrap:
				sb, err := sandbox.New(sandbox.Config{Mode: sandbox.ModeBwrap, Network: sandbox.NetworkFull})
				if err != nil {
					t.Fatal(err)
				}
				cfg.Sandbox = sb
			case "bwrap-own-network": // AGENT_NETWORK=model: no route out but the model proxy
				sb, err := sandbox.New(sandbox.Config{Mode: sandbox.ModeBwrap, Network: sandbox.NetworkModel})
				if err != nil {
					t.Fatal(err)
				}
				cfg.Sandbox = sb
				cfg.Egress = &egress.Config{Upstream: api.URL, Credentials: map[string]string{"ANTHROPIC_API_KEY": "sk-fake-real-cli"}}
			}
			req := agent.Request{Dir: dir, Home: t.TempDir(), Prompt: "Why does the login test fail? See issue #1.",
				Tools: &agent.Tools{Binary: exe, Socket: w.srv.Socket(), Capability: capability, Config: mcptools.Config}}
			res, err := agent.Run(context.Background(), cfg, req, nil)
			if err != nil {
				t.Fatalf("Run: %v\nstderr: %s", err, res.StderrTail)
			}
			if !strings.Contains(res.Text, "Pacific/Kiritimati") {
				t.Errorf("the answer does not use the tool's result: %q", res.Text)
			}
			if len(res.PermissionDenials) > 0 {
				t.Errorf("denied: %+v", res.PermissionDenials)
			}
			var sent, seen strings.Builder
			for _, rq := range api.Requests() {
				if rq.Body == nil {
					continue
				}
				sent.WriteString(rq.Body.SystemText())
				sent.WriteString(strings.Join(rq.Body.ToolNames(), " "))
				for _, m := range rq.Body.Messages {
					sent.Write(m.Content)
				}
				for _, b := range rq.Body.LastToolResults() {
					seen.WriteString(b.ResultText())
				}
			}
			// The CLI defers MCP tools behind its tool search; their names are still sent.
			if !strings.Contains(sent.String(), "mcp__gitlab__read_issue") || strings.Contains(sent.String(), "mcp__gitlab__add_finding") {
				t.Errorf("the model was not offered read_issue, or was offered add_finding outside a review")
			}
			if !strings.Contains(seen.String(), "LOOKED-AROUND") || !strings.Contains(seen.String(), mcptools.CapabilityEnv) {
				t.Fatalf("the Bash look did not run, or did not find the config it should: %q", seen.String())
			}
			if strings.Contains(seen.String(), w.token) || strings.Contains(sent.String(), w.token) {
				t.Errorf("the GitLab token was found inside the run")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(transcript) != 1 || !strings.HasPrefix(transcript[0], "tool: GitLab tool read_issue") {
				t.Errorf("transcript = %q", transcript)
			}
		})
	}
}

// script: read issue 1 through the GitLab tool, look for secrets with Bash, then answer with
// what the issue said.
func script() fakeanthropic.Responder {
	var mu sync.Mutex
	issue := ""
	look := "cat /proc/*/environ $HOME/.claude-gitlab-tools.json 2>/dev/null | tr '\\0' '\\n' | grep -i -e token -e capab | sort -u | head -40; echo LOOKED-AROUND"
	return func(req *fakeanthropic.MessagesRequest, n int) fakeanthropic.Reply {
		if !req.HasTools() {
			return fakeanthropic.Text("Fake title")
		}
		mu.Lock()
		defer mu.Unlock()
		res := req.LastToolResults()
		switch {
		case len(res) == 0:
			return fakeanthropic.ToolUse("toolu_gl_1", "mcp__gitlab__read_issue", map[string]any{"iid": 1})
		case issue == "":
			issue = res[0].ResultText()
			return fakeanthropic.ToolUse("toolu_bash_1", "Bash", map[string]any{"command": look})
		}
		_, desc, _ := strings.Cut(issue, "<description>\n")
		desc, _, _ = strings.Cut(desc, "\n</description>")
		return fakeanthropic.Text("Issue #1 says: " + desc)
	}
}
