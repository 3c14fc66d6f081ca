// Package egress is the agent's only way out of its network namespace: a Unix socket per run,
// bound into the sandbox, where the service answers
//
//   - Messages API requests, with the run's own random credential: the real Anthropic credential
//     is put in here and never enters the sandbox. Each answer's usage figures are counted as
//     they stream through, priced by model family, and once the run's limits (CLAUDE_MAX_BUDGET_USD,
//     what is left of PROJECT_DAILY_BUDGET_USD today) are reached, further requests are refused;
//   - with AGENT_NETWORK=allowlist, HTTP CONNECT (and plain proxied HTTP) to the host names of
//     AGENT_EGRESS_ALLOW, never to a private, loopback, link-local or metadata address whatever
//     the name resolves to: the address is checked at the moment of connecting.
//
// Inside the sandbox a bridge (internal/sandbox) listens on InsideAddr and forwards each TCP
// connection to the socket.
package egress

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// InsideAddr is where the bridge listens inside the run's network namespace (its own loopback:
// nothing else is there).
const InsideAddr = "127.0.0.1:41119"

// DefaultUpstream is the Messages API when ANTHROPIC_BASE_URL is not set.
const DefaultUpstream = "https://api.anthropic.com"

// PingPath is answered by the session itself, without an upstream request (doctor's probe).
const PingPath = "/_claude-gitlab/ping"

// SocketName is the socket's name in the folder Open is given.
const SocketName = "egress.sock"

// credentialNames are the variables of the real credential; the run gets the same names with its
// own token, so the CLI sends it the way it would send the real one.
var credentialNames = []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"}

// IsCredential says whether name is one of the real credential's variables.
func IsCredential(name string) bool {
	for _, n := range credentialNames {
		if n == name {
			return true
		}
	}
	return false
}

// Config is the same for every run.
type Config struct {
	Upstream    string            // ANTHROPIC_BASE_URL; DefaultUpstream when empty
	Credentials map[string]string // the real ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN / CLAUDE_CODE_OAUTH_TOKEN
	Allow       []string          // AGENT_EGRESS_ALLOW: host names CONNECT may reach; empty: none
	Transport   http.RoundTripper // to the upstream; a clone of http.DefaultTransport when nil

	allowPrivate bool // tests: let the allowlist reach 127.0.0.1
}

// Names of limits.
const (
	LimitRun   = "run"   // CLAUDE_MAX_BUDGET_USD
	LimitDaily = "daily" // PROJECT_DAILY_BUDGET_USD
)

// Limit is a spending limit of a run: once the run's cost reaches USD, model requests are refused.
type Limit struct {
	USD  float64
	Name string // "run" (CLAUDE_MAX_BUDGET_USD) or "daily" (PROJECT_DAILY_BUDGET_USD)
	Why  string // the sentence the refusal gives, e.g. "this run may cost $0.50 (CLAUDE_MAX_BUDGET_USD)"
}

// Call is one model request, for the job's transcript: never its content or headers.
type Call struct {
	Model   string
	Usage   Usage
	CostUSD float64
	Status  int
	Took    time.Duration
	Refused string // the limit that refused it, or "" when it was forwarded
}

// Totals is what a run's model requests added up to.
type Totals struct {
	Requests int
	Usage    Usage
	CostUSD  float64
	Refused  *Limit // the limit that refused a request, if one did
}

// Session serves one run's socket until Close.
type Session struct {
	cfg      Config
	upstream *url.URL
	token    string
	sock     string
	limits   []Limit
	onCall   func(Call)
	ln       net.Listener
	srv      *http.Server
	api      *httputil.ReverseProxy
	egress   *http.Transport // plain proxied HTTP of the allowlist
	served   chan struct{}

	mu      sync.Mutex
	totals  Totals
	tunnels map[net.Conn]struct{}
	tunWG   sync.WaitGroup
	closed  bool
}

// Open listens on dir/egress.sock (dir must exist and be private to the service) and serves the
// run. onCall, if not nil, is called after each model request, from the serving goroutine.
func Open(dir string, cfg Config, limits []Limit, onCall func(Call)) (*Session, error) {
	up := cfg.Upstream
	if up == "" {
		up = DefaultUpstream
	}
	u, err := url.Parse(strings.TrimRight(up, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("egress: ANTHROPIC_BASE_URL %q is not an http(s) URL", up)
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, fmt.Errorf("egress: run credential: %w", err)
	}
	s := &Session{cfg: cfg, upstream: u, token: "sk-ant-run-" + hex.EncodeToString(tok),
		sock: filepath.Join(dir, SocketName), limits: limits, onCall: onCall,
		tunnels: map[net.Conn]struct{}{}, served: make(chan struct{})}
	if onCall == nil {
		s.onCall = func(Call) {}
	}
	tr := cfg.Transport
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	s.api = &httputil.ReverseProxy{Rewrite: s.rewrite, Transport: tr, FlushInterval: -1,
		ModifyResponse: s.meter, ErrorHandler: s.upstreamError}
	s.egress = &http.Transport{DialContext: s.dialAllowed, Proxy: nil, ForceAttemptHTTP2: false,
		MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second}
	_ = os.Remove(s.sock)
	s.ln, err = net.Listen("unix", s.sock)
	if err != nil {
		return nil, fmt.Errorf("egress: listen on %s: %w", s.sock, err)
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(s.ln) // ends with Close
	}()
	return s, nil
}

// Socket is the path of the run's socket on the host.
func (s *Session) Socket() string { return s.sock }

// Env is what the CLI gets instead of the real credential and endpoint: the same credential
// names holding the run's token, the API at the bridge, and in allowlist mode the proxy
// variables that tools (curl, npm, pip, git) follow.
func (s *Session) Env() []string {
	env := []string{"ANTHROPIC_BASE_URL=http://" + InsideAddr}
	any := false
	for _, name := range credentialNames {
		if s.cfg.Credentials[name] != "" {
			env, any = append(env, name+"="+s.token), true
		}
	}
	if !any { // no credential configured: the CLI still needs one to send
		env = append(env, "ANTHROPIC_API_KEY="+s.token)
	}
	if len(s.cfg.Allow) > 0 {
		p := "http://" + InsideAddr
		env = append(env, "HTTPS_PROXY="+p, "HTTP_PROXY="+p, "https_proxy="+p, "http_proxy="+p,
			"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	}
	return env
}

// Token is the run's credential (tests).
func (s *Session) Token() string { return s.token }

// Close stops serving, ends open tunnels and waits for them; it returns the run's totals.
func (s *Session) Close() Totals {
	s.mu.Lock()
	s.closed = true
	for c := range s.tunnels {
		_ = c.Close()
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		_ = s.srv.Close()
	}
	<-s.served
	s.tunWG.Wait()
	s.egress.CloseIdleConnections()
	_ = os.Remove(s.sock)
	return s.Totals()
}

// Totals so far.
func (s *Session) Totals() Totals {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.totals
}

func (s *Session) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodConnect:
		s.connect(w, r)
	case r.URL.IsAbs():
		s.forwardHTTP(w, r)
	case r.URL.Path == PingPath: // doctor's probe: the way in works, the run's credential is taken
		if !s.authorised(r.Header) {
			apiError(w, http.StatusUnauthorized, "authentication_error", "claude-gitlab: this is not the run's credential")
			return
		}
		_, _ = io.WriteString(w, "pong\n")
	default:
		s.model(w, r)
	}
}

// model forwards a request of the CLI to the Messages API, with the real credential.
func (s *Session) model(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(r.Header) {
		apiError(w, http.StatusUnauthorized, "authentication_error", "claude-gitlab: this is not the run's credential")
		return
	}
	if !modelEndpoint(r) {
		// The real credential may open more of the API than a run needs (files, batches that
		// the meter never sees, an admin key's organisation endpoints): only what the CLI sends.
		apiError(w, http.StatusForbidden, "permission_error", "claude-gitlab: a run may only send model requests (POST /v1/messages)")
		return
	}
	if lim := s.over(); lim != nil && strings.HasPrefix(r.URL.Path, "/v1/messages") && !strings.HasSuffix(r.URL.Path, "/count_tokens") {
		s.record(Call{Status: http.StatusBadRequest, Refused: lim.Why}, lim)
		apiError(w, http.StatusBadRequest, "invalid_request_error",
			fmt.Sprintf("claude-gitlab refused this request: the budget is spent: %s; $%.4f used", lim.Why, s.Totals().CostUSD))
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), startKey{}, time.Now()))
	s.api.ServeHTTP(w, r)
}

type startKey struct{}

// modelEndpoint: the requests the Claude Code CLI makes of the API (CLAUDE-CLI.md), and nothing else.
func modelEndpoint(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/v1/messages" || r.URL.Path == "/v1/messages/count_tokens")
}

// authorised accepts the run's token in every credential header the request carries, and
// needs at least one.
func (s *Session) authorised(h http.Header) bool {
	seen := false
	if k := h.Get("X-Api-Key"); k != "" {
		if subtle.ConstantTimeCompare([]byte(k), []byte(s.token)) != 1 {
			return false
		}
		seen = true
	}
	if a := h.Get("Authorization"); a != "" {
		tok, ok := strings.CutPrefix(a, "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.token)) != 1 {
			return false
		}
		seen = true
	}
	return seen
}

// rewrite points the request at the upstream and swaps the run's token for the real credential.
func (s *Session) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(s.upstream)
	pr.Out.Host = s.upstream.Host
	h := pr.Out.Header
	// The meter must read the answer: let the transport ask for gzip and undo it itself.
	h.Del("Accept-Encoding")
	hadKey, hadBearer := h.Get("X-Api-Key") != "", h.Get("Authorization") != ""
	h.Del("X-Api-Key")
	h.Del("Authorization")
	creds := s.cfg.Credentials
	if hadKey && creds["ANTHROPIC_API_KEY"] != "" {
		h.Set("X-Api-Key", creds["ANTHROPIC_API_KEY"])
	}
	if hadBearer {
		if t := firstNonEmpty(creds["ANTHROPIC_AUTH_TOKEN"], creds["CLAUDE_CODE_OAUTH_TOKEN"]); t != "" {
			h.Set("Authorization", "Bearer "+t)
		}
	}
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// meter counts the answer's usage as it streams to the CLI.
func (s *Session) meter(resp *http.Response) error {
	start, _ := resp.Request.Context().Value(startKey{}).(time.Time)
	status := resp.StatusCode
	m := &meter{sse: strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream")}
	resp.Body = &meteredBody{ReadCloser: resp.Body, m: m, done: func(m *meter) {
		c := Call{Model: m.model, Usage: m.usage, Status: status, Took: time.Since(start)}
		if m.counted {
			c.CostUSD = Cost(m.model, m.usage)
		}
		s.record(c, nil)
	}}
	return nil
}

func (s *Session) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	apiError(w, http.StatusBadGateway, "api_error", "claude-gitlab could not reach the Anthropic API: "+err.Error())
}

// record adds a call to the totals and tells the caller.
func (s *Session) record(c Call, refusedBy *Limit) {
	s.mu.Lock()
	s.totals.Requests++
	s.totals.Usage.add(c.Usage)
	s.totals.CostUSD += c.CostUSD
	if refusedBy != nil && s.totals.Refused == nil {
		l := *refusedBy
		s.totals.Refused = &l
	}
	s.mu.Unlock()
	s.onCall(c)
}

// over is the first limit the run's cost has reached, or nil.
func (s *Session) over() *Limit {
	cost := s.Totals().CostUSD
	for i := range s.limits {
		if s.limits[i].USD > 0 && cost >= s.limits[i].USD {
			return &s.limits[i]
		}
	}
	return nil
}

// apiError answers in the Messages API's error format, which the CLI shows in its result.
func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]string{"type": typ, "message": msg}})
}
