package fakegitlab

import (
	"net/http"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// hook is a project webhook: its settings as the API shows them, the secret token (never
// shown), and the deliveries GitLab would list under "Recent events".
type hook struct {
	gitlab.ProjectHook
	token        string
	signingToken string // whsec_…; taken only where GitLab has it (compat.go)
	failures     int    // failed deliveries in a row, for alert_status
	events       []*HookEvent
}

// HookEvent is one delivery of a hook, as GET /projects/:id/hooks/:hook_id/events lists it.
type HookEvent struct {
	ID                int64             `json:"id"`
	URL               string            `json:"url"`
	Trigger           string            `json:"trigger"` // note_hooks, issue_hooks, merge_request_hooks, …
	RequestHeaders    map[string]string `json:"request_headers"`
	RequestData       string            `json:"request_data"`
	ResponseHeaders   map[string]string `json:"response_headers"`
	ResponseBody      string            `json:"response_body"`
	ResponseStatus    string            `json:"response_status"` // "200", "500" or "internal error"
	ExecutionDuration float64           `json:"execution_duration"`
	CreatedAt         time.Time         `json:"created_at"`
}

func (g *GitLab) hookRoutes(api func(string, int, func(*call))) {
	api("GET /projects/{id}/hooks", Maintainer, g.listHooks)
	api("POST /projects/{id}/hooks", Maintainer, g.postHook)
	api("GET /projects/{id}/hooks/{hook_id}", Maintainer, g.withHook(g.getHook))
	api("PUT /projects/{id}/hooks/{hook_id}", Maintainer, g.withHook(g.putHook))
	api("DELETE /projects/{id}/hooks/{hook_id}", Maintainer, g.withHook(g.deleteHook))
	api("GET /projects/{id}/hooks/{hook_id}/events", Maintainer, g.withHook(g.listHookEvents))
}

func (g *GitLab) withHook(fn func(*call, *hook)) func(*call) {
	return func(c *call) {
		for _, h := range c.p.hooks {
			if h.ID == c.pathInt("hook_id") {
				fn(c, h)
				return
			}
		}
		notFound(c.w, "Hook")
	}
}

func (g *GitLab) listHooks(c *call) {
	c.json(http.StatusOK, paginate(c.w, c.r, g.hooksJSON(c.p.hooks)))
}

func (g *GitLab) postHook(c *call) {
	if c.in.str("url") == "" {
		missingParam(c.w, "url")
		return
	}
	now := g.now()
	h := &hook{ProjectHook: gitlab.ProjectHook{
		ID: g.st.nextID("hook"), ProjectID: c.p.ID, PushEvents: true, EnableSSLVerification: true,
		AlertStatus: "executable", CreatedAt: &now,
	}}
	if !g.applySigningToken(c, h) {
		return
	}
	g.applyHookParams(c, h)
	c.p.hooks = append(c.p.hooks, h)
	c.json(http.StatusCreated, g.hookJSON(h))
}

func (g *GitLab) getHook(c *call, h *hook) { c.json(http.StatusOK, g.hookJSON(h)) }

func (g *GitLab) putHook(c *call, h *hook) {
	if !g.applySigningToken(c, h) {
		return
	}
	g.applyHookParams(c, h)
	c.json(http.StatusOK, g.hookJSON(h))
}

func (g *GitLab) deleteHook(c *call, h *hook) {
	for i, x := range c.p.hooks {
		if x == h {
			c.p.hooks = append(c.p.hooks[:i], c.p.hooks[i+1:]...)
		}
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// listHookEvents lists deliveries newest first; status filters by successful, client_failure
// or server_failure, like GitLab.
func (g *GitLab) listHookEvents(c *call, h *hook) {
	out := []*HookEvent{}
	for i := len(h.events) - 1; i >= 0; i-- {
		if e := h.events[i]; c.in.str("status") == "" || deliveryClass(e.ResponseStatus) == c.in.str("status") {
			out = append(out, e)
		}
	}
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

func deliveryClass(status string) string {
	switch {
	case len(status) == 3 && status[0] == '2':
		return "successful"
	case len(status) == 3 && status[0] == '4':
		return "client_failure"
	}
	return "server_failure"
}

// applyHookParams copies the settings a request names; others keep their values.
func (g *GitLab) applyHookParams(c *call, h *hook) {
	in := c.in
	set := func(key string, dst *bool) {
		if in.has(key) {
			*dst = in.boolean(key)
		}
	}
	if in.has("url") {
		h.URL = in.str("url")
	}
	if in.has("name") {
		h.Name = in.str("name")
	}
	if in.has("token") {
		h.token = in.str("token")
		h.TokenPresent = h.token != ""
	}
	set("push_events", &h.PushEvents)
	set("issues_events", &h.IssuesEvents)
	set("confidential_issues_events", &h.ConfidentialIssuesEvents)
	set("merge_requests_events", &h.MergeRequestsEvents)
	set("tag_push_events", &h.TagPushEvents)
	set("note_events", &h.NoteEvents)
	set("confidential_note_events", &h.ConfidentialNoteEvents)
	set("job_events", &h.JobEvents)
	set("pipeline_events", &h.PipelineEvents)
	set("wiki_page_events", &h.WikiPageEvents)
	set("emoji_events", &h.EmojiEvents)
	set("enable_ssl_verification", &h.EnableSSLVerification)
}

// Hook is a project webhook with its secret, for assertions.
type Hook struct {
	gitlab.ProjectHook
	Token        string
	SigningToken string
	Events       []HookEvent
}

// Hooks lists a project's webhooks, for assertions.
func (g *GitLab) Hooks(projectID int64) []Hook {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Hook
	for _, h := range g.mustProject(projectID).hooks {
		hk := Hook{ProjectHook: h.ProjectHook, Token: h.token, SigningToken: h.signingToken}
		for _, e := range h.events {
			hk.Events = append(hk.Events, *e)
		}
		out = append(out, hk)
	}
	return out
}

// AddHookEvent records a delivery in a hook's recent events, e.g. a failing one for doctor.
func (g *GitLab) AddHookEvent(projectID, hookID int64, e HookEvent) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, h := range g.mustProject(projectID).hooks {
		if h.ID == hookID {
			e.ID = g.st.nextID("hook_event")
			if e.CreatedAt.IsZero() {
				e.CreatedAt = g.now()
			}
			h.events = append(h.events, &e)
		}
	}
}
