package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// Outcomes, as counted in metrics.Webhooks and logged.
const (
	outcomeQueued      = "queued"
	outcomeDuplicate   = "duplicate"
	outcomeIgnored     = "ignored"
	outcomeForbidden   = "forbidden"
	outcomeBadRequest  = "bad_request"
	outcomeTooLarge    = "too_large"
	outcomeRateLimited = "rate_limited"
	outcomeError       = "error"
)

// decision is what the handler settled on for one delivery, and what it logs about it.
type decision struct {
	start      time.Time
	requestID  string
	source     string
	header     string
	eventUUID  string
	hookUUID   string // X-Gitlab-Webhook-UUID: new for every request, retries included; logged only
	status     int
	outcome    string
	reason     string
	job        int64
	retryAfter time.Duration
	ev         event.Event
	err        error // internal detail for the log only
}

func (d *decision) fail(status int, outcome, reason string) {
	d.status, d.outcome, d.reason = status, outcome, reason
}

// ignore answers 200: GitLab must see success for events we choose not to act on.
func (d *decision) ignore(reason string) {
	d.status, d.outcome, d.reason = http.StatusOK, outcomeIgnored, reason
}

func (h *handler) finish(w http.ResponseWriter, d *decision) {
	if d.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	if d.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Max(1, math.Ceil(d.retryAfter.Seconds())))))
	}
	writeJSON(w, d.status, responseBody(d))
	h.record(d)
	h.logDecision(d)
}

func responseBody(d *decision) map[string]any {
	switch d.outcome {
	case outcomeQueued, outcomeDuplicate:
		return map[string]any{"status": d.outcome, "job": d.job}
	case outcomeIgnored, outcomeShed:
		return map[string]any{"status": d.outcome, "reason": d.reason}
	}
	return map[string]any{"error": d.reason}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client may be gone; nothing to do about it
}

func (h *handler) record(d *decision) {
	if h.m == nil {
		return
	}
	h.m.Webhooks.WithLabelValues(eventLabel(d.header), d.outcome).Inc()
	h.m.WebhookLatency.WithLabelValues(d.outcome).Observe(h.now().Sub(d.start).Seconds())
}

// eventLabel keeps the metric's cardinality bounded: the header is whatever the sender wrote.
func eventLabel(header string) string {
	switch _, known := hookKinds[header]; {
	case header == "":
		return "none"
	case known:
		return header
	}
	return "other"
}

// logDecision writes the one line per delivery. Rejected deliveries log at most one line per
// source and minute, with the count of those held back: under a flood a line each would be a
// second flood (the metric still counts every one).
func (h *handler) logDecision(d *decision) {
	level := slog.LevelInfo
	var heldBack int
	switch d.outcome {
	case outcomeForbidden, outcomeBadRequest, outcomeTooLarge, outcomeRateLimited, outcomeShed:
		log, before, stale := h.rejects.admit(d.source, d.start)
		h.logHeldBack(stale)
		if !log {
			return
		}
		level, heldBack = slog.LevelWarn, before
		if d.outcome == outcomeShed {
			level = slog.LevelError
		}
	case outcomeError:
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", d.requestID),
		slog.String("event", d.header),
		slog.String("event_uuid", d.eventUUID),
		slog.String("webhook_uuid", d.hookUUID),
		slog.String("source", d.source),
		slog.String("project", projectName(d.ev.Project)),
		slog.Int64("iid", d.ev.Thread.IID),
		slog.String("outcome", d.outcome),
		slog.String("reason", d.reason),
		slog.Int64("job", d.job),
		slog.Int("status", d.status),
	}
	if d.err != nil {
		attrs = append(attrs, slog.String("err", d.err.Error()))
	}
	if heldBack > 0 {
		attrs = append(attrs, slog.Int("rejected_not_logged", heldBack))
	}
	h.log.LogAttrs(context.Background(), level, "webhook "+d.outcome, attrs...)
}

// logHeldBack tells, for each source whose minute closed, how many rejections were not logged.
func (h *handler) logHeldBack(stale []heldBack) {
	for _, s := range stale {
		h.log.Warn("webhook rejected deliveries not logged", "source", s.source, "rejected_not_logged", s.count)
	}
}

func projectName(p event.Project) string {
	if p.Path != "" {
		return p.Path
	}
	if p.ID != 0 {
		return strconv.FormatInt(p.ID, 10)
	}
	return ""
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}
