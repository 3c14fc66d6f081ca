package fakegitlab

import (
	"net/http"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

func (g *GitLab) discussionRoutes(api func(string, int, func(*call))) {
	for seg, kind := range noteableKinds {
		base := "/projects/{id}/" + seg + "/{ref}/discussions"
		api("GET "+base, Guest, func(c *call) { g.listDiscussions(c, kind) })
		api("POST "+base, Guest, func(c *call) { g.createDiscussion(c, kind) })
		api("GET "+base+"/{did}", Guest, func(c *call) { g.getDiscussion(c, kind) })
		api("PUT "+base+"/{did}", Guest, func(c *call) { g.resolveDiscussion(c, kind) })
		api("POST "+base+"/{did}/notes", Guest, func(c *call) { g.replyInDiscussion(c, kind) })
		// commits have no notes API: their notes are edited and deleted only here
		api("PUT "+base+"/{did}/notes/{note_id}", Guest, func(c *call) { g.updateNote(c, kind, g.discussionNoteFromPath) })
		api("DELETE "+base+"/{did}/notes/{note_id}", Guest, func(c *call) { g.deleteNote(c, kind, g.discussionNoteFromPath) })
	}
}

func (g *GitLab) listDiscussions(c *call, kind ThreadType) {
	th := g.threadOf(c, kind, c.path("ref"))
	if th == nil {
		return
	}
	var visible []*discussion
	for _, d := range th.discussions {
		if len(g.visibleNotes(c, d.notes)) > 0 {
			visible = append(visible, d)
		}
	}
	out := []map[string]any{}
	for _, d := range paginate(c.w, c.r, visible) {
		out = append(out, g.discussionJSON(c, th, d))
	}
	c.json(http.StatusOK, out)
}

// createDiscussion starts a thread; on an MR a position makes it a diff note, checked against
// the MR's diff like GitLab does.
func (g *GitLab) createDiscussion(c *call, kind ThreadType) {
	body := c.in.str("body")
	if strings.TrimSpace(body) == "" {
		missingParam(c.w, "body")
		return
	}
	th := g.threadOf(c, kind, c.path("ref"))
	if th == nil {
		return
	}
	o := NoteOptions{Thread: true, Internal: c.in.boolean("internal")}
	if pos := c.in.sub("position"); len(pos) > 0 {
		np, msg := g.checkPosition(c.p, th, pos)
		if msg != "" {
			badRequest(c.w, msg)
			return
		}
		o.Position = np
	}
	n := g.addNote(th, nil, c.user.ID, body, o)
	d, _ := th.findNote(n.id)
	g.noteTodos(c.p, th, d, n)
	c.json(http.StatusCreated, g.discussionJSON(c, th, d))
}

func (g *GitLab) getDiscussion(c *call, kind ThreadType) {
	th, d := g.discussionFromPath(c, kind)
	if d != nil {
		c.json(http.StatusOK, g.discussionJSON(c, th, d))
	}
}

// resolveDiscussion resolves or unresolves every note of an MR thread.
func (g *GitLab) resolveDiscussion(c *call, kind ThreadType) {
	th, d := g.discussionFromPath(c, kind)
	if d == nil {
		return
	}
	if !c.in.has("resolved") {
		missingParam(c.w, "resolved")
		return
	}
	if kind != ThreadMR || d.individual {
		badRequest(c.w, "Discussion is not resolvable")
		return
	}
	if c.level < Developer && d.notes[0].authorID != c.user.ID {
		forbidden(c.w)
		return
	}
	for _, n := range d.notes {
		if n.resolvable {
			g.resolveNote(c.user.ID, n, c.in.boolean("resolved"))
		}
	}
	c.json(http.StatusOK, g.discussionJSON(c, th, d))
}

func (g *GitLab) replyInDiscussion(c *call, kind ThreadType) {
	th, d := g.discussionFromPath(c, kind)
	if d == nil {
		return
	}
	body := c.in.str("body")
	if strings.TrimSpace(body) == "" {
		missingParam(c.w, "body")
		return
	}
	internal := d.notes[0].internal // a reply stays as private as the thread it answers
	n := g.addNote(th, d, c.user.ID, body, NoteOptions{Internal: internal})
	g.noteTodos(c.p, th, d, n)
	c.json(http.StatusCreated, g.noteJSON(c.p, th, n))
}

func (g *GitLab) discussionNoteFromPath(c *call, kind ThreadType) (*thread, *discussion, *note) {
	th, d := g.discussionFromPath(c, kind)
	if d == nil {
		return nil, nil, nil
	}
	for _, x := range d.notes {
		if x.id == c.pathInt("note_id") {
			return th, d, x
		}
	}
	notFound(c.w, "Note")
	return nil, nil, nil
}

func (g *GitLab) discussionFromPath(c *call, kind ThreadType) (*thread, *discussion) {
	th := g.threadOf(c, kind, c.path("ref"))
	if th == nil {
		return nil, nil
	}
	d := th.findDiscussion(c.path("did"))
	if d == nil || len(g.visibleNotes(c, d.notes)) == 0 {
		notFound(c.w, "Discussion")
		return nil, nil
	}
	return th, d
}

func (g *GitLab) discussionJSON(c *call, th *thread, d *discussion) map[string]any {
	notes := []map[string]any{}
	for _, n := range g.visibleNotes(c, d.notes) {
		nj := g.noteJSON(c.p, th, n)
		nj["discussion_id"] = d.id
		notes = append(notes, nj)
	}
	return map[string]any{"id": d.id, "individual_note": d.individual, "notes": notes}
}

// positionFromParams reads a position as client-go and curl send it.
func positionFromParams(pos params) *gitlab.NotePosition {
	return &gitlab.NotePosition{
		BaseSHA: pos.str("base_sha"), StartSHA: pos.str("start_sha"), HeadSHA: pos.str("head_sha"),
		PositionType: pos.str("position_type"), NewPath: pos.str("new_path"), OldPath: pos.str("old_path"),
		NewLine: pos.int("new_line"), OldLine: pos.int("old_line"),
	}
}
