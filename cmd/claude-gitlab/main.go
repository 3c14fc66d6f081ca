// Command claude-gitlab puts Claude Code to work inside GitLab: it receives GitLab webhooks,
// queues `@claude` requests durably and answers them in the same thread.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/sandbox"
)

// Set by the build (-ldflags "-X main.version=… -X main.commit=…").
var (
	version = "dev"
	commit  = "unknown"
)

// command is one sub-command: it parses its own flags and runs.
type command struct {
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// commands is filled in init: the commands refer back to it for their help texts.
var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":        {"HTTP server and workers in one process", runServe},
		"jobs":         {"list, show, retry or cancel queued jobs", runJobs},
		"ask":          {"ask from a shell or a scheduled job: a request answered in an issue or MR (--wait for the outcome)", runAsk},
		"replay":       {"send a webhook payload file to a running service", runReplay},
		"migrate":      {"apply database migrations", runMigrate},
		"version":      {"print version, commit and Go version", runVersion},
		"setup":        {"create or update the webhook of a project or group, then run doctor", runSetup},
		"doctor":       {"check GitLab, the token, a project's set-up and this machine; one fix per problem", runDoctor},
		"rotate-token": {"rotate the bot's GitLab token and reload it in the running service", runRotateToken},
		"demo":         {"the product working in one command, against a GitLab stand-in", runDemo},
	}
}

// environment is what every command gets: where to write, and how to read settings.
type environment struct {
	stdout, stderr io.Writer
	lookup         config.Lookup
	envFile        string
}

// exitError carries a specific exit code.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	sandbox.RunBridgeIfAsked()  // inside a run's sandbox: the network bridge, not the service
	mcptools.RunHelperIfAsked() // started by the CLI inside a run's sandbox: the GitLab tools' helper
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &environment{stdout: os.Stdout, stderr: os.Stderr, lookup: os.LookupEnv, envFile: ".env"}
	err := run(ctx, env, os.Args[1:])
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	case errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "claude-gitlab:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		return runDefault(ctx, env)
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		return help(ctx, env, args[1:])
	}
	cmd, ok := commands[name]
	if !ok {
		// Said first: the usage that follows is long.
		fmt.Fprintf(env.stderr, "claude-gitlab: unknown command %q\n\n", name)
		usage(env.stderr)
		return exitError{2}
	}
	return cmd.run(ctx, env, args[1:])
}

// runDefault is what the README's first command does: serve when a GitLab token is configured,
// else the demo.
func runDefault(ctx context.Context, env *environment) error {
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	exported := hasEnv(env, "GITLAB_TOKEN") || hasEnv(env, "GITLAB_TOKEN_FILE")
	// A token written into .env without a webhook secret is a deliberate set-up for polling
	// (INTAKE=poll needs no secret). One only exported in the shell is often glab's, a person's
	// own token: never start answering that person's mentions as a bot because of it.
	if cfg.HasToken() && cfg.WebhookSecret == "" && (exported || cfg.Intake != config.IntakePoll) {
		where := "in .env"
		if exported {
			where = "in your environment"
		}
		fmt.Fprintf(env.stderr, "claude-gitlab: the demo was skipped because GITLAB_TOKEN is set %s; to see the demo run `go run ./cmd/claude-gitlab demo` (or unset GITLAB_TOKEN); to serve put the bot's GITLAB_TOKEN in .env (it then reads the bot's To-Do list), or also set WEBHOOK_SECRET for webhooks (see .env.example).\n", where)
		return exitError{2}
	}
	if cfg.HasToken() {
		return runServe(ctx, env, nil)
	}
	demo, ok := commands["demo"]
	if !ok {
		fmt.Fprintln(env.stderr, "No GITLAB_TOKEN in the environment or .env, and this build has no demo yet.")
		fmt.Fprintln(env.stderr, "Put GITLAB_TOKEN=... and WEBHOOK_SECRET=... in .env and run again; `claude-gitlab --help` lists the settings.")
		return exitError{2}
	}
	return demo.run(ctx, env, nil)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: claude-gitlab [command] [flags]   (no command: serve if GITLAB_TOKEN is set, else demo)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\n`claude-gitlab COMMAND --help` shows a command's flags and the settings it reads;")
	fmt.Fprintln(w, "`claude-gitlab help settings` lists every setting.")
}

// newFlags makes a command's flag set whose --help shows its flags and the settings it reads.
func newFlags(env *environment, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() { commandHelp(env.stderr, fs, name, synopsis) }
	return fs
}

// hasEnv says whether the real environment (not .env) sets name.
func hasEnv(env *environment, name string) bool {
	v, ok := env.lookup(name)
	return ok && v != ""
}
