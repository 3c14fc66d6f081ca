package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/doctor"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/logging"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/server"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
)

func runServe(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "serve", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(env.lookup, env.envFile, true)
	if err != nil {
		return err
	}
	log := logging.New(env.stderr, cfg.LogLevel, cfg.LogFormat)
	return serve(ctx, cfg, log, nil)
}

// serve runs the service until ctx ends. started, if not nil, gets the bound address.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, started func(addr string)) error {
	m := metrics.New()
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Applied > 0 {
		log.Info("database migrated", "database", db.Path, "migrations", db.Applied, "schema_version", store.SchemaVersion())
	}
	tok := newTokenHolder(cfg) // reloaded on SIGHUP after rotate-token (reload.go)
	token := tok.Get
	gl, err := gitlab.New(gitlab.Config{
		BaseURL: cfg.GitLabURL, Token: token,
		RatePerMinute: cfg.GitLabRateLimit, HTTPTimeout: cfg.GitLabTimeout, Debug: cfg.GitLabDebug, Log: log, Metrics: m,
	})
	if err != nil {
		return err
	}
	runner, err := newRunner(cfg, gl, db, token, m, log)
	if err != nil {
		return err
	}
	for _, r := range doctor.Startup(cfg) { // what every job will miss, said once at start
		log.Warn(fmt.Sprintf("%s %s: %s", marks[r.Status], r.Name, r.Detail), "fix", r.Fix)
	}
	closeTools, err := serveTools(runner, gl, log)
	if err != nil {
		return err
	}
	defer closeTools() // after drain (deferred later, runs first): no run holds a grant any more
	jobPages, closePages, err := newPages(ctx, cfg, db, runner, log)
	if err != nil {
		return err
	}
	defer closePages() // after drain: the workers have stopped recording
	defer (&tokenReloader{token: tok, redactor: runner.Redactor, gl: gl, log: log}).start(ctx, cfg.DataDir)()
	q, err := queue.Open(ctx, db, queue.Options{
		Handler: runner, Workers: cfg.Workers, PerProject: max(1, cfg.Workers/2),
		JobTimeout: cfg.ClaudeTimeout + 10*time.Minute, MaxAttempts: 5, Log: log,
		GiveUp: cfg.JobGiveUp, RetryDelays: cfg.JobRetryDelays,
		ReplicaID: replicaID(cfg), Heartbeat: cfg.JobHeartbeat, StaleAfter: cfg.JobStaleAfter,
		AckLane: true,
	})
	if err != nil {
		return err
	}
	runner.Control = q                            // "@claude stop" cancels through the queue, as `jobs cancel` does
	defer startAckLane(ctx, runner, q, db, log)() // before the database closes
	bot := newIdentity(gl, cfg.TriggerPhrase, log)
	bot.auto = cfg.AutoReview
	bot.fix, bot.prefix = cfg.PipelineFix, cfg.BranchPrefix
	bot.wiki = cfg.WikiEnabled
	bot.label = cfg.LabelTrigger
	// Both retry until they succeed: they end with serve, which waits for them.
	bgCtx, stopBG := context.WithCancel(ctx)
	var bg sync.WaitGroup
	defer func() { stopBG(); bg.Wait() }()
	bg.Go(func() { bot.learn(bgCtx) })
	bg.Go(func() { resolveAllowLists(bgCtx, runner.Allow, gl, log) })
	registerQueueDepth(m, q)

	signing, err := signingPolicy(ctx, cfg, db)
	if err != nil {
		return err
	}
	hook := webhookIntake(cfg, webhook.Config{
		Secret: cfg.WebhookSecret, SigningToken: cfg.WebhookSigningToken, Signing: signing,
		MaxPayloadBytes: cfg.MaxPayloadBytes, RatePerSecond: cfg.WebhookRateLimit, Rules: bot.rules,
		MaxInFlight: cfg.WebhookMaxInFlight,
	}, q, m, log)
	srv, err := server.Listen(server.Options{
		Addr: cfg.ListenAddr, CertFile: cfg.TLSCertFile, KeyFile: cfg.TLSKeyFile,
		Webhook: hook, Metrics: m, MetricsToken: cfg.MetricsToken, Log: log, Extra: withAPI(jobPages.routes(q, ctx.Done()), cfg, gl, q, db, jobPages, log),
		ReadyChecks: map[string]server.Check{
			"database": func(ctx context.Context) error { return db.PingContext(ctx) },
			"gitlab": func(ctx context.Context) error {
				if err := bot.ready(ctx); err != nil {
					return err
				}
				return gl.AuthError() // a token revoked or expired while running
			},
		},
	})
	if err != nil {
		return err
	}
	// Not ctx: River hard-stops (cancelling running jobs) when its start context ends, and
	// SIGTERM must drain instead (drain below stops the workers within SHUTDOWN_TIMEOUT).
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	log.Info("serving", "addr", srv.Addr().String(), "tls", cfg.TLSCertFile != "", "data_dir", cfg.DataDir, "database", db.Path, "gitlab", cfg.GitLabURL)
	if started != nil {
		started(srv.Addr().String())
	}
	stopPolling := startPolling(ctx, cfg, gl, q, bot, log)
	defer stopPolling()
	errc := make(chan error, 1)
	var serving sync.WaitGroup
	serving.Go(func() { errc <- srv.Serve() })
	defer serving.Wait() // drain's Shutdown ends Serve
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	return drain(cfg, log, srv, q, err)
}

// drain stops in the order that loses nothing: workers first (webhooks are still answered while
// running jobs finish), then the HTTP server (requests in flight complete), then the intake.
func drain(cfg config.Config, log *slog.Logger, srv *server.Server, q *queue.Queue, serveErr error) error {
	log.Info("stopping: finishing running jobs", "timeout", cfg.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := q.StopWorkers(ctx); err != nil {
		log.Warn("jobs cancelled at shutdown; they resume at the next start", "error", err)
	}
	hctx, hcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer hcancel()
	if err := srv.Shutdown(hctx); err != nil {
		log.Warn("HTTP shutdown", "error", err)
	}
	q.Close()
	log.Info("stopped")
	return serveErr
}

func registerQueueDepth(m *metrics.Metrics, q *queue.Queue) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "claude_gitlab_queue_depth",
		Help: "Jobs waiting or running.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := q.Depth(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}
