package fakegitlab

import (
	"net/http"
	"slices"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitserver"
)

// serveGit answers git's smart HTTP at /<namespace>/<project>.git/…: it checks the token the
// way GitLab does (basic auth, any user name), the token's scopes and the user's role, then
// hands the request to the real git server.
func (g *GitLab) serveGit(w http.ResponseWriter, r *http.Request) {
	repoPath, _, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), ".git/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	push := strings.HasSuffix(r.URL.Path, "/git-receive-pack") || r.URL.Query().Get("service") == "git-receive-pack"
	status, p, env := g.gitAccess(r, repoPath, push)
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="GitLab"`)
		http.Error(w, "HTTP Basic: Access denied.", status)
		return
	case http.StatusForbidden:
		http.Error(w, "You are not allowed to push code to this project.", status)
		return
	case http.StatusNotFound:
		http.Error(w, "The project you were looking for could not be found or you don't have permission to view it.", status)
		return
	}
	g.git.ServeHTTPEnv(w, r, env)
	if push && r.Method == http.MethodPost {
		g.afterPush(p)
	}
}

// gitAccess decides a git request: 401 without a live token, 404 when the user cannot see the
// project, 403 when they may read but not push; 200 otherwise, with the protected branches the
// user may push to for the repository's pre-receive hook.
func (g *GitLab) gitAccess(r *http.Request, repoPath string, push bool) (int, *project, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, pw, ok := r.BasicAuth()
	t := g.st.tokens[pw]
	if !ok || t == nil || !t.active(g.now()) {
		return http.StatusUnauthorized, nil, nil
	}
	p := g.projectByRef(strings.TrimSuffix(repoPath, ".wiki")) // a wiki has its project's access
	if p == nil {
		return http.StatusNotFound, nil, nil
	}
	level := max(g.accessLevel(p, t.userID), g.publicLevel(p))
	readScope := hasAny(t.scopes, "api", "read_api", "read_repository", "write_repository")
	if collab := g.collaboratorBranches(p, t.userID); push && level < Developer && len(collab) > 0 &&
		readScope && hasAny(t.scopes, "api", "write_repository") {
		// A collaborator on a fork's MR: its source branch, nothing else.
		return http.StatusOK, p, []string{gitserver.PushOnlyEnv + "=" + strings.Join(collab, " ")}
	}
	switch {
	case level == NoAccess:
		return http.StatusNotFound, nil, nil
	case !readScope || level < Reporter && !p.public:
		return http.StatusForbidden, nil, nil
	case push && (level < Developer || !hasAny(t.scopes, "api", "write_repository")):
		return http.StatusForbidden, nil, nil
	}
	allowed := gitserver.PushAllowedEnv + "=" + strings.Join(g.pushAllowedPatterns(p, t.userID), " ")
	return http.StatusOK, p, []string{allowed}
}

func hasAny(have []string, want ...string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// afterPush records new MR versions for branches that moved, as GitLab does on every push.
func (g *GitLab) afterPush(p *project) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pushPipelines(p)
	for _, mr := range p.mrs {
		g.refreshMR(p, mr)
	}
}
