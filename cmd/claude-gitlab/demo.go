package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/demo"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/logging"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

func runDemo(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "demo", "[--keep]")
	keep := fs.Bool("keep", false, "keep the service and the GitLab stand-in running afterwards (Ctrl-C stops)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	world, err := demo.NewWorld()
	if err != nil {
		return err
	}
	defer world.Close()
	dataDir, err := os.MkdirTemp("", "claude-gitlab-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	cfg.GitLabURL, cfg.GitLabToken, cfg.WebhookSecret = world.GitLab.URL(), world.BotToken, randomID()
	cfg.DataDir, cfg.WebhookRateLimit, cfg.TLSCertFile, cfg.TLSKeyFile = dataDir, 0, "", ""
	// The demo's own address, not .env's PUBLIC_URL: its job links must lead to this process.
	if cfg.ListenAddr, err = freeLocalAddr(); err != nil {
		return err
	}
	cfg.PublicURL = "http://" + cfg.ListenAddr
	cfg.Intake = config.IntakeWebhook // the demo delivers its requests as webhooks
	real := demoAgent(env.stdout, cfg)
	cfg.AgentSandbox = demoSandbox(env.stdout, cfg, real)
	logPath := filepath.Join(dataDir, "service.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	return runDemoService(ctx, env.stdout, cfg, world, logFile, real, *keep)
}

// demoAgent picks the real Claude CLI when it and an Anthropic credential are there, else the
// scripted stand-in, and says which, loudly.
func demoAgent(out io.Writer, cfg config.Config) bool {
	_, cliErr := exec.LookPath(cfg.ClaudePath)
	if len(cfg.AgentEnv) > 0 && hasCredential(cfg.AgentEnv) && cliErr == nil {
		fmt.Fprintf(out, "Using the real Claude Code CLI (%s) with your Anthropic credential.\n", cfg.ClaudePath)
		return true
	}
	runAgent = demo.StandIn
	fmt.Fprintln(out, strings.Repeat("!", 78))
	fmt.Fprintln(out, "!! DEMO WITH A SCRIPTED STAND-IN FOR CLAUDE: no Anthropic credential (or no `claude` CLI) found.")
	fmt.Fprintln(out, "!! Everything else is the real service: webhook, queue, worktree, commits, merge request.")
	fmt.Fprintln(out, "!! Set ANTHROPIC_API_KEY and install the CLI to see the real Claude answer.")
	fmt.Fprintln(out, strings.Repeat("!", 78))
	return false
}

// demoSandbox is the sandbox mode of the demo. The scripted stand-in runs no process and needs
// none. The real CLI gets the strongest that works; where none does (no bubblewrap, macOS) it
// runs unconfined on the demo's own sample repository, which holds nothing to protect, and the
// demo says so in one line. An AGENT_SANDBOX the operator chose is kept.
func demoSandbox(out io.Writer, cfg config.Config, real bool) string {
	if !real {
		return sandbox.ModeNone
	}
	if cfg.AgentSandbox != "" {
		return cfg.AgentSandbox
	}
	if _, err := sandbox.New(cfg.Sandbox()); err != nil {
		fmt.Fprintf(out, "No sandbox works here (%s): the demo runs the real Claude CLI unconfined, on its own sample repository only (serve will not: install bubblewrap).\n", firstReason(err))
		return sandbox.ModeNone
	}
	return ""
}

// firstReason is the first clause of a sandbox error: "bwrap is not installed (…)".
func firstReason(err error) string {
	s, _, _ := strings.Cut(strings.TrimPrefix(err.Error(), "no sandbox works here: "), ";")
	return s
}

// freeLocalAddr is a free port on 127.0.0.1, so that the demo knows its address before it serves.
func freeLocalAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func hasCredential(env []string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, "ANTHROPIC_API_KEY=") || strings.HasPrefix(kv, "ANTHROPIC_AUTH_TOKEN=") || strings.HasPrefix(kv, "CLAUDE_CODE_OAUTH_TOKEN=") {
			return true
		}
	}
	return false
}

func runDemoService(ctx context.Context, out io.Writer, cfg config.Config, world *demo.World, logFile io.Writer, real, keep bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	addr := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, cfg, logging.New(logFile, "info", "text"), func(a string) { addr <- a })
	}()
	select {
	case url := <-addr:
		err := demoRequests(ctx, out, cfg, world, url, real, keep)
		cancel() // whatever happened, the service stops and is waited for before the demo returns
		return errors.Join(err, <-served)
	case err := <-served:
		return err
	}
}

// demoRequests asks the three questions of the demo and prints what GitLab shows.
func demoRequests(ctx context.Context, out io.Writer, cfg config.Config, world *demo.World, url string, real, keep bool) error {
	fmt.Fprintf(out, "\nclaude-gitlab serves on http://%s; GitLab stand-in on %s (project demo/shop).\n", url, world.GitLab.URL())
	world.AddHook("http://"+url+"/webhook", cfg.WebhookSecret)
	fmt.Fprintln(out, "Asking @claude three things, as you would in GitLab…")
	threads, err := world.Ask(ctx)
	if err != nil {
		return err
	}
	wait := 2 * time.Minute
	if real {
		wait = 3 * cfg.ClaudeTimeout
	}
	wctx, wcancel := context.WithTimeout(ctx, wait)
	defer wcancel()
	werr := world.Wait(wctx, threads)
	for _, t := range threads {
		world.Print(out, t)
	}
	if werr != nil {
		return fmt.Errorf("demo: %w (the service's log is in the demo's data folder)", werr)
	}
	fmt.Fprintln(out, "\nThat was the real service against a GitLab stand-in. To use it with your GitLab:")
	fmt.Fprintln(out, "  1. put GITLAB_URL and the bot's GITLAB_TOKEN in .env (see .env.example), and ANTHROPIC_API_KEY")
	fmt.Fprintln(out, "  2. run it again: it serves for real, reading the bot's To-Do list (no public address needed);")
	fmt.Fprintln(out, "     for webhooks set PUBLIC_URL and run `claude-gitlab setup --project group/name`.")
	if keep {
		fmt.Fprintf(out, "\nStill running (--keep): GitLab stand-in API %s, Ctrl-C to stop.\n", world.GitLab.APIURL())
		<-ctx.Done()
	}
	return nil
}
