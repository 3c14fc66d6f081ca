package fakegitlab

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

func TestHookCRUDAndDelivery(t *testing.T) {
	w := newWorld(t, Options{Version: "19.0.0-ee"}) // token_present is in hooks from 19.0
	maintainer := w.g.AddUser("mia", "Mia", false)
	w.g.AddMember(w.p.ID, maintainer.ID, Maintainer)
	c := w.client(t, w.g.AddToken(maintainer.ID, []string{"api"}, time.Time{}, "personal"))

	got := make(chan *http.Request, 2)
	receiver := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- r
		rw.WriteHeader(http.StatusAccepted)
	}))
	defer receiver.Close()

	h, _, err := c.Projects.AddProjectHook(w.p.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(receiver.URL + "/webhook"), Token: gitlab.Ptr("s3cret"), NoteEvents: gitlab.Ptr(true),
		PushEvents: gitlab.Ptr(false),
	})
	if err != nil || !h.NoteEvents || h.PushEvents || !h.TokenPresent {
		t.Fatalf("AddProjectHook = %+v, %v", h, err)
	}
	if _, _, err := c.Projects.EditProjectHook(w.p.ID, h.ID, &gitlab.EditProjectHookOptions{IssuesEvents: gitlab.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "", false)
	event, payload := w.g.IssueNoteEvent(w.p.ID, is.IID, w.alice.ID, "@claude hi")
	deliveries := w.g.Deliver(context.Background(), w.p.ID, event, payload)
	if len(deliveries) != 1 || deliveries[0].ResponseStatus != "202" {
		t.Fatalf("deliveries = %+v", deliveries)
	}
	r := <-got
	if r.Header.Get("X-Gitlab-Token") != "s3cret" || r.Header.Get("X-Gitlab-Event") != EventNote || r.Header.Get("Idempotency-Key") == "" {
		t.Fatalf("headers = %v", r.Header)
	}
	again, err := w.g.Redeliver(context.Background(), w.p.ID, h.ID, deliveries[0].ID)
	if err != nil || (<-got).Header.Get("Idempotency-Key") != r.Header.Get("Idempotency-Key") {
		t.Fatalf("redeliver = %+v, %v", again, err)
	}
	hooks := w.g.Hooks(w.p.ID)
	if len(hooks) != 1 || !hooks[0].IssuesEvents || hooks[0].Token != "s3cret" || len(hooks[0].Events) != 2 {
		t.Fatalf("hooks = %+v", hooks)
	}
	req, _ := c.NewRequest(http.MethodGet, "projects/1/hooks/1/events", nil, nil)
	var events []HookEvent
	if _, err := c.Do(req, &events); err != nil || len(events) != 2 || events[0].Trigger != "note_hooks" {
		t.Fatalf("events = %+v, %v", events, err)
	}
	if _, err := c.Projects.DeleteProjectHook(w.p.ID, h.ID); err != nil || len(w.g.Hooks(w.p.ID)) != 0 {
		t.Fatalf("delete: %v", err)
	}
}

// Before 19.0 GitLab's hook API says nothing about the secret: no token_present at all.
func TestHooksSayTokenPresentFrom19(t *testing.T) {
	for version, want := range map[string]bool{"17.8.0-ee": false, "18.11.2-ee": false, "19.0.0-ee": true} {
		w := newWorld(t, Options{Version: version})
		maintainer := w.g.AddUser("mia", "Mia", false)
		w.g.AddMember(w.p.ID, maintainer.ID, Maintainer)
		c := w.client(t, w.g.AddToken(maintainer.ID, []string{"api"}, time.Time{}, "personal"))
		if _, _, err := c.Projects.AddProjectHook(w.p.ID, &gitlab.AddProjectHookOptions{URL: gitlab.Ptr("https://x.example/webhook"), Token: gitlab.Ptr("s")}); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, w.g.APIURL()+"/projects/1/hooks", nil)
		req.Header.Set("PRIVATE-TOKEN", w.g.AddToken(maintainer.ID, []string{"api"}, time.Time{}, "personal"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := strings.Contains(string(body), `"token_present"`); got != want {
			t.Errorf("GitLab %s lists token_present: %v, want %v\n%s", version, got, want, body)
		}
	}
}

// The hazard rotate-token's lock prevents: rotating with the already-rotated token makes GitLab
// revoke the new one (gitlab#524639), leaving no valid token.
func TestRotatedTokenReuseRevokesTheNewOne(t *testing.T) {
	w := newWorld(t, Options{})
	old := w.g.AddToken(w.alice.ID, []string{"api"}, time.Time{}, "personal")
	c := w.client(t, old)
	next, _, err := c.PersonalAccessTokens.RotatePersonalAccessTokenSelf(nil)
	if err != nil || !w.g.TokenActive(next.Token) {
		t.Fatalf("first rotation: %v", err)
	}
	if _, _, err := c.PersonalAccessTokens.RotatePersonalAccessTokenSelf(nil); err == nil {
		t.Fatal("second rotation with the old token succeeded")
	}
	if w.g.TokenActive(next.Token) || w.g.TokenActive(old) {
		t.Fatal("the token rotated from the reused one is still active")
	}
	lts := newWorld(t, Options{Version: "16.9.0-ee"})
	tok := lts.g.AddToken(lts.alice.ID, []string{"api"}, time.Time{}, "personal")
	if _, resp, err := lts.client(t, tok).PersonalAccessTokens.RotatePersonalAccessTokenSelf(nil); err == nil || resp.StatusCode != 404 {
		t.Fatalf("self-rotation before 16.10: %v", err)
	}
}
