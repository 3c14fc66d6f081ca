package fakegitlab

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// rateWindow counts one caller's requests in the current minute, like GitLab's fixed-window
// Rack::Attack throttles.
type rateWindow struct {
	start time.Time
	count int
}

// throttle counts r against its caller and sets GitLab's RateLimit-* headers. It answers 429
// with Retry-After and reports false once the minute's budget is spent.
func (g *GitLab) throttle(w http.ResponseWriter, r *http.Request) bool {
	limit := g.opts.RateLimitPerMinute
	if limit < 0 {
		return true
	}
	now := g.now()
	key := tokenFromRequest(r)
	if key == "" {
		key = "ip:" + r.RemoteAddr
	}
	g.mu.Lock()
	win := g.windows[key]
	if win == nil || now.Sub(win.start) >= time.Minute {
		win = &rateWindow{start: now.Truncate(time.Minute)}
		g.windows[key] = win
	}
	win.count++
	count := win.count
	g.mu.Unlock()

	reset := win.start.Add(time.Minute)
	h := w.Header()
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Observed", strconv.Itoa(count))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(0, limit-count)))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", reset.Format(http.TimeFormat))
	if count <= limit {
		return true
	}
	retry := max(1, int(reset.Sub(now).Seconds()+0.999))
	h.Set("Retry-After", strconv.Itoa(retry))
	h.Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprintln(w, "Retry later")
	return false
}
