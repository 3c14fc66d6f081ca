package webhook_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// BenchmarkWrongToken: one delivery with a wrong X-Gitlab-Token through our handler (metrics on,
// logs discarded, no rate limit: as scripts/bench-intake.sh runs the binary) and through the
// bench's "limit" (webhooktest.Limit: a constant-time token check and a fixed 403), side by side.
//
//	go test ./internal/webhook -run '^$' -bench WrongToken -benchmem -count 3
func BenchmarkWrongToken(b *testing.B) {
	body := wt.Raw(b, "issue_open.json")
	ours := webhook.New(webhook.Config{Secret: secret, Rules: func() trigger.Rules { return trigger.Rules{} }},
		&fakeQueue{keys: map[string]int64{}}, metrics.New(), slog.New(slog.DiscardHandler))
	limit := wt.Limit(secret)
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"ours", ours}, {"limit", limit}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
			r.Header.Set("X-Gitlab-Event", "Issue Hook")
			r.Header.Set("X-Gitlab-Token", "wrong-"+secret)
			r.Header.Set("Content-Type", "application/json")
			for b.Loop() {
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, r)
				if w.Code != http.StatusForbidden {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkMention: a distinct @claude note through our handler up to the queue (an in-memory
// fake): what a mention costs before the store.
//
//	go test ./internal/webhook -run '^$' -bench Mention -benchmem
func BenchmarkMention(b *testing.B) {
	body := wt.Load(b, "note_issue.json").Set("object_attributes.note", "@claude please look at this").Bytes(b)
	h := webhook.New(webhook.Config{Secret: secret, Rules: func() trigger.Rules { return trigger.Rules{BotID: 99, BotUsername: "claude-bot"} }},
		acceptAll{}, metrics.New(), slog.New(slog.DiscardHandler))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		r.Header.Set("X-Gitlab-Event", "Note Hook")
		r.Header.Set("X-Gitlab-Token", secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// acceptAll stores nothing and finds no duplicate: every delivery is new.
type acceptAll struct{}

func (acceptAll) Enqueue(context.Context, queue.Delivery) (queue.Outcome, error) {
	return queue.Outcome{JobID: 1}, nil
}
