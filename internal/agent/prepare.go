package agent

import (
	"fmt"
	"os"
	"path/filepath"
)

// invocation is everything needed to start the CLI, checked before anything runs.
type invocation struct {
	cli     string
	args    []string
	env     []string
	dir     string
	cleanup func() // removes a temporary HOME
}

func prepare(cfg Config, req Request) (*invocation, error) {
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
	return &invocation{cli: cli, args: args, env: buildEnv(cli, cfg, home), dir: dir, cleanup: cleanup}, nil
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
