package fakegitlab

import (
	"net/http"
	"slices"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Labels on issues and merge requests: set with PUT …/issues/:iid or …/merge_requests/:iid
// (labels, add_labels, remove_labels, comma-separated, as GitLab takes them), shown in the API
// and in webhooks, where an update lists changes.labels previous/current as label objects.

// labelID gives a label title its project-wide id, made on first use as GitLab makes a label
// the first time it is applied by name.
func (g *GitLab) labelID(p *project, title string) int64 {
	if p.labelIDs == nil {
		p.labelIDs = map[string]int64{}
	}
	if id, ok := p.labelIDs[title]; ok {
		return id
	}
	id := g.st.nextID("label")
	p.labelIDs[title] = id
	return id
}

func (g *GitLab) eventLabels(p *project, titles []string) []*gitlab.EventLabel {
	out := []*gitlab.EventLabel{}
	for _, t := range titles {
		at := hookTime(g.now())
		out = append(out, &gitlab.EventLabel{ID: g.labelID(p, t), Title: t, Color: "#6699cc", ProjectID: p.ID,
			CreatedAt: at, UpdatedAt: at, Type: "ProjectLabel"})
	}
	return out
}

func splitLabels(s string) []string {
	var out []string
	for _, l := range strings.Split(s, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// applyLabelParams applies labels (replace), add_labels and remove_labels to cur.
func applyLabelParams(c *call, cur []string) []string {
	out := slices.Clone(cur)
	if c.in.has("labels") {
		out = splitLabels(c.in.str("labels"))
	}
	for _, l := range splitLabels(c.in.str("add_labels")) {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	remove := splitLabels(c.in.str("remove_labels"))
	return slices.DeleteFunc(out, func(l string) bool { return slices.Contains(remove, l) })
}

// updateIssue is PUT /projects/:id/issues/:iid: title, description, labels and state.
func (g *GitLab) updateIssue(c *call) {
	is := g.visibleIssue(c, c.pathInt("iid"))
	if is == nil {
		return
	}
	if c.in.has("title") {
		is.title = c.in.str("title")
	}
	if c.in.has("description") {
		prev := is.desc
		is.desc = c.in.str("description")
		g.mentionTodos(todoTarget{p: c.p, kind: ThreadIssue, iid: is.iid}, c.user.ID, is.desc, prev)
	}
	is.labels = applyLabelParams(c, is.labels)
	switch c.in.str("state_event") {
	case "close":
		is.state = "closed"
	case "reopen":
		is.state = "opened"
	}
	is.updated = g.now()
	c.json(http.StatusOK, g.issueJSON(c.p, is))
}

// LabelIssueEvent sets an issue's labels as user and returns the "update" Issue Hook with
// changes.labels.
func (g *GitLab) LabelIssueEvent(projectID, iid, userID int64, labels ...string) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	is := g.mustIssue(p, iid)
	prev, prevAt := is.labels, is.updated
	is.labels, is.updated = slices.Clone(labels), g.now()
	return g.issueEvent(p, is, userID, "update", map[string]any{
		"labels":     change(g.eventLabels(p, prev), g.eventLabels(p, is.labels)),
		"updated_at": change(hookTime(prevAt), hookTime(is.updated)),
	})
}

// LabelMREvent sets an MR's labels as user and returns the "update" Merge Request Hook with
// changes.labels.
func (g *GitLab) LabelMREvent(projectID, iid, userID int64, labels ...string) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	mr := g.mustMR(p, iid)
	prev, prevAt := mr.labels, mr.updated
	mr.labels, mr.updated = slices.Clone(labels), g.now()
	return g.mrEvent(p, mr, userID, "update", map[string]any{
		"labels":     change(g.eventLabels(p, prev), g.eventLabels(p, mr.labels)),
		"updated_at": change(hookTime(prevAt), hookTime(mr.updated)),
	})
}

// Labels lists an issue's or MR's labels, for assertions.
func (g *GitLab) Labels(projectID int64, kind ThreadType, iid int64) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	if kind == ThreadMR {
		return slices.Clone(g.mustMR(p, iid).labels)
	}
	return slices.Clone(g.mustIssue(p, iid).labels)
}
