package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/egress"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// invocation is everything needed to start the CLI, checked before anything runs.
type invocation struct {
	cli     string
	args    []string
	env     []string
	dir     string
	box     *sandbox.Run    // nil without a sandbox
	egress  *egress.Session // the run's way out, with Config.Egress
	cleanup func()          // releases the sandbox, removes a temporary HOME
	// readOnly are paths the sandbox shows read-only (the GitLab tools' helper and socket).
	readOnly []string
}

func prepare(cfg Config, req Request, report func(Progress)) (*invocation, error) {
	if err := checkEnv(cfg.Env); err != nil {
		return nil, err
	}
	if st, err := os.Stat(req.Dir); err != nil || !st.IsDir() || req.Dir == "" {
		return nil, fmt.Errorf("agent: working directory %q is not a directory", req.Dir)
	}
	dir, err := filepath.Abs(req.Dir)
	if err != nil {
		return nil, fmt.Errorf("agent: working directory: %w", err)
	}
	cli, err := resolveCLI(cfg.Path)
	if err != nil {
		return nil, err
	}
	args, err := buildArgs(cfg, req)
	if err != nil {
		return nil, err
	}
	home, cleanup, err := prepareHome(req.Home)
	if err != nil {
		return nil, err
	}
	inv := &invocation{cli: cli, args: args, env: buildEnv(cli, cfg, home), dir: dir, cleanup: cleanup}
	if cfg.Sandbox != nil && cfg.Egress != nil {
		err = inv.openEgress(cfg, req, report)
	}
	if req.Tools != nil && err == nil {
		err = inv.addTools(req.Tools, home)
	}
	if req.Resume != nil && err == nil {
		if err = restoreSession(req.Resume, home, dir, maxSessionBytes); err == nil {
			inv.args = append(inv.args, "--resume", req.Resume.ID)
		}
	}
	if cfg.Sandbox != nil && err == nil {
		err = inv.confine(cfg.Sandbox, home)
	}
	if err != nil {
		_ = inv.closeEgress(&Result{}, nil)
		inv.cleanup()
		return nil, err
	}
	return inv, nil
}

// confine replaces the command by its sandboxed form; the sandbox is released before the HOME
// goes (it may have lent the HOME to another user).
func (inv *invocation) confine(sb Sandbox, home string) error {
	c := sandbox.Command{Path: inv.cli, Args: inv.args, Env: inv.env, Dir: inv.dir, Home: home, ReadOnly: inv.readOnly}
	if inv.egress != nil {
		c.Egress, c.EgressAddr = inv.egress.Socket(), egress.InsideAddr
	}
	box, err := sb.Wrap(c)
	if err != nil {
		return fmt.Errorf("agent: sandbox: %w", err)
	}
	inv.box, inv.cli, inv.args, inv.env, inv.dir = box, box.Path, box.Args, box.Env, box.Dir
	removeHome := inv.cleanup
	inv.cleanup = func() { _ = box.Release(); removeHome() }
	return nil
}

// prepareHome makes the run's private HOME with its .claude config dir and tmp dir. The CLI
// writes its config and session history there, never into the service's own home.
func prepareHome(home string) (string, func(), error) {
	cleanup := func() {}
	if home == "" {
		tmp, err := os.MkdirTemp("", "claude-home-")
		if err != nil {
			return "", nil, fmt.Errorf("agent: temporary HOME: %w", err)
		}
		home, cleanup = tmp, func() { _ = os.RemoveAll(tmp) }
	}
	home, err := filepath.Abs(home)
	for _, sub := range []string{".claude", "tmp"} {
		if err == nil {
			err = os.MkdirAll(filepath.Join(home, sub), 0o700)
		}
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("agent: HOME %q: %w", home, err)
	}
	return home, cleanup, nil
}

// maxSessionBytes bounds a session file restored for --resume.
const maxSessionBytes = 64 << 20

// toolsConfig is the --mcp-config file in the run's HOME: it holds the job's capability, so it
// is the run's own (0600) and goes with the HOME.
const toolsConfig = ".claude-gitlab-tools.json"

// addTools writes the run's MCP config and points the CLI at it; the CLI starts the helper.
func (inv *invocation) addTools(t *Tools, home string) error {
	data, err := t.Config(t.Binary, t.Socket, t.Capability)
	if err != nil {
		return fmt.Errorf("agent: GitLab tools config: %w", err)
	}
	path := filepath.Join(home, toolsConfig)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("agent: GitLab tools config: %w", err)
	}
	// --mcp-config takes several values: it goes right after --strict-mcp-config, before the
	// options that follow.
	i := slices.Index(inv.args, "--strict-mcp-config") + 1
	inv.args = slices.Insert(inv.args, i, "--mcp-config", path)
	inv.readOnly = append(inv.readOnly, t.Binary, filepath.Dir(t.Socket))
	return nil
}
