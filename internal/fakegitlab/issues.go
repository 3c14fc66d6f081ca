package fakegitlab

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// CreateIssue opens an issue as author.
func (g *GitLab) CreateIssue(projectID, authorID int64, title, description string, confidential bool) Issue {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.createIssue(g.mustProject(projectID), authorID, title, description, confidential).export(g)
}

func (g *GitLab) createIssue(p *project, authorID int64, title, desc string, confidential bool) *issue {
	p.nextIID["issue"]++
	now := g.now()
	is := &issue{
		id: g.st.nextID("issue"), iid: p.nextIID["issue"], authorID: authorID, title: title,
		desc: desc, confidential: confidential, state: "opened", created: now, updated: now,
	}
	p.issues[is.iid] = is
	g.mentionTodos(todoTarget{p: p, kind: ThreadIssue, iid: is.iid}, authorID, title+"\n"+desc, "")
	return is
}

// CreateSnippet adds a project snippet, whose id is also its place in URLs.
func (g *GitLab) CreateSnippet(projectID, authorID int64, title, fileName, content string) Snippet {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	now := g.now()
	s := &snippet{id: g.st.nextID("snippet"), authorID: authorID, title: title, fileName: fileName, content: content, created: now, updated: now}
	p.snippets[s.id] = s
	return Snippet{ID: s.id, Title: title, FileName: fileName}
}

func (is *issue) export(g *GitLab) Issue {
	return Issue{ID: is.id, IID: is.iid, Title: is.title, Description: is.desc, Author: g.userByID(is.authorID).Username, Confidential: is.confidential, State: is.state}
}

// visibleIssue finds an issue the caller may see: confidential issues are hidden (404) from
// guests who neither wrote nor are assigned to them.
func (g *GitLab) visibleIssue(c *call, iid int64) *issue {
	is := c.p.issues[iid]
	if is == nil {
		return nil
	}
	if is.confidential && c.level < Reporter && is.authorID != c.user.ID && !slices.Contains(is.assignees, c.user.ID) {
		return nil
	}
	return is
}

func (g *GitLab) getIssue(c *call) {
	is := g.visibleIssue(c, c.pathInt("iid"))
	if is == nil {
		notFound(c.w, "Issue")
		return
	}
	c.json(http.StatusOK, g.issueJSON(c.p, is))
}

func (g *GitLab) issueJSON(p *project, is *issue) *gitlab.Issue {
	author := g.userByID(is.authorID)
	out := &gitlab.Issue{
		ID: is.id, IID: is.iid, ProjectID: p.ID, Title: is.title, Description: is.desc,
		State: is.state, Confidential: is.confidential, CreatedAt: &is.created, UpdatedAt: &is.updated,
		Author:         &gitlab.IssueAuthor{ID: author.ID, Username: author.Username, Name: author.Name, State: "active"},
		WebURL:         fmt.Sprintf("%s/-/issues/%d", p.WebURL, is.iid),
		Labels:         gitlab.Labels(append([]string{}, is.labels...)),
		UserNotesCount: int64(g.userNoteCount(p, threadKey{ThreadIssue, strconv.FormatInt(is.iid, 10)})),
	}
	for _, id := range is.assignees {
		u := g.userByID(id)
		out.Assignees = append(out.Assignees, &gitlab.IssueAssignee{ID: u.ID, Username: u.Username, Name: u.Name, State: "active"})
	}
	return out
}

func (g *GitLab) getSnippet(c *call) {
	s := c.p.snippets[c.pathInt("iid")]
	if s == nil {
		notFound(c.w, "Snippet")
		return
	}
	c.json(http.StatusOK, map[string]any{
		"id": s.id, "title": s.title, "file_name": s.fileName, "project_id": c.p.ID,
		"author": g.basicUser(s.authorID), "created_at": s.created, "updated_at": s.updated,
		"web_url": fmt.Sprintf("%s/-/snippets/%d", c.p.WebURL, s.id),
	})
}
