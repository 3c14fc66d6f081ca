package fakegitlab

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// middleware wraps every request, API and git alike: recording, faults, then the rate limit.
func (g *GitLab) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		g.mu.Lock()
		g.inFlight++
		g.mu.Unlock()
		defer g.record(r, rec)
		f := g.takeFault(r)
		if f != nil && !f.AfterServe && g.applyFault(rec, r, f) {
			return
		}
		if !g.throttle(rec, r) {
			return
		}
		if f != nil && f.AfterServe {
			next.ServeHTTP(httptest.NewRecorder(), r) // the work happens, its answer is lost
			g.applyFault(rec, r, &Fault{Status: f.Status, RetryAfter: f.RetryAfter, Hang: f.Hang})
			return
		}
		next.ServeHTTP(rec, r)
	})
}

func (g *GitLab) record(r *http.Request, rec *statusRecorder) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	username := ""
	if t := g.st.tokens[tokenFromRequest(r)]; t != nil {
		if u := g.st.users[t.userID]; u != nil {
			username = u.Username
		}
	}
	g.requests = append(g.requests, RequestRecord{
		Time: g.now(), Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		User: username, Status: rec.status,
	})
	if g.answered != nil {
		close(g.answered)
		g.answered = nil
	}
}

// InFlight is how many requests the fake is handling right now: once the client is done, a
// test waits for 0 before it counts what the requests left behind.
func (g *GitLab) InFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inFlight
}

// NextRequest is closed once the fake has answered and recorded its next request: what a test
// waits for (a note, a branch) can only change then, so it checks again instead of polling.
func (g *GitLab) NextRequest() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.answered == nil {
		g.answered = make(chan struct{})
	}
	return g.answered
}

// tokenFromRequest finds a token where GitLab looks: PRIVATE-TOKEN, a Bearer header, or the
// basic-auth password git sends.
func tokenFromRequest(r *http.Request) string {
	if t := r.Header.Get("PRIVATE-TOKEN"); t != "" {
		return t
	}
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		return strings.TrimPrefix(auth, "Bearer ")
	}
	if _, pw, ok := r.BasicAuth(); ok {
		return pw
	}
	return ""
}

// statusRecorder remembers the status written, for RequestRecord.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

// Flush lets git's streamed answers through.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
