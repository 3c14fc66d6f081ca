package webhook

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// DefaultMaxPayloadBytes is GitLab.com's own payload limit (25 MiB).
const DefaultMaxPayloadBytes = 25 << 20

// enqueueTimeout bounds the wait for the queue: GitLab gives up after 10 s and counts it as a
// failure, so a slow store answers 503 well before that.
const enqueueTimeout = 5 * time.Second

// Enqueuer stores a trigger durably. The queue package implements it; tests use a fake.
type Enqueuer interface {
	Enqueue(ctx context.Context, d queue.Delivery) (queue.Outcome, error)
}

// Config is the handler's part of the service configuration.
type Config struct {
	Secret          string // X-Gitlab-Token must equal it; empty refuses every delivery
	SigningToken    string // "whsec_<base64 key>": check Standard Webhooks signatures (see Signing)
	MaxPayloadBytes int64  // larger bodies get 413; 0 means DefaultMaxPayloadBytes
	// RatePerSecond limits, per source address, the deliveries that FAIL authentication: GitLab
	// delivers every project's hooks from a few shared addresses, and a 4xx for load would make it
	// switch the hook off. Authenticated deliveries are never limited (see MaxInFlight).
	RatePerSecond float64
	// Signing says when a signature is required: see SigningPolicy.
	Signing SigningPolicy
	// MaxInFlight is the hard ceiling of authenticated deliveries being handled at once; past it
	// a delivery is answered 200 {"status":"shed"} and counted, never 4xx. 0 means
	// DefaultMaxInFlight.
	MaxInFlight int
	// Rules returns the current trigger rules; the bot's identity is learned (and may change
	// with a rotated token) while the service runs. Nil means trigger.Rules{}.
	Rules func() trigger.Rules
}

type handler struct {
	cfg      Config
	secret   *[32]byte // SHA-256 of cfg.Secret, nil when it is empty (tokenMatches)
	q        Enqueuer
	m        *metrics.Metrics
	log      *slog.Logger
	limiter  *limiter
	rejects  *rejectLog
	inflight chan struct{}
	signing  *signingState
	signKey  []byte
	signErr  error
	maxBytes int64
	now      func() time.Time
	// metricSeries: seriesKey → series, each found once (respond.go).
	metricSeries sync.Map
}

// New returns the POST /webhook handler. The source address used for rate limiting and logs
// is the connection's (r.RemoteAddr): X-Forwarded-For is not trusted, since anyone can set it.
func New(cfg Config, q Enqueuer, m *metrics.Metrics, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{cfg: cfg, q: q, m: m, log: log, limiter: newLimiter(cfg.RatePerSecond),
		rejects: newRejectLog(), inflight: make(chan struct{}, cmp.Or(cfg.MaxInFlight, DefaultMaxInFlight)),
		signing: newSigningState(cfg.Signing), maxBytes: cfg.MaxPayloadBytes, now: time.Now}
	if h.maxBytes <= 0 {
		h.maxBytes = DefaultMaxPayloadBytes
	}
	if cfg.Secret != "" {
		sum := sha256.Sum256([]byte(cfg.Secret))
		h.secret = &sum
	}
	if cfg.SigningToken != "" {
		h.signKey, h.signErr = ParseSigningToken(cfg.SigningToken)
	}
	if cfg.Secret == "" {
		log.Error("webhook secret is empty: every delivery will be refused")
	}
	if h.signErr != nil {
		log.Error("webhook signing token unusable: every delivery will fail", "err", h.signErr)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Headers are read by their canonical names: a wrong-token flood is answered in a few
	// microseconds, and canonicalising a name on every read would be a good part of them.
	d := &decision{
		start:     h.now(),
		requestID: newRequestID(),
		source:    sourceAddr(r),
		header:    header(r.Header, "X-Gitlab-Event"),
		eventUUID: header(r.Header, "X-Gitlab-Event-Uuid"),
		hookUUID:  header(r.Header, "X-Gitlab-Webhook-Uuid"),
	}
	w.Header()["X-Request-Id"] = []string{d.requestID}
	h.decide(w, r, d)
	h.finish(w, d)
}

// decide runs the checks in order of cost; each one that fails settles the answer.
func (h *handler) decide(w http.ResponseWriter, r *http.Request, d *decision) {
	if !h.admit(r, d) {
		return
	}
	if !h.enter(d) {
		return
	}
	defer h.leave()
	body, ok := h.readBody(w, r, d)
	if !ok || !h.verifySigned(r, body, d) {
		return
	}
	ev, ok := h.parse(body, d)
	if !ok {
		return
	}
	req, ok := h.match(ev, d)
	if !ok {
		return
	}
	req.EventUUID = d.eventUUID
	req.ReceivedAt = d.start.UTC()
	keys := append(deliveryKeys(r.Header, ev), trigger.MomentKeys(req, trigger.ParseHookTime(ev.Thread.UpdatedAt), 0)...)
	h.enqueue(r.Context(), queue.Delivery{Request: req, Keys: keys}, d)
}

// admit checks what needs no body: method and token. Only a delivery that fails the token check
// meets the rate limit (authFailed).
func (h *handler) admit(r *http.Request, d *decision) bool {
	if r.Method != http.MethodPost {
		d.fail(http.StatusMethodNotAllowed, outcomeBadRequest, "only POST is accepted")
		return false
	}
	token := header(r.Header, "X-Gitlab-Token")
	if !tokenMatches(token, h.secret) {
		reason := reasonWrongToken
		if token == "" {
			reason = reasonMissingToken
		}
		h.authFailed(d, reason)
		return false
	}
	return true
}

// readBody reads the whole body first: the signature covers the raw bytes, and a body over the
// limit must be refused before any of it is parsed.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request, d *decision) ([]byte, bool) {
	tooLarge := fmt.Sprintf("payload larger than %d bytes", h.maxBytes)
	if r.ContentLength > h.maxBytes {
		d.fail(http.StatusRequestEntityTooLarge, outcomeTooLarge, tooLarge)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBytes))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		d.fail(http.StatusRequestEntityTooLarge, outcomeTooLarge, tooLarge)
		return nil, false
	case err != nil:
		d.fail(http.StatusBadRequest, outcomeBadRequest, "reading body: "+err.Error())
		return nil, false
	}
	return body, true
}

// verifySigned checks the signature when one is required (WEBHOOK_SIGNING=require, or this
// service has seen GitLab sign) or present; an unsigned delivery is accepted on its token alone
// until then, since GitLab signs only behind a feature flag (generally from 19.0).
func (h *handler) verifySigned(r *http.Request, body []byte, d *decision) bool {
	if h.cfg.SigningToken == "" {
		return true
	}
	if h.signErr != nil {
		d.fail(http.StatusInternalServerError, outcomeError, "webhook signing token misconfigured")
		return false
	}
	if r.Header.Get("webhook-signature") == "" && !h.signing.required() {
		return true
	}
	if err := verifySignature(h.signKey, r.Header, body, h.now()); err != nil {
		h.authFailed(d, "signature: "+err.Error())
		return false
	}
	h.signing.seen(r.Context(), h.log)
	return true
}

func (h *handler) rules() trigger.Rules {
	if h.cfg.Rules == nil {
		return trigger.Rules{}
	}
	return h.cfg.Rules()
}

func (h *handler) parse(body []byte, d *decision) (event.Event, bool) {
	// A hook whose events cannot trigger is answered from its header alone (after a JSON check);
	// trigger decides which can, from the kind the header names (unknown headers name none).
	if d.header != "" && !h.rules().MayTrigger(hookKinds[d.header]) {
		if !json.Valid(body) || !isObject(body) {
			d.fail(http.StatusBadRequest, outcomeBadRequest, fmt.Sprintf("parse %s: %v: not a JSON object", d.header, ErrMalformed))
			return event.Event{}, false
		}
		d.ignore(d.header + " events do not trigger")
		return event.Event{}, false
	}
	if ev, reason, ok := quickIgnore(d.header, body, h.rules()); ok { // quick.go: the common case
		d.ev = ev
		d.ignore(reason)
		return ev, false
	}
	ev, err := Parse(d.header, body)
	d.ev = ev
	var unhandled *UnhandledEventError
	switch {
	case errors.As(err, &unhandled):
		d.ignore(unhandled.Error())
		return ev, false
	case err != nil:
		d.fail(http.StatusBadRequest, outcomeBadRequest, err.Error())
		return ev, false
	}
	return ev, true
}

func (h *handler) match(ev event.Event, d *decision) (trigger.Request, bool) {
	req, err := trigger.Match(ev, h.rules())
	var ignored *trigger.Ignored
	switch {
	case errors.As(err, &ignored):
		d.ignore(ignored.Reason)
		return req, false
	case err != nil:
		d.fail(http.StatusInternalServerError, outcomeError, "trigger rules: "+err.Error())
		return req, false
	}
	return req, true
}

// enqueue stores the trigger. The store must not be cut short by GitLab hanging up: a job stored
// after the answer was lost is deduplicated on the resend, a job half-stored is not.
func (h *handler) enqueue(ctx context.Context, del queue.Delivery, d *decision) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	out, err := h.q.Enqueue(ctx, del)
	if err != nil {
		d.fail(http.StatusServiceUnavailable, outcomeError, "could not store the request, resend the delivery later")
		d.err = err
		return
	}
	d.job = out.JobID
	if out.Duplicate {
		d.status, d.outcome, d.reason = http.StatusOK, outcomeDuplicate, "seen before"
		return
	}
	d.status, d.outcome, d.reason = http.StatusAccepted, outcomeQueued, string(del.Request.Reason)
}

// deliveryKeys identify this delivery (same across GitLab's retries and manual resends) and the
// object that triggered (same across a project hook and a group hook both delivering it).
// Idempotency-Key (GitLab ≈17.4+) and webhook-id (signed deliveries; the same value) are stable
// across retries. X-Gitlab-Webhook-UUID and X-Gitlab-Event-UUID are NOT: GitLab makes them anew
// for every request, retries included, so they are logged, never used here; without either
// stable header only the object key dedupes.
func deliveryKeys(h http.Header, ev event.Event) []string {
	var keys []string
	if k := cmp.Or(h.Get("Idempotency-Key"), h.Get("webhook-id")); k != "" {
		keys = append(keys, "delivery:"+boundKey(k))
	}
	if k := trigger.ObjectKey(ev); k != "" {
		keys = append(keys, k)
	}
	return keys
}

// boundKey keeps header-supplied keys to a sane size for the database.
func boundKey(k string) string {
	if len(k) <= 128 {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// header is h.Get for a name already in canonical form (textproto.CanonicalMIMEHeaderKey).
func header(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func sourceAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
