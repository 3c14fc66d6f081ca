package gitlab

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGetRetriedAfter502(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/version", sequence(status(502), versionOK))
	v, err := s.client(t).Version(context.Background())
	if err != nil || v != "17.5.0" {
		t.Fatalf("Version = %q, %v", v, err)
	}
	if n := len(s.requests("GET", "/api/v4/version")); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

func TestGetWaitsRetryAfterOn429(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/version", sequence(status(429, "Retry-After", "1"), versionOK))
	if _, err := s.client(t).Version(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests("GET", "/api/v4/version")
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2", len(reqs))
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 950*time.Millisecond {
		t.Errorf("retried after %v, want at least the 1s of Retry-After", gap)
	}
}

func TestGetGivesUpAfterMaxRetries(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/version", status(503))
	_, err := s.client(t, func(c *Config) { c.MaxRetries = 2 }).Version(context.Background())
	if !IsTransient(err) {
		t.Fatalf("err = %v, want a transient APIError", err)
	}
	if n := len(s.requests("GET", "/api/v4/version")); n != 3 {
		t.Errorf("requests = %d, want 1 + 2 retries", n)
	}
}

func TestNotImplementedNotRetried(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/version", status(501))
	_, err := s.client(t).Version(context.Background())
	if err == nil || IsTransient(err) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	if n := len(s.requests("GET", "/api/v4/version")); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestPerAttemptTimeoutRetried(t *testing.T) {
	s := newServer(t)
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}
	s.handle("GET /api/v4/version", sequence(slow, versionOK))
	c := s.client(t, func(c *Config) { c.HTTPTimeout = 100 * time.Millisecond })
	if _, err := c.Version(context.Background()); err != nil {
		t.Fatalf("Version after a timed-out attempt: %v", err)
	}
}

func TestUnauthorizedHasNoToken(t *testing.T) {
	s := newServer(t)
	// A server that echoes the token: our error text must still not carry it.
	s.handle("GET /api/v4/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, map[string]string{"message": "401 Unauthorized: " + r.Header.Get("PRIVATE-TOKEN")})
	})
	_, err := s.client(t).Version(context.Background())
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || !ae.IsPermanent() || ae.Method != "GET" || ae.Path != "/api/v4/version" {
		t.Errorf("APIError = %+v", ae)
	}
	if strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "401") {
		t.Errorf("error text %q: want the status and not the token", err)
	}
	if n := len(s.requests("GET", "/api/v4/version")); n != 1 {
		t.Errorf("401 was retried: %d requests", n)
	}
}

func TestNetworkErrorHasNoToken(t *testing.T) {
	s := newServer(t)
	c := s.client(t, func(c *Config) { c.MaxRetries = -1 })
	s.srv.Close()
	_, err := c.Version(context.Background())
	if err == nil || !IsTransient(err) || strings.Contains(err.Error(), testToken) {
		t.Fatalf("err = %v: want a transient error without the token", err)
	}
}

func TestRateLimitSharedByAllCallers(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/version", versionOK)
	// 600 a minute: a burst of 60, then 9 a second (60 + 540 = 600 in any minute).
	c := s.client(t, func(c *Config) { c.RatePerMinute = 600 })
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 5 { // five workers, one budget
		wg.Go(func() {
			for range 20 {
				if _, err := c.Version(context.Background()); err != nil {
					t.Errorf("worker %d: %v", w, err)
				}
			}
		})
	}
	wg.Wait()
	reqs := s.requests("GET", "/api/v4/version")
	if len(reqs) != 100 {
		t.Fatalf("requests = %d", len(reqs))
	}
	// 60 at once, the other 40 at 9/s.
	if spread := reqs[99].at.Sub(reqs[0].at); spread < 4*time.Second {
		t.Errorf("100 calls at 600/min (burst 60, then 9/s) took %v, want about 4.4s", spread)
	}
	perSecond := map[int]int{}
	for _, r := range reqs {
		perSecond[int(r.at.Sub(start)/time.Second)]++
	}
	for sec, n := range perSecond {
		if n > 9+60 {
			t.Errorf("second %d had %d requests, want at most %d", sec, n, 9+60)
		}
	}
}

func TestRemainingZeroPausesEveryone(t *testing.T) {
	s := newServer(t)
	reset := time.Now().Add(1500 * time.Millisecond).Unix() // next whole second, ≥ 0.5s away
	s.handle("GET /api/v4/version", sequence(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", itoa(reset))
		versionOK(w, r)
	}, versionOK))
	c := s.client(t)
	for range 2 {
		if _, err := c.Version(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	reqs := s.requests("GET", "/api/v4/version")
	if reqs[1].at.Before(time.Unix(reset, 0).Add(-50 * time.Millisecond)) {
		t.Errorf("second call at %v, before RateLimit-Reset %v", reqs[1].at, time.Unix(reset, 0))
	}
}

func TestTokenRotationTakesEffectAtOnce(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/version", versionOK)
	var tok atomic.Value
	tok.Store("fake-old-token-aaaaaaaa")
	c := s.client(t, func(c *Config) { c.Token = func() string { return tok.Load().(string) } })
	ctx := context.Background()
	if _, err := c.Version(ctx); err != nil {
		t.Fatal(err)
	}
	tok.Store("fake-new-token-bbbbbbbb")
	if _, err := c.Version(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests("GET", "/api/v4/version")
	if reqs[0].token != "fake-old-token-aaaaaaaa" || reqs[1].token != "fake-new-token-bbbbbbbb" {
		t.Errorf("tokens sent: %q then %q", reqs[0].token, reqs[1].token)
	}
}

func TestDebugLogLine(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/version", sequence(status(502), versionOK))
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	c := s.client(t, func(c *Config) { c.Debug, c.Log = true, log })
	if _, err := c.Version(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`msg="gitlab api call" method=GET path=/api/v4/version status=502 duration_ms=`,
		`msg="gitlab api call" method=GET path=/api/v4/version status=200 duration_ms=`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testToken) || strings.Contains(strings.ToLower(out), "private-token") {
		t.Errorf("log carries the token or its header:\n%s", out)
	}
}

func TestNoDebugNoCallLines(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/version", versionOK)
	var buf bytes.Buffer
	c := s.client(t, func(c *Config) { c.Log = slog.New(slog.NewTextHandler(&buf, nil)) })
	if _, err := c.Version(context.Background()); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("logged without GITLAB_DEBUG: %s", buf.String())
	}
}

func TestServerWait(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		status  int
		headers map[string]string
		want    time.Duration
		found   bool
	}{
		{429, map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{503, map[string]string{"Retry-After": now.Add(5 * time.Second).Format(http.TimeFormat)}, 5 * time.Second, true},
		{429, map[string]string{"RateLimit-Reset": itoa(now.Add(7 * time.Second).Unix())}, 7 * time.Second, true},
		{502, map[string]string{"RateLimit-Reset": itoa(now.Add(7 * time.Second).Unix())}, 0, false},
		{429, map[string]string{"Retry-After": "soon"}, 0, false},
	}
	for _, c := range cases {
		resp := &http.Response{StatusCode: c.status, Header: http.Header{}}
		for k, v := range c.headers {
			resp.Header.Set(k, v)
		}
		got, found := serverWait(resp, now)
		if got != c.want || found != c.found {
			t.Errorf("%d %v: got %v %v, want %v %v", c.status, c.headers, got, found, c.want, c.found)
		}
	}
}

func TestBackoffCapped(t *testing.T) {
	for attempt := range 40 {
		d := backoff(attempt, 500*time.Millisecond, 3*time.Second)
		if d <= 0 || d > 3*time.Second {
			t.Fatalf("backoff(%d) = %v", attempt, d)
		}
	}
}
