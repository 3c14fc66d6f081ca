package doctor

import (
	"context"
	"os"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// agentNetwork says how the agent's network is confined (AGENT_NETWORK) and proves it with a
// probe inside the sandbox: a loopback listener of the service out of reach, no real Anthropic
// credential readable, the model proxy answering the run's own credential.
func (d *doctor) agentNetwork(ctx context.Context) Result {
	const name = "agent network"
	cfg := d.o.Settings
	network := cfg.AgentNetwork
	if network == "" {
		network = sandbox.NetworkModel
	}
	if network == sandbox.NetworkFull || cfg.AgentSandbox == sandbox.ModeNone {
		return fail(name, "full: the agent reaches what this host reaches (internal services, cloud metadata, the internet) and holds the real Anthropic credential",
			"set AGENT_NETWORK=model (the default) or allowlist with AGENT_EGRESS_ALLOW, with the bwrap sandbox")
	}
	dir, err := os.MkdirTemp("", "claude-doctor-egress-")
	if err != nil {
		return fail(name, "cannot make the probe's socket folder: "+err.Error(), "check TMPDIR")
	}
	defer os.RemoveAll(dir)
	sess, err := egress.Open(dir, *cfg.Egress(), nil, nil)
	if err != nil {
		return fail(name, err.Error(), "check ANTHROPIC_BASE_URL")
	}
	defer sess.Close()
	var secrets []string
	for _, kv := range cfg.AgentEnv {
		if k, v, _ := strings.Cut(kv, "="); egress.IsCredential(k) {
			secrets = append(secrets, v)
		}
	}
	e := sandbox.Egress{Socket: sess.Socket(), Addr: egress.InsideAddr, Env: sess.Env()}
	if err := sandbox.ProbeNetwork(ctx, cfg.Sandbox(), e, secrets); err != nil {
		return fail(name, network+": "+err.Error(),
			"install bubblewrap and allow user and network namespaces (in Docker: the security_opt lines of compose.yaml), or run as root for AGENT_SANDBOX=user")
	}
	detail := network + ": a probe inside the sandbox could not reach the service's loopback, found no real credential, and reached the model proxy"
	if network == sandbox.NetworkAllowlist {
		detail += "; CONNECT allowed to " + strings.Join(cfg.AgentEgressAllow, ", ") + " (never private addresses)"
	}
	return ok(name, detail)
}
