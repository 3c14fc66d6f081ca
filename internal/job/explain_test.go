package job

import (
	"fmt"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
)

func TestExplainNamesTheSandboxLimit(t *testing.T) {
	err := fmt.Errorf("run: %w: memory grew past 64 MB (AGENT_MEMORY_MB)", agent.ErrLimit)
	what, todo := explain(err)
	if !strings.Contains(what, "AGENT_MEMORY_MB") || !strings.Contains(todo, "AGENT_") || strings.HasPrefix(what, "Something went wrong") {
		t.Fatalf("what %q, todo %q", what, todo)
	}
}
