package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/doctor"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

func runDoctor(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "doctor", "[--project group/project | --group group] [--json]")
	project := fs.String("project", "", "also check this project: the bot's rights, push rules, the webhook")
	group := fs.String("group", "", "check every project of this group and its subgroups, one line each")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	if *group != "" {
		return doctorGroupReport(ctx, env, cfg, *group, *asJSON)
	}
	return doctorReport(ctx, env, cfg, doctor.Options{Project: *project}, *asJSON)
}

// doctorGroupReport prints the token checks, then one line per project of the group with what
// is wrong there and its fix; any ✗ makes it exit 1.
func doctorGroupReport(ctx context.Context, env *environment, cfg config.Config, group string, asJSON bool) error {
	gl, err := commandClient(cfg)
	if err != nil {
		return err
	}
	general, projects := doctor.Group(ctx, doctor.Options{Settings: cfg, GitLab: gl}, group)
	failed := doctor.Failed(general)
	for _, p := range projects {
		failed = failed || doctor.Failed(p.Results)
	}
	if asJSON {
		if err := printJSON(env.stdout, map[string]any{"ok": !failed, "checks": general, "projects": projects}); err != nil {
			return err
		}
	} else {
		printResults(env.stdout, general)
		fmt.Fprintln(env.stdout)
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		for _, p := range projects {
			line := "all checks pass"
			for _, r := range p.Results {
				if r.Status != doctor.OK {
					line = fmt.Sprintf("%s %s: %s — fix: %s", marks[r.Status], r.Name, r.Detail, r.Fix)
					break
				}
			}
			fmt.Fprintf(tw, "%s %s\t%s\n", marks[p.Worst()], p.Project, line)
		}
		tw.Flush()
	}
	if failed {
		return exitError{1}
	}
	return nil
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
