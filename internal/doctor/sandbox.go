package doctor

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// agentSandbox says which isolation the agent runs in, and proves it by running a probe inside
// it (the worktree writable; DATA_DIR and the service's environment out of reach).
func (d *doctor) agentSandbox(ctx context.Context) Result {
	const name = "agent sandbox"
	mode, err := sandbox.Probe(ctx, d.o.Settings.Sandbox())
	switch {
	case mode == sandbox.ModeNone:
		return sandboxNone()
	case err != nil:
		return fail(name, "the "+orDefault(mode, "chosen")+" sandbox does not work here: "+err.Error(),
			"install bubblewrap and allow user namespaces (in Docker: the security_opt lines of compose.yaml), or set AGENT_SANDBOX=user with AGENT_USER")
	}
	return ok(name, mode+": a probe ran inside it and could not reach DATA_DIR or the service's environment")
}

func sandboxNone() Result {
	return fail("agent sandbox", "AGENT_SANDBOX=none: the agent can read the service's token, .env and database",
		"install bubblewrap (apt-get install bubblewrap) and unset AGENT_SANDBOX, or set AGENT_SANDBOX=user with AGENT_USER")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
