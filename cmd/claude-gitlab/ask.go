package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/api"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// runAsk queues a request from a shell, as the operator: it reads the service's own settings
// (GITLAB_TOKEN, DATABASE_URL or DATA_DIR), so whoever may run it holds the bot's token already.
// The request is still authorised as a mention by the user named with --as.
func runAsk(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "ask", `--project P (--issue N | --mr N | --new-issue TITLE) --as USER "request" [--wait]`)
	project := fs.String("project", "", "project path or id")
	issue := fs.Int64("issue", 0, "issue iid")
	mr := fs.Int64("mr", 0, "merge request iid")
	newIssue := fs.String("new-issue", "", "open a new issue with this title for the request")
	as := fs.String("as", "", "the GitLab user the request comes from: authorised and named as if they had mentioned the bot")
	wait := fs.Bool("wait", false, "wait until the request is done; exit 1 if it failed")
	timeout := fs.Duration("timeout", time.Hour, "longest wait with --wait")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *project == "" || *as == "" {
		fs.Usage()
		return errors.New(`ask: give --project, --as and the request text (one argument, quoted)`)
	}
	a := api.Ask{Project: *project, Issue: *issue, MergeRequest: *mr, Prompt: pos[0]}
	if *newIssue != "" {
		a.NewIssue = &struct {
			Title string `json:"title"`
		}{*newIssue}
	}
	if err := a.Validate(); err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	cfg, err := config.Load(env.lookup, env.envFile, false)
	if err != nil {
		return err
	}
	if !cfg.HasToken() {
		return errors.New("ask: GITLAB_TOKEN is not set: run it where the service's .env is")
	}
	gl, err := gitlab.New(gitlab.Config{BaseURL: cfg.GitLabURL, Token: func() string { return cfg.GitLabToken },
		RatePerMinute: cfg.GitLabRateLimit, HTTPTimeout: cfg.GitLabTimeout})
	if err != nil {
		return err
	}
	user, err := gl.UserByUsername(ctx, strings.TrimPrefix(*as, "@"))
	if err != nil {
		return fmt.Errorf("ask: --as %s: %w", *as, err)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	q, err := queue.Open(ctx, db, queue.Options{})
	if err != nil {
		return err
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	defer q.Close()
	out, err := submitter(cfg, gl, q, nil).Submit(ctx, api.Origin{User: user, Key: "ask:" + randomKey()}, a)
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	fmt.Fprintf(env.stdout, "queued as job %d\n", out.JobID)
	if !*wait {
		return nil
	}
	return waitForJob(ctx, env, db, q, out.JobID, *timeout)
}

// waitForJob prints the job's outcome when it is done; a failed or cancelled job is an error.
func waitForJob(ctx context.Context, env *environment, db *store.DB, q *queue.Queue, id int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		info, err := q.Get(ctx, id)
		if err != nil {
			return err
		}
		if info.Status.Final() {
			outcome := info.Outcome
			if outcome == "" {
				outcome = string(info.Status)
			}
			fmt.Fprintf(env.stdout, "job %d: %s\n", id, outcome)
			if info.Status != jobstate.Answered {
				return fmt.Errorf("job %d did not succeed: %s", id, outcome)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("job %d still %s after %s", id, info.Status, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func randomKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
