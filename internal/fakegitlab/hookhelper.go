package fakegitlab

import gitlab "gitlab.com/gitlab-org/api/client-go/v2"

// AddHook registers a project webhook to url with the secret token and the events claude-gitlab
// needs (issues, merge requests, notes, and their confidential kinds), as `setup` would.
func (g *GitLab) AddHook(projectID int64, url, token string) Hook {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	now := g.now()
	h := &hook{token: token, ProjectHook: gitlab.ProjectHook{
		ID: g.st.nextID("hook"), ProjectID: p.ID, URL: url, EnableSSLVerification: true,
		AlertStatus: "executable", CreatedAt: &now, IssuesEvents: true, MergeRequestsEvents: true,
		NoteEvents: true, ConfidentialIssuesEvents: true, ConfidentialNoteEvents: true,
	}}
	p.hooks = append(p.hooks, h)
	return Hook{ProjectHook: h.ProjectHook, Token: h.token}
}
