package gitlab

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A tenth of the minute's budget may go out at once (burstShare), and the rest refills evenly:
// GitLab counts per minute, and in any 60 s we send at most the bucket plus its refill, which is
// GITLAB_RATE_LIMIT. The burst is what lets the acknowledgement lane answer 50 mentions arriving
// together within a second (3 calls each) instead of pacing them over several; a steady load
// still goes out evenly spaced. Budgets under 50 a minute keep a small burst (maxBurst) at the
// full rate, as before.
const (
	burstShare = 10
	maxBurst   = 5
)

// limiter is the one outbound budget shared by every caller of a Client. Besides the steady
// rate it holds everyone back when GitLab says the budget is spent (RateLimit-Remaining: 0 or
// a 429), since then any request of ours would be refused too.
type limiter struct {
	rl *rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
}

func newLimiter(perMinute int) *limiter {
	burst := perMinute / burstShare
	if burst < maxBurst {
		perSecond := float64(perMinute) / 60
		return &limiter{rl: rate.NewLimiter(rate.Limit(perSecond), min(maxBurst, max(1, int(perSecond))))}
	}
	return &limiter{rl: rate.NewLimiter(rate.Limit(float64(perMinute-burst)/60), burst)}
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
