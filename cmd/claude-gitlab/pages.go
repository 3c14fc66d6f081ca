package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/job"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobpage"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// sweepEvery is how often transcripts older than JOB_RETENTION are deleted.
const sweepEvery = time.Hour

// pages are the job pages and the journal behind them.
type pages struct {
	cfg      config.Config
	journal  *journal.Journal
	signer   *jobpage.Signer
	log      *slog.Logger
	sessions jobpage.Sessions
}

// newPages opens the journal and gives the runner its link to it: every step and agent event of
// a job is recorded, replies link the job page, and the daily budget reads the recorded costs.
// close stops the retention sweeper and writes what is queued; call it after the workers stopped.
func newPages(ctx context.Context, cfg config.Config, db *store.DB, runner *job.Runner, log *slog.Logger) (*pages, func(), error) {
	key, err := db.Key(ctx, "job-links")
	if err != nil {
		return nil, nil, err
	}
	p := &pages{cfg: cfg, journal: journal.New(db, log), signer: jobpage.NewSigner(key), log: log, sessions: db}
	runner.Journal = p.journal
	runner.Steps = p.journal.RecordSteps(runner.Steps)
	if cfg.PublicURL != "" {
		runner.JobURL = func(id int64, confidential bool) string { return p.signer.Link(cfg.PublicURL, id, confidential) }
	}
	stopSweeper := p.journal.StartSweeper(ctx, cfg.JobRetention, sweepEvery)
	return p, func() { stopSweeper(); p.journal.Close() }, nil
}

// routes are the pages' HTTP routes; done ends live streams.
func (p *pages) routes(jobs jobpage.Jobs, done <-chan struct{}) map[string]http.Handler {
	return jobpage.Routes(jobpage.Config{Journal: p.journal, Jobs: jobs, Signer: p.signer,
		AdminToken: p.cfg.AdminToken, PublicURL: p.cfg.PublicURL, Done: done, Log: p.log, Sessions: p.sessions})
}
