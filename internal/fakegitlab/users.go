package fakegitlab

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

type token struct {
	id        int64
	value     string
	userID    int64
	name      string
	kind      string // personal or project
	scopes    []string
	created   time.Time
	expiresAt time.Time // zero: never
	revoked   bool
	rotatedTo *token // the token a rotation of this one made
}

// active says whether GitLab would still accept the token: not revoked, and its expiry date
// (a date, expiring at midnight UTC) not reached.
func (t *token) active(now time.Time) bool {
	return !t.revoked && (t.expiresAt.IsZero() || now.Before(dateOf(t.expiresAt)))
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AddUser creates an account. Bot users stand for project and group access tokens.
func (g *GitLab) AddUser(username, name string, bot bool) User {
	g.mu.Lock()
	defer g.mu.Unlock()
	u := &User{ID: g.st.nextID("user"), Username: username, Name: name, Email: username + "@example.com", Bot: bot}
	g.st.users[u.ID] = u
	return *u
}

// AddToken issues a token for a user. kind is "personal" or "project"; a zero expiresAt never
// expires. Scopes are GitLab's: api, read_api, read_repository, write_repository, …
func (g *GitLab) AddToken(userID int64, scopes []string, expiresAt time.Time, kind string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.addToken(userID, scopes, expiresAt, kind).value
}

func (g *GitLab) addToken(userID int64, scopes []string, expiresAt time.Time, kind string) *token {
	t := &token{
		id: g.st.nextID("token"), value: newTokenValue(), userID: userID, kind: kind,
		name: kind + " token", scopes: slices.Clone(scopes), created: g.now(), expiresAt: expiresAt,
	}
	g.st.tokens[t.value] = t
	return t
}

func newTokenValue() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "fakepat-" + hex.EncodeToString(b)
}

// RevokeToken revokes a token at once; later requests with it get 401.
func (g *GitLab) RevokeToken(value string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.st.tokens[value]; t != nil {
		t.revoked = true
	}
}

// TokenActive says whether a token is known, unrevoked and unexpired (e.g. after a rotation).
func (g *GitLab) TokenActive(value string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.st.tokens[value]
	return t != nil && t.active(g.now())
}

func (g *GitLab) getVersion(c *call) {
	c.json(http.StatusOK, gitlab.Version{Version: g.opts.Version, Revision: "fakegitlab"})
}

func (g *GitLab) getCurrentUser(c *call) {
	u := c.user
	c.json(http.StatusOK, map[string]any{
		"id": u.ID, "username": u.Username, "name": u.Name, "state": "active",
		"email": u.Email, "public_email": u.Email, "commit_email": u.Email,
		"bot": u.Bot, "web_url": g.URL() + "/" + u.Username, "avatar_url": nil,
		"is_admin": false, "can_create_project": !u.Bot,
	})
}

func (g *GitLab) getTokenSelf(c *call) { c.json(http.StatusOK, g.tokenJSON(c.tok, false)) }

// rotateTokenSelf issues a new token with the same scopes and revokes the old one at once, as
// GitLab does; the new one expires in a week unless expires_at says otherwise.
func (g *GitLab) rotateTokenSelf(c *call) {
	if !g.atLeast(sinceRotateSelf) {
		notFoundRoute(c.w)
		return
	}
	if c.tok.revoked {
		writeMessage(c.w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	expires := dateOf(g.now().AddDate(0, 0, 7))
	if s := c.in.str("expires_at"); s != "" {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			missingParam(c.w, "expires_at")
			return
		}
		expires = t
	}
	c.tok.revoked = true
	next := g.addToken(c.tok.userID, c.tok.scopes, expires, c.tok.kind)
	next.name = c.tok.name
	c.tok.rotatedTo = next
	c.json(http.StatusOK, g.tokenJSON(next, true))
}

func (g *GitLab) revokeTokenSelf(c *call) {
	c.tok.revoked = true
	c.w.WriteHeader(http.StatusNoContent)
}

func (g *GitLab) tokenJSON(t *token, withValue bool) gitlab.PersonalAccessToken {
	out := gitlab.PersonalAccessToken{
		ID: t.id, Name: t.name, Revoked: t.revoked, CreatedAt: &t.created, Scopes: t.scopes,
		UserID: t.userID, Active: t.active(g.now()),
	}
	if !t.expiresAt.IsZero() {
		d := gitlab.ISOTime(dateOf(t.expiresAt))
		out.ExpiresAt = &d
	}
	if withValue {
		out.Token = t.value
	}
	return out
}

func (g *GitLab) userByID(id int64) *User {
	if u := g.st.users[id]; u != nil {
		return u
	}
	return &User{ID: id, Username: "ghost", Name: "Ghost User"}
}

func (g *GitLab) basicUser(id int64) *gitlab.BasicUser {
	u := g.userByID(id)
	return &gitlab.BasicUser{ID: u.ID, Username: u.Username, Name: u.Name, State: "active", WebURL: g.URL() + "/" + u.Username}
}
