package webhook_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
)

// blockingQueue holds every Enqueue until released, telling when one has arrived.
type blockingQueue struct {
	arrived chan struct{}
	release chan struct{}
}

func (q *blockingQueue) Enqueue(ctx context.Context, _ queue.Delivery) (queue.Outcome, error) {
	q.arrived <- struct{}{}
	<-q.release
	return queue.Outcome{JobID: 1}, nil
}

// Past the ceiling of deliveries handled at once, an authenticated delivery is answered 2xx
// "shed" and counted: never 4xx, which GitLab counts against the hook.
func TestShedPastCeilingIs2xxAndCounted(t *testing.T) {
	q := &blockingQueue{arrived: make(chan struct{}, 1), release: make(chan struct{})}
	m := metrics.New()
	h := webhook.New(webhook.Config{Secret: secret, MaxInFlight: 1, RatePerSecond: 1,
		Rules: func() trigger.Rules { return trigger.Rules{BotID: 99, BotUsername: "claude-bot"} }},
		q, m, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	defer srv.Close()
	e := &env{srv: srv}
	first := make(chan reply, 1)
	go func() {
		body, hd := freshMention(t)
		first <- e.send(t, "Note Hook", body, hd)
	}()
	<-q.arrived
	for range 3 {
		body, hd := freshMention(t)
		expect(t, e.send(t, "Note Hook", body, hd), http.StatusOK, "status", "shed")
	}
	close(q.release)
	expect(t, <-first, http.StatusAccepted, "status", "queued")
	if got := counter(t, m, "Note Hook", "shed"); got != 3 {
		t.Errorf("shed counter = %v, want 3", got)
	}
}

func TestSigningPolicy(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	token := "whsec_" + base64.StdEncoding.EncodeToString(key)
	signed := func(body []byte, h map[string]string) map[string]string {
		now := strconv.FormatInt(time.Now().Unix(), 10)
		h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"] = "msg_"+h["Idempotency-Key"], now, sign(key, "msg_"+h["Idempotency-Key"], now, body)
		return h
	}
	t.Run("auto: unsigned accepted until GitLab is seen signing", func(t *testing.T) {
		var recorded atomic.Int32
		e := newEnv(t, webhook.Config{SigningToken: token, Signing: webhook.SigningPolicy{
			Record: func(context.Context) error { recorded.Add(1); return nil }}})
		for range 3 { // a GitLab without the webhook_signing_token flag ignores signing_token
			e.stillServes(t)
		}
		body, h := freshMention(t)
		forged := map[string]string{"Idempotency-Key": h["Idempotency-Key"], "webhook-id": "x",
			"webhook-timestamp": strconv.FormatInt(time.Now().Unix(), 10), "webhook-signature": "v1,AAAA"}
		if r := e.send(t, "Note Hook", body, forged); r.status != http.StatusForbidden {
			t.Fatalf("a wrong signature is refused even before: %d", r.status)
		}
		body, h = freshMention(t)
		expect(t, e.send(t, "Note Hook", body, signed(body, h)), http.StatusAccepted, "status", "queued")
		body, h = freshMention(t)
		if r := e.send(t, "Note Hook", body, h); r.status != http.StatusForbidden {
			t.Fatalf("unsigned after a signed one: %d %v, want 403", r.status, r.body)
		}
		body, h = freshMention(t)
		expect(t, e.send(t, "Note Hook", body, signed(body, h)), http.StatusAccepted, "status", "queued")
		if recorded.Load() != 1 {
			t.Errorf("recorded %d times, want once", recorded.Load())
		}
	})
	for name, p := range map[string]webhook.SigningPolicy{"require": {Require: true}, "seen before a restart": {Seen: true}} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, webhook.Config{SigningToken: token, Signing: p})
			body, h := freshMention(t)
			if r := e.send(t, "Note Hook", body, h); r.status != http.StatusForbidden {
				t.Fatalf("unsigned: %d, want 403", r.status)
			}
			body, h = freshMention(t)
			expect(t, e.send(t, "Note Hook", body, signed(body, h)), http.StatusAccepted, "status", "queued")
		})
	}
}

// A GitLab retry before Idempotency-Key existed carries new UUIDs: the object key dedupes it;
// webhook-id (signed deliveries) is as stable as Idempotency-Key.
func TestDeliveryKeysWithoutIdempotencyKey(t *testing.T) {
	e := newEnv(t, webhook.Config{})
	body, _ := freshMention(t)
	first := e.send(t, "Note Hook", body, map[string]string{"X-Gitlab-Webhook-UUID": "u1", "X-Gitlab-Event-UUID": "e1"})
	expect(t, first, http.StatusAccepted, "status", "queued")
	retry := e.send(t, "Note Hook", body, map[string]string{"X-Gitlab-Webhook-UUID": "u2", "X-Gitlab-Event-UUID": "e2"})
	expect(t, retry, http.StatusOK, "status", "duplicate")
	e.send(t, "Note Hook", body, map[string]string{"webhook-id": "msg_1"})
	if got := e.q.stored[0].Keys; len(got) != 1 || got[0] != "note:5:"+strconv.Itoa(int(5000+noteSeq.Load())) {
		t.Errorf("keys = %v", got)
	}
	body2, _ := freshMention(t)
	expect(t, e.send(t, "Note Hook", body2, map[string]string{"webhook-id": "msg_2"}), http.StatusAccepted, "status", "queued")
	if got := e.q.stored[1].Keys; got[0] != "delivery:msg_2" {
		t.Errorf("keys = %v, want delivery:msg_2 first", got)
	}
}
