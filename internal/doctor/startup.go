package doctor

import (
	"os/exec"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// Startup is what serve checks at start, without GitLab and without running anything: each
// thing jobs will need and lack, in doctor's words (the CLI on PATH, an Anthropic credential,
// PUBLIC_URL, a sandbox). Only problems are returned; serve logs one line for each.
func Startup(cfg config.Config) []Result {
	var out []Result
	if _, err := exec.LookPath(cfg.ClaudePath); err != nil {
		out = append(out, cliMissing(cfg.ClaudePath))
	}
	if r := anthropicCredential(cfg); r.Status != OK {
		out = append(out, r)
	}
	if cfg.PublicURL == "" {
		out = append(out, publicURLMissing())
	}
	if cfg.AgentSandbox == sandbox.ModeNone {
		out = append(out, sandboxNone())
	}
	return out
}
