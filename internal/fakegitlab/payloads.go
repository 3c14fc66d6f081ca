package fakegitlab

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Webhook payloads. Each builder fills client-go's own event struct from the fake's state,
// marshals it, then corrects what the struct gets wrong compared with real deliveries: the
// small user/project/repository objects, only the changed keys under "changes", and the
// discussion_id/type/position keys notes carry. It returns the X-Gitlab-Event header value
// and the body.

// Event header values.
const (
	EventNote              = "Note Hook"
	EventConfidentialNote  = "Confidential Note Hook"
	EventIssue             = "Issue Hook"
	EventConfidentialIssue = "Confidential Issue Hook"
	EventMergeRequest      = "Merge Request Hook"
)

// hookTime is the timestamp format of webhook object attributes.
func hookTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func (g *GitLab) hookUser(id int64) map[string]any {
	u := g.userByID(id)
	return map[string]any{"id": u.ID, "name": u.Name, "username": u.Username, "avatar_url": nil, "email": "[REDACTED]"}
}

func (g *GitLab) hookProject(p *project) map[string]any {
	visibility := 0
	if p.public {
		visibility = 20
	}
	return map[string]any{
		"id": p.ID, "name": path.Base(p.Path), "description": "", "web_url": p.WebURL, "avatar_url": nil,
		"git_ssh_url": "git@fakegitlab:" + p.Path + ".git", "git_http_url": p.HTTPURL,
		"namespace": path.Dir(p.Path), "visibility_level": visibility, "path_with_namespace": p.Path,
		"default_branch": p.DefaultBranch, "ci_config_path": nil, "homepage": p.WebURL,
		"url": p.HTTPURL, "ssh_url": "git@fakegitlab:" + p.Path + ".git", "http_url": p.HTTPURL,
	}
}

func (g *GitLab) hookRepository(p *project) map[string]any {
	return map[string]any{"name": path.Base(p.Path), "url": p.HTTPURL, "description": "", "homepage": p.WebURL}
}

// toMap turns an event struct into its JSON object, for the corrections.
func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakegitlab: marshal payload: " + err.Error())
	}
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	return m
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakegitlab: marshal payload: " + err.Error())
	}
	return b
}

// finish applies the corrections every payload shares.
func (g *GitLab) finish(m map[string]any, p *project, userID int64) []byte {
	m["user"], m["project"], m["repository"] = g.hookUser(userID), g.hookProject(p), g.hookRepository(p)
	return mustJSON(m)
}

// IssueNoteEvent writes a note on an issue as author and returns the Note Hook GitLab sends.
func (g *GitLab) IssueNoteEvent(projectID, iid, authorID int64, body string) (event string, payload []byte) {
	n := g.AddNote(projectID, ThreadIssue, strconv.FormatInt(iid, 10), authorID, body)
	return g.NoteEvent(projectID, ThreadIssue, strconv.FormatInt(iid, 10), n.ID, "create")
}

// MRNoteEvent writes a note on an MR as author and returns the Note Hook.
func (g *GitLab) MRNoteEvent(projectID, iid, authorID int64, body string) (event string, payload []byte) {
	n := g.AddNote(projectID, ThreadMR, strconv.FormatInt(iid, 10), authorID, body)
	return g.NoteEvent(projectID, ThreadMR, strconv.FormatInt(iid, 10), n.ID, "create")
}

// CommitNoteEvent writes a note on a commit as author and returns the Note Hook.
func (g *GitLab) CommitNoteEvent(projectID int64, sha string, authorID int64, body string) (event string, payload []byte) {
	n := g.AddNote(projectID, ThreadCommit, sha, authorID, body)
	return g.NoteEvent(projectID, ThreadCommit, sha, n.ID, "create")
}

// SnippetNoteEvent writes a note on a snippet as author and returns the Note Hook.
func (g *GitLab) SnippetNoteEvent(projectID, snippetID, authorID int64, body string) (event string, payload []byte) {
	ref := strconv.FormatInt(snippetID, 10)
	n := g.AddNote(projectID, ThreadSnippet, ref, authorID, body)
	return g.NoteEvent(projectID, ThreadSnippet, ref, n.ID, "create")
}

// NoteWithEvent adds a note with options (a reply, an internal note, a diff note) and returns
// it with the Note Hook (Confidential Note Hook for internal notes and confidential issues).
func (g *GitLab) NoteWithEvent(projectID int64, kind ThreadType, ref string, authorID int64, body string, opts NoteOptions) (Note, string, []byte) {
	n := g.AddNote(projectID, kind, ref, authorID, body, opts)
	event, payload := g.NoteEvent(projectID, kind, ref, n.ID, "create")
	return n, event, payload
}

// EditNoteEvent changes a note's body as its author and returns the "update" Note Hook.
func (g *GitLab) EditNoteEvent(projectID int64, kind ThreadType, ref string, noteID int64, body string) (event string, payload []byte) {
	g.mu.Lock()
	p := g.mustProject(projectID)
	_, n := g.mustThread(p, kind, ref).findNote(noteID)
	if n == nil {
		g.mu.Unlock()
		panic(fmt.Sprintf("fakegitlab: no note %d", noteID))
	}
	n.body, n.edits, n.updated = body, n.edits+1, g.now()
	g.mu.Unlock()
	return g.NoteEvent(projectID, kind, ref, noteID, "update")
}

// NoteEvent builds the Note Hook for an existing note; action is "create" or "update".
func (g *GitLab) NoteEvent(projectID int64, kind ThreadType, ref string, noteID int64, action string) (event string, payload []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.mustProject(projectID)
	th := g.mustThread(p, kind, ref)
	d, n := th.findNote(noteID)
	if n == nil {
		panic(fmt.Sprintf("fakegitlab: no note %d in %s %s", noteID, kind, ref))
	}
	attrs := g.noteAttributes(p, th, d, n, action)
	var m map[string]any
	switch kind {
	case ThreadIssue:
		m = toMap(g.issueCommentEvent(p, th, n))
	case ThreadMR:
		m = toMap(g.mergeCommentEvent(p, th, n))
	case ThreadCommit:
		m = toMap(g.commitCommentEvent(p, th, n))
	default:
		m = toMap(g.snippetCommentEvent(p, th, n))
	}
	m["object_attributes"] = attrs
	if mr, ok := m["merge_request"].(map[string]any); ok {
		mr["source"], mr["target"] = g.hookProject(p), g.hookProject(p)
		dropLegacyMRKeys(mr)
	}
	if is, ok := m["issue"].(map[string]any); ok {
		delete(is, "last_edit_at") // client-go's misspelling; last_edited_at is GitLab's key
		is["last_edited_at"] = nil
	}
	event, confidential := EventNote, n.internal
	if kind == ThreadIssue {
		confidential = confidential || p.issues[atoi(th.key.ref)].confidential
	}
	if confidential {
		event, m["event_type"] = EventConfidentialNote, "confidential_note"
	}
	return event, g.finish(m, p, n.authorID)
}

func atoi(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

// noteAttributes is object_attributes of a note event, with the keys real deliveries carry and
// client-go's structs lack (discussion_id, type, position, internal).
func (g *GitLab) noteAttributes(p *project, th *thread, d *discussion, n *note, action string) map[string]any {
	a := toMap(gitlab.MergeCommentEventObjectAttributes{
		ID: n.id, Note: n.body, NoteableType: noteableType(th.key.kind), AuthorID: n.authorID,
		CreatedAt: hookTime(n.created), UpdatedAt: hookTime(n.updated), ProjectID: p.ID,
		NoteableID: th.noteableID, System: n.system, Description: n.body, DiscussionID: d.id,
		Type: n.typ, Action: gitlab.CommentEventAction(action), URL: g.noteURL(p, th, n),
	})
	a["attachment"], a["line_code"], a["st_diff"], a["type"] = nil, nil, nil, nullIfEmpty(n.typ)
	a["position"], a["original_position"], a["change_position"] = n.position, n.position, nil
	a["resolved_at"], a["resolved_by_id"], a["updated_by_id"] = nil, nil, nil
	a["internal"], a["confidential"] = n.internal, n.internal
	if th.key.kind == ThreadCommit {
		a["commit_id"], a["noteable_id"] = th.key.ref, nil
	}
	return a
}

func (g *GitLab) noteURL(p *project, th *thread, n *note) string {
	var seg string
	switch th.key.kind {
	case ThreadIssue:
		seg = "issues/" + th.key.ref
	case ThreadMR:
		seg = "merge_requests/" + th.key.ref
	case ThreadCommit:
		seg = "commit/" + th.key.ref
	default:
		seg = "snippets/" + th.key.ref
	}
	return fmt.Sprintf("%s/-/%s#note_%d", p.WebURL, seg, n.id)
}

func (g *GitLab) issueCommentEvent(p *project, th *thread, n *note) *gitlab.IssueCommentEvent {
	is := p.issues[atoi(th.key.ref)]
	return &gitlab.IssueCommentEvent{
		ObjectKind: "note", EventType: "note", ProjectID: p.ID,
		Issue: gitlab.IssueCommentEventIssue{
			ID: is.id, IID: is.iid, ProjectID: p.ID, AuthorID: is.authorID, Description: is.desc,
			State: is.state, Title: is.title, Confidential: is.confidential, Labels: []*gitlab.EventLabel{},
			CreatedAt: hookTime(is.created), UpdatedAt: hookTime(is.updated), AssigneeIDs: nonNil(is.assignees),
			URL: fmt.Sprintf("%s/-/issues/%d", p.WebURL, is.iid),
		},
	}
}

func (g *GitLab) mergeCommentEvent(p *project, th *thread, n *note) *gitlab.MergeCommentEvent {
	mr := p.mrs[atoi(th.key.ref)]
	e := &gitlab.MergeCommentEvent{ObjectKind: "note", EventType: "note", ProjectID: p.ID}
	b, _ := json.Marshal(g.mergeEventAttributes(p, mr))
	_ = json.Unmarshal(b, &e.MergeRequest) // same field names: one source of truth for MR state
	return e
}

func (g *GitLab) commitCommentEvent(p *project, th *thread, n *note) *gitlab.CommitCommentEvent {
	c := g.commitJSON(p, th.key.ref)
	return &gitlab.CommitCommentEvent{
		ObjectKind: "note", EventType: "note", ProjectID: p.ID,
		Commit: &gitlab.CommitCommentEventCommit{
			ID: c.ID, Title: c.Title, Message: c.Message, Timestamp: c.AuthoredDate, URL: c.WebURL,
			Author: gitlab.EventCommitAuthor{Name: c.AuthorName, Email: c.AuthorEmail},
		},
	}
}

func (g *GitLab) snippetCommentEvent(p *project, th *thread, n *note) *gitlab.SnippetCommentEvent {
	s := p.snippets[atoi(th.key.ref)]
	return &gitlab.SnippetCommentEvent{
		ObjectKind: "note", EventType: "note", ProjectID: p.ID,
		Snippet: &gitlab.SnippetCommentEventSnippet{
			ID: s.id, Title: s.title, Content: s.content, AuthorID: s.authorID, ProjectID: p.ID,
			CreatedAt: hookTime(s.created), UpdatedAt: hookTime(s.updated), Filename: s.fileName,
			Type: "ProjectSnippet", VisibilityLevel: 0,
		},
	}
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
