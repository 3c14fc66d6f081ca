// Package metrics holds the service's Prometheus collectors. One Metrics value is made at start
// and passed to the parts that record; nothing here is global.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the collectors of one service process.
type Metrics struct {
	Registry *prometheus.Registry

	// Webhooks counts deliveries by X-Gitlab-Event and outcome (queued, duplicate, ignored,
	// forbidden, bad_request, too_large, rate_limited, error).
	Webhooks *prometheus.CounterVec
	// WebhookLatency is the time to answer a delivery, by outcome.
	WebhookLatency *prometheus.HistogramVec
	// GitLabRequests counts outbound API calls by method and status.
	GitLabRequests *prometheus.CounterVec
	// Jobs counts finished jobs by outcome.
	Jobs *prometheus.CounterVec
	// AgentCost, AgentTurns and AgentSeconds add up the agent's runs by project (path).
	AgentCost    *prometheus.CounterVec
	AgentTurns   *prometheus.CounterVec
	AgentSeconds *prometheus.CounterVec
	// Unauthorised counts triggers whose author may not run the bot, by what was done: replied
	// (the one refusal of the day in that thread), silent (refused again: no reply), ignored
	// (bots, projects not allowed, quiet triggers).
	Unauthorised *prometheus.CounterVec
}

// New makes the collectors and registers them, with Go and process collectors, on a new registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "claude_gitlab_webhooks_total",
			Help: "Webhook deliveries by GitLab event and outcome.",
		}, []string{"event", "outcome"}),
		WebhookLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "claude_gitlab_webhook_duration_seconds",
			Help:    "Time to answer a webhook delivery.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"outcome"}),
		GitLabRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "claude_gitlab_gitlab_requests_total",
			Help: "Outbound GitLab API requests by method and status code.",
		}, []string{"method", "status"}),
		Jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "claude_gitlab_jobs_total",
			Help: "Finished jobs by outcome.",
		}, []string{"outcome"}),
		AgentCost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "claude_gitlab_agent_cost_usd_total",
			Help: "What agent runs cost (USD, as the Claude CLI reports it), by project.",
		}, []string{"project"}),
		AgentTurns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "claude_gitlab_agent_turns_total",
			Help: "Agent turns, by project.",
		}, []string{"project"}),
		AgentSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "claude_gitlab_agent_seconds_total",
			Help: "Time agent runs took, by project.",
		}, []string{"project"}),
		Unauthorised: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "claude_gitlab_unauthorised_total",
			Help: "Triggers by authors who may not run the bot, by what was done (replied, silent, ignored).",
		}, []string{"action"}),
	}
	m.Registry.MustRegister(m.Webhooks, m.WebhookLatency, m.GitLabRequests, m.Jobs, m.AgentCost, m.AgentTurns, m.AgentSeconds, m.Unauthorised,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
