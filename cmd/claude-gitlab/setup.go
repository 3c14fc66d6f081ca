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
	project, group, url                       string
	pipeline, wiki, insecure, dry, perProject bool
	print                                     bool
}

func runSetup(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "setup", "--project group/project | --group group [--per-project]  [--url URL] [--pipeline] [--wiki] [--insecure-ssl] [--dry-run] [--print]")
	var f setupFlags
	fs.StringVar(&f.project, "project", "", "project whose webhook to create or update (path as in its URL)")
	fs.StringVar(&f.group, "group", "", "a group: one group webhook where the tier has them, else a webhook on each of its projects and subgroups' projects")
	fs.BoolVar(&f.perProject, "per-project", false, "with --group: a webhook on each project even where group webhooks exist")
	fs.StringVar(&f.url, "url", "", "where GitLab delivers (default PUBLIC_URL/webhook)")
	fs.BoolVar(&f.pipeline, "pipeline", false, "also pipeline events (fixing failed pipelines)")
	fs.BoolVar(&f.wiki, "wiki", false, "also wiki page events")
	fs.BoolVar(&f.insecure, "insecure-ssl", false, "turn off GitLab's check of the service's certificate (self-signed only; avoid)")
	fs.BoolVar(&f.dry, "dry-run", false, "print what would change, change nothing")
	fs.BoolVar(&f.print, "print", false, "print a generated WEBHOOK_SECRET instead of writing it to .env (secret managers)")
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
	if f.group != "" {
		return withFix(doSetupGroup(ctx, env, cfg, f, hookURL), f)
	}
	return withFix(doSetup(ctx, env, cfg, f, scope, hookURL), f)
}

// withFix adds the line that says what to do to an error of GitLab's.
func withFix(err error, f setupFlags) error {
	var fix string
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gitlab.ErrUnauthorized):
		fix = "GitLab refused GITLAB_TOKEN (invalid, expired or revoked): put the bot's current token in .env (GITLAB_TOKEN=...) and check it with `claude-gitlab doctor`"
	case errors.Is(err, gitlab.ErrForbidden):
		fix = "the bot may not manage webhooks here: give its user the Maintainer role on the project (Owner on a group), or add the webhook by hand (docs/operations.md)"
	case errors.Is(err, gitlab.ErrNotFound):
		fix = "check the path (as in the project's or group's URL, e.g. group/project) and that the bot user is a member; GitLab answers 404 to what the token cannot see"
	case gitlab.IsTransient(err):
		fix = "GitLab did not answer properly: check GITLAB_URL and try again in a minute"
	default:
		return err
	}
	return fmt.Errorf("%w\nfix: %s", err, fix)
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
	} else if err := config.CheckWebhookSecret(secret); err != nil {
		return err
	}
	want := setup.Wanted(setup.Options{URL: url, Secret: secret, Pipeline: f.pipeline, Wiki: f.wiki, InsecureSSL: f.insecure,
		SigningToken: cfg.WebhookSigningToken})
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
	if f.dry {
		if generated {
			fmt.Fprintf(env.stdout, "WEBHOOK_SECRET is not set; would make a new one and write it to %s\n", env.envFile)
		}
		fmt.Fprintln(env.stdout, "dry run: nothing changed")
		return nil
	}
	if generated {
		// Stored before GitLab gets it: a secret only GitLab knows would lock serve out.
		if err := storeSecret(env, secret, f.print); err != nil {
			return err
		}
	}
	h, err := setup.Apply(ctx, gl, scope, plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "webhook %d on %s is set up → %s\n", h.ID, scope, h.URL)
	if line := setup.SigningReport(h, cfg.WebhookSigningToken != ""); line != "" {
		fmt.Fprintln(env.stdout, line)
	}
	fmt.Fprintln(env.stdout)
	cfg.WebhookSecret = secret
	if f.project == "" {
		fmt.Fprintln(env.stdout, "run `claude-gitlab doctor --project <a project of the group>` to check a project")
		return nil
	}
	return doctorReport(ctx, env, cfg, doctor.Options{Project: f.project, HookURL: url}, false)
}

// storeSecret writes a generated WEBHOOK_SECRET to .env (atomically, mode 0600), or prints it
// with --print.
func storeSecret(env *environment, secret string, printOnly bool) error {
	if printOnly {
		fmt.Fprintf(env.stdout, "WEBHOOK_SECRET is not set; a new one is used. Store it where serve reads it:\nWEBHOOK_SECRET=%s\n", secret)
		return nil
	}
	if err := config.SetEnvFileValue(env.envFile, "WEBHOOK_SECRET", secret); err != nil {
		return fmt.Errorf("setup: %w\nfix: make %s writable, or run setup with --print and store the secret yourself", err, env.envFile)
	}
	fmt.Fprintf(env.stdout, "WEBHOOK_SECRET was not set: a new one is written to %s (readable by its owner only)\n", env.envFile)
	return nil
}
