package fakegitlab

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests fail or stall, for reliability tests.
type Fault struct {
	// Method matches the HTTP method; empty matches any.
	Method string
	// PathPattern is a regular expression matched against the escaped request path, such as
	// `/notes$` or `^/api/v4/projects/1/`; empty matches any path.
	PathPattern string
	// Status is the answer; 0 with Hang means "serve normally after the stall".
	Status int
	// RetryAfter, when set, is sent as the Retry-After header (seconds).
	RetryAfter int
	// Hang stalls the request this long (or until the client gives up) before answering.
	Hang time.Duration
	// Detached makes Hang run its full length even after the client gave up, and the request
	// then takes effect: a slow GitLab, whose work goes on when the caller hangs up and lands
	// later (a note stored at Hang, after the client's timeout and perhaps after its retry).
	Detached bool
	// AfterServe lets the request take effect (the note is created, the branch pushed) and
	// then answers Status anyway, like a gateway failing after GitLab did the work: the case
	// that makes blind retries post twice.
	AfterServe bool
	// Times is how many matching requests are hit: 0 means once, negative means until
	// ClearFaults.
	Times int
}

type fault struct {
	Fault
	re   *regexp.Regexp
	left int
}

// RequestRecord is one request the fake answered, for counting calls and their pace.
type RequestRecord struct {
	Time   time.Time
	Method string
	Path   string // escaped, as sent: /api/v4/projects/group%2Fproj
	Query  string
	User   string // username behind the token, empty when unauthenticated
	Status int
}

// InjectFault arms f for the next matching requests. A bad PathPattern is a test bug: it panics.
func (g *GitLab) InjectFault(f Fault) {
	ft := &fault{Fault: f, re: regexp.MustCompile(f.PathPattern), left: f.Times}
	if f.Times == 0 {
		ft.left = 1
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = append(g.faults, ft)
}

// ClearFaults disarms every fault.
func (g *GitLab) ClearFaults() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = nil
}

// Requests lists every request answered so far, oldest first.
func (g *GitLab) Requests() []RequestRecord {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]RequestRecord(nil), g.requests...)
}

// CountRequests counts answered requests with this method whose path matches the pattern.
func (g *GitLab) CountRequests(method, pathPattern string) int {
	re := regexp.MustCompile(pathPattern)
	n := 0
	for _, rec := range g.Requests() {
		if (method == "" || rec.Method == method) && re.MatchString(rec.Path) {
			n++
		}
	}
	return n
}

// takeFault consumes and returns the first armed fault matching r, if any.
func (g *GitLab) takeFault(r *http.Request) *Fault {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, f := range g.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) || !f.re.MatchString(r.URL.EscapedPath()) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				g.faults = append(g.faults[:i:i], g.faults[i+1:]...)
			}
		}
		hit := f.Fault
		return &hit
	}
	return nil
}

// Stalled is how many requests a fault's Hang holds right now: a test that kills the service
// while a request is in flight waits for it.
func (g *GitLab) Stalled() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stalled
}

func (g *GitLab) stall(r *http.Request, d time.Duration, detached bool) {
	g.mu.Lock()
	g.stalled++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.stalled--
		g.mu.Unlock()
	}()
	gaveUp := r.Context().Done()
	if detached {
		// GitLab has the whole request before it works on it: read it now, before the client
		// hangs up and takes the unread rest of the body with it.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		gaveUp = nil
	}
	select {
	case <-time.After(d):
	case <-gaveUp:
	}
}

// applyFault stalls and/or answers for a fault; it reports whether the request was answered.
func (g *GitLab) applyFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f.Hang > 0 {
		g.stall(r, f.Hang, f.Detached)
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if f.Status == http.StatusTooManyRequests {
		// GitLab's throttle answers in plain text, not JSON.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(f.Status)
		fmt.Fprintln(w, "Retry later")
		return true
	}
	writeMessage(w, f.Status, fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status)))
	return true
}
