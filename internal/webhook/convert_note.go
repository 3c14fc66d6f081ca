package webhook

import (
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

// noteAttrs are the object_attributes every note payload shares; client-go has one struct per
// noteable type.
type noteAttrs struct {
	ID           int64
	Body         string
	System       bool
	DiscussionID string
	URL          string
	Action       gitlab.CommentEventAction
	UpdatedAt    string
}

// noteEvent is the part of a note event that does not depend on what the note is on.
func noteEvent(a noteAttrs, actor event.User, x extras) event.Event {
	ev := basic(event.KindNote, string(a.Action), x)
	ev.Actor = actor
	xa := x.ObjectAttributes
	discussion := a.DiscussionID
	if discussion == "" {
		discussion = xa.DiscussionID
	}
	internal := xa.Internal || xa.Confidential
	ev.Note = &event.Note{
		ID: a.ID, Body: a.Body, System: a.System, Internal: internal, DiscussionID: discussion,
		Type: xa.Type, URL: a.URL, Action: string(a.Action), UpdatedAt: a.UpdatedAt,
	}
	// An internal note is visible to project members only: treat it like a confidential issue.
	ev.Confidential = internal
	return ev
}

func fromIssueNote(v *gitlab.IssueCommentEvent, x extras) event.Event {
	a := v.ObjectAttributes
	ev := noteEvent(noteAttrs{a.ID, a.Note, a.System, a.DiscussionID, a.URL, a.Action, a.UpdatedAt},
		apiUser(v.User), x)
	ev.Project = project(v.Project.PathWithNamespace, v.Project.WebURL, v.Project.DefaultBranch, x)
	i := v.Issue
	ev.Thread = event.Thread{
		Type: event.ThreadIssue, ID: i.ID, IID: i.IID, Title: i.Title, Description: i.Description,
		URL: i.URL, State: i.State, Confidential: i.Confidential, AuthorID: i.AuthorID,
		AssigneeIDs: assignees(i.AssigneeIDs, i.AssigneeID), UpdatedAt: i.UpdatedAt,
	}
	ev.Confidential = ev.Confidential || i.Confidential
	return ev
}

func fromMergeNote(v *gitlab.MergeCommentEvent, x extras) event.Event {
	a := v.ObjectAttributes
	ev := noteEvent(noteAttrs{a.ID, a.Note, a.System, a.DiscussionID, a.URL, a.Action, a.UpdatedAt},
		eventUser(v.User), x)
	ev.Project = project(v.Project.PathWithNamespace, v.Project.WebURL, v.Project.DefaultBranch, x)
	if a.Type != "" {
		ev.Note.Type = a.Type
	}
	m := v.MergeRequest
	ev.Thread = event.Thread{
		Type: event.ThreadMergeRequest, ID: m.ID, IID: m.IID, Title: m.Title,
		Description: m.Description, URL: m.URL, State: m.State, AuthorID: m.AuthorID,
		AssigneeIDs: assignees(m.AssigneeIDs, m.AssigneeID), ReviewerIDs: m.ReviewerIDs,
		UpdatedAt: m.UpdatedAt, SourceBranch: m.SourceBranch, TargetBranch: m.TargetBranch,
		SourceProjectID: m.SourceProjectID, TargetProjectID: m.TargetProjectID,
		HeadSHA: m.LastCommit.ID, Draft: m.WorkInProgress,
	}
	return ev
}

func fromCommitNote(v *gitlab.CommitCommentEvent, x extras) event.Event {
	a := v.ObjectAttributes
	ev := noteEvent(noteAttrs{a.ID, a.Note, a.System, a.DiscussionID, a.URL, a.Action, a.UpdatedAt},
		apiUser(v.User), x)
	ev.Project = project(v.Project.PathWithNamespace, v.Project.WebURL, v.Project.DefaultBranch, x)
	ev.Thread = event.Thread{Type: event.ThreadCommit, CommitSHA: a.CommitID}
	if c := v.Commit; c != nil {
		ev.Thread.Title, ev.Thread.Description, ev.Thread.URL = c.Title, c.Message, c.URL
		if c.ID != "" {
			ev.Thread.CommitSHA = c.ID
		}
	}
	return ev
}

func fromSnippetNote(v *gitlab.SnippetCommentEvent, x extras) event.Event {
	a := v.ObjectAttributes
	ev := noteEvent(noteAttrs{a.ID, a.Note, a.System, a.DiscussionID, a.URL, a.Action, a.UpdatedAt},
		eventUser(v.User), x)
	ev.Project = project(v.Project.PathWithNamespace, v.Project.WebURL, v.Project.DefaultBranch, x)
	ev.Thread = event.Thread{Type: event.ThreadSnippet, ID: a.NoteableID}
	if s := v.Snippet; s != nil {
		ev.Thread.ID, ev.Thread.Title, ev.Thread.Description = s.ID, s.Title, s.Description
		ev.Thread.AuthorID, ev.Thread.UpdatedAt = s.AuthorID, s.UpdatedAt
	}
	return ev
}
