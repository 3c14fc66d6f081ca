package fakegitlab

import (
	"net/http"
	"path"
	"strconv"
	"strings"
)

// Identity: users by id (with GitLab's bot flag), renames (a username can be re-claimed by
// someone else, ids stay), and namespaces with their parents, so that allow-lists can be kept by
// id.

func (g *GitLab) identityRoutes(api func(string, int, func(*call))) {
	api("GET /users/{user_id}", 0, g.getUser)
	api("GET /namespaces/{ns}", 0, g.getNamespace)
}

// RenameUser changes a user's username, as a user can in their profile; the id stays.
func (g *GitLab) RenameUser(id int64, username string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if u := g.st.users[id]; u != nil {
		u.Username = username
	}
}

func (g *GitLab) getUser(c *call) {
	u := g.st.users[c.pathInt("user_id")]
	if u == nil {
		notFound(c.w, "User")
		return
	}
	c.json(http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "name": u.Name, "state": "active",
		"bot": u.Bot, "web_url": g.URL() + "/" + u.Username, "avatar_url": nil})
}

// namespaceJSON shows a project's namespace: a user's when its path is a username, else a group
// (with its parent group).
func (g *GitLab) namespaceJSON(full string) map[string]any {
	kind, parent := "group", int64(0)
	if !strings.Contains(full, "/") && g.userByName(full) != nil {
		kind = "user"
	}
	if dir := path.Dir(full); dir != "." && dir != "/" {
		parent = g.groupID(dir)
	}
	return map[string]any{"id": g.groupID(full), "name": path.Base(full), "path": path.Base(full), "kind": kind,
		"full_path": full, "parent_id": parent}
}

func (g *GitLab) userByName(name string) *User {
	for _, u := range g.st.users {
		if strings.EqualFold(u.Username, name) {
			return u
		}
	}
	return nil
}

func (g *GitLab) getNamespace(c *call) {
	ref := c.path("ns")
	for full, id := range g.st.groupIDs {
		if strconv.FormatInt(id, 10) == ref || strings.EqualFold(full, ref) {
			c.json(http.StatusOK, g.namespaceJSON(full))
			return
		}
	}
	for _, p := range g.st.projects { // namespaces of projects not looked at yet
		for dir := path.Dir(p.Path); dir != "." && dir != "/"; dir = path.Dir(dir) {
			if strings.EqualFold(dir, ref) {
				c.json(http.StatusOK, g.namespaceJSON(dir))
				return
			}
		}
	}
	notFound(c.w, "Namespace")
}
