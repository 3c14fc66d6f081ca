package fakegitlab

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// NoteOptions shape a note added with AddNote.
type NoteOptions struct {
	Internal     bool
	System       bool
	DiscussionID string               // reply in this discussion
	Thread       bool                 // start a resolvable discussion rather than a single note
	Position     *gitlab.NotePosition // a diff note (MRs)
}

// AddNote writes a note as a user would in the web UI. ref is the issue or MR iid, the snippet
// id or the commit SHA. It panics on an unknown thread or discussion: a broken test set-up.
func (g *GitLab) AddNote(projectID int64, kind ThreadType, ref string, authorID int64, body string, opts ...NoteOptions) Note {
	g.mu.Lock()
	defer g.mu.Unlock()
	var o NoteOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	p := g.mustProject(projectID)
	th := g.mustThread(p, kind, ref)
	var d *discussion
	if o.DiscussionID != "" {
		if d = th.findDiscussion(o.DiscussionID); d == nil {
			panic("fakegitlab: no discussion " + o.DiscussionID)
		}
	}
	n := g.addNote(th, d, authorID, body, o)
	d, _ = th.findNote(n.id)
	g.noteTodos(p, th, d, n)
	return g.exportNote(d, n)
}

// mustThread finds a thread for a state helper, bypassing permissions.
func (g *GitLab) mustThread(p *project, kind ThreadType, ref string) *thread {
	n, _ := strconv.ParseInt(ref, 10, 64)
	switch {
	case kind == ThreadIssue && p.issues[n] != nil:
		return g.threadAt(p, threadKey{kind, ref}, p.issues[n].id)
	case kind == ThreadMR && p.mrs[n] != nil:
		return g.threadAt(p, threadKey{kind, ref}, p.mrs[n].id)
	case kind == ThreadSnippet && p.snippets[n] != nil:
		return g.threadAt(p, threadKey{kind, ref}, n)
	case kind == ThreadCommit:
		if sha := g.commitSHA(p, ref); sha != "" {
			return g.threadAt(p, threadKey{kind, sha}, 0)
		}
	}
	panic("fakegitlab: no " + string(kind) + " " + ref + " in " + p.Path)
}

// addNote appends a note: to discussion d (a reply), or as a new discussion. Replying to a
// single note turns it into a thread, as GitLab does.
func (g *GitLab) addNote(th *thread, d *discussion, authorID int64, body string, o NoteOptions) *note {
	now := g.now()
	n := &note{id: g.st.nextID("note"), authorID: authorID, body: body, internal: o.Internal, system: o.System, position: o.Position, created: now, updated: now}
	if d == nil {
		d = &discussion{id: g.st.discussionID(), individual: !o.Thread && o.Position == nil}
		th.discussions = append(th.discussions, d)
	} else if d.individual {
		d.individual = false
		for _, old := range d.notes {
			old.typ, old.resolvable = "DiscussionNote", th.key.kind == ThreadMR
		}
	}
	switch {
	case o.Position != nil:
		n.typ = "DiffNote"
	case !d.individual:
		n.typ = "DiscussionNote"
	}
	n.resolvable = th.key.kind == ThreadMR && !d.individual && !n.system
	d.notes = append(d.notes, n)
	return n
}

// Notes lists a thread's notes oldest first, for assertions.
func (g *GitLab) Notes(projectID int64, kind ThreadType, ref string) []Note {
	var out []Note
	for _, d := range g.Discussions(projectID, kind, ref) {
		out = append(out, d.Notes...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Discussions lists a thread's discussions in creation order, for assertions.
func (g *GitLab) Discussions(projectID int64, kind ThreadType, ref string) []Discussion {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	if kind == ThreadCommit {
		ref = g.commitSHA(p, ref)
	}
	th := p.threads[threadKey{kind, ref}]
	if th == nil {
		return nil
	}
	var out []Discussion
	for _, d := range th.discussions {
		dd := Discussion{ID: d.id, IndividualNote: d.individual}
		for _, n := range d.notes {
			dd.Notes = append(dd.Notes, g.exportNote(d, n))
		}
		out = append(out, dd)
	}
	return out
}

func (g *GitLab) exportNote(d *discussion, n *note) Note {
	return Note{
		ID: n.id, Body: n.body, Author: g.userByID(n.authorID).Username, AuthorID: n.authorID,
		DiscussionID: d.id, Type: n.typ, Internal: n.internal, System: n.system, Resolved: n.resolved,
		Updates: n.edits, Position: n.position, CreatedAt: n.created, UpdatedAt: n.updated,
	}
}

func (g *GitLab) noteRoutes(api func(string, int, func(*call))) {
	for seg, kind := range noteableKinds {
		if kind == ThreadCommit {
			continue // commits have discussions and the older comments API, not notes
		}
		base := "/projects/{id}/" + seg + "/{ref}/notes"
		api("GET "+base, Guest, func(c *call) { g.listNotes(c, kind) })
		api("POST "+base, Guest, func(c *call) { g.createNote(c, kind) })
		api("GET "+base+"/{note_id}", Guest, func(c *call) { g.getNote(c, kind) })
		api("PUT "+base+"/{note_id}", Guest, func(c *call) { g.updateNote(c, kind, g.noteFromPath) })
		api("DELETE "+base+"/{note_id}", Guest, func(c *call) { g.deleteNote(c, kind, g.noteFromPath) })
	}
}

// listNotes follows GitLab's default order: newest first, unless sort/order_by say otherwise.
func (g *GitLab) listNotes(c *call, kind ThreadType) {
	th := g.threadOf(c, kind, c.path("ref"))
	if th == nil {
		return
	}
	notes := g.visibleNotes(c, th.allNotes())
	sortNotes(notes, c.in.str("order_by"), c.in.str("sort"))
	out := []map[string]any{}
	for _, n := range paginate(c.w, c.r, notes) {
		out = append(out, g.noteJSON(c.p, th, n))
	}
	c.json(http.StatusOK, out)
}

func sortNotes(notes []*note, orderBy, dir string) {
	key := func(n *note) time.Time { return n.created }
	if orderBy == "updated_at" {
		key = func(n *note) time.Time { return n.updated }
	}
	sort.SliceStable(notes, func(i, j int) bool {
		a, b := key(notes[i]), key(notes[j])
		if a.Equal(b) {
			a, b = time.Unix(notes[i].id, 0), time.Unix(notes[j].id, 0)
		}
		if dir == "asc" {
			return a.Before(b)
		}
		return b.Before(a)
	})
}

// visibleNotes hides internal notes from users below Reporter, as GitLab does.
func (g *GitLab) visibleNotes(c *call, notes []*note) []*note {
	out := notes[:0:0]
	for _, n := range notes {
		if !n.internal || c.level >= Reporter || n.authorID == c.user.ID {
			out = append(out, n)
		}
	}
	return out
}

func (g *GitLab) createNote(c *call, kind ThreadType) {
	body := c.in.str("body")
	if strings.TrimSpace(body) == "" {
		missingParam(c.w, "body")
		return
	}
	th := g.threadOf(c, kind, c.path("ref"))
	if th == nil {
		return
	}
	n := g.addNote(th, nil, c.user.ID, body, NoteOptions{Internal: c.in.boolean("internal") || c.in.boolean("confidential")})
	d, _ := th.findNote(n.id)
	g.noteTodos(c.p, th, d, n)
	c.json(http.StatusCreated, g.noteJSON(c.p, th, n))
}

func (g *GitLab) getNote(c *call, kind ThreadType) {
	th, _, n := g.noteFromPath(c, kind)
	if n != nil {
		c.json(http.StatusOK, g.noteJSON(c.p, th, n))
	}
}

// noteAt finds the note a request names, by the notes API's path or a discussion's; it has
// answered 404 when it returns no note.
type noteAt func(c *call, kind ThreadType) (*thread, *discussion, *note)

func (g *GitLab) updateNote(c *call, kind ThreadType, at noteAt) {
	th, d, n := at(c, kind)
	if n == nil || !g.editNote(c, th, d, n) {
		return
	}
	c.json(http.StatusOK, g.noteJSON(c.p, th, n))
}

// deleteNote deletes a note as GitLab does: its author or a Maintainer may, the answer is 204,
// and a discussion left without notes goes too.
func (g *GitLab) deleteNote(c *call, kind ThreadType, at noteAt) {
	th, d, n := at(c, kind)
	if n == nil {
		return
	}
	if n.authorID != c.user.ID && c.level < Maintainer {
		forbidden(c.w)
		return
	}
	for i, x := range d.notes {
		if x == n {
			d.notes = append(d.notes[:i], d.notes[i+1:]...)
			break
		}
	}
	if len(d.notes) == 0 {
		for i, x := range th.discussions {
			if x == d {
				th.discussions = append(th.discussions[:i], th.discussions[i+1:]...)
				break
			}
		}
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// editNote applies body and resolved from the request: only the author edits the body;
// resolving needs Developer or the note's author.
func (g *GitLab) editNote(c *call, th *thread, d *discussion, n *note) bool {
	if c.in.has("body") {
		if n.authorID != c.user.ID {
			forbidden(c.w)
			return false
		}
		if body := c.in.str("body"); body != n.body {
			n.body, n.edits, n.updated = body, n.edits+1, g.now()
		}
	}
	if c.in.has("resolved") {
		if !n.resolvable {
			badRequest(c.w, "Note is not resolvable")
			return false
		}
		if c.level < Developer && n.authorID != c.user.ID {
			forbidden(c.w)
			return false
		}
		g.resolveNote(c.user.ID, n, c.in.boolean("resolved"))
	}
	return true
}

func (g *GitLab) resolveNote(userID int64, n *note, resolved bool) {
	n.resolved, n.resolvedBy = resolved, 0
	if resolved {
		n.resolvedBy = userID
	}
}

func (g *GitLab) noteFromPath(c *call, kind ThreadType) (*thread, *discussion, *note) {
	th := g.threadOf(c, kind, c.path("ref"))
	if th == nil {
		return nil, nil, nil
	}
	d, n := th.findNote(c.pathInt("note_id"))
	if n == nil || len(g.visibleNotes(c, []*note{n})) == 0 {
		notFound(c.w, "Note")
		return nil, nil, nil
	}
	return th, d, n
}

// noteJSON is a note as GitLab's API shows it; nulls where GitLab sends null.
func (g *GitLab) noteJSON(p *project, th *thread, n *note) map[string]any {
	u := g.userByID(n.authorID)
	out := map[string]any{
		"id": n.id, "type": nullIfEmpty(n.typ), "body": n.body, "attachment": nil,
		"author": map[string]any{
			"id": u.ID, "username": u.Username, "name": u.Name, "state": "active",
			"avatar_url": nil, "web_url": g.URL() + "/" + u.Username,
		},
		"created_at": n.created, "updated_at": n.updated, "system": n.system,
		"noteable_id": th.noteableID, "noteable_type": noteableType(th.key.kind), "project_id": p.ID,
		"resolvable": n.resolvable, "confidential": n.internal, "internal": n.internal,
		"noteable_iid": nil, "commands_changes": map[string]any{},
	}
	if th.key.kind == ThreadIssue || th.key.kind == ThreadMR {
		out["noteable_iid"], _ = strconv.ParseInt(th.key.ref, 10, 64)
	}
	if th.key.kind == ThreadCommit {
		out["noteable_id"], out["commit_id"] = nil, th.key.ref
	}
	if n.resolvable {
		out["resolved"], out["resolved_by"], out["resolved_at"] = n.resolved, nil, nil
		if n.resolved {
			out["resolved_by"], out["resolved_at"] = g.basicUser(n.resolvedBy), n.updated
		}
	}
	if n.position != nil {
		out["position"] = n.position
	}
	return out
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
