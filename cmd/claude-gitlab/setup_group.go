package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/setup"
)

// doSetupGroup: one group hook when the group's hooks can be read (a paid tier, and the bot is
// the group's Owner), else — or with --per-project — our hook on each project of the group and its
// subgroups, one line per project; a project the token cannot administer is reported and makes
// the command exit 1, the others are set up all the same.
func doSetupGroup(ctx context.Context, env *environment, cfg config.Config, f setupFlags, url string) error {
	gl, err := commandClient(cfg)
	if err != nil {
		return err
	}
	if !f.perProject {
		if _, err := gl.ListHooks(ctx, gitlab.GroupHooks(f.group)); err == nil {
			return doSetup(ctx, env, cfg, f, gitlab.GroupHooks(f.group), url)
		} else {
			fmt.Fprintf(env.stdout, "group webhooks are not available for %s (%s): a webhook on each project instead\n", f.group, firstLine(err.Error()))
		}
	}
	secret, generated := cfg.WebhookSecret, false
	if secret == "" {
		secret, generated = setup.NewSecret(), true
	} else if err := config.CheckWebhookSecret(secret); err != nil {
		return err
	}
	want := setup.Wanted(setup.Options{URL: url, Secret: secret, Pipeline: f.pipeline, Wiki: f.wiki, InsecureSSL: f.insecure})
	if generated && !f.dry {
		// Stored before GitLab gets it: a secret only GitLab knows would lock serve out.
		if err := storeSecret(env, secret, f.print); err != nil {
			return err
		}
	}
	results, err := setup.ForGroupProjects(ctx, gl, f.group, want, f.dry)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	failed := 0
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\n", r.Project, r.Status(f.dry))
		if r.Err != nil {
			failed++
		}
	}
	tw.Flush()
	fmt.Fprintf(env.stdout, "%d projects in %s and its subgroups, %d set up, %d not → %s\n", len(results), f.group, len(results)-failed, failed, url)
	if f.dry {
		if generated {
			fmt.Fprintf(env.stdout, "WEBHOOK_SECRET is not set; would make a new one and write it to %s\n", env.envFile)
		}
		fmt.Fprintln(env.stdout, "dry run: nothing changed")
	}
	if failed > 0 {
		return exitError{1}
	}
	return nil
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
