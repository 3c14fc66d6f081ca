package gitlab

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// A token GitLab stops accepting shows in AuthError (for /ready) and once in the log, and clears
// as soon as GitLab accepts a token again.
func TestAuthErrorFollowsGitLabsVerdict(t *testing.T) {
	s := newServer(t)
	var revoked atomic.Bool
	s.handle("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
		if revoked.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"401 Unauthorized"}`))
			return
		}
		w.Write([]byte(`{"id":1,"username":"bot"}`))
	})
	var logs bytes.Buffer
	c := s.client(t, func(cfg *Config) { cfg.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	ctx := context.Background()
	if _, err := c.CurrentUser(ctx); err != nil || c.AuthError() != nil {
		t.Fatalf("healthy: %v, AuthError %v", err, c.AuthError())
	}
	revoked.Store(true)
	for range 3 {
		c.CurrentUser(ctx)
	}
	if err := c.AuthError(); err == nil || !strings.Contains(err.Error(), "GITLAB_TOKEN") {
		t.Fatalf("after 401s: AuthError = %v", err)
	}
	if n := strings.Count(logs.String(), "refused the bot's token"); n != 1 {
		t.Fatalf("logged the refusal %d times, want once:\n%s", n, logs.String())
	}
	revoked.Store(false)
	c.CurrentUser(ctx)
	if err := c.AuthError(); err != nil {
		t.Fatalf("after a good answer: AuthError = %v", err)
	}
}
