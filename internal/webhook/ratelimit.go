package webhook

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxSources bounds the limiter's memory. Sources beyond it share one bucket: under such a
// spread the service is better off slowing them together than growing without end.
const maxSources = 65536

// sweepEvery is how often idle sources are dropped.
const sweepEvery = time.Minute

// limiter is a token bucket per source address: rate r per second, burst 2r.
type limiter struct {
	r     rate.Limit
	burst int

	mu        sync.Mutex
	sources   map[string]*source
	overflow  *rate.Limiter
	lastSweep time.Time
}

type source struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiter returns nil when perSecond is 0 or less: no limit.
func newLimiter(perSecond float64) *limiter {
	if perSecond <= 0 {
		return nil
	}
	burst := max(1, int(math.Ceil(2*perSecond)))
	return &limiter{
		r: rate.Limit(perSecond), burst: burst,
		sources:  map[string]*source{},
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst),
	}
}

// allow takes a token for addr; when none is left it says how long until one is.
func (l *limiter) allow(addr string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	lim := l.bucket(sourceKey(addr), now)
	r := lim.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}

func (l *limiter) bucket(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= sweepEvery {
		l.sweep(now)
	}
	if s, ok := l.sources[key]; ok {
		s.seen = now
		return s.lim
	}
	if len(l.sources) >= maxSources {
		return l.overflow
	}
	s := &source{lim: rate.NewLimiter(l.r, l.burst), seen: now}
	l.sources[key] = s
	return s.lim
}

// sweep drops sources idle long enough for their bucket to be full again: forgetting them
// changes nothing for their next request.
func (l *limiter) sweep(now time.Time) {
	refill := time.Duration(float64(l.burst)/float64(l.r)*float64(time.Second)) + time.Second
	idle := max(refill, sweepEvery)
	for key, s := range l.sources {
		if now.Sub(s.seen) > idle {
			delete(l.sources, key)
		}
	}
	l.lastSweep = now
}

// sourceKey groups IPv6 addresses by /64, which one host usually holds whole; otherwise a
// single sender could rotate addresses past the limit and fill the table.
func sourceKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if ip.Is4() {
		return addr // a dotted quad ParseAddr accepts is already in ip.String()'s form
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	prefix, err := ip.Prefix(64)
	if err != nil {
		return ip.String()
	}
	return prefix.String()
}
