package config

import "gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"

func (r *reader) agentSandbox(c *Config) {
	c.AgentSandbox = r.oneOf("AGENT_SANDBOX", "", sandbox.ModeBwrap, sandbox.ModeUser, sandbox.ModeNone)
	c.AgentUser = r.str(sandbox.DefaultUser, "AGENT_USER")
	c.AgentNetwork = r.str(sandbox.NetworkFull, "AGENT_NETWORK")
	if c.AgentNetwork != sandbox.NetworkFull {
		r.fail("AGENT_NETWORK", "%q is not supported: only full; restricting the agent to the Anthropic API is not built, so the agent reaches what the service's host reaches (it holds no GitLab token)", c.AgentNetwork)
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
