package fakegitlab

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// To-Do items, as GitLab's TodoService makes them (app/services/todo_service.rb): a user gets one
// when mentioned in a note or an issue/MR description ("directly_addressed" when the text starts
// with the mention), when assigned an issue or MR, and when asked for a review — only if the user
// may read the target, and not while they already have a pending To-Do on the same target (the
// multiple_todos flag is off by default). A user's own note or emoji reaction on a target marks
// their pending To-Dos there done. GET /todos lists pending ones newest first.

// To-Do actions, as GitLab names them.
const (
	TodoAssigned          = "assigned"
	TodoMentioned         = "mentioned"
	TodoDirectlyAddressed = "directly_addressed"
	TodoReviewRequested   = "review_requested"
)

type todo struct {
	id, userID, authorID, projectID int64
	action                          string
	kind                            ThreadType // ThreadIssue or ThreadMR
	iid, noteID                     int64
	discussion                      string // the note's discussion, if any
	body                            string
	state                           string // pending, done
	created, updated                time.Time
}

// Todo is a To-Do item as GitLab shows it, for assertions.
type Todo struct {
	ID, UserID, ProjectID, IID, NoteID int64
	Action                             string
	Kind                               ThreadType
	State                              string
}

// Todos lists a user's To-Dos (pending and done), oldest first.
func (g *GitLab) Todos(userID int64) []Todo {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Todo
	for _, t := range g.st.todos {
		if t.userID == userID {
			out = append(out, Todo{ID: t.id, UserID: t.userID, ProjectID: t.projectID, IID: t.iid, NoteID: t.noteID,
				Action: t.action, Kind: t.kind, State: t.state})
		}
	}
	return out
}

// mentionRE finds @username references; GitLab's reference filter ignores code and e-mail addresses.
var mentionRE = regexp.MustCompile(`(?:^|[^\w@.])@([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9_])`)

var inlineCode = regexp.MustCompile("`[^`]*`")

// mentionedUsernames are the usernames text mentions outside code, and those it starts with.
func mentionedUsernames(text string) (all, direct []string) {
	var prose strings.Builder
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			prose.WriteString(inlineCode.ReplaceAllString(line, ""))
			prose.WriteString("\n")
		}
	}
	for _, m := range mentionRE.FindAllStringSubmatch(prose.String(), -1) {
		all = append(all, m[1])
	}
	// Directly addressed: the mentions the text opens with ("@a @b please…").
	rest := strings.TrimSpace(text)
	for strings.HasPrefix(rest, "@") {
		word, tail, _ := strings.Cut(rest, " ")
		direct = append(direct, strings.TrimRight(strings.TrimPrefix(word, "@"), ",:"))
		rest = strings.TrimSpace(tail)
	}
	return all, direct
}

// todoTarget is what a To-Do points at.
type todoTarget struct {
	p          *project
	kind       ThreadType
	iid        int64
	noteID     int64
	discussion string
}

// canRead is GitLab's read_issue / read_merge_request for a user: members (Reporter+ for a
// confidential issue unless author or assignee), or anyone on a public project.
func (g *GitLab) canRead(t todoTarget, userID int64) bool {
	level := max(g.accessLevel(t.p, userID), g.publicLevel(t.p))
	if t.kind == ThreadIssue {
		if is := t.p.issues[t.iid]; is != nil && is.confidential {
			return level >= Reporter || is.authorID == userID || slices.Contains(is.assignees, userID)
		}
	}
	return level >= Guest
}

func (g *GitLab) hasPendingTodo(userID int64, t todoTarget) bool {
	return slices.ContainsFunc(g.st.todos, func(x *todo) bool {
		return x.userID == userID && x.state == "pending" && x.projectID == t.p.ID && x.kind == t.kind && x.iid == t.iid
	})
}

// addTodos gives each user a To-Do with action, skipping those who cannot read the target or
// already have a pending To-Do on it.
func (g *GitLab) addTodos(t todoTarget, authorID int64, action, body string, userIDs []int64) {
	now := g.now()
	for _, uid := range userIDs {
		if uid == 0 || !g.canRead(t, uid) || g.hasPendingTodo(uid, t) {
			continue
		}
		g.st.todos = append(g.st.todos, &todo{id: g.st.nextID("todo"), userID: uid, authorID: authorID,
			projectID: t.p.ID, action: action, kind: t.kind, iid: t.iid, noteID: t.noteID,
			discussion: t.discussion, body: body, state: "pending", created: now, updated: now})
	}
}

// mentionTodos: directly addressed users first, then the other mentioned ones; skip names
// users already mentioned in prev (an edit only adds To-Dos for new mentions).
func (g *GitLab) mentionTodos(t todoTarget, authorID int64, text, prev string) {
	all, direct := mentionedUsernames(text)
	before, _ := mentionedUsernames(prev)
	pick := func(names []string) []int64 {
		var ids []int64
		for _, name := range names {
			u := g.userByUsername(name)
			if u == nil || u.ID == authorID || slices.Contains(before, name) || slices.Contains(ids, u.ID) {
				continue
			}
			ids = append(ids, u.ID)
		}
		return ids
	}
	directIDs := pick(direct)
	g.addTodos(t, authorID, TodoDirectlyAddressed, text, directIDs)
	var others []int64
	for _, id := range pick(all) {
		if !slices.Contains(directIDs, id) {
			others = append(others, id)
		}
	}
	g.addTodos(t, authorID, TodoMentioned, text, others)
}

// newlyAdded lists the ids in cur that are not in prev.
func newlyAdded(prev, cur []int64) []int64 {
	var out []int64
	for _, id := range cur {
		if !slices.Contains(prev, id) {
			out = append(out, id)
		}
	}
	return out
}

func (g *GitLab) userByUsername(name string) *User {
	for _, u := range g.st.users {
		if strings.EqualFold(u.Username, name) {
			return u
		}
	}
	return nil
}

// resolveTodos marks the user's pending To-Dos on the target done, as their note (in a thread:
// those of that discussion) or emoji reaction does.
func (g *GitLab) resolveTodos(userID int64, t todoTarget) {
	now := g.now()
	for _, x := range g.st.todos {
		if x.userID != userID || x.state != "pending" || x.projectID != t.p.ID || x.kind != t.kind || x.iid != t.iid {
			continue
		}
		if t.discussion != "" && x.discussion != t.discussion {
			continue
		}
		x.state, x.updated = "done", now
	}
}

// noteTodos is what a new note does to its issue or MR: updated_at moves, the author's own
// To-Dos there are done, the users it mentions get new ones. Commits and snippets are left out.
func (g *GitLab) noteTodos(p *project, th *thread, d *discussion, n *note) {
	if th.key.kind != ThreadIssue && th.key.kind != ThreadMR {
		return
	}
	iid, _ := strconv.ParseInt(th.key.ref, 10, 64)
	// A note touches its noteable (Note belongs_to :noteable, touch: true): updated_at moves.
	if is := p.issues[iid]; th.key.kind == ThreadIssue && is != nil {
		is.updated = n.created
	} else if mr := p.mrs[iid]; th.key.kind == ThreadMR && mr != nil {
		mr.updated = n.created
	}
	if n.system {
		return
	}
	t := todoTarget{p: p, kind: th.key.kind, iid: iid}
	if d != nil && !d.individual {
		t.discussion = d.id
	}
	g.resolveTodos(n.authorID, t)
	t.noteID, t.discussion = n.id, ""
	if d != nil {
		t.discussion = d.id
	}
	g.mentionTodos(t, n.authorID, n.body, "")
}

func (g *GitLab) todoRoutes(api func(string, int, func(*call))) {
	api("GET /todos", 0, g.listTodos)
	api("POST /todos/{todo_id}/mark_as_done", 0, g.markTodoDone)
	api("POST /todos/mark_as_done", 0, g.markAllTodosDone)
}

func (g *GitLab) listTodos(c *call) {
	q := c.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "pending"
	}
	var out []*todo
	for _, x := range slices.Backward(g.st.todos) { // newest first
		switch {
		case x.userID != c.user.ID, state != "all" && x.state != state,
			q.Get("action") != "" && x.action != q.Get("action"),
			q.Get("type") != "" && q.Get("type") != todoTargetType(x.kind),
			q.Get("project_id") != "" && q.Get("project_id") != strconv.FormatInt(x.projectID, 10):
			continue
		}
		out = append(out, x)
	}
	page := paginate(c.w, c.r, out)
	items := make([]map[string]any, 0, len(page))
	for _, x := range page {
		items = append(items, g.todoJSON(x))
	}
	c.json(http.StatusOK, items)
}

func todoTargetType(k ThreadType) string {
	if k == ThreadMR {
		return "MergeRequest"
	}
	return "Issue"
}

func (g *GitLab) todoJSON(x *todo) map[string]any {
	p := g.st.projects[x.projectID]
	m := map[string]any{
		"id": x.id, "action_name": x.action, "target_type": todoTargetType(x.kind), "body": x.body,
		"state": x.state, "created_at": x.created, "updated_at": x.updated,
		"author": g.basicUser(x.authorID),
		"project": map[string]any{"id": p.ID, "name": p.Path[strings.LastIndex(p.Path, "/")+1:],
			"path": p.Path[strings.LastIndex(p.Path, "/")+1:], "path_with_namespace": p.Path,
			"name_with_namespace": strings.ReplaceAll(p.Path, "/", " / ")},
	}
	var url string
	switch x.kind {
	case ThreadIssue:
		if is := p.issues[x.iid]; is != nil {
			m["target"] = g.issueJSON(p, is)
		}
		url = fmt.Sprintf("%s/-/issues/%d", p.WebURL, x.iid)
	case ThreadMR:
		if mr := p.mrs[x.iid]; mr != nil {
			m["target"] = g.mrJSON(p, mr)
		}
		url = fmt.Sprintf("%s/-/merge_requests/%d", p.WebURL, x.iid)
	}
	if x.noteID != 0 {
		url += fmt.Sprintf("#note_%d", x.noteID)
	}
	m["target_url"] = url
	return m
}

// markTodoDone answers 404 for another user's To-Do, like GitLab; marking a done one again is fine.
func (g *GitLab) markTodoDone(c *call) {
	id := c.pathInt("todo_id")
	for _, x := range g.st.todos {
		if x.id == id && x.userID == c.user.ID {
			if x.state != "done" {
				x.state, x.updated = "done", g.now()
			}
			c.json(http.StatusCreated, g.todoJSON(x))
			return
		}
	}
	notFound(c.w, "Todo")
}

func (g *GitLab) markAllTodosDone(c *call) {
	for _, x := range g.st.todos {
		if x.userID == c.user.ID && x.state == "pending" {
			x.state, x.updated = "done", g.now()
		}
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// SetTodoState sets a To-Do's state (pending or done), as a user restoring or ticking it off would.
func (g *GitLab) SetTodoState(id int64, state string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, x := range g.st.todos {
		if x.id == id {
			x.state, x.updated = state, g.now()
			return
		}
	}
	panic(fmt.Sprintf("fakegitlab: no To-Do %d", id))
}
