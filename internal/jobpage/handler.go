// Package jobpage serves the job page (GET /jobs/{id}: request, steps with timings, the live
// transcript over Server-Sent Events, the diff, cost and errors) and the operator's list of jobs
// (GET /jobs). Pages are server-rendered with html/template from embedded assets; everything that
// came from GitLab or the agent is escaped by the template or set as text by the script.
package jobpage

import (
	"context"
	"crypto/subtle"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).ParseFS(assets, "assets/*.html"))

// Jobs is what the pages read of the queue (queue.Queue): River keeps a job's row a day after
// it ends; the journal keeps the rest for JOB_RETENTION.
type Jobs interface {
	Get(ctx context.Context, id int64) (queue.Info, error)
	List(ctx context.Context, limit int, states ...jobstate.Status) ([]queue.Info, error)
}

// Config is what the pages need.
type Config struct {
	Journal    *journal.Journal
	Jobs       Jobs
	Signer     *Signer
	AdminToken string // empty: no list, and no page of a confidential thread
	PublicURL  string
	// Sessions are the Claude sessions jobs left, offered on their pages; nil offers none.
	Sessions Sessions
	// Done ends live streams (the service is stopping), so the HTTP server can shut down.
	Done <-chan struct{}
	Log  *slog.Logger
}

type handler struct {
	Config
}

const adminCookie = "claude_gitlab_admin"

// Routes are the pages' routes for server.Options.Extra.
func Routes(c Config) map[string]http.Handler {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	h := &handler{c}
	return map[string]http.Handler{
		"GET /jobs":              secure(http.HandlerFunc(h.list)),
		"GET /jobs/login":        secure(http.HandlerFunc(h.loginForm)),
		"POST /jobs/login":       secure(http.HandlerFunc(h.login)),
		"GET /jobs/{id}":         secure(http.HandlerFunc(h.page)),
		"GET /jobs/{id}/events":  secure(http.HandlerFunc(h.events)),
		"GET /jobs/{id}/session": secure(http.HandlerFunc(h.session)),
		"GET /static/{file}":     http.HandlerFunc(static),
	}
}

// secure sets the headers every page gets: no caching (links carry tokens), no referrer (the same),
// and a policy that runs no script or style but our own files.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	data, err := assets.ReadFile("assets/" + name)
	if err != nil || strings.HasSuffix(name, ".html") {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(data)
}

// isAdmin: the request carries ADMIN_TOKEN as a bearer token, or the cookie the login set.
func (h *handler) isAdmin(r *http.Request) bool {
	if h.AdminToken == "" {
		return false
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return subtle.ConstantTimeCompare([]byte(tok), []byte(h.AdminToken)) == 1
	}
	c, err := r.Cookie(adminCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(h.Signer.adminCookie(h.AdminToken))) == 1
}

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "login.html", loginView{Next: safeNext(r.URL.Query().Get("next")), Enabled: h.AdminToken != ""})
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	next := safeNext(r.PostFormValue("next"))
	tok := r.PostFormValue("token")
	if h.AdminToken == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(h.AdminToken)) != 1 {
		h.Log.Warn("job page: wrong operator token", "remote", r.RemoteAddr)
		time.Sleep(500 * time.Millisecond) // a guess costs time
		h.render(w, http.StatusForbidden, "login.html", loginView{Next: next, Enabled: h.AdminToken != "", Wrong: true})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: adminCookie, Value: h.Signer.adminCookie(h.AdminToken), Path: "/",
		MaxAge: 7 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || strings.HasPrefix(h.PublicURL, "https://")})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext keeps a redirect after login on our own pages.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/jobs") && !strings.ContainsAny(next, "\\\r\n") && !strings.HasPrefix(next, "//") {
		return next
	}
	return "/jobs"
}

type loginView struct {
	Next    string
	Enabled bool
	Wrong   bool
}

type messageView struct {
	Title, Text string
	Login       string // where to log in and come back, if the operator could see it
}

func (h *handler) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		h.Log.Warn("job page: render", "page", name, "error", err)
	}
}

func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	v := messageView{Title: title, Text: text}
	if status == http.StatusForbidden && h.AdminToken != "" {
		v.Login = "/jobs/login?next=" + r.URL.EscapedPath()
	}
	h.render(w, status, "message.html", v)
}
