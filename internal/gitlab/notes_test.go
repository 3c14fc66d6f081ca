package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

const botID = 7

// thread is a tiny stateful issue thread: POST stores a note, discussions lists them.
type thread struct {
	mu    sync.Mutex
	notes []jnote
	// failPost decides the answer status of the n-th POST (0-based) and whether it was stored.
	failPost func(n int) (status int, store bool)
	posts    int
}

func newThread(s *server) *thread {
	th := &thread{failPost: func(int) (int, bool) { return 0, true }}
	s.handle("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": botID, "username": "claude", "bot": true})
	})
	s.handle("POST /api/v4/projects/1/issues/2/notes", th.post)
	s.handle("GET /api/v4/projects/1/issues/2/discussions", th.list)
	return th
}

func (th *thread) post(w http.ResponseWriter, r *http.Request) {
	var in struct{ Body string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	th.mu.Lock()
	code, store := th.failPost(th.posts)
	th.posts++
	n := jnote{ID: int64(100 + len(th.notes)), Body: in.Body, Author: jauthor{botID, "claude"},
		CreatedAt: time.Now().UTC()}
	if store {
		th.notes = append(th.notes, n)
	}
	th.mu.Unlock()
	if code != 0 {
		writeJSON(w, code, map[string]string{"message": "bad gateway"})
		return
	}
	writeJSON(w, 201, n)
}

func (th *thread) list(w http.ResponseWriter, r *http.Request) {
	th.mu.Lock()
	defer th.mu.Unlock()
	var ds []jdiscussion
	for _, n := range th.notes {
		ds = append(ds, jdiscussion{ID: fmt.Sprintf("d%d", n.ID), Notes: []jnote{n}})
	}
	writeJSON(w, 200, ds)
}

var issue = ThreadRef{ProjectID: 1, Type: TypeIssue, IID: 2}

func TestPostNoteNotRepostedAfter502(t *testing.T) {
	s := newServer(t)
	th := newThread(s)
	// GitLab stores the note, then the proxy in front of it answers 502.
	th.failPost = func(n int) (int, bool) {
		if n == 0 {
			return 502, true
		}
		return 0, true
	}
	n, err := s.client(t).PostNote(context.Background(), issue, "", "Working on it…", false, marker.Job(42))
	if err != nil {
		t.Fatal(err)
	}
	if len(th.notes) != 1 {
		t.Fatalf("notes stored = %d, want exactly 1", len(th.notes))
	}
	if th.posts != 1 {
		t.Errorf("POSTs = %d: the transport or PostNote posted again", th.posts)
	}
	if n.ID != th.notes[0].ID || !strings.Contains(n.Body, marker.Job(42)) {
		t.Errorf("returned note %+v, stored %+v", n, th.notes[0])
	}
}

func TestPostNotePostsAgainWhenFirstDidNotLand(t *testing.T) {
	s := newServer(t)
	th := newThread(s)
	th.failPost = func(n int) (int, bool) {
		if n == 0 {
			return 502, false
		}
		return 0, true
	}
	if _, err := s.client(t).PostNote(context.Background(), issue, "", "hello", false, marker.Job(43)); err != nil {
		t.Fatal(err)
	}
	if len(th.notes) != 1 || th.posts != 2 {
		t.Errorf("notes = %d, posts = %d; want 1 note after 2 posts", len(th.notes), th.posts)
	}
}

func TestPostNoteWithoutMarkerNotRetried(t *testing.T) {
	s := newServer(t)
	th := newThread(s)
	th.failPost = func(int) (int, bool) { return 502, true }
	_, err := s.client(t).PostNote(context.Background(), issue, "", "hello", false, "")
	if !IsTransient(err) {
		t.Fatalf("err = %v, want the transient 502", err)
	}
	if th.posts != 1 {
		t.Errorf("POSTs = %d, want 1: without a marker we cannot know whether it landed", th.posts)
	}
}

func TestPostNoteRetries429(t *testing.T) {
	s := newServer(t)
	th := newThread(s)
	th.failPost = func(n int) (int, bool) {
		if n == 0 {
			return 429, false // refused before GitLab acted: safe to send again
		}
		return 0, true
	}
	if _, err := s.client(t).PostNote(context.Background(), issue, "", "hello", false, ""); err != nil {
		t.Fatal(err)
	}
	if th.posts != 2 || len(th.notes) != 1 {
		t.Errorf("posts = %d, notes = %d", th.posts, len(th.notes))
	}
}

func TestFindNoteIgnoresOthersQuotingTheMarker(t *testing.T) {
	s := newServer(t)
	th := newThread(s)
	th.notes = []jnote{
		{ID: 1, Body: "> quoted\n" + marker.Job(9), Author: jauthor{99, "alice"}, CreatedAt: time.Now()},
	}
	c := s.client(t)
	if _, ok, err := c.FindNote(context.Background(), issue, marker.Job(9)); ok || err != nil {
		t.Fatalf("found a user's note: %v %v", ok, err)
	}
	th.notes = append(th.notes, jnote{ID: 2, Body: "answer " + marker.Job(9), Author: jauthor{botID, "claude"}, CreatedAt: time.Now()})
	n, ok, err := c.FindNote(context.Background(), issue, marker.Job(9))
	if !ok || err != nil || n.ID != 2 || n.DiscussionID != "d2" {
		t.Fatalf("FindNote = %+v %v %v", n, ok, err)
	}
}

func TestListNotesPaginates(t *testing.T) {
	s := newServer(t)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s.handle("GET /api/v4/projects/1/merge_requests/3/discussions", func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		id := map[string]int64{"1": 1, "2": 2, "3": 3}[page]
		if id == 0 {
			t.Errorf("unexpected page %q", page)
		}
		if page != "3" {
			w.Header().Set("X-Next-Page", itoa(id+1))
		}
		writeJSON(w, 200, []jdiscussion{{ID: "d" + page, Notes: []jnote{
			{ID: id * 10, Body: "note " + page, Author: jauthor{5, "bob"}, CreatedAt: base.Add(time.Duration(id) * time.Minute)},
			{ID: id*10 + 1, Body: "changed", System: true, CreatedAt: base.Add(time.Duration(id)*time.Minute + time.Second)},
		}}})
	})
	mr := ThreadRef{ProjectID: 1, Type: TypeMergeRequest, IID: 3}
	notes, err := s.client(t).ListNotes(context.Background(), mr, ListNotesOptions{ExcludeSystem: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 3 || notes[0].ID != 10 || notes[2].ID != 30 || notes[1].DiscussionID != "d2" {
		t.Fatalf("notes = %+v", notes)
	}
	if n := len(s.requests("GET", "/api/v4/projects/1/merge_requests/3/discussions")); n != 3 {
		t.Errorf("pages fetched = %d", n)
	}
}

func TestUpdateNoteRetriedWithBody(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	var bodies []string
	s.handle("PUT /api/v4/projects/1/issues/2/notes/100", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Body string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		mu.Lock()
		bodies = append(bodies, in.Body)
		first := len(bodies) == 1
		mu.Unlock()
		if first {
			status(502)(w, r)
			return
		}
		writeJSON(w, 200, jnote{ID: 100, Body: in.Body})
	})
	if err := s.client(t).UpdateNote(context.Background(), issue, 100, "done"); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || bodies[1] != "done" {
		t.Errorf("bodies = %q, want the body sent again", bodies)
	}
}

func TestUpdateCommitNoteFindsDiscussion(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/projects/1/repository/commits/abc/discussions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []jdiscussion{{ID: "dz", Notes: []jnote{{ID: 5, Body: "x"}}}})
	})
	s.handle("PUT /api/v4/projects/1/repository/commits/abc/discussions/dz/notes/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, jnote{ID: 5, Body: "y"})
	})
	commit := ThreadRef{ProjectID: 1, Type: TypeCommit, CommitSHA: "abc"}
	if err := s.client(t).UpdateNote(context.Background(), commit, 5, "y"); err != nil {
		t.Fatal(err)
	}
	err := s.client(t).UpdateNote(context.Background(), commit, 6, "y")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing commit note: %v", err)
	}
}

func TestReplyGoesToDiscussion(t *testing.T) {
	s := newServer(t)
	s.handle("POST /api/v4/projects/1/issues/2/discussions/dd/notes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, jnote{ID: 77, Body: "reply"})
	})
	n, err := s.client(t).PostNote(context.Background(), issue, "dd", "reply", false, "")
	if err != nil || n.ID != 77 || n.DiscussionID != "dd" {
		t.Fatalf("reply = %+v, %v", n, err)
	}
}

func TestUnknownThreadType(t *testing.T) {
	s := newServer(t)
	_, err := s.client(t).ListNotes(context.Background(), ThreadRef{Type: "epic"}, ListNotesOptions{})
	if err == nil || !strings.Contains(err.Error(), "epic") {
		t.Errorf("err = %v", err)
	}
}

func TestThreadOf(t *testing.T) {
	for _, c := range []struct {
		in   event.Thread
		want ThreadRef
	}{
		{event.Thread{Type: event.ThreadIssue, IID: 3}, ThreadRef{ProjectID: 9, Type: TypeIssue, IID: 3}},
		{event.Thread{Type: event.ThreadMergeRequest, IID: 4}, ThreadRef{ProjectID: 9, Type: TypeMergeRequest, IID: 4}},
		{event.Thread{Type: event.ThreadCommit, CommitSHA: "abc"}, ThreadRef{ProjectID: 9, Type: TypeCommit, CommitSHA: "abc"}},
		{event.Thread{Type: event.ThreadSnippet, ID: 12}, ThreadRef{ProjectID: 9, Type: TypeSnippet, SnippetID: 12}},
		{event.Thread{IID: 5}, ThreadRef{ProjectID: 9, Type: TypeIssue, IID: 5}},
		{event.Thread{Type: "epic", IID: 6}, ThreadRef{ProjectID: 9, Type: TypeIssue, IID: 6}},
	} {
		if got := ThreadOf(9, c.in); got != c.want {
			t.Errorf("ThreadOf(%+v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}
