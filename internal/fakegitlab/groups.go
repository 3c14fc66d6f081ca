package fakegitlab

import (
	"net/http"
	"path"
	"sort"
	"strings"
)

// groupExists: a group is known when someone is its member or a project lives under it.
func (g *GitLab) groupExists(group string) bool {
	if _, ok := g.st.groups[group]; ok {
		return true
	}
	for _, p := range g.st.projects {
		if strings.HasPrefix(p.Path, group+"/") {
			return true
		}
	}
	return false
}

// listGroupProjects is GET /groups/:id/projects: the group's projects the caller can see, with
// include_subgroups=true those of its subgroups too; sorted by id, paginated.
func (g *GitLab) listGroupProjects(c *call) {
	group := c.path("group")
	if !g.groupExists(group) {
		notFound(c.w, "Group")
		return
	}
	sub := c.r.URL.Query().Get("include_subgroups") == "true"
	var ps []*project
	for _, p := range g.st.projects {
		inside := path.Dir(p.Path) == group || sub && strings.HasPrefix(p.Path, group+"/")
		if inside && (g.accessLevel(p, c.user.ID) > NoAccess || p.public) {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	out := []map[string]any{}
	for _, p := range paginate(c.w, c.r, ps) {
		out = append(out, map[string]any{"id": p.ID, "name": path.Base(p.Path), "path": path.Base(p.Path),
			"path_with_namespace": p.Path, "default_branch": p.DefaultBranch, "web_url": p.WebURL,
			"http_url_to_repo": p.HTTPURL, "archived": false})
	}
	c.json(http.StatusOK, out)
}
