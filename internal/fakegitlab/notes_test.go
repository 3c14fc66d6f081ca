package fakegitlab

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

func TestNoteCreatedByClientIsVisible(t *testing.T) {
	w := newWorld(t, Options{})
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "it breaks", false)
	c := w.client(t, w.botToken)
	n, _, err := c.Notes.CreateIssueNote("group/proj", is.IID, &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr("working on it")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Notes.UpdateIssueNote(w.p.ID, is.IID, n.ID, &gitlab.UpdateIssueNoteOptions{Body: gitlab.Ptr("done")}); err != nil {
		t.Fatal(err)
	}
	notes := w.g.Notes(w.p.ID, ThreadIssue, iid(is.IID))
	if len(notes) != 1 || notes[0].Body != "done" || notes[0].Author != w.bot.Username || notes[0].Updates != 1 || notes[0].DiscussionID == "" {
		t.Fatalf("notes = %+v", notes)
	}
}

func TestReplyInDiscussionAndResolve(t *testing.T) {
	w := newWorld(t, Options{})
	mr := w.newMR(t)
	d, _, _ := w.g.NoteWithEvent(w.p.ID, ThreadMR, iid(mr.IID), w.alice.ID, "@claude review", NoteOptions{})
	c := w.client(t, w.botToken)
	reply, _, err := c.Discussions.AddMergeRequestDiscussionNote(w.p.ID, mr.IID, d.DiscussionID, &gitlab.AddMergeRequestDiscussionNoteOptions{Body: gitlab.Ptr("on it")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Discussions.ResolveMergeRequestDiscussion(w.p.ID, mr.IID, d.DiscussionID, &gitlab.ResolveMergeRequestDiscussionOptions{Resolved: gitlab.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	ds := w.g.Discussions(w.p.ID, ThreadMR, iid(mr.IID))
	if len(ds) != 1 || ds[0].IndividualNote || len(ds[0].Notes) != 2 || ds[0].Notes[1].ID != reply.ID || !ds[0].Notes[1].Resolved {
		t.Fatalf("discussions = %+v", ds)
	}
}

func TestInternalNoteHiddenFromGuests(t *testing.T) {
	w := newWorld(t, Options{})
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "", false)
	w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, "secret", NoteOptions{Internal: true})
	guest := w.g.AddUser("gus", "Gus", false)
	w.g.AddMember(w.p.ID, guest.ID, Guest)
	tok := w.g.AddToken(guest.ID, []string{"api"}, time.Time{}, "personal")
	notes, _, err := w.client(t, tok).Notes.ListIssueNotes(w.p.ID, is.IID, nil)
	if err != nil || len(notes) != 0 {
		t.Fatalf("guest sees %d notes, %v", len(notes), err)
	}
	notes, _, _ = w.client(t, w.botToken).Notes.ListIssueNotes(w.p.ID, is.IID, nil)
	if len(notes) != 1 || !notes[0].Internal {
		t.Fatalf("developer sees %+v", notes)
	}
}

func TestPaginationOver150Notes(t *testing.T) {
	w := newWorld(t, Options{})
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Long thread", "", false)
	for i := range 150 {
		w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, fmt.Sprintf("note %d", i))
	}
	c := w.client(t, w.botToken)
	opt := &gitlab.ListIssueNotesOptions{ListOptions: gitlab.ListOptions{PerPage: 100}, Sort: gitlab.Ptr("asc")}
	first, resp, err := c.Notes.ListIssueNotes(w.p.ID, is.IID, opt)
	if err != nil || len(first) != 100 || resp.TotalItems != 150 || resp.TotalPages != 2 || resp.NextPage != 2 || resp.CurrentPage != 1 {
		t.Fatalf("page 1: %d notes, resp %+v, %v", len(first), resp, err)
	}
	if !strings.Contains(resp.Header.Get("Link"), `rel="next"`) || first[0].Body != "note 0" {
		t.Fatalf("Link %q, first note %q", resp.Header.Get("Link"), first[0].Body)
	}
	opt.Page = 2
	second, resp, err := c.Notes.ListIssueNotes(w.p.ID, is.IID, opt)
	if err != nil || len(second) != 50 || resp.NextPage != 0 || resp.PreviousPage != 1 || second[49].Body != "note 149" {
		t.Fatalf("page 2: %d notes, resp %+v, %v", len(second), resp, err)
	}
}

func TestRevokedAndExpiredTokensGet401(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	w := newWorld(t, Options{Now: func() time.Time { return now }})
	w.g.RevokeToken(w.aliceToken)
	_, resp, err := w.client(t, w.aliceToken).Users.CurrentUser()
	wantStatus(t, resp, err, http.StatusUnauthorized)
	if !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Fatalf("err = %v", err)
	}
	expired := w.g.AddToken(w.alice.ID, []string{"api"}, now.AddDate(0, 0, -1), "personal")
	_, resp, err = w.client(t, expired).Users.CurrentUser()
	wantStatus(t, resp, err, http.StatusUnauthorized)
}

func TestTokenSelfAndRotate(t *testing.T) {
	w := newWorld(t, Options{})
	c := w.client(t, w.botToken)
	self, _, err := c.PersonalAccessTokens.GetSinglePersonalAccessToken()
	if err != nil || !self.Active || self.ExpiresAt == nil || len(self.Scopes) != 2 {
		t.Fatalf("self = %+v, %v", self, err)
	}
	rotated, _, err := c.PersonalAccessTokens.RotatePersonalAccessTokenSelf(nil)
	if err != nil || rotated.Token == "" || rotated.Token == w.botToken {
		t.Fatalf("rotate = %+v, %v", rotated, err)
	}
	if w.g.TokenActive(w.botToken) || !w.g.TokenActive(rotated.Token) {
		t.Fatal("old token must be revoked at once, new one active")
	}
}

func TestForbiddenAndNotFound(t *testing.T) {
	w := newWorld(t, Options{})
	stranger := w.g.AddUser("eve", "Eve", false)
	tok := w.g.AddToken(stranger.ID, []string{"api"}, time.Time{}, "personal")
	_, resp, err := w.client(t, tok).Projects.GetProject(w.p.ID, nil)
	wantStatus(t, resp, err, http.StatusNotFound)
	// A developer may not manage hooks.
	_, resp, err = w.client(t, w.aliceToken).Projects.ListProjectHooks(w.p.ID, nil)
	wantStatus(t, resp, err, http.StatusForbidden)
}

func TestRateLimit429WithRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 30, 0, time.UTC)
	w := newWorld(t, Options{RateLimitPerMinute: 3, Now: func() time.Time { return now }})
	var last *http.Response
	for range 4 {
		last = rawGet(t, w, "/api/v4/user", w.botToken)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") != "30" {
		t.Fatalf("4th request: %d Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
	h := last.Header
	if h.Get("RateLimit-Limit") != "3" || h.Get("RateLimit-Observed") != "4" || h.Get("RateLimit-Remaining") != "0" ||
		h.Get("RateLimit-Reset") != fmt.Sprint(now.Truncate(time.Minute).Add(time.Minute).Unix()) || h.Get("RateLimit-Name") == "" {
		t.Fatalf("headers = %v", h)
	}
	now = now.Add(31 * time.Second)
	if resp := rawGet(t, w, "/api/v4/user", w.botToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("next minute: %d", resp.StatusCode)
	}
}

func TestFaultInjection(t *testing.T) {
	w := newWorld(t, Options{})
	w.g.InjectFault(Fault{Method: "GET", PathPattern: `^/api/v4/user$`, Status: http.StatusBadGateway})
	resp := rawGet(t, w, "/api/v4/user", w.botToken)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "502 Bad Gateway") {
		t.Fatalf("faulted request: %d %s", resp.StatusCode, body)
	}
	if resp := rawGet(t, w, "/api/v4/user", w.botToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the fault: %d", resp.StatusCode)
	}
	if n := w.g.CountRequests("GET", `^/api/v4/user$`); n != 2 {
		t.Fatalf("recorded %d requests", n)
	}
	w.g.InjectFault(Fault{PathPattern: `/version`, Hang: 50 * time.Millisecond, Status: 503, RetryAfter: 7})
	start := time.Now()
	resp = rawGet(t, w, "/api/v4/version", w.botToken)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "7" || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("hang fault: %d after %v", resp.StatusCode, time.Since(start))
	}
}

func TestFaultAfterServeStillCreatesTheNote(t *testing.T) {
	w := newWorld(t, Options{})
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "", false)
	w.g.InjectFault(Fault{Method: "POST", PathPattern: `/notes$`, Status: http.StatusBadGateway, AfterServe: true})
	_, resp, err := w.client(t, w.botToken).Notes.CreateIssueNote(w.p.ID, is.IID, &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr("hi")})
	wantStatus(t, resp, err, http.StatusBadGateway)
	if n := len(w.g.Notes(w.p.ID, ThreadIssue, iid(is.IID))); n != 1 {
		t.Fatalf("%d notes, want the one GitLab created before the gateway failed", n)
	}
}

func rawGet(t *testing.T, w *world, path, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, w.g.URL()+path, nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestAwardEmojiDuplicateIs404(t *testing.T) {
	w := newWorld(t, Options{})
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "", false)
	n := w.g.AddNote(w.p.ID, ThreadIssue, iid(is.IID), w.alice.ID, "@claude help")
	c := w.client(t, w.botToken)
	opt := &gitlab.CreateAwardEmojiOptions{Name: "eyes"}
	if _, _, err := c.AwardEmoji.CreateIssuesAwardEmojiOnNote(w.p.ID, is.IID, n.ID, opt); err != nil {
		t.Fatal(err)
	}
	_, resp, err := c.AwardEmoji.CreateIssuesAwardEmojiOnNote(w.p.ID, is.IID, n.ID, opt)
	wantStatus(t, resp, err, http.StatusNotFound)
	if _, _, err := c.AwardEmoji.CreateIssueAwardEmoji(w.p.ID, is.IID, opt); err != nil {
		t.Fatal(err)
	}
	awards := w.g.Awards(w.p.ID, ThreadIssue, iid(is.IID))
	if len(awards) != 2 || awards[0].NoteID != n.ID || awards[0].User != w.bot.Username || awards[1].NoteID != 0 {
		t.Fatalf("awards = %+v", awards)
	}
}

// A Detached stall outlives the client: the note is stored at Hang, after the client gave up.
func TestFaultDetachedStoresAfterTheClientGaveUp(t *testing.T) {
	w := newWorld(t, Options{})
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "", false)
	w.g.InjectFault(Fault{Method: "POST", PathPattern: `/notes$`, Hang: 300 * time.Millisecond, Detached: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := w.client(t, w.botToken).Notes.CreateIssueNote(w.p.ID, is.IID, &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr("hi")}, gitlab.WithContext(ctx)); err == nil {
		t.Fatal("the client did not give up")
	}
	if n := len(w.g.Notes(w.p.ID, ThreadIssue, iid(is.IID))); n != 0 {
		t.Fatalf("%d notes while the request still stalls", n)
	}
	waitfor.Cond(t, "the stalled request to end", 5*time.Second, func() bool { return w.g.InFlight() == 0 })
	if n := len(w.g.Notes(w.p.ID, ThreadIssue, iid(is.IID))); n != 1 {
		t.Fatalf("%d notes once the stalled request ended, want 1; %+v", n, w.g.Requests())
	}
}

// Commit notes are deleted through their discussion, like GitLab: 204 for the author, 403 for
// a Developer deleting another's note, 404 once gone.
func TestDeleteCommitDiscussionNote(t *testing.T) {
	w := newWorld(t, Options{})
	sha := w.g.BranchSHA(w.p.ID, "main")
	c := w.client(t, w.botToken)
	d, _, err := c.Discussions.CreateCommitDiscussion(w.p.ID, sha, &gitlab.CreateCommitDiscussionOptions{Body: gitlab.Ptr("mine")})
	if err != nil {
		t.Fatal(err)
	}
	dev := w.g.AddUser("dave", "Dave", false)
	w.g.AddMember(w.p.ID, dev.ID, Developer)
	resp, err := w.client(t, w.g.AddToken(dev.ID, []string{"api"}, time.Time{}, "personal")).Discussions.DeleteCommitDiscussionNote(w.p.ID, sha, d.ID, d.Notes[0].ID)
	wantStatus(t, resp, err, http.StatusForbidden)
	resp, err = c.Discussions.DeleteCommitDiscussionNote(w.p.ID, sha, d.ID, d.Notes[0].ID)
	wantStatus(t, resp, err, http.StatusNoContent)
	if ds := w.g.Discussions(w.p.ID, ThreadCommit, sha); len(ds) != 0 {
		t.Fatalf("discussions after deleting their only note: %+v", ds)
	}
	resp, err = c.Discussions.DeleteCommitDiscussionNote(w.p.ID, sha, d.ID, d.Notes[0].ID)
	wantStatus(t, resp, err, http.StatusNotFound)
}
