package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/api"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/poll"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
)

// webhookIntake is POST /webhook: the webhook handler, or with INTAKE=poll a clear refusal.
func webhookIntake(cfg config.Config, wcfg webhook.Config, q *queue.Queue, m *metrics.Metrics, log *slog.Logger) http.Handler {
	if !cfg.Webhooks() {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"status":"error","reason":"webhooks are off (INTAKE=poll): requests are read from the bot's To-Do list; set INTAKE=both to take webhooks too"}` + "\n"))
		})
	}
	return webhook.New(wcfg, q, m, log)
}

// startPolling runs the To-Do poller with INTAKE=poll or both; the returned func stops it and
// waits for it.
func startPolling(ctx context.Context, cfg config.Config, gl *gitlab.Client, q *queue.Queue, bot *identity, log *slog.Logger) func() {
	if !cfg.Polls() {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	p := poll.New(gl, q, poll.Config{Interval: cfg.PollInterval, Rules: bot.rules, Log: log.With("intake", "poll")})
	var wg sync.WaitGroup
	wg.Go(func() { p.Run(ctx) })
	return func() {
		cancel()
		wg.Wait()
	}
}

// submitter is the one way requests from pipelines and from `ask` are authorised and queued.
func submitter(cfg config.Config, gl *gitlab.Client, q api.Queue, log *slog.Logger) *api.Submitter {
	return &api.Submitter{GitLab: gl, Queue: q, Log: log,
		Rules: api.Rules{MinAccessLevel: cfg.MinAccessLevel, AllowedUsers: cfg.AllowedUsers, AllowedProjects: cfg.AllowedProjects}}
}

// withAPI adds POST /api/v1/requests (CI job tokens) and GET /api/v1/requests/{id} to routes.
func withAPI(routes map[string]http.Handler, cfg config.Config, gl *gitlab.Client, q *queue.Queue, db *store.DB, p *pages, log *slog.Logger) map[string]http.Handler {
	h := &api.Handler{Submitter: submitter(cfg, gl, q, log), Tokens: gl, Links: p.signer, Outcomes: db,
		PublicURL: cfg.PublicURL, Log: log.With("intake", "api")}
	for pattern, handler := range h.Routes() {
		routes[pattern] = handler
	}
	return routes
}
