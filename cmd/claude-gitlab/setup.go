package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/doctor"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/setup"
)

type setupFlags struct {
	project, group, url           string
	pipeline, wiki, insecure, dry bool
}

func runSetup(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "setup", "--project group/project | --group group  [--url URL] [--pipeline] [--wiki] [--insecure-ssl] [--dry-run]")
	var f setupFlags
	fs.StringVar(&f.project, "project", "", "project whose webhook to create or update (path as in its URL)")
	fs.StringVar(&f.group, "group", "", "group whose webhook to create or update instead (paid tiers)")
	fs.StringVar(&f.url, "url", "", "where GitLab delivers (default PUBLIC_URL/webhook)")
	fs.BoolVar(&f.pipeline, "pipeline", false, "also pipeline events (fixing failed pipelines)")
	fs.BoolVar(&f.wiki, "wiki", false, "also wiki page events")
	fs.BoolVar(&f.insecure, "insecure-ssl", false, "turn off GitLab's check of the service's certificate (self-signed only; avoid)")
	fs.BoolVar(&f.dry, "dry-run", false, "print what would change, change nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	scope, hookURL, err := f.target(cfg)
	if err != nil {
		return err
	}
	return doSetup(ctx, env, cfg, f, scope, hookURL)
}

func (f setupFlags) target(cfg config.Config) (gitlab.HookScope, string, error) {
	if (f.project == "") == (f.group == "") {
		return gitlab.HookScope{}, "", errors.New("setup: give --project group/project or --group group")
	}
	if cfg.GitLabToken == "" {
		return gitlab.HookScope{}, "", errors.New("setup: GITLAB_TOKEN is not set: put the bot's token in .env first (see docs/operations.md)")
	}
	url := f.url
	if url == "" && cfg.PublicURL == "" {
		return gitlab.HookScope{}, "", errors.New("setup: give --url https://host/webhook, or set PUBLIC_URL (then the URL is PUBLIC_URL/webhook)")
	}
	if url == "" {
		url = cfg.PublicURL + "/webhook"
	}
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return gitlab.HookScope{}, "", fmt.Errorf("setup: --url %q is not an http(s) URL", url)
	}
	if f.project != "" {
		return gitlab.ProjectHooks(f.project), url, nil
	}
	return gitlab.GroupHooks(f.group), url, nil
}

func doSetup(ctx context.Context, env *environment, cfg config.Config, f setupFlags, scope gitlab.HookScope, url string) error {
	gl, err := commandClient(cfg)
	if err != nil {
		return err
	}
	secret, generated := cfg.WebhookSecret, false
	if secret == "" {
		secret, generated = setup.NewSecret(), true
	}
	want := setup.Wanted(setup.Options{URL: url, Secret: secret, Pipeline: f.pipeline, Wiki: f.wiki, InsecureSSL: f.insecure})
	plan, err := setup.PlanFor(ctx, gl, scope, want)
	if err != nil {
		return err
	}
	verb := "will"
	if f.dry {
		verb = "would"
	}
	for _, line := range plan.Describe(scope, verb) {
		fmt.Fprintln(env.stdout, line)
	}
	if generated {
		fmt.Fprintf(env.stdout, "WEBHOOK_SECRET is not set; %s use a new one. Put this line in .env:\nWEBHOOK_SECRET=%s\n", verb, secret)
	}
	if f.dry {
		fmt.Fprintln(env.stdout, "dry run: nothing changed")
		return nil
	}
	h, err := setup.Apply(ctx, gl, scope, plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "webhook %d on %s is set up → %s\n\n", h.ID, scope, h.URL)
	if f.project == "" {
		fmt.Fprintln(env.stdout, "run `claude-gitlab doctor --project <a project of the group>` to check a project")
		return nil
	}
	return doctorReport(ctx, env, cfg, doctor.Options{Project: f.project, HookURL: url}, false)
}
