package gitlab

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

const testToken = "fake-test-token-0123456789"

// seen is one request as the server got it.
type seen struct {
	method, path, query, token string
	at                         time.Time
}

// server is an httptest GitLab answering only what a test registers, and remembering requests.
type server struct {
	mu   sync.Mutex
	reqs []seen
	mux  *http.ServeMux
	srv  *httptest.Server
}

func newServer(t *testing.T) *server {
	s := &server{mux: http.NewServeMux()}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("PRIVATE-TOKEN"), time.Now()})
		s.mu.Unlock()
		s.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) handle(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }

func (s *server) requests(method, path string) []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []seen
	for _, r := range s.reqs {
		if r.method == method && r.path == path {
			out = append(out, r)
		}
	}
	return out
}

// client makes a Client for the server with fast backoff; change lets a test adjust Config.
func (s *server) client(t *testing.T, change ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: s.srv.URL, Token: func() string { return testToken },
		MaxBackoff: 20 * time.Millisecond, RatePerMinute: 60000}
	for _, f := range change {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// sequence answers the n-th request with answers[n], repeating the last one.
func sequence(answers ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := answers[min(n, len(answers)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		writeJSON(w, code, map[string]string{"message": http.StatusText(code)})
	}
}

func versionOK(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]string{"version": "17.5.0", "revision": "abc"})
}

type jnote struct {
	ID        int64     `json:"id"`
	Body      string    `json:"body"`
	Author    jauthor   `json:"author"`
	System    bool      `json:"system"`
	Internal  bool      `json:"internal"`
	CreatedAt time.Time `json:"created_at"`
}

type jauthor struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

type jdiscussion struct {
	ID    string  `json:"id"`
	Notes []jnote `json:"notes"`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
