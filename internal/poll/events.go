package poll

import (
	"fmt"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
)

// candidate is one event a To-Do stands for.
type candidate struct {
	ev      event.Event
	noteID  int64
	primary bool // the To-Do's own event: its key marks the To-Do as queued
}

// hookTime writes a time as issue and MR webhooks do, so that the event's updated_at (part of
// the issue/MR dedupe key) reads the same whichever intake built it.
func hookTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// candidates are the events of a To-Do, oldest first: the assignment, review request or
// description mention it records, and the notes of its thread from its moment on. GitLab makes no
// new To-Do while one is pending on the same issue, so later mentions there have none of their
// own: they are found here. Trigger rules and the queue's dedupe sort out the rest.
func candidates(t gitlab.Todo, proj gitlab.Project, notes []gitlab.Note, slack time.Duration) []candidate {
	base := event.Event{
		HookName: "To-Do " + t.Action,
		Project:  event.Project{ID: proj.ID, Path: proj.Path, WebURL: proj.WebURL, DefaultBranch: proj.DefaultBranch},
		Thread:   thread(t),
	}
	base.Confidential = base.Thread.Confidential
	var out []candidate
	if t.NoteID == 0 {
		if ev, ok := issuableEvent(base, t, slack); ok {
			out = append(out, candidate{ev: ev, primary: true})
		}
	}
	for _, n := range notes {
		own := n.ID == t.NoteID && t.NoteID != 0
		later := t.NoteID != 0 && n.ID > t.NoteID || t.NoteID == 0 && !n.CreatedAt.Before(t.CreatedAt.Add(-slack))
		if n.System || !own && !later {
			continue
		}
		ev := base
		ev.Kind, ev.Action = event.KindNote, "create"
		ev.Actor = event.User{ID: n.AuthorID, Username: n.AuthorUsername}
		ev.Confidential = base.Confidential || n.Internal
		ev.Note = &event.Note{ID: n.ID, Body: n.Body, Internal: n.Internal, DiscussionID: n.DiscussionID,
			URL: fmt.Sprintf("%s#note_%d", t.Target.WebURL, n.ID), Action: "create"}
		out = append(out, candidate{ev: ev, noteID: n.ID, primary: own})
	}
	return out
}

// issuableEvent is the issue or MR event the To-Do records: an update that newly assigns the
// bot, asks for its review, or mentions it in the title or description (an "open" when the
// To-Do came with the issue or MR itself).
func issuableEvent(ev event.Event, t gitlab.Todo, slack time.Duration) (event.Event, bool) {
	ev.Kind = event.KindIssue
	if t.TargetType == "MergeRequest" {
		ev.Kind = event.KindMergeRequest
	}
	ev.Actor = event.User{ID: t.AuthorID, Username: t.Author}
	ev.Action = "update"
	switch t.Action {
	case "assigned":
		ev.Changes.AssigneeIDs = &event.Change[[]int64]{Current: t.Target.AssigneeIDs}
	case "review_requested":
		ev.Changes.ReviewerIDs = &event.Change[[]int64]{Current: t.Target.ReviewerIDs}
	case "mentioned", "directly_addressed":
		if d := t.CreatedAt.Sub(t.Target.CreatedAt); d >= -slack && d <= slack {
			ev.Action = "open"
		}
		ev.Changes.Title = &event.Change[string]{Current: t.Target.Title}
		ev.Changes.Description = &event.Change[string]{Current: t.Target.Description}
	default:
		return ev, false
	}
	return ev, true
}

func thread(t gitlab.Todo) event.Thread {
	x := t.Target
	th := event.Thread{Type: event.ThreadIssue, ID: x.ID, IID: x.IID, Title: x.Title, Description: x.Description,
		URL: x.WebURL, State: x.State, Confidential: x.Confidential, AuthorID: x.AuthorID,
		AssigneeIDs: x.AssigneeIDs, ReviewerIDs: x.ReviewerIDs, UpdatedAt: hookTime(x.UpdatedAt)}
	if t.TargetType == "MergeRequest" {
		th.Type = event.ThreadMergeRequest
		th.SourceBranch, th.TargetBranch = x.SourceBranch, x.TargetBranch
		th.SourceProjectID, th.TargetProjectID = x.SourceProjectID, x.TargetProjectID
		th.HeadSHA, th.Draft = x.SHA, x.Draft
	}
	return th
}
