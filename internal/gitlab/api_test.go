package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

var ctx = context.Background()

func TestCurrentUserCommitEmail(t *testing.T) {
	cases := []struct {
		user map[string]any
		want string
	}{
		{map[string]any{"commit_email": "c@x", "public_email": "p@x", "email": "e@x"}, "c@x"},
		{map[string]any{"public_email": "p@x", "email": "e@x"}, "p@x"},
		{map[string]any{"email": "e@x"}, "e@x"},
		{map[string]any{}, "claude@users.noreply.127.0.0.1"},
	}
	for _, c := range cases {
		s := newServer(t)
		c.user["id"], c.user["username"], c.user["bot"] = 7, "claude", true
		s.handle("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, c.user) })
		u, err := s.client(t).CurrentUser(ctx)
		if err != nil || u.Email != c.want || u.ID != 7 || !u.Bot {
			t.Errorf("CurrentUser = %+v, %v; want email %s", u, err, c.want)
		}
	}
}

func TestTokenInfoAndRotate(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/personal_access_tokens/self", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"name": "bot", "scopes": []string{"api"}, "active": true, "expires_at": "2030-01-02"})
	})
	s.handle("POST /api/v4/personal_access_tokens/self/rotate", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"token": "fakepat-NEW-0123456789", "expires_at": "2030-02-03"})
	})
	c := s.client(t)
	info, err := c.TokenInfo(ctx)
	if err != nil || info.Name != "bot" || info.ExpiresAt == nil || info.ExpiresAt.Day() != 2 || !info.Active {
		t.Fatalf("TokenInfo = %+v, %v", info, err)
	}
	tok, exp, err := c.RotateToken(ctx, nil)
	if err != nil || tok != "fakepat-NEW-0123456789" || exp.Month() != 2 {
		t.Fatalf("RotateToken = %q %v %v", tok, exp, err)
	}
}

func TestRotateNotRetried(t *testing.T) {
	s := newServer(t)
	s.handle("POST /api/v4/personal_access_tokens/self/rotate", status(502))
	if _, _, err := s.client(t).RotateToken(ctx, nil); err == nil {
		t.Fatal("want an error")
	}
	if n := len(s.requests("POST", "/api/v4/personal_access_tokens/self/rotate")); n != 1 {
		t.Errorf("rotate sent %d times", n)
	}
}

func TestMemberAccessLevel(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/projects/1/members/all/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": 5, "access_level": 30, "state": "active"})
	})
	s.handle("GET /api/v4/projects/1/members/all/6", status(404))
	s.handle("GET /api/v4/projects/1/members/all/8", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": 8, "access_level": 40, "state": "awaiting"})
	})
	c := s.client(t)
	for user, want := range map[int64]int{5: 30, 6: 0, 8: 0} {
		if got, err := c.MemberAccessLevel(ctx, 1, user); err != nil || got != want {
			t.Errorf("user %d: %d, %v; want %d", user, got, err, want)
		}
	}
}

func TestProjectByPath(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "group/app" {
			status(404)(w, r)
			return
		}
		writeJSON(w, 200, map[string]any{"id": 1, "path_with_namespace": "group/app", "default_branch": "main",
			"visibility": "private", "http_url_to_repo": "https://h/group/app.git"})
	})
	p, err := s.client(t).Project(ctx, "group/app")
	if err != nil || p.ID != 1 || p.DefaultBranch != "main" || p.Visibility != "private" {
		t.Fatalf("Project = %+v, %v", p, err)
	}
	if _, err := s.client(t).Project(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing project: %v", err)
	}
}

func TestAwardAlreadyTakenIsSuccess(t *testing.T) {
	s := newServer(t)
	s.handle("POST /api/v4/projects/1/issues/2/notes/100/award_emoji", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]string{"message": "404 Award Emoji Name has already been taken Not Found"})
	})
	s.handle("POST /api/v4/projects/1/merge_requests/3/award_emoji", status(409))
	s.handle("POST /api/v4/projects/1/issues/9/award_emoji", status(404))
	c := s.client(t)
	if err := c.Award(ctx, issue, 100, "eyes"); err != nil {
		t.Errorf("already awarded note: %v", err)
	}
	if err := c.Award(ctx, ThreadRef{ProjectID: 1, Type: TypeMergeRequest, IID: 3}, 0, "eyes"); err != nil {
		t.Errorf("already awarded MR: %v", err)
	}
	if err := c.Award(ctx, ThreadRef{ProjectID: 1, Type: TypeIssue, IID: 9}, 0, "eyes"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing issue: %v", err)
	}
	if err := c.Award(ctx, ThreadRef{ProjectID: 1, Type: TypeCommit, CommitSHA: "abc"}, 0, "eyes"); err != nil {
		t.Errorf("commit award: %v", err)
	}
}

func TestAwardRetriedAfter502(t *testing.T) {
	s := newServer(t)
	s.handle("POST /api/v4/projects/1/issues/2/award_emoji", sequence(status(502), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]string{"message": "404 Award Emoji Name has already been taken Not Found"})
	}))
	if err := s.client(t).Award(ctx, issue, 0, "eyes"); err != nil {
		t.Fatal(err)
	}
}

func TestSetAutoMergeRefusals(t *testing.T) {
	s := newServer(t)
	s.handle("PUT /api/v4/projects/1/merge_requests/4/merge", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in["auto_merge"] != true || in["merge_when_pipeline_succeeds"] != true || in["sha"] != "abc" {
			t.Errorf("merge body = %v", in)
		}
		writeJSON(w, 405, map[string]string{"message": "Method Not Allowed"})
	})
	s.handle("GET /api/v4/projects/1/merge_requests/4", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"iid": 4, "state": "opened"})
	})
	s.handle("PUT /api/v4/projects/1/merge_requests/5/merge", status(409))
	s.handle("PUT /api/v4/projects/1/merge_requests/6/merge", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"iid": 6, "state": "opened"})
	})
	c := s.client(t)
	err := c.SetAutoMerge(ctx, 1, 4, "abc")
	if err == nil || !strings.HasPrefix(err.Error(), "GitLab refused auto-merge: the merge request is not mergeable (405): Method Not Allowed") {
		t.Errorf("405: %v", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 405 {
		t.Errorf("405 lost its APIError: %v", err)
	}
	if err := c.SetAutoMerge(ctx, 1, 5, "abc"); err == nil || !strings.Contains(err.Error(), "SHA mismatch") {
		t.Errorf("409: %v", err)
	}
	if err := c.SetAutoMerge(ctx, 1, 6, "abc"); err != nil {
		t.Errorf("ok: %v", err)
	}
}

func TestCreateMRConflictReturnsExisting(t *testing.T) {
	s := newServer(t)
	s.handle("POST /api/v4/projects/1/merge_requests", status(409))
	s.handle("GET /api/v4/projects/1/merge_requests", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("state") != "opened" || q.Get("source_branch") != "claude/x" {
			t.Errorf("query = %v", q)
		}
		writeJSON(w, 200, []map[string]any{{"iid": 12, "project_id": 1, "source_project_id": 1,
			"source_branch": "claude/x", "target_branch": "main", "state": "opened"}})
	})
	mr, err := s.client(t).CreateMR(ctx, 1, MRCreate{Source: "claude/x", Target: "main", Title: "t"})
	if err != nil || mr.IID != 12 {
		t.Fatalf("CreateMR = %+v, %v", mr, err)
	}
}

func TestCreateMRAfter502FindsIt(t *testing.T) {
	s := newServer(t)
	created := false
	s.handle("POST /api/v4/projects/1/merge_requests", func(w http.ResponseWriter, r *http.Request) {
		created = true
		status(502)(w, r)
	})
	s.handle("GET /api/v4/projects/1/merge_requests", func(w http.ResponseWriter, r *http.Request) {
		if !created {
			writeJSON(w, 200, []any{})
			return
		}
		writeJSON(w, 200, []map[string]any{{"iid": 13, "project_id": 1, "source_project_id": 1, "source_branch": "claude/y"}})
	})
	mr, err := s.client(t).CreateMR(ctx, 1, MRCreate{Source: "claude/y", Target: "main", Title: "t"})
	if err != nil || mr.IID != 13 {
		t.Fatalf("CreateMR = %+v, %v", mr, err)
	}
	if n := len(s.requests("POST", "/api/v4/projects/1/merge_requests")); n != 1 {
		t.Errorf("POSTs = %d", n)
	}
}

func TestMergeRequestAndDiff(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/projects/1/merge_requests/4", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"iid": 4, "project_id": 1, "source_branch": "f", "target_branch": "main",
			"sha": "h", "draft": true, "author": map[string]any{"id": 3, "username": "ann"},
			"diff_refs": map[string]string{"base_sha": "b", "start_sha": "s", "head_sha": "h"}})
	})
	s.handle("GET /api/v4/projects/1/merge_requests/4/diffs", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "1" {
			w.Header().Set("X-Next-Page", "2")
			writeJSON(w, 200, []map[string]any{{"old_path": "a", "new_path": "a", "diff": "12345"}})
			return
		}
		writeJSON(w, 200, []map[string]any{{"old_path": "b", "new_path": "c", "diff": "6789", "renamed_file": true}})
	})
	c := s.client(t)
	mr, err := c.MergeRequest(ctx, 1, 4)
	if err != nil || mr.DiffRefs != (DiffRefs{"b", "s", "h"}) || !mr.Draft || mr.AuthorUsername != "ann" {
		t.Fatalf("MergeRequest = %+v, %v", mr, err)
	}
	files, err := c.MergeRequestDiff(ctx, 1, 4, 6)
	if err != nil || len(files) != 2 {
		t.Fatalf("diff = %+v, %v", files, err)
	}
	if files[0].Diff != "12345" || files[1].Diff != "" || !files[1].Truncated || !files[1].Renamed {
		t.Errorf("budget not applied: %+v", files)
	}
}

func TestBranches(t *testing.T) {
	s := newServer(t)
	s.handle("GET /api/v4/projects/1/repository/branches/main", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"name": "main", "protected": true, "can_push": false, "commit": map[string]string{"id": "abc"}})
	})
	s.handle("GET /api/v4/projects/1/repository/branches/gone", status(404))
	s.handle("GET /api/v4/projects/1/protected_branches", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []map[string]any{{"name": "main"}, {"name": "release/*"}})
	})
	c := s.client(t)
	b, err := c.Branch(ctx, 1, "main")
	if err != nil || b != (Branch{Name: "main", CommitSHA: "abc", Protected: true}) {
		t.Errorf("Branch = %+v, %v", b, err)
	}
	if _, err := c.Branch(ctx, 1, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing branch: %v", err)
	}
	for name, want := range map[string]bool{"main": true, "release/1.2/x": true, "claude/fix": false, "mainline": false} {
		if got, err := c.ProtectedBranch(ctx, 1, name); err != nil || got != want {
			t.Errorf("ProtectedBranch(%s) = %v, %v", name, got, err)
		}
	}
}

func TestCreateBranchAfter502FindsIt(t *testing.T) {
	s := newServer(t)
	exists := false
	s.handle("POST /api/v4/projects/1/repository/branches", func(w http.ResponseWriter, r *http.Request) {
		exists = true
		status(502)(w, r)
	})
	s.handle("GET /api/v4/projects/1/repository/branches/{name}", func(w http.ResponseWriter, r *http.Request) {
		if !exists || r.PathValue("name") != "claude/z" {
			status(404)(w, r)
			return
		}
		writeJSON(w, 200, map[string]any{"name": "claude/z", "can_push": true, "commit": map[string]string{"id": "d"}})
	})
	b, err := s.client(t).CreateBranch(ctx, 1, "claude/z", "main")
	if err != nil || b.CommitSHA != "d" {
		t.Fatalf("CreateBranch = %+v, %v", b, err)
	}
	if n := len(s.requests("POST", "/api/v4/projects/1/repository/branches")); n != 1 {
		t.Errorf("POSTs = %d", n)
	}
}
