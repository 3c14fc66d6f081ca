package gitlab

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
)

// newTransport builds the chain every request of one Client goes through, outermost first:
// retry (our policy) → rate limit (shared, each attempt counts) → token header → logging and
// metrics (one line per attempt) → per-attempt timeout → the network.
func newTransport(cfg Config, base *url.URL, auth *authHealth) http.RoundTripper {
	var rt http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	rt = &timeoutTransport{next: rt, timeout: cfg.HTTPTimeout}
	rt = &observeTransport{next: rt, debug: cfg.Debug, log: cfg.Log, metrics: cfg.Metrics, token: cfg.Token, auth: auth}
	rt = &authTransport{next: rt, base: base, token: cfg.Token}
	rt = &limitTransport{next: rt, lim: newLimiter(cfg.RatePerMinute)}
	return &retryTransport{next: rt, log: cfg.Log, maxRetries: cfg.MaxRetries,
		minBackoff: min(defaultMinBackoff, cfg.MaxBackoff), maxBackoff: cfg.MaxBackoff}
}

// authTransport sets the current token on each request, so a rotated token is used from the
// next request on without rebuilding anything.
type authTransport struct {
	next  http.RoundTripper
	base  *url.URL
	token func() string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Only our GitLab gets the token: a redirect to another host must not carry it.
	if req.URL.Scheme != t.base.Scheme || req.URL.Host != t.base.Host {
		return t.next.RoundTrip(req)
	}
	tok := t.token()
	if tok == "" {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	r.Header.Set("PRIVATE-TOKEN", tok)
	return t.next.RoundTrip(r)
}

// exchange records the last answer of one call of ours. client-go turns every 404 into a bare
// sentinel without the body, and callers need GitLab's message (an award "has already been
// taken") and the method and path for APIError.
type exchange struct {
	method, path string
	status       int
	message      string
}

type exchangeKey struct{}

// observeTransport logs, counts and records each attempt. It never looks at headers.
type observeTransport struct {
	next    http.RoundTripper
	debug   bool
	log     *slog.Logger
	metrics *metrics.Metrics
	token   func() string
	auth    *authHealth // nil: not tracked
}

const maxErrorBody = 64 << 10

func (t *observeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	status, message := "error", ""
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
		message = keepErrorBody(resp)
	}
	if x, ok := req.Context().Value(exchangeKey{}).(*exchange); ok {
		*x = exchange{method: req.Method, path: req.URL.Path, message: message}
		if resp != nil {
			x.status = resp.StatusCode
		}
	}
	if t.auth != nil && resp != nil {
		t.auth.observe(resp.StatusCode, time.Now())
	}
	if t.metrics != nil {
		t.metrics.GitLabRequests.WithLabelValues(req.Method, status).Inc()
	}
	if t.debug {
		t.logCall(req, status, time.Since(start), err)
	}
	return resp, err
}

func (t *observeTransport) logCall(req *http.Request, status string, d time.Duration, err error) {
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("path", req.URL.Path),
		slog.String("status", status), slog.Int64("duration_ms", d.Milliseconds())}
	if err != nil {
		attrs = append(attrs, slog.String("error", redact.New(t.token()).Redact(err.Error())))
	}
	// Info, not Debug: GITLAB_DEBUG is the operator's explicit switch for these lines.
	t.log.LogAttrs(req.Context(), slog.LevelInfo, "gitlab api call", attrs...)
}

// keepErrorBody reads an error answer's body, puts a copy back for client-go, and returns
// GitLab's message.
func keepErrorBody(resp *http.Response) string {
	if resp.StatusCode < 400 {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return errorMessage(b)
}

// timeoutTransport bounds one attempt, body included, without bounding the retries and
// rate-limit waits around it (which http.Client.Timeout would).
type timeoutTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
