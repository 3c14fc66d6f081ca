package fakegitlab

import (
	"net/http"
	"path"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// The settings `claude-gitlab setup` and `doctor` read and write: group webhooks (paid tiers),
// push rules (Premium), and a hook's auto-disable state.

func (g *GitLab) adminRoutes(api func(string, int, func(*call))) {
	api("GET /projects/{id}/push_rule", Maintainer, g.getPushRule)
	api("GET /groups/{group}/projects", 0, g.listGroupProjects)
	api("GET /groups/{group}/hooks", 0, g.withGroupOwner(g.listGroupHooks))
	api("POST /groups/{group}/hooks", 0, g.withGroupOwner(g.postGroupHook))
	api("PUT /groups/{group}/hooks/{hook_id}", 0, g.withGroupOwner(g.putGroupHook))
}

// SetPushRule gives a project a push rule (nil removes it). The fake only reports it: pushes are
// not checked against it.
func (g *GitLab) SetPushRule(projectID int64, rule *gitlab.ProjectPushRules) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	if rule != nil {
		r := *rule
		r.ID, r.ProjectID = g.st.nextID("push_rule"), projectID
		rule = &r
	}
	p.pushRule = rule
}

// SetHookAlertStatus marks a project hook as GitLab does after failed deliveries:
// "temporarily_disabled" (until a time), "disabled" (for good) or "executable" again.
func (g *GitLab) SetHookAlertStatus(projectID, hookID int64, status string, until *time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, h := range g.mustProject(projectID).hooks {
		if h.ID == hookID {
			h.AlertStatus, h.DisabledUntil = status, until
		}
	}
}

// GroupHooks lists a group's webhooks with their secrets, for assertions.
func (g *GitLab) GroupHooks(groupPath string) []Hook {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Hook
	for _, h := range g.st.groupHooks[groupPath] {
		out = append(out, Hook{ProjectHook: h.ProjectHook, Token: h.token})
	}
	return out
}

// getPushRule answers like GitLab: the rule, or null when the project has none.
func (g *GitLab) getPushRule(c *call) {
	if !g.paid() { // EE Free: a non-admin is refused before the licence is even checked
		forbidden(c.w)
		return
	}
	if c.p.pushRule == nil {
		c.json(http.StatusOK, nil)
		return
	}
	c.json(http.StatusOK, c.p.pushRule)
}

// withGroupOwner finds {group} and checks the caller is its Owner (GitLab's rule for group
// hooks), directly or through a parent group.
func (g *GitLab) withGroupOwner(fn func(*call, string)) func(*call) {
	return func(c *call) {
		if !g.paid() { // group webhooks are Premium
			notFoundRoute(c.w)
			return
		}
		group := c.path("group")
		if _, ok := g.st.groups[group]; !ok {
			notFound(c.w, "Group")
			return
		}
		level := 0
		for dir := group; dir != "." && dir != "/"; dir = path.Dir(dir) {
			level = max(level, g.st.groups[dir][c.user.ID])
		}
		if level < Owner {
			forbidden(c.w)
			return
		}
		fn(c, group)
	}
}

func (g *GitLab) listGroupHooks(c *call, group string) {
	c.json(http.StatusOK, paginate(c.w, c.r, g.hooksJSON(g.st.groupHooks[group])))
}

func (g *GitLab) postGroupHook(c *call, group string) {
	if c.in.str("url") == "" {
		missingParam(c.w, "url")
		return
	}
	now := g.now()
	h := &hook{ProjectHook: gitlab.ProjectHook{
		ID: g.st.nextID("hook"), PushEvents: true, EnableSSLVerification: true,
		AlertStatus: "executable", CreatedAt: &now,
	}}
	if !g.applySigningToken(c, h) {
		return
	}
	g.applyHookParams(c, h)
	if g.st.groupHooks == nil {
		g.st.groupHooks = map[string][]*hook{}
	}
	g.st.groupHooks[group] = append(g.st.groupHooks[group], h)
	c.json(http.StatusCreated, g.hookJSON(h))
}

func (g *GitLab) putGroupHook(c *call, group string) {
	for _, h := range g.st.groupHooks[group] {
		if h.ID == c.pathInt("hook_id") {
			if !g.applySigningToken(c, h) {
				return
			}
			g.applyHookParams(c, h)
			c.json(http.StatusOK, g.hookJSON(h))
			return
		}
	}
	notFound(c.w, "Hook")
}
