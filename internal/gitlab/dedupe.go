package gitlab

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// A create that timed out may still be stored at GitLab after we posted it again: a slow GitLab
// goes on with a request when we hang up. GitLab refuses a second MR for a branch, a second
// branch of a name and a second award, but it stores any number of equal notes. So after a note
// or discussion whose attempt timed out, its copies (the bot's notes with the very body we sent,
// marker included) are deleted but one: the oldest (lowest id), which any sweeper picks alike.

// gitlabRequestLimit is how long GitLab lets a web request run (rack-timeout, 60 s by default,
// GITLAB_RAILS_RACK_TIMEOUT): a copy cannot land later than that on a GitLab left at its default.
const gitlabRequestLimit = 60 * time.Second

// lateWatch is a create whose timed-out attempt may still land after the request path stopped
// looking: the next write in its thread (UpdateNote, PostNote) or Settle sweeps it.
type lateWatch struct {
	t     ThreadRef
	body  string    // as sent: a late copy is stored unedited
	keep  int64     // the note the caller holds (and edits)
	until time.Time // no copy is expected after this: the watch goes at its next sweep
}

type lateWatches struct {
	mu   sync.Mutex
	list []lateWatch
}

// convergeNote runs after a create of body in t that returned held, when an attempt of it timed
// out at since (zero: none did, and nothing is done — the common path costs no request). It
// deletes the copies already there and looks again every timeout until LateWindow after since
// has passed (a bounded wait, on a path that already waited as long as a timeout), then leaves a
// watch for a copy later still. It returns the note kept: the caller's edits must go to it.
func (c *Client) convergeNote(ctx context.Context, t ThreadRef, body string, held Note, since time.Time) Note {
	if since.IsZero() || c.keepCopies {
		return held
	}
	until := since.Add(c.lateWindow)
	for {
		if kept, err := c.dropCopies(ctx, t, body, held.ID, false); err != nil {
			c.log.Warn("gitlab: could not delete the copies of a note whose post timed out", "thread", t.String(), "error", err.Error())
		} else {
			held = kept
		}
		wait := min(c.timeout, time.Until(until))
		if wait <= 0 || sleep(ctx, wait) != nil {
			break
		}
	}
	c.watch(lateWatch{t: t, body: body, keep: held.ID, until: since.Add(max(2*c.lateWindow, gitlabRequestLimit))})
	return held
}

// dropCopies deletes the bot's notes in t with body but one, and returns the one kept: the
// oldest, unless keepHeld and held is there (a later sweep: the caller edits held, and a copy
// landing after it was returned has a higher id anyway).
func (c *Client) dropCopies(ctx context.Context, t ThreadRef, body string, held int64, keepHeld bool) (Note, error) {
	bot, err := c.selfID(ctx)
	if err != nil {
		return Note{}, err
	}
	notes, err := c.ListNotes(ctx, t, ListNotesOptions{ExcludeSystem: true})
	if err != nil {
		return Note{}, err
	}
	var copies []Note
	for _, n := range notes {
		if n.AuthorID == bot && (n.ID == held || strings.TrimSpace(n.Body) == strings.TrimSpace(body)) {
			copies = append(copies, n)
		}
	}
	if len(copies) == 0 {
		return Note{}, fmt.Errorf("note %d of %s is gone", held, t)
	}
	slices.SortFunc(copies, func(a, b Note) int { return cmp.Compare(a.ID, b.ID) })
	kept := copies[0]
	if i := slices.IndexFunc(copies, func(n Note) bool { return n.ID == held }); keepHeld && i >= 0 {
		kept = copies[i]
	}
	for _, n := range copies {
		if n.ID == kept.ID {
			continue
		}
		if err := c.deleteNote(ctx, t, n); err != nil {
			return kept, err
		}
		c.log.Info("gitlab: deleted a copy of a note whose post timed out", "thread", t.String(), "note", n.ID, "kept", kept.ID)
	}
	return kept, nil
}

// deleteNote deletes one note; one already gone counts as deleted.
func (c *Client) deleteNote(ctx context.Context, t ThreadRef, n Note) error {
	err := c.call(ctx, func(o gl.RequestOptionFunc) (err error) {
		switch t.Type {
		case TypeIssue:
			_, err = c.gl.Notes.DeleteIssueNote(t.ProjectID, t.IID, n.ID, o)
		case TypeMergeRequest:
			_, err = c.gl.Notes.DeleteMergeRequestNote(t.ProjectID, t.IID, n.ID, o)
		case TypeSnippet:
			_, err = c.gl.Notes.DeleteSnippetNote(t.ProjectID, t.SnippetID, n.ID, o)
		case TypeCommit: // commits have no notes API: through the note's discussion
			_, err = c.gl.Discussions.DeleteCommitDiscussionNote(t.ProjectID, t.CommitSHA, n.DiscussionID, n.ID, o)
		default:
			return t.unsupported()
		}
		return err
	})
	if err != nil && !hasStatus(err, http.StatusNotFound) {
		return fmt.Errorf("delete note %d on %s: %w", n.ID, t, err)
	}
	return nil
}

// watch adds w; a watch past its time that no write in its thread swept goes, unswept: no copy
// is expected any more, and the list stays as short as the creates that timed out lately.
func (c *Client) watch(w lateWatch) {
	c.late.mu.Lock()
	defer c.late.mu.Unlock()
	now := time.Now()
	c.late.list = slices.DeleteFunc(c.late.list, func(x lateWatch) bool { return now.After(x.until) })
	c.late.list = append(c.late.list, w)
}

// sweepLate deletes the late copies of the watched creates in t (every thread when t is nil).
// Without watches, the common case, it costs nothing.
func (c *Client) sweepLate(ctx context.Context, t *ThreadRef) error {
	c.late.mu.Lock()
	var due []lateWatch
	c.late.list = slices.DeleteFunc(c.late.list, func(w lateWatch) bool {
		if t == nil || w.t == *t {
			due = append(due, w)
			return true
		}
		return false
	})
	c.late.mu.Unlock()
	var firstErr error
	for _, w := range due {
		_, err := c.dropCopies(ctx, w.t, w.body, w.keep, true)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if time.Now().Before(w.until) {
			c.watch(w)
		}
	}
	return firstErr
}

// Settle deletes now the late copies of every note whose post timed out and that may still
// have been stored after its post returned: for the end of a job, or a periodic sweep. The next
// write in the same thread does it too.
func (c *Client) Settle(ctx context.Context) error {
	if err := c.sweepLate(ctx, nil); err != nil {
		return fmt.Errorf("delete the late copies of timed-out notes: %w", err)
	}
	return nil
}

// sweepLateIn sweeps t's watches before a write in t: a failure is logged, not the write's.
func (c *Client) sweepLateIn(ctx context.Context, t ThreadRef) {
	if err := c.sweepLate(ctx, &t); err != nil {
		c.log.Warn("gitlab: could not delete the late copies of a note whose post timed out", "thread", t.String(), "error", err.Error())
	}
}
