package gitlab

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// Thread types of ThreadRef.
const (
	TypeIssue        = "issue"
	TypeMergeRequest = "merge_request"
	TypeCommit       = "commit"
	TypeSnippet      = "snippet"
)

// ThreadRef names the thing whose notes we read and write.
type ThreadRef struct {
	ProjectID int64
	Type      string // TypeIssue, TypeMergeRequest, TypeCommit, TypeSnippet
	IID       int64  // issue and merge request
	CommitSHA string // commit
	SnippetID int64  // snippet
}

// ThreadOf is the thread an event's note hangs on in the project. The event's thread types are
// GitLab's noteable types, spelled as ours; a thread of no known type is an issue.
func ThreadOf(projectID int64, t event.Thread) ThreadRef {
	ref := ThreadRef{ProjectID: projectID, Type: string(t.Type), IID: t.IID, CommitSHA: t.CommitSHA, SnippetID: t.ID}
	switch ref.Type {
	case TypeIssue, TypeMergeRequest, TypeCommit, TypeSnippet:
	default:
		ref.Type = TypeIssue
	}
	return ref
}

// String names the thread in errors and logs with its project's id ("issue 3#12"), which an
// operator needs and event.Thread.Ref, made for people in the thread, leaves out.
func (t ThreadRef) String() string {
	switch t.Type {
	case TypeIssue:
		return fmt.Sprintf("issue %d#%d", t.ProjectID, t.IID)
	case TypeMergeRequest:
		return fmt.Sprintf("merge request %d!%d", t.ProjectID, t.IID)
	case TypeCommit:
		return fmt.Sprintf("commit %d@%s", t.ProjectID, t.CommitSHA)
	case TypeSnippet:
		return fmt.Sprintf("snippet %d$%d", t.ProjectID, t.SnippetID)
	}
	return fmt.Sprintf("unknown thread type %q", t.Type)
}

func (t ThreadRef) unsupported() error {
	return fmt.Errorf("gitlab: %s: unsupported thread type %q", t, t.Type)
}

// Note is one comment in a thread.
type Note struct {
	ID             int64
	Body           string
	AuthorID       int64
	AuthorUsername string
	System         bool // written by GitLab itself ("changed the description")
	Internal       bool
	DiscussionID   string // the discussion to reply in; empty when unknown
	CreatedAt      time.Time
}

// ListNotesOptions narrows ListNotes.
type ListNotesOptions struct {
	ExcludeSystem bool
}

// ListNotes returns every note of the thread, oldest first, with its discussion id. It reads
// discussions rather than notes: only they tell which discussion a note belongs to, and commits
// have no other listing that carries note ids.
func (c *Client) ListNotes(ctx context.Context, t ThreadRef, opts ListNotesOptions) ([]Note, error) {
	ds, err := c.discussions(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("list notes of %s: %w", t, err)
	}
	var notes []Note
	for _, d := range ds {
		for _, n := range d.Notes {
			if n != nil && !(opts.ExcludeSystem && n.System) {
				notes = append(notes, toNote(n, d.ID))
			}
		}
	}
	sort.SliceStable(notes, func(i, j int) bool {
		if !notes[i].CreatedAt.Equal(notes[j].CreatedAt) {
			return notes[i].CreatedAt.Before(notes[j].CreatedAt)
		}
		return notes[i].ID < notes[j].ID
	})
	return notes, nil
}

func (c *Client) discussions(ctx context.Context, t ThreadRef) ([]*gl.Discussion, error) {
	d := c.gl.Discussions
	type page = func(int64, gl.RequestOptionFunc) ([]*gl.Discussion, *gl.Response, error)
	var fetch page
	switch t.Type {
	case TypeIssue:
		fetch = func(p int64, o gl.RequestOptionFunc) ([]*gl.Discussion, *gl.Response, error) {
			return d.ListIssueDiscussions(t.ProjectID, t.IID, &gl.ListIssueDiscussionsOptions{ListOptions: listOpts(p)}, o)
		}
	case TypeMergeRequest:
		fetch = func(p int64, o gl.RequestOptionFunc) ([]*gl.Discussion, *gl.Response, error) {
			return d.ListMergeRequestDiscussions(t.ProjectID, t.IID, &gl.ListMergeRequestDiscussionsOptions{ListOptions: listOpts(p)}, o)
		}
	case TypeCommit:
		fetch = func(p int64, o gl.RequestOptionFunc) ([]*gl.Discussion, *gl.Response, error) {
			return d.ListCommitDiscussions(t.ProjectID, t.CommitSHA, &gl.ListCommitDiscussionsOptions{ListOptions: listOpts(p)}, o)
		}
	case TypeSnippet:
		fetch = func(p int64, o gl.RequestOptionFunc) ([]*gl.Discussion, *gl.Response, error) {
			return d.ListSnippetDiscussions(t.ProjectID, t.SnippetID, &gl.ListSnippetDiscussionsOptions{ListOptions: listOpts(p)}, o)
		}
	default:
		return nil, t.unsupported()
	}
	return pages(ctx, c, fetch)
}

func toNote(n *gl.Note, discussionID string) Note {
	out := Note{ID: n.ID, Body: n.Body, AuthorID: n.Author.ID, AuthorUsername: n.Author.Username,
		System: n.System, Internal: n.Internal || n.Confidential, DiscussionID: discussionID}
	if n.CreatedAt != nil {
		out.CreatedAt = *n.CreatedAt
	}
	return out
}

// FindNote returns the oldest note of the bot in the thread that contains marker. Notes by
// others do not count: a user who quotes our note copies the hidden marker too.
func (c *Client) FindNote(ctx context.Context, t ThreadRef, marker string) (Note, bool, error) {
	if marker == "" {
		return Note{}, false, fmt.Errorf("gitlab: find note on %s: empty marker", t)
	}
	bot, err := c.selfID(ctx)
	if err != nil {
		return Note{}, false, fmt.Errorf("find note on %s: %w", t, err)
	}
	notes, err := c.ListNotes(ctx, t, ListNotesOptions{ExcludeSystem: true})
	if err != nil {
		return Note{}, false, err
	}
	for _, n := range notes {
		if n.AuthorID == bot && strings.Contains(n.Body, marker) {
			return n, true, nil
		}
	}
	return Note{}, false, nil
}

// PostNote posts body as a new note (discussionID "") or as a reply in a discussion. internal
// applies to new notes on issues and merge requests (replies inherit their discussion's).
// With a marker (appended to body if missing) the post is idempotent: after a 5xx or a lost
// answer it looks for the note by marker before posting again, so it never posts twice; and when
// an attempt timed out, a copy that a slow GitLab stores late is deleted (dedupe.go): the note
// returned is the one that stays.
func (c *Client) PostNote(ctx context.Context, t ThreadRef, discussionID, body string, internal bool, marker string) (Note, error) {
	if marker != "" && !strings.Contains(body, marker) {
		body += "\n\n" + marker
	}
	var n Note
	post := func(ctx context.Context) (err error) {
		n, err = c.postNote(ctx, t, discussionID, body, internal)
		return err
	}
	var find finder
	if marker != "" {
		find = func(ctx context.Context) (bool, error) {
			found, ok, err := c.FindNote(ctx, t, marker)
			if ok {
				n = found
			}
			return ok, err
		}
	}
	c.sweepLateIn(ctx, t)
	since, err := c.createOnce(ctx, post, find)
	if err != nil {
		return Note{}, fmt.Errorf("post note on %s: %w", t, err)
	}
	return c.convergeNote(ctx, t, body, n, since), nil
}

func (c *Client) postNote(ctx context.Context, t ThreadRef, discussionID, body string, internal bool) (Note, error) {
	if discussionID != "" {
		return c.reply(ctx, t, discussionID, body)
	}
	var n *gl.Note
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		switch t.Type {
		case TypeIssue:
			n, _, err = c.gl.Notes.CreateIssueNote(t.ProjectID, t.IID, &gl.CreateIssueNoteOptions{Body: &body, Internal: &internal}, o)
		case TypeMergeRequest:
			n, _, err = c.gl.Notes.CreateMergeRequestNote(t.ProjectID, t.IID, &gl.CreateMergeRequestNoteOptions{Body: &body, Internal: &internal}, o)
		case TypeSnippet:
			n, _, err = c.gl.Notes.CreateSnippetNote(t.ProjectID, t.SnippetID, &gl.CreateSnippetNoteOptions{Body: &body}, o)
		case TypeCommit:
			n, err = c.createCommitDiscussion(t, body, o)
		default:
			return t.unsupported()
		}
		return err
	})
	if err != nil {
		return Note{}, err
	}
	return toNote(n, ""), nil
}

// createCommitDiscussion is how a commit gets a note with an id we can edit later (the older
// commit comments API returns none).
func (c *Client) createCommitDiscussion(t ThreadRef, body string, o gl.RequestOptionFunc) (*gl.Note, error) {
	d, _, err := c.gl.Discussions.CreateCommitDiscussion(t.ProjectID, t.CommitSHA, &gl.CreateCommitDiscussionOptions{Body: &body}, o)
	if err != nil {
		return nil, err
	}
	if len(d.Notes) == 0 || d.Notes[0] == nil {
		return nil, fmt.Errorf("new commit discussion %s has no note", d.ID)
	}
	return d.Notes[0], nil
}

func (c *Client) reply(ctx context.Context, t ThreadRef, discussionID, body string) (Note, error) {
	d := c.gl.Discussions
	var n *gl.Note
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		switch t.Type {
		case TypeIssue:
			n, _, err = d.AddIssueDiscussionNote(t.ProjectID, t.IID, discussionID, &gl.AddIssueDiscussionNoteOptions{Body: &body}, o)
		case TypeMergeRequest:
			n, _, err = d.AddMergeRequestDiscussionNote(t.ProjectID, t.IID, discussionID, &gl.AddMergeRequestDiscussionNoteOptions{Body: &body}, o)
		case TypeSnippet:
			n, _, err = d.AddSnippetDiscussionNote(t.ProjectID, t.SnippetID, discussionID, &gl.AddSnippetDiscussionNoteOptions{Body: &body}, o)
		case TypeCommit:
			n, _, err = d.AddCommitDiscussionNote(t.ProjectID, t.CommitSHA, discussionID, &gl.AddCommitDiscussionNoteOptions{Body: &body}, o)
		default:
			return t.unsupported()
		}
		return err
	})
	if err != nil {
		return Note{}, err
	}
	return toNote(n, discussionID), nil
}

// UpdateNote replaces a note's body. It is a PUT that sets a value, so the transport retries it.
func (c *Client) UpdateNote(ctx context.Context, t ThreadRef, noteID int64, body string) error {
	c.sweepLateIn(ctx, t)
	if t.Type == TypeCommit {
		return c.updateCommitNote(ctx, t, noteID, body)
	}
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		switch t.Type {
		case TypeIssue:
			_, _, err = c.gl.Notes.UpdateIssueNote(t.ProjectID, t.IID, noteID, &gl.UpdateIssueNoteOptions{Body: &body}, o)
		case TypeMergeRequest:
			_, _, err = c.gl.Notes.UpdateMergeRequestNote(t.ProjectID, t.IID, noteID, &gl.UpdateMergeRequestNoteOptions{Body: &body}, o)
		case TypeSnippet:
			_, _, err = c.gl.Notes.UpdateSnippetNote(t.ProjectID, t.SnippetID, noteID, &gl.UpdateSnippetNoteOptions{Body: &body}, o)
		default:
			return t.unsupported()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update note %d on %s: %w", noteID, t, err)
	}
	return nil
}

// updateCommitNote needs the note's discussion: commit notes are edited only through it.
func (c *Client) updateCommitNote(ctx context.Context, t ThreadRef, noteID int64, body string) error {
	notes, err := c.ListNotes(ctx, t, ListNotesOptions{})
	if err != nil {
		return fmt.Errorf("update note %d: %w", noteID, err)
	}
	for _, n := range notes {
		if n.ID != noteID {
			continue
		}
		err := c.call(ctx, func(o gl.RequestOptionFunc) error {
			_, _, err := c.gl.Discussions.UpdateCommitDiscussionNote(t.ProjectID, t.CommitSHA, n.DiscussionID, noteID,
				&gl.UpdateCommitDiscussionNoteOptions{Body: &body}, o)
			return err
		})
		if err != nil {
			return fmt.Errorf("update note %d on %s: %w", noteID, t, err)
		}
		return nil
	}
	return fmt.Errorf("update note %d on %s: %w", noteID, t, ErrNotFound)
}
