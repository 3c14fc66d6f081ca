// Package fakegitlab is a stateful in-process stand-in for GitLab: the REST API v4 endpoints
// claude-gitlab uses, git over smart HTTP (a real bare repository per project, served by
// internal/gitserver), and builders for the webhook payloads GitLab would send. Tests and the
// demo drive it with the real client-go and real git, then assert on what GitLab ends up showing.
//
//	g, _ := fakegitlab.New(fakegitlab.Options{})
//	defer g.Close()
//	bot := g.AddUser("project_1_bot_x", "Claude", true)
//	p := g.AddProject("group/proj", "main", map[string]string{"README.md": "hi\n"})
//	g.AddMember(p.ID, bot.ID, fakegitlab.Developer)
//	token := g.AddToken(bot.ID, []string{"api"}, time.Time{}, "personal")
//	is := g.CreateIssue(p.ID, bot.ID, "Bug", "", false)
//	event, payload := g.IssueNoteEvent(p.ID, is.IID, bot.ID, "@claude why?")
//	// … send payload with X-Gitlab-Event: event, or g.Deliver it to the project's hooks …
//	notes := g.Notes(p.ID, fakegitlab.ThreadIssue, "1")
//
// Like GitLab, the notes list answers newest first unless sort=asc is asked for.
package fakegitlab

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitserver"
)

// Options configure a fake GitLab. The zero value is a usable default.
type Options struct {
	// RateLimitPerMinute is the authenticated request budget per token and minute, as on
	// GitLab.com (2,000 when zero; negative turns the limit off).
	RateLimitPerMinute int
	// Now is the clock (time.Now when nil); tests move it to expire tokens or reset windows.
	Now func() time.Time
	// Dir holds the bare repositories; a temporary directory removed by Close when empty.
	Dir string
	// Version is what GET /version reports ("17.8.0-ee" when empty); the fake behaves like that
	// version where GitLab changed (compat.go): VersionLTS and VersionLatest are the two ends.
	Version string
	// Tier is the licence: TierFree, TierPremium or TierUltimate (the default). Free has no
	// group webhooks and answers push_rule with 403.
	Tier string
	// WebhookSigning sets the webhook_signing_token feature flag where signing exists (19.0 and
	// later; on when nil). Off, GitLab ignores signing_token silently.
	WebhookSigning *bool
}

// GitLab is the fake instance. All state sits behind one mutex.
type GitLab struct {
	opts    Options
	git     *gitserver.Server
	srv     *httptest.Server
	handler http.Handler
	ownDir  bool

	mu       sync.Mutex
	st       *state
	faults   []*fault
	requests []RequestRecord
	stalled  int           // requests a fault's Hang holds right now
	inFlight int           // requests being handled right now
	answered chan struct{} // closed when the next request is answered and recorded
	windows  map[string]*rateWindow
}

// New starts a fake GitLab on 127.0.0.1. Close it when done.
func New(opts Options) (*GitLab, error) {
	g, err := newGitLab(opts)
	if err != nil {
		return nil, err
	}
	g.Start()
	return g, nil
}

func newGitLab(opts Options) (*GitLab, error) {
	if opts.RateLimitPerMinute == 0 {
		opts.RateLimitPerMinute = 2000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = "17.8.0-ee"
	}
	if opts.Tier == "" {
		opts.Tier = TierUltimate
	}
	g := &GitLab{opts: opts, st: newState(), windows: map[string]*rateWindow{}}
	if g.opts.Dir == "" {
		dir, err := os.MkdirTemp("", "fakegitlab-")
		if err != nil {
			return nil, fmt.Errorf("fakegitlab: %w", err)
		}
		g.opts.Dir, g.ownDir = dir, true
	}
	git, err := gitserver.New(g.opts.Dir)
	if err != nil {
		return nil, err
	}
	g.git = git
	g.handler = g.middleware(g.routes())
	return g, nil
}

// Handler is the whole fake (API and git) as one handler, for mounting elsewhere.
func (g *GitLab) Handler() http.Handler { return g.handler }

// Start serves the fake on 127.0.0.1 if it is not served yet. New already calls it.
func (g *GitLab) Start() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.srv == nil {
		g.srv = httptest.NewServer(g.handler)
	}
}

// URL is the instance's base URL, such as http://127.0.0.1:41234 (no /api/v4).
func (g *GitLab) URL() string { return g.srv.URL }

// APIURL is the base URL client-go wants: URL()+"/api/v4".
func (g *GitLab) APIURL() string { return g.srv.URL + "/api/v4" }

// Close stops the server and removes repositories it created.
func (g *GitLab) Close() {
	if g.srv != nil {
		g.srv.Close()
	}
	if g.ownDir {
		os.RemoveAll(g.opts.Dir)
	}
}

func (g *GitLab) now() time.Time { return g.opts.Now().UTC() }
