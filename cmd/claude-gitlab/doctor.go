package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/doctor"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

func runDoctor(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "doctor", "[--project group/project] [--json]")
	project := fs.String("project", "", "also check this project: the bot's rights, push rules, the webhook")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	return doctorReport(ctx, env, cfg, doctor.Options{Project: *project}, *asJSON)
}

// doctorReport runs the checks and prints them; any ✗ makes it exit 1.
func doctorReport(ctx context.Context, env *environment, cfg config.Config, o doctor.Options, asJSON bool) error {
	gl, err := commandClient(cfg)
	if err != nil {
		return err
	}
	o.Settings, o.GitLab = cfg, gl
	results := doctor.Run(ctx, o)
	if asJSON {
		if err := printJSON(env.stdout, map[string]any{"ok": !doctor.Failed(results), "checks": results}); err != nil {
			return err
		}
	} else {
		printResults(env.stdout, results)
	}
	if doctor.Failed(results) {
		return exitError{1}
	}
	return nil
}

// commandClient is a GitLab client for one-shot commands: fewer retries than serve, since a
// person is waiting and the answer (or its absence) is the point.
func commandClient(cfg config.Config) (*gitlab.Client, error) {
	return gitlab.New(gitlab.Config{
		BaseURL: cfg.GitLabURL, Token: func() string { return cfg.GitLabToken },
		RatePerMinute: cfg.GitLabRateLimit, MaxRetries: 2, MaxBackoff: 2 * time.Second, HTTPTimeout: 15 * time.Second,
	})
}

var marks = map[doctor.Status]string{doctor.OK: "✓", doctor.Warn: "!", doctor.Fail: "✗", doctor.Skip: "-"}

func printResults(w io.Writer, results []doctor.Result) {
	count := map[doctor.Status]int{}
	for _, r := range results {
		count[r.Status]++
		fmt.Fprintf(w, "%s %s: %s\n", marks[r.Status], r.Name, r.Detail)
		if r.Status != doctor.OK && r.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", r.Fix)
		}
	}
	fmt.Fprintf(w, "\n%d ok, %d warnings (!), %d problems (✗), %d not checked (-)\n",
		count[doctor.OK], count[doctor.Warn], count[doctor.Fail], count[doctor.Skip])
}
