// Package gitlab is the service's narrow client of the GitLab API. It wraps client-go with our
// own retry policy, one outbound rate limit shared by all workers, token rotation, debug logging
// and metrics. client-go types stop here: callers see only the small types of this package.
package gitlab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
)

// Config says how to reach GitLab and how hard to push it.
type Config struct {
	BaseURL       string        // e.g. https://gitlab.com; /api/v4 is added
	Token         func() string // current token; may change at runtime after rotation
	RatePerMinute int           // outbound requests per minute for the whole process; default 2000
	Debug         bool          // log every call: method, path, status, duration
	Log           *slog.Logger
	Metrics       *metrics.Metrics // optional
	MaxRetries    int              // retries of one request; default 5, negative for none
	MaxBackoff    time.Duration    // cap of one wait between retries; default 30s
	HTTPTimeout   time.Duration    // per attempt; default 30s
	// LateWindow is how long after a timed-out attempt to create a note its copy may still be
	// stored at GitLab: a post that follows one looks for copies to delete until then (dedupe.go).
	// Default twice HTTPTimeout (60 s by default, GitLab's own limit on a request).
	LateWindow time.Duration
}

// Client talks to one GitLab instance. It is safe for concurrent use; share one per process so
// that the rate limit holds for all workers together.
type Client struct {
	gl         *gl.Client
	base       *url.URL
	token      func() string
	log        *slog.Logger
	maxRetries int
	minBackoff time.Duration
	maxBackoff time.Duration
	timeout    time.Duration // per attempt (HTTPTimeout)
	lateWindow time.Duration
	late       lateWatches
	keepCopies bool // tests only: the control run without the defence against late copies

	auth *authHealth

	selfMu sync.Mutex
	botID  int64 // the bot's user id, learned once by FindNote
}

const (
	defaultRatePerMinute = 2000
	defaultMaxRetries    = 5
	defaultMaxBackoff    = 30 * time.Second
	defaultHTTPTimeout   = 30 * time.Second
	defaultMinBackoff    = 500 * time.Millisecond
	perPage              = 100
	maxPages             = 1000 // 100,000 items: a guard against a server that never ends a listing
)

// New builds a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Token == nil {
		return nil, errors.New("gitlab: Config.Token is nil: pass a function returning GITLAB_TOKEN")
	}
	cfg = withDefaults(cfg)
	c := &Client{base: base, token: cfg.Token, log: cfg.Log, maxRetries: cfg.MaxRetries,
		minBackoff: min(defaultMinBackoff, cfg.MaxBackoff), maxBackoff: cfg.MaxBackoff, timeout: cfg.HTTPTimeout, lateWindow: cfg.LateWindow, auth: &authHealth{log: cfg.Log}}
	httpClient := &http.Client{Transport: newTransport(cfg, base, c.auth)}
	c.gl, err = gl.NewAuthSourceClient(gl.Unauthenticated{}, // the token goes in by our transport
		gl.WithBaseURL(base.String()),
		gl.WithHTTPClient(httpClient),
		gl.WithoutRetries(),               // every retry decision is ours (see retry.go)
		gl.WithCustomLimiter(noLimiter{}), // ours sits in the transport, counting each attempt
		gl.WithUserAgent("claude-gitlab"),
		gl.WithURLWarningLogger(cfg.Log))
	if err != nil {
		return nil, fmt.Errorf("gitlab: create client: %w", err)
	}
	return c, nil
}

func parseBaseURL(s string) (*url.URL, error) {
	if s == "" {
		s = "https://gitlab.com"
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gitlab: GITLAB_URL %q is not an http(s) URL like https://gitlab.com", s)
	}
	return u, nil
}

func withDefaults(cfg Config) Config {
	if cfg.RatePerMinute <= 0 {
		cfg.RatePerMinute = defaultRatePerMinute
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = defaultMaxBackoff
	}
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = defaultHTTPTimeout
	}
	if cfg.LateWindow <= 0 {
		cfg.LateWindow = 2 * cfg.HTTPTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// noLimiter disables client-go's limiter, which would otherwise configure itself from the
// first RateLimit-Limit header and count calls rather than attempts.
type noLimiter struct{}

func (noLimiter) Wait(context.Context) error { return nil }

// call runs one client-go call and turns its error into ours (APIError or a redacted
// network error). fn must pass the option on to client-go: it carries ctx and our record.
func (c *Client) call(ctx context.Context, fn func(opt gl.RequestOptionFunc) error) error {
	x := &exchange{}
	ctx = context.WithValue(ctx, exchangeKey{}, x)
	return c.wrapErr(x, fn(gl.WithContext(ctx)))
}

func (c *Client) wrapErr(x *exchange, err error) error {
	if err == nil {
		return nil
	}
	r := redact.New(c.token())
	if x.status >= 400 {
		return &APIError{Status: x.status, Message: r.Redact(x.message), Method: x.method, Path: x.path}
	}
	if x.status != 0 { // an answer that was fine but could not be read
		return fmt.Errorf("gitlab %s %s: read answer: %s", x.method, x.path, r.Redact(err.Error()))
	}
	msg := fmt.Sprintf("gitlab %s %s: %s", x.method, x.path, r.Redact(err.Error()))
	if x.method == "" {
		msg = "gitlab: " + r.Redact(err.Error())
	}
	return &httpError{msg: msg, err: err} // Unwrap keeps errors.Is(err, context.Canceled)
}

// pages fetches every page of a listing. fetch gets the page number and the call option.
func pages[T any](ctx context.Context, c *Client,
	fetch func(page int64, opt gl.RequestOptionFunc) ([]T, *gl.Response, error)) ([]T, error) {
	var all []T
	for page := int64(1); page != 0; {
		if page > maxPages {
			return all, fmt.Errorf("gitlab: listing has more than %d pages", maxPages)
		}
		var next int64
		err := c.call(ctx, func(opt gl.RequestOptionFunc) error {
			items, resp, err := fetch(page, opt)
			all = append(all, items...)
			if resp != nil {
				next = resp.NextPage
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		page = next
	}
	return all, nil
}

func listOpts(page int64) gl.ListOptions { return gl.ListOptions{Page: page, PerPage: perPage} }
