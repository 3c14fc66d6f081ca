package fakegitlab

import (
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// AddProject creates a private project whose bare repository holds files on defaultBranch in
// one commit. It panics if git cannot create the repository: that is a broken test set-up.
func (g *GitLab) AddProject(pathWithNamespace, defaultBranch string, files map[string]string) Project {
	if _, err := g.git.CreateRepo(pathWithNamespace, defaultBranch, files); err != nil {
		panic(fmt.Sprintf("fakegitlab: create repository %s: %v", pathWithNamespace, err))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	p := &project{
		Project: Project{
			ID: g.st.nextID("project"), Path: pathWithNamespace, DefaultBranch: defaultBranch,
			WebURL: g.URL() + "/" + pathWithNamespace, HTTPURL: g.URL() + "/" + pathWithNamespace + ".git",
		},
		members: map[int64]int{}, protected: map[string]*protection{}, issues: map[int64]*issue{},
		mrs: map[int64]*mergeRequest{}, snippets: map[int64]*snippet{}, threads: map[threadKey]*thread{},
		pipelines: map[string]*pipeline{}, nextIID: map[string]int64{},
	}
	g.st.projects[p.ID] = p
	return p.Project
}

// SetPublic makes a project visible to every signed-in user (public) or members only.
func (g *GitLab) SetPublic(projectID int64, public bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mustProject(projectID).public = public
}

// SetCIConfigPath sets the project's CI configuration path (Settings > CI/CD > General pipelines).
func (g *GitLab) SetCIConfigPath(projectID int64, path string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mustProject(projectID).ciConfigPath = path
}

// AddMember gives a user a direct role on a project (Guest … Owner).
func (g *GitLab) AddMember(projectID, userID int64, accessLevel int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mustProject(projectID).members[userID] = accessLevel
}

// AddGroupMember gives a user a role on a group; projects under it inherit it.
func (g *GitLab) AddGroupMember(groupPath string, userID int64, accessLevel int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.st.groups[groupPath] == nil {
		g.st.groups[groupPath] = map[int64]int{}
	}
	g.st.groups[groupPath][userID] = accessLevel
}

func (g *GitLab) mustProject(id int64) *project {
	p := g.st.projects[id]
	if p == nil {
		panic(fmt.Sprintf("fakegitlab: no project %d", id))
	}
	return p
}

// projectByRef finds a project by numeric id or by path with namespace.
func (g *GitLab) projectByRef(ref string) *project {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return g.st.projects[id]
	}
	for _, p := range g.st.projects {
		if strings.EqualFold(p.Path, ref) {
			return p
		}
	}
	return nil
}

// accessLevel is the user's effective role: the highest of the direct membership and the
// memberships of every ancestor group, as GitLab's inherited membership works.
func (g *GitLab) accessLevel(p *project, userID int64) int {
	return max(g.directAndInheritedLevel(p, userID), g.sharedLevel(p, userID))
}

// directAndInheritedLevel is a user's role on the project itself or its parent groups.
func (g *GitLab) directAndInheritedLevel(p *project, userID int64) int {
	level := p.members[userID]
	for dir := path.Dir(p.Path); dir != "." && dir != "/"; dir = path.Dir(dir) {
		level = max(level, g.st.groups[dir][userID])
	}
	return level
}

func (g *GitLab) getProject(c *call) {
	p := c.p
	ns := path.Dir(p.Path)
	name := path.Base(p.Path)
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	visibility := "private"
	if p.public {
		visibility = "public"
	}
	c.json(http.StatusOK, map[string]any{
		"id": p.ID, "name": name, "path": name, "path_with_namespace": p.Path,
		"name_with_namespace": strings.ReplaceAll(p.Path, "/", " / "), "description": "",
		"default_branch": p.DefaultBranch, "visibility": visibility, "web_url": p.WebURL,
		"http_url_to_repo": p.HTTPURL, "ssh_url_to_repo": "git@fakegitlab:" + p.Path + ".git",
		"created_at": created, "archived": false, "empty_repo": false,
		"namespace":    g.namespaceJSON(ns),
		"permissions":  map[string]any{"project_access": g.accessJSON(p.members[c.user.ID]), "group_access": g.groupAccessJSON(p, c.user.ID)},
		"merge_method": "merge", "only_allow_merge_if_pipeline_succeeds": false, "ci_config_path": p.ciConfigPath,
	})
}

func (g *GitLab) accessJSON(level int) any {
	if level == NoAccess {
		return nil
	}
	return map[string]any{"access_level": level, "notification_level": 3}
}

func (g *GitLab) groupAccessJSON(p *project, userID int64) any {
	level := 0
	for dir := path.Dir(p.Path); dir != "." && dir != "/"; dir = path.Dir(dir) {
		level = max(level, g.st.groups[dir][userID])
	}
	return g.accessJSON(level)
}

// getInheritedMember answers GET members/all/:user_id; 404 "Not found" for non-members.
func (g *GitLab) getInheritedMember(c *call) {
	uid := c.pathInt("user_id")
	level := g.listedLevel(c.p, uid)
	if level == NoAccess || g.st.users[uid] == nil {
		writeMessage(c.w, http.StatusNotFound, "404 Not found")
		return
	}
	c.json(http.StatusOK, g.memberJSON(uid, level))
}

func (g *GitLab) listInheritedMembers(c *call) {
	var out []*gitlab.ProjectMember
	only := map[string]bool{} // user_ids[]: only these users
	for _, id := range c.r.URL.Query()["user_ids[]"] {
		only[id] = true
	}
	for _, u := range g.sortedUsers() {
		if len(only) > 0 && !only[strconv.FormatInt(u.ID, 10)] {
			continue
		}
		if level := g.listedLevel(c.p, u.ID); level > NoAccess {
			out = append(out, g.memberJSON(u.ID, level))
		}
	}
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

func (g *GitLab) memberJSON(uid int64, level int) *gitlab.ProjectMember {
	u := g.userByID(uid)
	return &gitlab.ProjectMember{
		ID: u.ID, Username: u.Username, Name: u.Name, State: "active",
		AccessLevel: gitlab.AccessLevelValue(level), WebURL: g.URL() + "/" + u.Username,
	}
}

func (g *GitLab) sortedUsers() []*User {
	out := make([]*User, 0, len(g.st.users))
	for _, u := range g.st.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (g *GitLab) projectRoutes(api func(string, int, func(*call))) {
	api("GET /projects/{id}", Guest, g.getProject)
	api("GET /projects/{id}/members/all", Guest, g.listInheritedMembers)
	api("GET /projects/{id}/members/all/{user_id}", Guest, g.getInheritedMember)
	api("GET /projects/{id}/issues/{iid}", Guest, g.getIssue)
	api("GET /projects/{id}/issues", Guest, g.listIssues)
	api("GET /projects/{id}/repository/tree", Reporter, g.getTree)
	api("GET /projects/{id}/repository/compare", Reporter, g.compare)
	api("PUT /projects/{id}/issues/{iid}", Reporter, g.updateIssue)
	api("POST /projects/{id}/issues", Guest, g.postIssue)
	api("GET /projects/{id}/snippets/{iid}", Guest, g.getSnippet)
}
