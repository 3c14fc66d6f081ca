package webhook

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(d.status)
	if body, ok := fixedAnswers[answerKey{d.outcome, d.reason}]; ok {
		_, _ = w.Write(body)
	} else {
		_ = json.NewEncoder(w).Encode(responseBody(d)) // the client may be gone; nothing to do about it
	}
	h.record(d)
	h.logDecision(d)
}

// jsonContentType is every answer's Content-Type, shared: net/http only reads it.
var jsonContentType = []string{"application/json"}

// The answers, as JSON objects with their keys in order.
type (
	jobAnswer struct {
		Job    int64  `json:"job"`
		Status string `json:"status"`
	}
	reasonAnswer struct {
		Reason string `json:"reason"`
		Status string `json:"status"`
	}
	errorAnswer struct {
		Error string `json:"error"`
	}
)

func responseBody(d *decision) any {
	switch d.outcome {
	case outcomeQueued, outcomeDuplicate:
		return jobAnswer{Job: d.job, Status: d.outcome}
	case outcomeIgnored, outcomeShed:
		return reasonAnswer{Reason: d.reason, Status: d.outcome}
	}
	return errorAnswer{Error: d.reason}
}

type answerKey struct{ outcome, reason string }

// fixedAnswers are the bodies of the rejections a flood is made of, encoded once: a wrong token
// costs a hash and a write, not an encoding.
var fixedAnswers = func() map[answerKey][]byte {
	out := map[answerKey][]byte{}
	for _, k := range []answerKey{
		{outcomeForbidden, reasonWrongToken}, {outcomeForbidden, reasonMissingToken}, {outcomeRateLimited, reasonRateLimited},
	} {
		var b bytes.Buffer
		_ = json.NewEncoder(&b).Encode(responseBody(&decision{outcome: k.outcome, reason: k.reason}))
		out[k] = b.Bytes()
	}
	return out
}()

func (h *handler) record(d *decision) {
	if h.m == nil {
		return
	}
	m := h.series(eventLabel(d.header), d.outcome)
	m.count.Inc()
	m.latency.Observe(h.now().Sub(d.start).Seconds())
}

// seriesKey names one delivery counter: its labels, bounded by eventLabel and the outcomes.
type seriesKey struct{ event, outcome string }

// series are a counter and a latency histogram of one seriesKey.
type series struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// series finds the metrics of a key once and keeps them: finding them by their labels every
// time (hashing the values, a lock, a map) was over a third of what our handler adds to a wrong
// token's answer.
func (h *handler) series(event, outcome string) series {
	k := seriesKey{event, outcome}
	if s, ok := h.metricSeries.Load(k); ok {
		return s.(series)
	}
	s := series{h.m.Webhooks.WithLabelValues(event, outcome), h.m.WebhookLatency.WithLabelValues(outcome)}
	h.metricSeries.Store(k, s)
	return s
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

// newRequestID is 16 hex digits from the runtime's ChaCha8 generator (math/rand/v2, seeded by
// the OS): unique enough to find a delivery's log line, one allocation, no system call.
func newRequestID() string {
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], rand.Uint64())
	var out [16]byte
	hex.Encode(out[:], raw[:])
	return string(out[:])
}
