package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// ErrBadPosition: GitLab refused a diff comment's position (the line is not in that diff).
var ErrBadPosition = errors.New("gitlab: the position is not a line of the diff")

// Position anchors a diff comment: the diff version's SHAs, the file, and the line in the new
// version (added line), the old one (removed line) or both (unchanged line).
type Position struct {
	BaseSHA, StartSHA, HeadSHA string
	OldPath, NewPath           string
	OldLine, NewLine           int64
}

// Discussion is a thread of notes on a merge request.
type Discussion struct {
	ID       string
	Notes    []Note
	Resolved bool      // every resolvable note is resolved
	Position *Position // of a diff discussion's first note
}

// ListDiscussions returns the merge request's discussions, oldest first.
func (c *Client) ListDiscussions(ctx context.Context, projectID, iid int64) ([]Discussion, error) {
	t := ThreadRef{ProjectID: projectID, Type: TypeMergeRequest, IID: iid}
	ds, err := c.discussions(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("list discussions of %s: %w", t, err)
	}
	out := make([]Discussion, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDiscussion(d))
	}
	return out, nil
}

func toDiscussion(d *gl.Discussion) Discussion {
	out := Discussion{ID: d.ID}
	resolvable, resolved := 0, 0
	for _, n := range d.Notes {
		if n == nil {
			continue
		}
		out.Notes = append(out.Notes, toNote(n, d.ID))
		if n.Resolvable {
			resolvable++
			if n.Resolved {
				resolved++
			}
		}
		if out.Position == nil && n.Position != nil {
			p := n.Position
			out.Position = &Position{BaseSHA: p.BaseSHA, StartSHA: p.StartSHA, HeadSHA: p.HeadSHA,
				OldPath: p.OldPath, NewPath: p.NewPath, OldLine: p.OldLine, NewLine: p.NewLine}
		}
	}
	out.Resolved = resolvable > 0 && resolved == resolvable
	return out
}

// CreateDiffDiscussion starts a discussion on a line of the merge request's diff. With a marker
// (appended to body if missing) it is idempotent like PostNote: after a 5xx or a lost answer it
// looks for a discussion of the bot holding the marker before posting again. A position GitLab
// refuses comes back as ErrBadPosition.
func (c *Client) CreateDiffDiscussion(ctx context.Context, projectID, iid int64, pos Position, body, marker string) (Discussion, error) {
	if marker != "" && !strings.Contains(body, marker) {
		body += "\n\n" + marker
	}
	var out Discussion
	post := func(ctx context.Context) error {
		return c.call(ctx, func(o gl.RequestOptionFunc) error {
			opt := &gl.CreateMergeRequestDiscussionOptions{Body: &body, Position: positionOptions(pos)}
			d, _, err := c.gl.Discussions.CreateMergeRequestDiscussion(projectID, iid, opt, o)
			if err == nil {
				out = toDiscussion(d)
			}
			return err
		})
	}
	var find finder
	if marker != "" {
		find = func(ctx context.Context) (bool, error) {
			d, ok, err := c.FindDiscussion(ctx, projectID, iid, marker)
			if ok {
				out = d
			}
			return ok, err
		}
	}
	since, err := c.createOnce(ctx, post, find)
	if hasStatus(err, http.StatusBadRequest) {
		return Discussion{}, fmt.Errorf("comment on %s line %d/%d of %d!%d: %w (%v)", pos.NewPath, pos.OldLine, pos.NewLine, projectID, iid, ErrBadPosition, err)
	}
	if err != nil {
		return Discussion{}, fmt.Errorf("comment on %s of %d!%d: %w", pos.NewPath, projectID, iid, err)
	}
	return c.convergeDiscussion(ctx, projectID, iid, body, out, since), nil
}

// convergeDiscussion is convergeNote for a new discussion: a late copy is a discussion of its
// own, deleted with its only note; it returns the discussion kept.
func (c *Client) convergeDiscussion(ctx context.Context, projectID, iid int64, body string, d Discussion, since time.Time) Discussion {
	if since.IsZero() || len(d.Notes) == 0 {
		return d
	}
	t := ThreadRef{ProjectID: projectID, Type: TypeMergeRequest, IID: iid}
	kept := c.convergeNote(ctx, t, body, d.Notes[0], since)
	if kept.ID == d.Notes[0].ID {
		return d
	}
	ds, err := c.ListDiscussions(ctx, projectID, iid)
	if i := slices.IndexFunc(ds, func(x Discussion) bool { return x.ID == kept.DiscussionID }); err == nil && i >= 0 {
		return ds[i]
	}
	return Discussion{ID: kept.DiscussionID, Notes: []Note{kept}, Position: d.Position}
}

func positionOptions(p Position) *gl.PositionOptions {
	text := "text"
	o := &gl.PositionOptions{PositionType: &text, BaseSHA: &p.BaseSHA, StartSHA: &p.StartSHA, HeadSHA: &p.HeadSHA,
		OldPath: &p.OldPath, NewPath: &p.NewPath}
	if p.OldLine > 0 {
		o.OldLine = &p.OldLine
	}
	if p.NewLine > 0 {
		o.NewLine = &p.NewLine
	}
	return o
}

// FindDiscussion returns the merge request's discussion whose first note is the bot's and holds
// marker.
func (c *Client) FindDiscussion(ctx context.Context, projectID, iid int64, marker string) (Discussion, bool, error) {
	bot, err := c.selfID(ctx)
	if err != nil {
		return Discussion{}, false, err
	}
	ds, err := c.ListDiscussions(ctx, projectID, iid)
	if err != nil {
		return Discussion{}, false, err
	}
	for _, d := range ds {
		if len(d.Notes) > 0 && d.Notes[0].AuthorID == bot && strings.Contains(d.Notes[0].Body, marker) {
			return d, true, nil
		}
	}
	return Discussion{}, false, nil
}

// ResolveDiscussion resolves (or reopens) a merge request discussion. It sets a value, so the
// transport retries it.
func (c *Client) ResolveDiscussion(ctx context.Context, projectID, iid int64, discussionID string, resolved bool) error {
	err := c.call(ctx, func(o gl.RequestOptionFunc) error {
		_, _, err := c.gl.Discussions.ResolveMergeRequestDiscussion(projectID, iid, discussionID,
			&gl.ResolveMergeRequestDiscussionOptions{Resolved: &resolved}, o)
		return err
	})
	if err != nil {
		return fmt.Errorf("resolve discussion %s of %d!%d: %w", discussionID, projectID, iid, err)
	}
	return nil
}
