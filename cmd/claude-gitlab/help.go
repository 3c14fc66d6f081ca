package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
)

// commandSettings are the settings each command reads, for its --help. A command not listed
// reads them all (serve). An empty list: none.
var commandSettings = map[string][]string{
	"version":      {},
	"jobs":         {"DATA_DIR", "DATABASE_URL"},
	"migrate":      {"DATA_DIR", "DATABASE_URL"},
	"replay":       {"PUBLIC_URL", "PORT", "LISTEN_ADDR", "TLS_CERT_FILE", "WEBHOOK_SECRET"},
	"rotate-token": {"GITLAB_URL", "GITLAB_TOKEN", "DATA_DIR"},
	"setup": {"GITLAB_URL", "GITLAB_TOKEN", "WEBHOOK_SECRET", "PUBLIC_URL", "GITLAB_RATE_LIMIT",
		"GITLAB_USE_MR", "PIPELINE_FIX", "WIKI_ENABLED", "CLAUDE_PATH", "ANTHROPIC_API_KEY", "AGENT_SANDBOX", "AGENT_USER",
		"DATA_DIR", "DATABASE_URL"},
	"doctor": {"GITLAB_URL", "GITLAB_TOKEN", "WEBHOOK_SECRET", "PUBLIC_URL", "GITLAB_RATE_LIMIT",
		"GITLAB_USE_MR", "PIPELINE_FIX", "WIKI_ENABLED", "CLAUDE_PATH", "ANTHROPIC_API_KEY", "AGENT_SANDBOX", "AGENT_USER",
		"DATA_DIR", "DATABASE_URL"},
	"demo": {"CLAUDE_PATH", "CLAUDE_MODEL", "CLAUDE_MAX_TURNS", "CLAUDE_TIMEOUT", "ANTHROPIC_API_KEY", "AGENT_SANDBOX", "AGENT_USER"},
}

// help is `claude-gitlab help [settings | COMMAND]`.
func help(ctx context.Context, env *environment, args []string) error {
	switch {
	case len(args) == 0:
		usage(env.stdout)
		return nil
	case args[0] == "settings":
		fmt.Fprint(env.stdout, config.Help())
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "claude-gitlab help: unknown command %q (try `claude-gitlab help`)\n", args[0])
		return exitError{2}
	}
	return cmd.run(ctx, env, []string{"--help"})
}

// commandHelp is a command's --help: what it does, its flags, the settings it reads.
func commandHelp(w io.Writer, fs *flag.FlagSet, name, synopsis string) {
	fmt.Fprintf(w, "Usage: claude-gitlab %s %s\n\n%s\n", name, synopsis, strings.TrimSpace(commands[name].summary))
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
	}
	names, listed := commandSettings[name]
	switch {
	case !listed:
		fmt.Fprintln(w, "\nIt reads every setting: `claude-gitlab help settings` lists them.")
	case len(names) == 0:
		fmt.Fprintln(w, "\nIt reads no settings.")
	default:
		fmt.Fprint(w, "\n"+strings.Replace(config.HelpHeader, "Settings", "Settings it reads", 1)+config.HelpFor(names...))
	}
}
