package main

import (
	"context"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/config"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
)

// markWebhookSigned is recorded the first time a correctly signed delivery arrives: from then on
// every replica that starts enforces signatures (WEBHOOK_SIGNING=auto), and doctor says so.
const markWebhookSigned = "webhook-signed"

// signingPolicy is WEBHOOK_SIGNING with what the database remembers of GitLab signing.
func signingPolicy(ctx context.Context, cfg config.Config, db *store.DB) (webhook.SigningPolicy, error) {
	p := webhook.SigningPolicy{Require: cfg.WebhookSigning == "require"}
	if cfg.WebhookSigningToken == "" {
		return p, nil
	}
	seen, _, err := db.Marked(ctx, markWebhookSigned)
	if err != nil {
		return p, err
	}
	p.Seen = seen
	p.Record = func(ctx context.Context) error { return db.Mark(ctx, markWebhookSigned) }
	return p, nil
}
