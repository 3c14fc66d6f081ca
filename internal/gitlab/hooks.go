package gitlab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// HookScope names whose webhooks to manage: a project's or (paid tiers) a group's. Project and
// group hooks share one API shape, so one set of calls serves both.
type HookScope struct {
	Kind string // "projects" or "groups"
	ID   string // numeric id or full path
}

// ProjectHooks is the scope of a project's webhooks.
func ProjectHooks(idOrPath string) HookScope { return HookScope{Kind: "projects", ID: idOrPath} }

// GroupHooks is the scope of a group's webhooks.
func GroupHooks(idOrPath string) HookScope { return HookScope{Kind: "groups", ID: idOrPath} }

func (s HookScope) String() string { return strings.TrimSuffix(s.Kind, "s") + " " + s.ID }

func (s HookScope) path(rest ...string) string {
	return strings.Join(append([]string{s.Kind, url.PathEscape(s.ID), "hooks"}, rest...), "/")
}

// HookEvents are the event switches of a webhook that matter to us.
type HookEvents struct {
	Push               bool `json:"push_events"`
	TagPush            bool `json:"tag_push_events"`
	Issues             bool `json:"issues_events"`
	ConfidentialIssues bool `json:"confidential_issues_events"`
	MergeRequests      bool `json:"merge_requests_events"`
	Notes              bool `json:"note_events"`
	ConfidentialNotes  bool `json:"confidential_note_events"`
	Jobs               bool `json:"job_events"`
	Pipelines          bool `json:"pipeline_events"`
	WikiPages          bool `json:"wiki_page_events"`
}

// Hook is a webhook as the API shows it (never with its secret token).
type Hook struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
	HookEvents
	EnableSSLVerification bool       `json:"enable_ssl_verification"`
	TokenPresent          bool       `json:"token_present"`
	SigningTokenPresent   bool       `json:"signing_token_present"`
	AlertStatus           string     `json:"alert_status"` // executable, temporarily_disabled, disabled
	DisabledUntil         *time.Time `json:"disabled_until"`
	// TokenUnknown: this GitLab does not say whether the hook has a secret (token_present came
	// with signed webhooks, 19.0; older versions leave it out). TokenPresent is then false.
	TokenUnknown bool `json:"-"`
	// SigningUnknown: likewise for signing_token_present (same version): this GitLab does not sign.
	SigningUnknown bool `json:"-"`
}

// UnmarshalJSON tells a token_present (signing_token_present) GitLab left out from one that is false.
func (h *Hook) UnmarshalJSON(b []byte) error {
	type plain Hook
	var v struct {
		plain
		Present        *bool `json:"token_present"`
		SigningPresent *bool `json:"signing_token_present"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*h = Hook(v.plain)
	h.TokenPresent, h.TokenUnknown = v.Present != nil && *v.Present, v.Present == nil
	h.SigningTokenPresent, h.SigningUnknown = v.SigningPresent != nil && *v.SigningPresent, v.SigningPresent == nil
	return nil
}

// HookSettings is what AddHook and EditHook write. Every event switch is sent, so an edit
// leaves the hook exactly as asked. An empty Token leaves the existing secret alone.
type HookSettings struct {
	URL string `json:"url"`
	HookEvents
	EnableSSLVerification bool   `json:"enable_ssl_verification"`
	Token                 string `json:"token,omitempty"`
	// SigningToken (whsec_…) makes GitLab sign deliveries where its webhook_signing_token flag is
	// on (generally from 19.0); elsewhere GitLab ignores it silently.
	SigningToken string `json:"signing_token,omitempty"`
}

// ListHooks lists the webhooks of a project or group.
func (c *Client) ListHooks(ctx context.Context, s HookScope) ([]Hook, error) {
	hooks, err := pages(ctx, c, func(page int64, opt gl.RequestOptionFunc) ([]Hook, *gl.Response, error) {
		return rawGet[[]Hook](c, s.path()+fmt.Sprintf("?page=%d&per_page=%d", page, perPage), opt)
	})
	if err != nil {
		return nil, fmt.Errorf("list webhooks of %s: %w", s, err)
	}
	return hooks, nil
}

// AddHook creates a webhook. After a lost answer it looks for a hook with the same URL before
// creating again, so a retry never leaves two hooks delivering every event twice.
func (c *Client) AddHook(ctx context.Context, s HookScope, set HookSettings) (Hook, error) {
	var out Hook
	post := func(ctx context.Context) error {
		return c.call(ctx, func(opt gl.RequestOptionFunc) error {
			return c.rawDo(http.MethodPost, s.path(), set, &out, opt)
		})
	}
	find := func(ctx context.Context) (bool, error) {
		hooks, err := c.ListHooks(ctx, s)
		for _, h := range hooks {
			if h.URL == set.URL {
				out = h
				return true, nil
			}
		}
		return false, err
	}
	if _, err := c.createOnce(ctx, post, find); err != nil {
		return Hook{}, fmt.Errorf("create webhook of %s: %w", s, err)
	}
	return out, nil
}

// EditHook rewrites a webhook's settings.
func (c *Client) EditHook(ctx context.Context, s HookScope, id int64, set HookSettings) (Hook, error) {
	var out Hook
	err := c.call(ctx, func(opt gl.RequestOptionFunc) error {
		return c.rawDo(http.MethodPut, s.path(fmt.Sprint(id)), set, &out, opt)
	})
	if err != nil {
		return Hook{}, fmt.Errorf("edit webhook %d of %s: %w", id, s, err)
	}
	return out, nil
}

// HookDelivery is one recent delivery of a webhook ("Recent events" in GitLab's settings).
type HookDelivery struct {
	ID             int64     `json:"id"`
	Trigger        string    `json:"trigger"`
	ResponseStatus string    `json:"response_status"` // "200", "403", "internal error", …
	ResponseBody   string    `json:"response_body"`
	CreatedAt      time.Time `json:"created_at"`
}

// FailedDeliveries lists a hook's recent failed deliveries, newest first, at most limit. GitLab
// keeps them for a few days; instances too old to have the endpoint answer 404 (ErrNotFound).
func (c *Client) FailedDeliveries(ctx context.Context, s HookScope, hookID int64, limit int) ([]HookDelivery, error) {
	var all []HookDelivery
	for _, status := range []string{"client_failure", "server_failure"} {
		var got []HookDelivery
		err := c.call(ctx, func(opt gl.RequestOptionFunc) (err error) {
			got, _, err = rawGet[[]HookDelivery](c, s.path(fmt.Sprint(hookID), "events")+
				fmt.Sprintf("?status=%s&per_page=%d", status, limit), opt)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list failed deliveries of webhook %d of %s: %w", hookID, s, err)
		}
		all = append(all, got...)
	}
	sortNewestFirst(all)
	return all[:min(limit, len(all))], nil
}

func sortNewestFirst(d []HookDelivery) {
	for i := 1; i < len(d); i++ {
		for j := i; j > 0 && d[j].CreatedAt.After(d[j-1].CreatedAt); j-- {
			d[j], d[j-1] = d[j-1], d[j]
		}
	}
}

// rawGet reads an endpoint client-go does not wrap (or wraps per scope) into T. path may
// carry a query string, which NewRequest would otherwise escape.
func rawGet[T any](c *Client, path string, opt gl.RequestOptionFunc) (T, *gl.Response, error) {
	var out T
	p, query, _ := strings.Cut(path, "?")
	req, err := c.gl.NewRequest(http.MethodGet, p, nil, []gl.RequestOptionFunc{opt})
	if err != nil {
		return out, nil, err
	}
	req.URL.RawQuery = query
	resp, err := c.gl.Do(req, &out)
	return out, resp, err
}

func (c *Client) rawDo(method, path string, body, out any, opt gl.RequestOptionFunc) error {
	req, err := c.gl.NewRequest(method, path, body, []gl.RequestOptionFunc{opt})
	if err != nil {
		return err
	}
	_, err = c.gl.Do(req, out)
	return err
}
