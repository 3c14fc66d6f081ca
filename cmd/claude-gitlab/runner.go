package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/authz"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/job"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/projectconfig"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// runAgent runs the Claude CLI; benchmarks wrap it to time the service around the agent.
var runAgent job.AgentFunc = agent.Run

// newRunner wires the steps of a job: GitLab, the repository cache, the agent and the step store.
func newRunner(cfg config.Config, gl *gitlab.Client, db *store.DB, token func() string, m *metrics.Metrics, log *slog.Logger) (*job.Runner, error) {
	ws, err := workspace.New(workspace.Config{
		Dir: filepath.Join(cfg.DataDir, "repos"), Token: token,
		Env: workspace.GitEnv(os.Environ()), Log: log,
	})
	if err != nil {
		return nil, err
	}
	sb, err := sandbox.New(cfg.Sandbox()) // decided once, at start: bwrap, user, or none when set
	if err != nil {
		return nil, err
	}
	sb.Log(log)
	var eg *egress.Config
	if sb.Network() != sandbox.NetworkFull {
		eg = cfg.Egress() // the agent's only way out: the real credential stays here
	}
	return &job.Runner{
		GitLab: gl, Workspaces: ws, Agent: runAgent, Steps: db, SettingsCache: projectconfig.NewCache(), Sessions: db,
		Redactor: redact.New(cfg.Secrets()...), Metrics: m, Log: log,
		Allow:    &authz.AllowLists{Users: cfg.AllowedUsers, Bots: cfg.AllowedBots, Projects: cfg.AllowedProjects},
		Refusals: db,
		Settings: job.Settings{
			MinAccessLevel: cfg.MinAccessLevel,
			UseMR:          cfg.UseMR, AutoMerge: cfg.AutoMerge, AutoReview: cfg.AutoReview, BranchPrefix: cfg.BranchPrefix,
			PipelineFixAttempts: cfg.PipelineFixAttempts,
			ConfidentialChanges: cfg.ConfidentialChanges == "allow",
			TriggerPhrase:       cfg.TriggerPhrase,
			AgentHomes:          filepath.Join(cfg.DataDir, "agent-homes"), PublicURL: cfg.PublicURL,
			DailyBudgetUSD: cfg.ProjectDailyBudgetUSD, SessionMaxAge: cfg.SessionMaxAge,
			Agent: agent.Config{
				Path: cfg.ClaudePath, Model: cfg.ClaudeModel, MaxTurns: cfg.ClaudeMaxTurns, Timeout: cfg.ClaudeTimeout,
				AllowedTools: cfg.ClaudeAllowedTools, MaxBudgetUSD: cfg.ClaudeMaxBudgetUSD, Env: cfg.AgentEnv,
				MaxOutputBytes: 128 << 20, Sandbox: sb, Egress: eg, // a 50 MB answer is ~100 MB of stream (text, then result)
			},
		},
	}, nil
}

// serveTools starts Claude's GitLab tools for the runner's jobs: the MCP server on a Unix socket
// in a folder of its own under the system's temp dir (not DATA_DIR, which the agent's user may
// not enter in AGENT_SANDBOX=user), and this binary as the helper the CLI starts.
func serveTools(runner *job.Runner, gl *gitlab.Client, log *slog.Logger) (func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("GitLab tools: find this binary for the helper: %w", err)
	}
	srv, err := mcptools.New(gl, "", log)
	if err != nil {
		return nil, err
	}
	runner.Tools, runner.Settings.ToolsBinary = srv, exe
	return srv.Close, nil
}
