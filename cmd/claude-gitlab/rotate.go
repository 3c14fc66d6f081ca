package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

func runRotateToken(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "rotate-token", "[--days N] [--print]")
	days := fs.Int("days", 90, "the new token expires in this many days (GitLab caps it, often at 365)")
	printOnly := fs.Bool("print", false, "print the new token instead of writing it (GITLAB_TOKEN from the environment, secret managers)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	if cfg.GitLabToken == "" {
		return errors.New("rotate-token: GITLAB_TOKEN is not set")
	}
	src, err := config.SourceOfToken(env.lookup, env.envFile)
	if err != nil {
		return err
	}
	if !*printOnly {
		// GitLab revokes the old token the moment it answers: find out now, not after, whether
		// the new one can be stored.
		if err := src.CheckWritable(); err != nil {
			return fmt.Errorf("rotate-token: %w", err)
		}
	}
	return rotate(ctx, env, cfg, src, *days, *printOnly)
}

func rotate(ctx context.Context, env *environment, cfg config.Config, src config.TokenSource, days int, printOnly bool) error {
	gl, err := gitlab.New(gitlab.Config{BaseURL: cfg.GitLabURL, Token: func() string { return cfg.GitLabToken }, MaxRetries: -1})
	if err != nil {
		return err
	}
	if err := canRotate(ctx, gl); err != nil {
		return err
	}
	release, err := rotationLease(ctx, cfg)
	if err != nil {
		return err
	}
	expires := time.Now().AddDate(0, 0, days)
	token, exp, err := gl.RotateToken(ctx, &expires)
	release(err)
	if err != nil {
		return fmt.Errorf("%w\nfix: the old token still works unless GitLab says otherwise; check it with `claude-gitlab doctor`", err)
	}
	if printOnly {
		fmt.Fprintln(env.stdout, token)
		fmt.Fprintf(env.stderr, "new token printed (expires %s); the old one is revoked: store the new one and restart or SIGHUP the service\n", exp.Format("2006-01-02"))
		return nil
	}
	if err := src.Write(token); err != nil {
		// The old token is already revoked: this output is the only copy of the new one.
		fmt.Fprintf(env.stderr, "could not write the new token to %s: %v\nThe old token is revoked. Put this new token there by hand:\n%s\n", src, err, token)
		return exitError{1}
	}
	fmt.Fprintf(env.stdout, "token rotated: the new one expires on %s and is written to %s\n", exp.Format("2006-01-02"), src)
	if err := checkNewToken(ctx, cfg, token); err != nil {
		fmt.Fprintf(env.stderr, "warning: the new token does not work yet: %v\n", err)
	}
	pid, err := signalServe(cfg.DataDir)
	reportReload(env, pid, err)
	return nil
}

// checkNewToken asks GitLab who the new token is, so the operator learns at once if it fails.
func checkNewToken(ctx context.Context, cfg config.Config, token string) error {
	gl, err := gitlab.New(gitlab.Config{BaseURL: cfg.GitLabURL, Token: func() string { return token }, MaxRetries: 2})
	if err != nil {
		return err
	}
	_, err = gl.CurrentUser(ctx)
	return err
}

func reportReload(env *environment, pid int, err error) {
	switch {
	case err != nil:
		fmt.Fprintf(env.stderr, "could not tell the running service to reload: %v\nsend it SIGHUP (or restart it) so it uses the new token\n", err)
	case pid == 0:
		fmt.Fprintln(env.stdout, "no running `serve` found in DATA_DIR; it reads the new token when it starts")
	default:
		fmt.Fprintf(env.stdout, "told the running service (pid %d) to reload the token\n", pid)
	}
}
