package gitlab

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxBurst keeps the limiter smooth. GitLab counts per minute, so evenly spaced requests at
// GITLAB_RATE_LIMIT never trip it; a burst only lets one job's quick sequence (award, note,
// a few reads) go out at once. A small one also spreads out a restart, when every resumed job
// calls GitLab at the same moment. In any minute we send at most rate + maxBurst requests.
const maxBurst = 5

// limiter is the one outbound budget shared by every caller of a Client. Besides the steady
// rate it holds everyone back when GitLab says the budget is spent (RateLimit-Remaining: 0 or
// a 429), since then any request of ours would be refused too.
type limiter struct {
	rl *rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
}

func newLimiter(perMinute int) *limiter {
	perSecond := float64(perMinute) / 60
	burst := min(maxBurst, max(1, int(perSecond)))
	return &limiter{rl: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

func (l *limiter) pauseUntil(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.pausedUntil) {
		l.pausedUntil = t
	}
}

func (l *limiter) pauseEnd() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pausedUntil
}

// observe learns from an answer whether GitLab wants us to stop for a while.
func (l *limiter) observe(resp *http.Response, now time.Time) {
	if resp.StatusCode == http.StatusTooManyRequests {
		if d, ok := serverWait(resp, now); ok && d <= maxServerWait {
			l.pauseUntil(now.Add(d))
		}
		return
	}
	if resp.Header.Get("RateLimit-Remaining") != "0" {
		return
	}
	if at, ok := unixHeader(resp.Header, "RateLimit-Reset"); ok && at.Sub(now) <= maxServerWait {
		l.pauseUntil(at)
		return
	}
	l.pauseUntil(now.Add(time.Second)) // spent, but no reset time given: slow down briefly
}

// limitTransport makes every attempt, retries included, wait its turn.
type limitTransport struct {
	next http.RoundTripper
	lim  *limiter
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := sleep(ctx, time.Until(t.lim.pauseEnd())); err != nil {
		return nil, err
	}
	if err := t.lim.rl.Wait(ctx); err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		t.lim.observe(resp, time.Now())
	}
	return resp, err
}
