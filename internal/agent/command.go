package agent

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// basePath is the PATH of the CLI: system directories only, plus the CLI's own directory (where
// a npm install also puts node). The service's PATH is not inherited.
const basePath = "/usr/local/bin:/usr/bin:/bin"

// resolveCLI finds the CLI as the service sees it and returns an absolute path.
func resolveCLI(path string) (string, error) {
	if path == "" {
		path = DefaultPath
	}
	found, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("find the Claude CLI %q (set CLAUDE_PATH): %w", path, err)
	}
	abs, err := filepath.Abs(found)
	if err != nil {
		return "", fmt.Errorf("find the Claude CLI %q: %w", path, err)
	}
	return abs, nil
}

// buildArgs returns the CLI's arguments. The prompt is not among them: it goes on stdin.
//
// --setting-sources user and --strict-mcp-config keep the repository out of the CLI's
// configuration: a branch under review must not grant itself tool permissions, install hooks or
// start MCP servers through its own .claude/settings.json or .mcp.json. "user" is the private
// HOME of the run, which holds nothing.
func buildArgs(cfg Config, req Request) ([]string, error) {
	mode := cfg.PermissionMode
	if mode == "" {
		mode = DefaultPermissionMode
	}
	args := []string{
		"-p", "--output-format", "stream-json", "--verbose",
		"--permission-mode", mode,
		"--setting-sources", "user",
		"--strict-mcp-config",
	}
	if cfg.Model != "" {
		args = append(args, "--model", cfg.Model)
	}
	if cfg.MaxTurns > 0 {
		args = append(args, "--max-turns", strconv.Itoa(cfg.MaxTurns))
	}
	if cfg.MaxBudgetUSD > 0 {
		args = append(args, "--max-budget-usd", strconv.FormatFloat(cfg.MaxBudgetUSD, 'f', -1, 64))
	}
	if req.AppendSystemPrompt != "" {
		args = append(args, "--append-system-prompt", req.AppendSystemPrompt)
	}
	if len(cfg.AllowedTools) > 0 {
		// The option takes several values; each tool is its own argument so that patterns with
		// spaces ("Bash(git log *)") stay whole.
		args = append(args, "--allowedTools")
		for _, t := range cfg.AllowedTools {
			if t == "" || strings.HasPrefix(t, "-") {
				return nil, fmt.Errorf("agent: allowed tool %q is not a tool name or pattern", t)
			}
			args = append(args, t)
		}
	}
	return args, nil
}

// buildEnv returns the CLI's whole environment, built from nothing: the service's own variables
// (GitLab token, webhook secret, database URL) never reach the agent. TMPDIR is inside the run's
// HOME because the CLI leaves files in the temp dir on every run (/tmp/claude-UID/fswatch-probe-*,
// /tmp/cc-socks), and so do the tools it runs; there they go away with the HOME.
func buildEnv(cli string, cfg Config, home string) []string {
	path := basePath
	if dir := filepath.Dir(cli); !strings.Contains(":"+basePath+":", ":"+dir+":") {
		path += ":" + dir
	}
	env := []string{
		"PATH=" + path,
		"HOME=" + home,
		"CLAUDE_CONFIG_DIR=" + filepath.Join(home, ".claude"),
		"TMPDIR=" + filepath.Join(home, "tmp"),
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_AUTOUPDATER=1",
		"LANG=C.UTF-8",
	}
	return append(env, cfg.Env...)
}
