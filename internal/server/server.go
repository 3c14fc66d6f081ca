// Package server is the service's HTTP side: the webhook endpoint, health, readiness and metrics,
// with optional TLS and a graceful stop.
package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
)

// Check reports whether a part the service needs is working; nil means ready.
type Check func(ctx context.Context) error

// Options are what the HTTP server serves.
type Options struct {
	Addr     string
	CertFile string
	KeyFile  string
	Webhook  http.Handler
	Metrics  *metrics.Metrics
	// MetricsToken, if set, must come as "Authorization: Bearer <token>" on /metrics.
	MetricsToken string
	ReadyChecks  map[string]Check
	Extra        map[string]http.Handler // more routes, e.g. job pages
	Log          *slog.Logger
}

// Server is a running HTTP server.
type Server struct {
	srv      *http.Server
	listener net.Listener
	log      *slog.Logger
	certs    *certReloader
}

// Routes builds the handler of the service's endpoints.
func Routes(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", o.Webhook)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /ready", readyHandler(o.ReadyChecks))
	if o.Metrics != nil {
		mux.Handle("GET /metrics", requireBearer(o.MetricsToken, o.Metrics.Handler()))
	}
	for pattern, h := range o.Extra {
		mux.Handle(pattern, h)
	}
	return mux
}

// requireBearer lets a request through only with "Authorization: Bearer <token>" (compared in
// constant time); an empty token lets every request through. A refusal is 401 with a
// WWW-Authenticate header, as Prometheus's bearer_token expects.
func requireBearer(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need METRICS_TOKEN as a bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func readyHandler(checks map[string]Check) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		status := map[string]string{}
		code := http.StatusOK
		for name, check := range checks {
			if err := check(ctx); err != nil {
				status[name] = err.Error()
				code = http.StatusServiceUnavailable
				continue
			}
			status[name] = "ok"
		}
		writeJSON(w, code, status)
	}
}

// Listen binds the address (so a taken port fails at start, with its name).
func Listen(o Options) (*Server, error) {
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (LISTEN_ADDR/PORT): %w", o.Addr, err)
	}
	s := &Server{
		listener: ln,
		log:      o.Log,
		srv: &http.Server{
			Handler:           Routes(o),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			IdleTimeout:       120 * time.Second,
		},
	}
	if o.CertFile != "" {
		s.certs, err = newCertReloader(o.CertFile, o.KeyFile, o.Log)
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.srv.TLSConfig = s.certs.tlsConfig()
	}
	return s, nil
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.listener.Addr() }

// Serve answers requests until Shutdown.
func (s *Server) Serve() error {
	var err error
	if s.certs != nil {
		err = s.srv.ServeTLS(s.listener, "", "")
	} else {
		err = s.srv.Serve(s.listener)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
