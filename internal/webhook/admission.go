package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
)

// DefaultMaxInFlight is the default hard ceiling of authenticated deliveries handled at once.
// The queue stores thousands a second, so only a store that hangs fills it.
const DefaultMaxInFlight = 1000

// outcomeShed: an authenticated delivery past MaxInFlight, answered 200 and counted.
const outcomeShed = "shed"

// The reasons of the most frequent rejections; their answers are encoded once (fixedAnswers).
const (
	reasonWrongToken   = "wrong X-Gitlab-Token"
	reasonMissingToken = "missing X-Gitlab-Token"
	reasonRateLimited  = "too many failed deliveries from this address"
)

// authFailed settles a delivery that failed authentication (token or signature). Only these meet
// the per-address limit: past it they get 429 instead of 403, and neither is logged more than
// once a minute per source (rejectLog).
func (h *handler) authFailed(d *decision, reason string) {
	if ok, wait := h.limiter.allow(d.source, d.start); !ok {
		d.fail(http.StatusTooManyRequests, outcomeRateLimited, reasonRateLimited)
		d.retryAfter = wait
		return
	}
	d.fail(http.StatusForbidden, outcomeForbidden, reason)
}

// enter takes a place among the authenticated deliveries being handled. Past the ceiling the
// delivery is shed: answered 2xx, since GitLab counts every 4xx and 5xx against the hook and
// switches it off after a few, and counted in /metrics (outcome "shed").
func (h *handler) enter(d *decision) bool {
	select {
	case h.inflight <- struct{}{}:
		return true
	default:
		d.status, d.outcome, d.reason = http.StatusOK, outcomeShed, "over the ceiling of deliveries handled at once (WEBHOOK_MAX_INFLIGHT)"
		return false
	}
}

func (h *handler) leave() { <-h.inflight }

// SigningPolicy says when deliveries must carry a valid webhook-signature (with a SigningToken).
type SigningPolicy struct {
	// Require: every delivery must be signed (WEBHOOK_SIGNING=require).
	Require bool
	// Seen: this GitLab was seen signing before (recorded in the database); from then on an
	// unsigned delivery is refused like a wrong token, so stripping the signature gains nothing.
	Seen bool
	// Record persists the first signed delivery seen (nil: remembered until restart only).
	Record func(context.Context) error
}

// signingState is the policy with what this process has seen since it started.
type signingState struct {
	policy SigningPolicy
	signed atomic.Bool
	once   sync.Once
}

func newSigningState(p SigningPolicy) *signingState {
	s := &signingState{policy: p}
	s.signed.Store(p.Seen)
	return s
}

func (s *signingState) required() bool { return s.policy.Require || s.signed.Load() }

// seen notes a correctly signed delivery: from now on signatures are enforced, here and (once
// recorded) after a restart.
func (s *signingState) seen(ctx context.Context, log *slog.Logger) {
	if s.signed.Load() {
		return
	}
	s.once.Do(func() {
		s.signed.Store(true)
		log.Info("webhook: GitLab signs its deliveries; unsigned ones are refused from now on")
		if s.policy.Record == nil {
			return
		}
		if err := s.policy.Record(context.WithoutCancel(ctx)); err != nil {
			log.Error("webhook: could not record that GitLab signs; enforced until restart only", "err", err)
		}
	})
}
