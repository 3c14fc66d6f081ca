package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// Award puts the emoji name (e.g. "eyes") on a note, or on the issue, merge request or snippet
// itself when noteID is 0. It is idempotent: an award that is already there counts as done, so
// a retry after a lost answer is harmless. Commits have no awards in GitLab: a no-op.
func (c *Client) Award(ctx context.Context, t ThreadRef, noteID int64, name string) error {
	if t.Type == TypeCommit {
		return nil
	}
	post := func(ctx context.Context) error {
		err := c.call(ctx, func(o gl.RequestOptionFunc) error { return c.postAward(t, noteID, name, o) })
		if alreadyAwarded(err) {
			return nil
		}
		return err
	}
	// A late copy of a timed-out attempt is refused like any duplicate award: nothing to converge.
	if _, err := c.createOnce(ctx, post, postAgain); err != nil {
		return fmt.Errorf("award :%s: on %s note %d: %w", name, t, noteID, err)
	}
	return nil
}

func (c *Client) postAward(t ThreadRef, noteID int64, name string, o gl.RequestOptionFunc) error {
	a, opt := c.gl.AwardEmoji, &gl.CreateAwardEmojiOptions{Name: name}
	var err error
	switch {
	case t.Type == TypeIssue && noteID == 0:
		_, _, err = a.CreateIssueAwardEmoji(t.ProjectID, t.IID, opt, o)
	case t.Type == TypeIssue:
		_, _, err = a.CreateIssuesAwardEmojiOnNote(t.ProjectID, t.IID, noteID, opt, o)
	case t.Type == TypeMergeRequest && noteID == 0:
		_, _, err = a.CreateMergeRequestAwardEmoji(t.ProjectID, t.IID, opt, o)
	case t.Type == TypeMergeRequest:
		_, _, err = a.CreateMergeRequestAwardEmojiOnNote(t.ProjectID, t.IID, noteID, opt, o)
	case t.Type == TypeSnippet && noteID == 0:
		_, _, err = a.CreateSnippetAwardEmoji(t.ProjectID, t.SnippetID, opt, o)
	case t.Type == TypeSnippet:
		_, _, err = a.CreateSnippetAwardEmojiOnNote(t.ProjectID, t.SnippetID, noteID, opt, o)
	default:
		return t.unsupported()
	}
	return err
}

// alreadyAwarded: GitLab refuses a duplicate award with 404 "… has already been taken"
// (some versions 400/422), or 409.
func alreadyAwarded(err error) bool {
	if hasStatus(err, http.StatusConflict) {
		return true
	}
	ae, ok := asAPIError(err)
	return ok && (ae.Status == 404 || ae.Status == 400 || ae.Status == 422) &&
		strings.Contains(strings.ToLower(ae.Message), "already been taken")
}
