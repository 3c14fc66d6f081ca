package agent

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// Config holds the limits and the credentials of every run; it is built once from the service
// configuration.
type Config struct {
	Path           string        // the CLI; "claude" (looked up in PATH) when empty
	Model          string        // --model, when set
	MaxTurns       int           // --max-turns, when > 0
	Timeout        time.Duration // the whole run, when > 0
	AllowedTools   []string      // --allowedTools, e.g. "Bash(git *)", "Edit"
	PermissionMode string        // --permission-mode; acceptEdits when empty
	MaxBudgetUSD   float64       // --max-budget-usd, when > 0
	// Env is passed to the CLI as KEY=VALUE; only the names of AllowedEnv() are accepted. It
	// carries the Anthropic credential: nothing else of the service reaches the CLI.
	Env []string
	// MaxOutputBytes bounds what is read from the CLI's stdout; DefaultMaxOutputBytes when 0.
	MaxOutputBytes int64
	// Sandbox confines each run to its worktree and HOME, with resource limits; nil runs the
	// CLI with only its minimal environment (tests, AGENT_SANDBOX=none).
	Sandbox Sandbox
	// Egress, with a Sandbox, is the run's only way out (AGENT_NETWORK model or allowlist): the
	// CLI gets a credential of its own run and reaches the model API through the service, which
	// holds the real credential (from Env) and counts the cost. nil: the CLI gets Env as is.
	Egress *egress.Config
}

// Sandbox turns the CLI's command into a confined one (*sandbox.Sandbox).
type Sandbox interface {
	Wrap(sandbox.Command) (*sandbox.Run, error)
}

// Request is one run.
type Request struct {
	Dir string // the worktree: the CLI's working directory
	// Home is the private HOME (and CLAUDE_CONFIG_DIR=Home/.claude) of this run, where the CLI
	// keeps its config and session history. Created if missing; a temporary one, removed
	// afterwards, when empty.
	Home               string
	Prompt             string // sent on stdin, never in argv (argv is visible to every local user)
	AppendSystemPrompt string
	// Limits stop the run's model requests once its cost reaches them (with Config.Egress), on
	// top of Config.MaxBudgetUSD: e.g. what is left of the project's daily budget.
	Limits []egress.Limit
	// Tools, when set, gives the run the service's GitLab tools (internal/mcptools).
	Tools *Tools
	// Resume, when set, continues an earlier run's session (--resume); ErrSession when it
	// cannot be used.
	Resume *Session
}

// Tools is how a run reaches the service's GitLab tools: the CLI starts Binary as the helper
// (from an --mcp-config file in the run's HOME), which presents Capability on Socket. The
// sandbox shows Binary and the socket's folder read-only.
type Tools struct {
	Binary     string
	Socket     string
	Capability string
	// Config makes the --mcp-config file's content (mcptools.Config).
	Config func(binary, socket, capability string) ([]byte, error)
}

// Defaults for a zero Config.
const (
	DefaultPath           = "claude"
	DefaultPermissionMode = "acceptEdits"
	DefaultMaxOutputBytes = 10 << 20
)

// allowedEnv are the names Config.Env may set: the Anthropic credential and endpoint, and a few
// knobs of the CLI's own network behaviour (tests set CLAUDE_CODE_MAX_RETRIES=0).
var allowedEnv = []string{
	"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN",
	"ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL",
	"CLAUDE_CODE_MAX_RETRIES", "API_TIMEOUT_MS", "BASH_DEFAULT_TIMEOUT_MS", "BASH_MAX_TIMEOUT_MS",
}

// AllowedEnv returns the names Config.Env may set.
func AllowedEnv() []string { return slices.Clone(allowedEnv) }

// CredentialEnv picks the allowed variables out of a lookup (os.LookupEnv, or the service's
// parsed configuration) as KEY=VALUE entries for Config.Env.
func CredentialEnv(lookup func(string) (string, bool)) []string {
	var env []string
	for _, name := range allowedEnv {
		if v, ok := lookup(name); ok && v != "" {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// checkEnv rejects entries the CLI must not get. The error names the variable, never its value.
func checkEnv(env []string) error {
	for i, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("agent: Env entry %d is not KEY=VALUE", i)
		}
		if !isAllowedEnv(name) {
			return fmt.Errorf("agent: Env may not set %s (allowed: %s)", name, strings.Join(allowedEnv, ", "))
		}
	}
	return nil
}

func isAllowedEnv(name string) bool { return slices.Contains(allowedEnv, name) }

func (c Config) maxOutput() int64 {
	if c.MaxOutputBytes > 0 {
		return c.MaxOutputBytes
	}
	return DefaultMaxOutputBytes
}
