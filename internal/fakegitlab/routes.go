package fakegitlab

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// call is one authenticated API request being answered, with the project it names (if any).
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	user  *User
	tok   *token
	p     *project
	level int // the user's access level on p
	in    params
}

func (c *call) json(status int, v any)  { writeJSON(c.w, status, v) }
func (c *call) path(name string) string { return c.r.PathValue(name) }
func (c *call) pathInt(name string) int64 {
	n, _ := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	return n
}

// noteableKinds are the URL segments of things notes hang on, with their thread type.
var noteableKinds = map[string]ThreadType{
	"issues":             ThreadIssue,
	"merge_requests":     ThreadMR,
	"snippets":           ThreadSnippet,
	"repository/commits": ThreadCommit,
}

func (g *GitLab) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, level int, fn func(*call)) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" /api/v4"+path, g.apiHandler(level, fn))
	}
	api("GET /version", 0, g.getVersion)
	api("GET /user", 0, g.getCurrentUser)
	api("GET /personal_access_tokens/self", 0, g.getTokenSelf)
	api("POST /personal_access_tokens/self/rotate", 0, g.rotateTokenSelf)
	api("DELETE /personal_access_tokens/self", 0, g.revokeTokenSelf)
	g.projectRoutes(api)
	g.noteRoutes(api)
	g.discussionRoutes(api)
	g.awardRoutes(api)
	g.mergeRequestRoutes(api)
	g.branchRoutes(api)
	g.fileRoutes(api)
	g.hookRoutes(api)
	g.adminRoutes(api)
	g.pipelineRoutes(api)
	g.wikiRoutes(api)
	g.identityRoutes(api)
	g.todoRoutes(api)
	mux.HandleFunc("GET /api/v4/job", g.getJobOfToken) // authenticated by a CI job token, not a user's
	mux.HandleFunc("/api/v4/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
	mux.HandleFunc("/", g.serveGit)
	return mux
}

// apiHandler authenticates, checks scopes, loads {id}'s project when level > 0 and checks the
// user's access, then runs fn under the state lock.
func (g *GitLab) apiHandler(level int, fn func(*call)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		c := &call{w: w, r: r}
		if !g.authenticate(c) {
			return
		}
		in, err := readParams(r)
		if err != nil {
			badRequest(w, err.Error())
			return
		}
		c.in = in
		if level > 0 && !g.authorize(c, level) {
			return
		}
		fn(c)
	})
}

func (g *GitLab) authenticate(c *call) bool {
	t := g.st.tokens[tokenFromRequest(c.r)]
	if t != nil && t.revoked && c.r.Method == http.MethodPost && c.r.URL.Path == "/api/v4/personal_access_tokens/self/rotate" {
		// Reuse of a rotated token: GitLab revokes every token rotated from it (gitlab#524639).
		for next := t.rotatedTo; next != nil; next = next.rotatedTo {
			next.revoked = true
		}
	}
	if t == nil || !t.active(g.now()) {
		writeMessage(c.w, http.StatusUnauthorized, "401 Unauthorized")
		return false
	}
	if !slices.Contains(t.scopes, "api") && (c.r.Method != http.MethodGet || !slices.Contains(t.scopes, "read_api")) {
		writeJSON(c.w, http.StatusForbidden, map[string]string{
			"error":             "insufficient_scope",
			"error_description": "The request requires higher privileges than provided by the access token.",
			"scope":             "api read_api",
		})
		return false
	}
	c.tok, c.user = t, g.userByID(t.userID)
	return true
}

// authorize finds the project and checks access the way GitLab does: a private project the user
// cannot see is "not found"; one they see but may not act on is "forbidden".
func (g *GitLab) authorize(c *call, level int) bool {
	p := g.projectByRef(c.path("id"))
	if p == nil {
		notFound(c.w, "Project")
		return false
	}
	c.p, c.level = p, g.accessLevel(p, c.user.ID)
	if c.level == NoAccess && !p.public {
		notFound(c.w, "Project")
		return false
	}
	if max(c.level, g.publicLevel(p)) < level {
		forbidden(c.w)
		return false
	}
	return true
}

// publicLevel is what any signed-in user may do on a public project: read and comment.
func (g *GitLab) publicLevel(p *project) int {
	if p.public {
		return Guest
	}
	return NoAccess
}
