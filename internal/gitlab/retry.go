package gitlab

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// maxServerWait is the longest Retry-After we sit out inside one call; a longer one goes back
// to the caller as a transient error, whose job can be retried later by the queue.
const maxServerWait = 2 * time.Minute

// retryTransport retries what is safe to repeat: GET, HEAD, OPTIONS and PUT (our PUTs are
// edits that set a value). POST and DELETE go out once: a 502 may come after GitLab created
// the note, and repeating it would post twice. Creates are made idempotent above the transport
// (see idempotent.go), where we can look for what the first attempt did.
type retryTransport struct {
	next       http.RoundTripper
	log        *slog.Logger
	maxRetries int
	minBackoff time.Duration
	maxBackoff time.Duration
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !repeatable(req) {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		r, err := rewind(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(r)
		if attempt >= t.maxRetries || !shouldRetry(ctx, resp, err) {
			return resp, err
		}
		wait, ok := t.delay(attempt, resp)
		if !ok || !fitsDeadline(ctx, wait) {
			return resp, err // a Retry-After we cannot sit out: let the caller decide
		}
		t.log.Info("gitlab call failed, retrying", "method", req.Method, "path", req.URL.Path,
			"status", statusText(resp, err), "attempt", attempt+1, "wait_ms", wait.Milliseconds())
		drain(resp)
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func repeatable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut:
		return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	}
	return false
}

// rewind gives each attempt after the first a fresh copy of the body.
func rewind(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 0 || req.GetBody == nil {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, nil
}

// shouldRetry: 429, 5xx except 501 (GitLab does not have the feature), and any network error
// or per-attempt timeout while our own context is still alive.
func shouldRetry(ctx context.Context, resp *http.Response, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		return true
	}
	s := resp.StatusCode
	return s == http.StatusTooManyRequests || (s >= 500 && s != http.StatusNotImplemented)
}

// delay is how long to wait before the next attempt: what GitLab asked for if it did, else
// exponential backoff with jitter. ok is false when GitLab asked for more than we will wait.
func (t *retryTransport) delay(attempt int, resp *http.Response) (time.Duration, bool) {
	if resp != nil {
		if d, found := serverWait(resp, time.Now()); found {
			return d + jitter(d/10), d <= maxServerWait
		}
	}
	return backoff(attempt, t.minBackoff, t.maxBackoff), true
}

// serverWait reads Retry-After (seconds or an HTTP date) and, on a 429, RateLimit-Reset (unix
// seconds). client-go ignores Retry-After, which is what GitLab.com sends with a 429.
func serverWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if v := resp.Header.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(0, at.Sub(now)), true
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		if at, ok := unixHeader(resp.Header, "RateLimit-Reset"); ok {
			return max(0, at.Sub(now)), true
		}
	}
	return 0, false
}

func unixHeader(h http.Header, name string) (time.Time, bool) {
	secs, err := strconv.ParseInt(h.Get(name), 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0), true
}

// backoff doubles from min up to max, then keeps half of it and randomises the other half so
// that workers failing together do not come back together.
func backoff(attempt int, minD, maxD time.Duration) time.Duration {
	d := minD << min(attempt, 30)
	if d <= 0 || d > maxD {
		d = maxD
	}
	return d/2 + jitter(d/2)
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

func fitsDeadline(ctx context.Context, wait time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > wait
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// drain lets the connection be reused before we try again.
func drain(resp *http.Response) {
	if resp == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
}

func statusText(resp *http.Response, err error) string {
	if err != nil || resp == nil {
		return "error"
	}
	return strconv.Itoa(resp.StatusCode)
}
