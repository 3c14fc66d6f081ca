package fakegitlab

import (
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

func (g *GitLab) awardRoutes(api func(string, int, func(*call))) {
	for seg, kind := range noteableKinds {
		if kind == ThreadCommit {
			continue // GitLab has no award API for commit notes
		}
		base := "/projects/{id}/" + seg + "/{ref}"
		api("GET "+base+"/award_emoji", Guest, func(c *call) { g.listAwards(c, kind, false) })
		api("POST "+base+"/award_emoji", Guest, func(c *call) { g.postAward(c, kind, false) })
		api("DELETE "+base+"/award_emoji/{award_id}", Guest, func(c *call) { g.deleteAward(c, kind) })
		api("GET "+base+"/notes/{note_id}/award_emoji", Guest, func(c *call) { g.listAwards(c, kind, true) })
		api("POST "+base+"/notes/{note_id}/award_emoji", Guest, func(c *call) { g.postAward(c, kind, true) })
		api("DELETE "+base+"/notes/{note_id}/award_emoji/{award_id}", Guest, func(c *call) { g.deleteAward(c, kind) })
	}
}

// awardTarget finds the thread and, for note awards, the note id (0 for the issue/MR itself).
func (g *GitLab) awardTarget(c *call, kind ThreadType, onNote bool) (*thread, int64, bool) {
	th := g.threadOf(c, kind, c.path("ref"))
	if th == nil {
		return nil, 0, false
	}
	if !onNote {
		return th, 0, true
	}
	_, n := th.findNote(c.pathInt("note_id"))
	if n == nil || len(g.visibleNotes(c, []*note{n})) == 0 {
		notFound(c.w, "Note")
		return nil, 0, false
	}
	return th, n.id, true
}

func (g *GitLab) listAwards(c *call, kind ThreadType, onNote bool) {
	th, noteID, ok := g.awardTarget(c, kind, onNote)
	if !ok {
		return
	}
	var out []*gitlab.AwardEmoji
	for _, a := range th.awards {
		if a.noteID == noteID {
			out = append(out, g.awardJSON(th, a))
		}
	}
	c.json(http.StatusOK, paginate(c.w, c.r, out))
}

// postAward awards an emoji; the same user awarding the same emoji twice gets GitLab's 404.
func (g *GitLab) postAward(c *call, kind ThreadType, onNote bool) {
	th, noteID, ok := g.awardTarget(c, kind, onNote)
	if !ok {
		return
	}
	name := c.in.str("name")
	if name == "" {
		missingParam(c.w, "name")
		return
	}
	for _, a := range th.awards {
		if a.noteID == noteID && a.userID == c.user.ID && a.name == name {
			writeMessage(c.w, http.StatusNotFound, "404 Award Emoji Name has already been taken Not Found")
			return
		}
	}
	a := &award{id: g.st.nextID("award"), userID: c.user.ID, noteID: noteID, name: name, created: g.now()}
	th.awards = append(th.awards, a)
	if noteID == 0 && (kind == ThreadIssue || kind == ThreadMR) { // a reaction on the issue or MR itself
		g.resolveTodos(c.user.ID, todoTarget{p: c.p, kind: kind, iid: c.pathInt("ref")})
	}
	c.json(http.StatusCreated, g.awardJSON(th, a))
}

func (g *GitLab) deleteAward(c *call, kind ThreadType) {
	th := g.threadOf(c, kind, c.path("ref"))
	if th == nil {
		return
	}
	for i, a := range th.awards {
		if a.id == c.pathInt("award_id") {
			if a.userID != c.user.ID {
				forbidden(c.w)
				return
			}
			th.awards = append(th.awards[:i], th.awards[i+1:]...)
			c.w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	notFound(c.w, "Award Emoji")
}

func (g *GitLab) awardJSON(th *thread, a *award) *gitlab.AwardEmoji {
	out := &gitlab.AwardEmoji{
		ID: a.id, Name: a.name, User: *g.basicUser(a.userID), CreatedAt: &a.created, UpdatedAt: &a.created,
		AwardableID: th.noteableID, AwardableType: noteableType(th.key.kind),
	}
	if a.noteID != 0 {
		out.AwardableID, out.AwardableType = a.noteID, "Note"
	}
	return out
}

// Awards lists the emoji on a thread's issue/MR/snippet and its notes, for assertions.
func (g *GitLab) Awards(projectID int64, kind ThreadType, ref string) []Award {
	g.mu.Lock()
	defer g.mu.Unlock()
	th := g.mustProject(projectID).threads[threadKey{kind, ref}]
	if th == nil {
		return nil
	}
	var out []Award
	for _, a := range th.awards {
		out = append(out, Award{ID: a.id, Name: a.name, User: g.userByID(a.userID).Username, NoteID: a.noteID})
	}
	return out
}

// AddAward awards an emoji as a user (noteID 0 for the issue or MR itself).
func (g *GitLab) AddAward(projectID int64, kind ThreadType, ref string, noteID, userID int64, name string) Award {
	g.mu.Lock()
	defer g.mu.Unlock()
	th := g.mustThread(g.mustProject(projectID), kind, ref)
	a := &award{id: g.st.nextID("award"), userID: userID, noteID: noteID, name: name, created: g.now()}
	th.awards = append(th.awards, a)
	return Award{ID: a.id, Name: name, User: g.userByID(userID).Username, NoteID: noteID}
}
