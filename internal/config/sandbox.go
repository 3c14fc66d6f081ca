package config

import (
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

func (r *reader) agentSandbox(c *Config) {
	c.AgentSandbox = r.oneOf("AGENT_SANDBOX", "", sandbox.ModeBwrap, sandbox.ModeUser, sandbox.ModeNone)
	c.AgentUser = r.str(sandbox.DefaultUser, "AGENT_USER")
	c.AgentNetwork = r.oneOf("AGENT_NETWORK", sandbox.NetworkModel, sandbox.NetworkModel, sandbox.NetworkAllowlist, sandbox.NetworkFull)
	c.AgentEgressAllow = r.list("AGENT_EGRESS_ALLOW")
	if c.AgentNetwork == sandbox.NetworkAllowlist && len(c.AgentEgressAllow) == 0 {
		r.fail("AGENT_EGRESS_ALLOW", "empty, but AGENT_NETWORK=allowlist needs the host names the agent may reach, e.g. registry.npmjs.org,proxy.golang.org")
	}
	// The model proxy speaks the Anthropic Messages API only.
	for _, name := range []string{"CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY"} {
		if v, ok := r.raw(name); ok && v != "" && v != "0" && v != "false" && c.AgentNetwork != sandbox.NetworkFull {
			r.fail(name, "another model provider needs AGENT_NETWORK=full: the agent's model proxy serves the Anthropic API only (with full, the agent has the host's network)")
		}
	}
	c.AgentMemoryMB = r.integer("AGENT_MEMORY_MB", sandbox.DefaultMemoryMB, 64, 1<<20)
	c.AgentCPUSeconds = r.integer("AGENT_CPU_SECONDS", sandbox.DefaultCPUSeconds, 1, 1<<24)
	c.AgentMaxProcs = r.integer("AGENT_MAX_PROCS", sandbox.DefaultMaxProcs, 16, 1<<20)
	c.AgentDiskMB = r.integer("AGENT_DISK_MB", sandbox.DefaultDiskMB, 1, 1<<24)
}

// Sandbox is the configuration of the agent's sandbox: its mode and limits, DATA_DIR and the
// files that hold secrets (kept from the agent in user mode; bwrap never shows them).
func (cfg Config) Sandbox() sandbox.Config {
	return sandbox.Config{
		Mode: cfg.AgentSandbox, User: cfg.AgentUser, Network: cfg.AgentNetwork, DataDir: cfg.DataDir,
		SecretFiles: []string{cfg.EnvFile, cfg.GitLabTokenFile, cfg.WebhookSecretFile},
		Limits: sandbox.Limits{MemoryMB: cfg.AgentMemoryMB, CPUSeconds: cfg.AgentCPUSeconds,
			MaxProcs: cfg.AgentMaxProcs, DiskMB: cfg.AgentDiskMB},
	}
}

// Egress is the configuration of the agent's model proxy: the real credential and endpoint
// (which stay in the service), and the hosts of AGENT_EGRESS_ALLOW with AGENT_NETWORK=allowlist.
func (cfg Config) Egress() *egress.Config {
	e := &egress.Config{Credentials: map[string]string{}}
	for _, kv := range cfg.AgentEnv {
		name, v, _ := strings.Cut(kv, "=")
		switch {
		case egress.IsCredential(name):
			e.Credentials[name] = v
		case name == "ANTHROPIC_BASE_URL":
			e.Upstream = v
		}
	}
	if cfg.AgentNetwork == sandbox.NetworkAllowlist {
		e.Allow = cfg.AgentEgressAllow
	}
	return e
}
