package fakegitlab

import (
	"fmt"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// OpenIssueEvent opens an issue as author and returns it with the Issue Hook (Confidential
// Issue Hook for confidential issues) GitLab sends for action "open".
func (g *GitLab) OpenIssueEvent(projectID, authorID int64, title, description string, confidential bool) (Issue, string, []byte) {
	is := g.CreateIssue(projectID, authorID, title, description, confidential)
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	st := p.issues[is.IID]
	changes := map[string]any{}
	for k, v := range map[string]any{
		"author_id": st.authorID, "created_at": hookTime(st.created), "description": st.desc, "id": st.id,
		"iid": st.iid, "project_id": p.ID, "title": st.title, "updated_at": hookTime(st.updated),
	} {
		changes[k] = change(nil, v)
	}
	event, payload := g.issueEvent(p, st, authorID, "open", changes)
	return is, event, payload
}

// EditIssueEvent changes an issue's description as user and returns the "update" Issue Hook
// with changes.description.previous/current.
func (g *GitLab) EditIssueEvent(projectID, iid, userID int64, description string) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	is := g.mustIssue(p, iid)
	prev, prevAt := is.desc, is.updated
	is.desc, is.updated = description, g.now()
	g.mentionTodos(todoTarget{p: p, kind: ThreadIssue, iid: iid}, userID, description, prev)
	return g.issueEvent(p, is, userID, "update", map[string]any{
		"description":       change(prev, description),
		"updated_at":        change(hookTime(prevAt), hookTime(is.updated)),
		"last_edited_at":    change(nil, hookTime(is.updated)),
		"last_edited_by_id": change(nil, userID),
	})
}

// AssignIssueEvent sets an issue's assignees as user and returns the "update" Issue Hook with
// changes.assignees.
func (g *GitLab) AssignIssueEvent(projectID, iid, userID int64, assigneeIDs ...int64) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	is := g.mustIssue(p, iid)
	prev := is.assignees
	is.assignees, is.updated = append([]int64(nil), assigneeIDs...), g.now()
	g.addTodos(todoTarget{p: p, kind: ThreadIssue, iid: iid}, userID, TodoAssigned, "", newlyAdded(prev, is.assignees))
	return g.issueEvent(p, is, userID, "update", map[string]any{
		"assignees": change(g.hookUsers(prev), g.hookUsers(is.assignees)),
	})
}

// IssueEvent builds the Issue Hook for an issue as it is now (action open, close, reopen,
// update), with no changes listed.
func (g *GitLab) IssueEvent(projectID, iid, userID int64, action string) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	return g.issueEvent(p, g.mustIssue(p, iid), userID, action, map[string]any{})
}

func (g *GitLab) mustIssue(p *project, iid int64) *issue {
	is := p.issues[iid]
	if is == nil {
		panic(fmt.Sprintf("fakegitlab: no issue #%d in %s", iid, p.Path))
	}
	return is
}

func (g *GitLab) issueEvent(p *project, is *issue, userID int64, action string, changes map[string]any) (string, []byte) {
	stateID := gitlab.StateIDOpen
	if is.state == "closed" {
		stateID = gitlab.StateIDClosed
	}
	e := gitlab.IssueEvent{
		ObjectKind: "issue", EventType: "issue",
		ObjectAttributes: gitlab.IssueEventObjectAttributes{
			ID: is.id, IID: is.iid, Title: is.title, Description: is.desc, AuthorID: is.authorID,
			ProjectID: p.ID, CreatedAt: hookTime(is.created), UpdatedAt: hookTime(is.updated),
			StateID: stateID, State: is.state, Confidential: is.confidential, Action: action,
			AssigneeIDs: nonNil(is.assignees), URL: fmt.Sprintf("%s/-/issues/%d", p.WebURL, is.iid),
			Labels: g.eventLabels(p, is.labels), Severity: "unknown",
		},
		Labels: g.eventLabels(p, is.labels),
	}
	m := toMap(e)
	m["changes"] = changes
	m["assignees"] = g.hookUsers(is.assignees)
	m["assignee"] = nil
	if len(is.assignees) > 0 {
		m["assignee"] = g.hookUser(is.assignees[0])
	}
	event := EventIssue
	if is.confidential {
		event, m["event_type"] = EventConfidentialIssue, "confidential_issue"
	}
	return event, g.finish(m, p, userID)
}

func change(prev, cur any) map[string]any { return map[string]any{"previous": prev, "current": cur} }

func (g *GitLab) hookUsers(ids []int64) []map[string]any {
	out := []map[string]any{}
	for _, id := range ids {
		out = append(out, g.hookUser(id))
	}
	return out
}
