package gitlab

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// authHealth remembers whether GitLab accepts the token: the time of the last answer that was not
// a 401, and of the last 401. A token that expired or was revoked while the service runs shows
// up in /ready and once in the log, not only in the replies that can no longer be posted.
type authHealth struct {
	log *slog.Logger

	mu      sync.Mutex
	lastOK  time.Time
	last401 time.Time
}

func (a *authHealth) observe(status int, now time.Time) {
	if status == 0 || status >= 500 || status == http.StatusTooManyRequests {
		return // says nothing about the token
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if status != http.StatusUnauthorized {
		if !a.last401.IsZero() && a.last401.After(a.lastOK) {
			a.log.Info("GitLab accepts the token again")
		}
		a.lastOK = now
		return
	}
	if a.last401.IsZero() || !a.last401.After(a.lastOK) {
		a.log.Error("GitLab refused the bot's token (401): it is invalid, expired or revoked. " +
			"Check it with `claude-gitlab doctor`, then set a valid GITLAB_TOKEN (or run `claude-gitlab rotate-token`) " +
			"and send SIGHUP or restart; jobs retry with backoff meanwhile")
	}
	a.last401 = now
}

// AuthError is non-nil while GitLab's latest verdict on the token is a 401.
func (c *Client) AuthError() error {
	a := c.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last401.IsZero() || !a.last401.After(a.lastOK) {
		return nil
	}
	return fmt.Errorf("GitLab refused the token (401) at %s: set a valid GITLAB_TOKEN (claude-gitlab doctor, rotate-token)",
		a.last401.UTC().Format(time.RFC3339))
}
