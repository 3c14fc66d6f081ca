package fakegitlab

import (
	"fmt"
	"net/http"
	"path"
	"strings"
)

// Wikis: each project's wiki is the git repository <path>.wiki.git, served by the same git server
// with the project's permissions, as GitLab does.

func (g *GitLab) wikiRoutes(api func(string, int, func(*call))) {
	api("GET /users", 0, g.listUsers)
}

// listUsers answers GET /users?username=NAME: the one user with that name, or none.
func (g *GitLab) listUsers(c *call) {
	name := c.r.URL.Query().Get("username")
	out := []map[string]any{}
	for _, u := range g.st.users {
		if name != "" && strings.EqualFold(u.Username, name) {
			out = append(out, map[string]any{"id": u.ID, "username": u.Username, "name": u.Name,
				"state": "active", "bot": u.Bot, "web_url": g.URL() + "/" + u.Username, "avatar_url": nil})
		}
	}
	c.json(http.StatusOK, out)
}

// AddWikiPage creates the project's wiki repository (default branch "master", as GitLab's wikis
// have) with one page, <slug>.md, as a user creating the wiki's first page in the browser does.
func (g *GitLab) AddWikiPage(projectID int64, slug, content string) {
	g.mu.Lock()
	wiki := g.mustProject(projectID).Path + ".wiki"
	g.mu.Unlock()
	if _, err := g.git.CreateRepo(wiki, "master", map[string]string{slug + ".md": content}); err != nil {
		panic(fmt.Sprintf("fakegitlab: create wiki %s: %v", wiki, err))
	}
}

// WikiPage returns a page's content on the wiki's default branch, and the last commit's author and
// message.
func (g *GitLab) WikiPage(projectID int64, slug string) (content, author, message string) {
	g.mu.Lock()
	wiki := g.mustProject(projectID).Path + ".wiki"
	g.mu.Unlock()
	content, _ = g.git.Git(wiki, "show", "master:"+slug+".md")
	info, _ := g.git.Git(wiki, "show", "-s", "--format=%an%x00%B", "master")
	author, message, _ = strings.Cut(strings.TrimSpace(info), "\x00")
	return content, author, message
}

// WikiPageEvent returns the Wiki Page Hook GitLab sends when userID created or updated (action
// "create" or "update") the page slug, with the page's content on the wiki's default branch;
// shaped as the real sample ../shared/gitlab-payloads/wiki_page.json: its user has no id.
func (g *GitLab) WikiPageEvent(projectID int64, slug string, userID int64, action string) (event string, payload []byte) {
	content, _, message := g.WikiPage(projectID, slug)
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	u := g.userByID(userID)
	project := g.hookProject(p)
	delete(project, "ci_config_path")
	pageURL := p.WebURL + "/-/wikis/" + slug
	m := map[string]any{
		"object_kind": "wiki_page",
		"user":        map[string]any{"name": u.Name, "username": u.Username, "avatar_url": nil},
		"project":     project,
		"wiki": map[string]any{
			"web_url": p.WebURL + "/-/wikis/home", "git_ssh_url": "git@fakegitlab:" + p.Path + ".wiki.git",
			"git_http_url": g.URL() + "/" + p.Path + ".wiki.git", "path_with_namespace": p.Path + ".wiki",
			"default_branch": "master",
		},
		"object_attributes": map[string]any{
			"title": path.Base(slug), "content": content, "format": "markdown", "message": strings.TrimSpace(message),
			"slug": slug, "url": pageURL, "action": action, "diff_url": pageURL + "/diff",
		},
	}
	return "Wiki Page Hook", mustJSON(m)
}

// EnableWikiPageEvents subscribes the project's hooks to wiki page events ("Wiki page events" in
// the hook's settings; `setup --wiki`).
func (g *GitLab) EnableWikiPageEvents(projectID int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, h := range g.mustProject(projectID).hooks {
		h.WikiPageEvents = true
	}
}
