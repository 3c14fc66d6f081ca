package journal

import (
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
)

func TestModelLineSaysNoContent(t *testing.T) {
	for _, c := range []struct {
		call *egress.Call
		want string
	}{
		{&egress.Call{Model: "claude-x", Status: 200, CostUSD: 0.0123, Took: 1500 * time.Millisecond,
			Usage: egress.Usage{InputTokens: 10, OutputTokens: 20, CacheRead: 3, CacheWrite: 4}},
			"Model request claude-x: 10 tokens in, 20 out (cache: 3 read, 4 written), $0.0123, 1.5s"},
		{&egress.Call{Status: 529, Took: time.Second}, "Model request (model not reported): HTTP 529, 1s"},
		{&egress.Call{Refused: "daily budget"}, "Model request refused: the budget is spent (daily budget)"},
		{nil, ""},
	} {
		if got := ModelLine(c.call); got != c.want {
			t.Errorf("ModelLine = %q, want %q", got, c.want)
		}
	}
}

func TestAgentLineKinds(t *testing.T) {
	for _, c := range []struct {
		ev         agent.Progress
		kind, text string
	}{
		{agent.Progress{Kind: agent.KindInit, Version: "2.0", Model: "m"}, KindStep, "Claude Code 2.0 started (model m)"},
		{agent.Progress{Kind: agent.KindToolUse, Tool: "Read", Summary: "main.go"}, KindTool, "Read main.go"},
		{agent.Progress{Kind: agent.KindToolResult, Summary: "no such file", IsError: true}, KindResult, "error: no such file"},
		{agent.Progress{Kind: agent.KindAPIRetry, ErrorStatus: 529, Attempt: 1, MaxRetries: 3, RetryDelay: time.Second}, KindRetry,
			"Anthropic API busy (HTTP 529); retry 1 of 3 in 1s"},
	} {
		if kind, text, ok := AgentLine(c.ev); !ok || kind != c.kind || text != c.text {
			t.Errorf("AgentLine = %s %q %v, want %s %q", kind, text, ok, c.kind, c.text)
		}
	}
}
