package webhook

import (
	"encoding/json"
	"errors"
	"fmt"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// A note hook is decoded once, into notePayload: a comment that mentions the bot is nearly always
// a request, and decoding its body twice (the extras, then client-go's type for its noteable
// type) was a fifth of the CPU of queuing one. The noteable object keeps client-go's type; the
// rest are the fields we read, under GitLab's names, including those client-go's per-type structs
// lack (a note's discussion_id, type and internal flag; the project's id).

// noteableTypes are the note targets we parse; GitLab also sends notes on designs, wiki pages and
// the like, which we leave alone.
var noteableTypes = map[string]bool{"Issue": true, "MergeRequest": true, "Commit": true, "Snippet": true}

// notePayload is a note hook's payload, whatever the note is on.
type notePayload struct {
	ObjectKind       string         `json:"object_kind"`
	ProjectID        int64          `json:"project_id"`
	Project          extrasProject  `json:"project"`
	User             extrasUser     `json:"user"`
	ObjectAttributes noteAttributes `json:"object_attributes"`

	Issue        gitlab.IssueCommentEventIssue        `json:"issue"`
	MergeRequest gitlab.MergeCommentEventMergeRequest `json:"merge_request"`
	Commit       *gitlab.CommitCommentEventCommit     `json:"commit"`
	Snippet      *gitlab.SnippetCommentEventSnippet   `json:"snippet"`
}

type noteAttributes struct {
	ID           int64                     `json:"id"`
	Note         string                    `json:"note"`
	NoteableType string                    `json:"noteable_type"`
	NoteableID   int64                     `json:"noteable_id"`
	CommitID     string                    `json:"commit_id"`
	System       bool                      `json:"system"`
	DiscussionID string                    `json:"discussion_id"`
	Type         string                    `json:"type"`
	Internal     bool                      `json:"internal"`
	Confidential bool                      `json:"confidential"` // older GitLab's name for internal
	ProjectID    int64                     `json:"project_id"`
	URL          string                    `json:"url"`
	Action       gitlab.CommentEventAction `json:"action"`
	UpdatedAt    string                    `json:"updated_at"`
}

// parseNote is Parse for "Note Hook" and "Confidential Note Hook", with its errors: not JSON or
// not a note (400), a note on something we do not parse (200 ignored).
func parseNote(header string, body []byte) (event.Event, error) {
	if !isObject(body) {
		return event.Event{}, fmt.Errorf("parse %s: %w: not a JSON object", header, ErrMalformed)
	}
	var p notePayload
	// A field of an unexpected type is skipped, not refused (see decode): GitLab changes payloads
	// over time, and a 400 to a real delivery would get the hook disabled.
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(body, &p); err != nil && !errors.As(err, &typeErr) {
		return event.Event{}, fmt.Errorf("parse %s: %w: not a JSON object: %w", header, ErrMalformed, err)
	}
	if p.ObjectKind != "note" {
		return event.Event{}, fmt.Errorf("parse %s: %w: object_kind %q", header, ErrMalformed, p.ObjectKind)
	}
	if !noteableTypes[p.ObjectAttributes.NoteableType] {
		return event.Event{}, &UnhandledEventError{Event: header,
			Detail: fmt.Sprintf("note on %q", p.ObjectAttributes.NoteableType)}
	}
	ev := p.event()
	ev.HookName = header
	ev.Confidential = ev.Confidential || isConfidentialHook(header)
	return ev, nil
}

// extras are the payload's fields the other hooks read from extras (basic, projectFromExtras).
func (p *notePayload) extras() extras {
	a := p.ObjectAttributes
	return extras{ObjectKind: p.ObjectKind, ProjectID: p.ProjectID, Project: p.Project, User: p.User,
		ObjectAttributes: extrasAttributes{NoteableType: a.NoteableType, DiscussionID: a.DiscussionID,
			Type: a.Type, Internal: a.Internal, Confidential: a.Confidential, ProjectID: a.ProjectID}}
}

// event is our event for the note, with the thread it is on.
func (p *notePayload) event() event.Event {
	a := p.ObjectAttributes
	ev := basic(event.KindNote, string(a.Action), p.extras())
	internal := a.Internal || a.Confidential
	ev.Note = &event.Note{
		ID: a.ID, Body: a.Note, System: a.System, Internal: internal, DiscussionID: a.DiscussionID,
		Type: a.Type, URL: a.URL, Action: string(a.Action), UpdatedAt: a.UpdatedAt,
	}
	// An internal note is visible to project members only: treat it like a confidential issue.
	ev.Confidential = internal
	switch a.NoteableType {
	case "Issue":
		ev.Thread = issueThread(&p.Issue)
		ev.Confidential = ev.Confidential || p.Issue.Confidential
	case "MergeRequest":
		ev.Thread = mergeRequestThread(&p.MergeRequest)
	case "Commit":
		ev.Thread = commitThread(a.CommitID, p.Commit)
	case "Snippet":
		ev.Thread = snippetThread(a.NoteableID, p.Snippet)
	}
	return ev
}

func issueThread(i *gitlab.IssueCommentEventIssue) event.Thread {
	return event.Thread{
		Type: event.ThreadIssue, ID: i.ID, IID: i.IID, Title: i.Title, Description: i.Description,
		URL: i.URL, State: i.State, Confidential: i.Confidential, AuthorID: i.AuthorID,
		AssigneeIDs: assignees(i.AssigneeIDs, i.AssigneeID), UpdatedAt: i.UpdatedAt,
	}
}

func mergeRequestThread(m *gitlab.MergeCommentEventMergeRequest) event.Thread {
	return event.Thread{
		Type: event.ThreadMergeRequest, ID: m.ID, IID: m.IID, Title: m.Title,
		Description: m.Description, URL: m.URL, State: m.State, AuthorID: m.AuthorID,
		AssigneeIDs: assignees(m.AssigneeIDs, m.AssigneeID), ReviewerIDs: m.ReviewerIDs,
		UpdatedAt: m.UpdatedAt, SourceBranch: m.SourceBranch, TargetBranch: m.TargetBranch,
		SourceProjectID: m.SourceProjectID, TargetProjectID: m.TargetProjectID,
		HeadSHA: m.LastCommit.ID, Draft: m.WorkInProgress,
	}
}

func commitThread(commitID string, c *gitlab.CommitCommentEventCommit) event.Thread {
	t := event.Thread{Type: event.ThreadCommit, CommitSHA: commitID}
	if c != nil {
		t.Title, t.Description, t.URL = c.Title, c.Message, c.URL
		if c.ID != "" {
			t.CommitSHA = c.ID
		}
	}
	return t
}

func snippetThread(noteableID int64, s *gitlab.SnippetCommentEventSnippet) event.Thread {
	t := event.Thread{Type: event.ThreadSnippet, ID: noteableID}
	if s != nil {
		t.ID, t.Title, t.Description = s.ID, s.Title, s.Description
		t.AuthorID, t.UpdatedAt = s.AuthorID, s.UpdatedAt
	}
	return t
}
