package fakegitlab

import "encoding/json"

// PushMREvent commits files on the MR's source branch as author, as a developer's push does, and
// returns the "update" Merge Request Hook GitLab sends then: object_attributes.oldrev is the
// previous head.
func (g *GitLab) PushMREvent(projectID, iid, userID int64, files map[string]string) (event string, payload []byte) {
	g.mu.Lock()
	p := g.mustProject(projectID)
	mr := g.mustMR(p, iid)
	source := mr.source
	g.mu.Unlock()
	oldrev := g.BranchSHA(projectID, source)
	g.CommitFiles(projectID, source, source, files)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refreshMR(p, mr)
	mr.updated = g.now()
	event, payload = g.mrEvent(p, mr, userID, "update", map[string]any{})
	return event, withOldrev(payload, oldrev)
}

func withOldrev(payload []byte, oldrev string) []byte {
	m := map[string]any{}
	if err := json.Unmarshal(payload, &m); err != nil {
		panic("fakegitlab: " + err.Error())
	}
	m["object_attributes"].(map[string]any)["oldrev"] = oldrev
	return mustJSON(m)
}

// MarkReadyEvent takes the Draft prefix off an MR's title as user and returns the "update" hook
// GitLab sends: changes.title and changes.draft.
func (g *GitLab) MarkReadyEvent(projectID, iid, userID int64) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	mr := g.mustMR(p, iid)
	prev := mr.title
	mr.title, mr.updated = draftTitle.ReplaceAllString(mr.title, ""), g.now()
	for len(mr.title) > 0 && mr.title[0] == ' ' {
		mr.title = mr.title[1:]
	}
	return g.mrEvent(p, mr, userID, "update", map[string]any{
		"title": change(prev, mr.title),
		"draft": change(true, false),
	})
}
