package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// User is a GitLab user as the bot needs it.
type User struct {
	ID       int64
	Username string
	Name     string
	Email    string // for commits: commit_email, else public_email, else email, else a noreply address
	Bot      bool
}

// apiUser is GET /user with commit_email, which client-go's User lacks.
type apiUser struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	Name        string `json:"name"`
	Bot         bool   `json:"bot"`
	CommitEmail string `json:"commit_email"`
	PublicEmail string `json:"public_email"`
	Email       string `json:"email"`
}

// CurrentUser returns the token's user: the bot.
func (c *Client) CurrentUser(ctx context.Context) (User, error) {
	var u apiUser
	err := c.call(ctx, func(opt gl.RequestOptionFunc) error {
		req, err := c.gl.NewRequest(http.MethodGet, "user", nil, []gl.RequestOptionFunc{opt})
		if err != nil {
			return err
		}
		_, err = c.gl.Do(req, &u)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("get current user: %w", err)
	}
	return User{ID: u.ID, Username: u.Username, Name: u.Name, Bot: u.Bot, Email: c.commitEmail(u)}, nil
}

func (c *Client) commitEmail(u apiUser) string {
	for _, e := range []string{u.CommitEmail, u.PublicEmail, u.Email} {
		if e != "" {
			return e
		}
	}
	return fmt.Sprintf("%s@users.noreply.%s", u.Username, c.base.Hostname())
}

// selfID is the bot's user id, asked once per Client: it cannot change with a rotated token.
func (c *Client) selfID(ctx context.Context) (int64, error) {
	c.selfMu.Lock()
	defer c.selfMu.Unlock()
	if c.botID != 0 {
		return c.botID, nil
	}
	u, err := c.CurrentUser(ctx)
	if err != nil {
		return 0, err
	}
	c.botID = u.ID
	return u.ID, nil
}

// Version returns GitLab's version, e.g. "17.5.0-ee".
func (c *Client) Version(ctx context.Context) (string, error) {
	var v *gl.Version
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		v, _, err = c.gl.Version.GetVersion(opt)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("get GitLab version: %w", err)
	}
	return v.Version, nil
}

// TokenInfo describes the token in use.
type TokenInfo struct {
	Name      string
	Scopes    []string
	ExpiresAt *time.Time // nil: never expires
	Active    bool
	Revoked   bool
}

// TokenInfo reads the current token's own record (personal, project and group tokens alike).
func (c *Client) TokenInfo(ctx context.Context) (TokenInfo, error) {
	var t *gl.PersonalAccessToken
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		t, _, err = c.gl.PersonalAccessTokens.GetSinglePersonalAccessToken(opt)
		return err
	})
	if err != nil {
		return TokenInfo{}, fmt.Errorf("get token info: %w", err)
	}
	info := TokenInfo{Name: t.Name, Scopes: t.Scopes, Active: t.Active, Revoked: t.Revoked}
	if t.ExpiresAt != nil {
		at := time.Time(*t.ExpiresAt)
		info.ExpiresAt = &at
	}
	return info, nil
}

// RotateToken replaces the current token with a new one (nil expiresAt: GitLab's default,
// a week). GitLab revokes the old token at once, so the caller must make Config.Token return
// newToken before the next call. Never retried: a repeat would fail with the revoked token,
// and a lost answer cannot be recovered, so on a transient error check TokenInfo by hand.
func (c *Client) RotateToken(ctx context.Context, expiresAt *time.Time) (string, time.Time, error) {
	opts := &gl.RotatePersonalAccessTokenOptions{}
	if expiresAt != nil {
		d := gl.ISOTime(*expiresAt)
		opts.ExpiresAt = &d
	}
	var t *gl.PersonalAccessToken
	err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
		t, _, err = c.gl.PersonalAccessTokens.RotatePersonalAccessTokenSelf(opts, opt)
		return err
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("rotate token: %w", err)
	}
	if t.Token == "" {
		return "", time.Time{}, errors.New("rotate token: GitLab answered without a new token")
	}
	var exp time.Time
	if t.ExpiresAt != nil {
		exp = time.Time(*t.ExpiresAt)
	}
	return t.Token, exp, nil
}
