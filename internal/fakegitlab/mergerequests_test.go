package fakegitlab

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitserver"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// newMR pushes a "feature" branch that edits main.go and adds new.txt, and opens an MR.
func (w *world) newMR(t *testing.T) MergeRequest {
	t.Helper()
	dir := w.clone(t, w.botToken)
	write(t, dir, "main.go", "package main\n\nfunc main() {\n\tprintln(\"hello\")\n}\n")
	write(t, dir, "new.txt", "one\ntwo\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "-c", "user.name=Bot", "-c", "user.email=bot@example.com", "commit", "-qm", "change greeting")
	gitRun(t, dir, "push", "-q", "origin", "HEAD:refs/heads/feature")
	return w.g.CreateMR(w.p.ID, w.alice.ID, "feature", "main", "Change greeting", "please")
}

func (w *world) clone(t *testing.T, token string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	url := strings.Replace(w.p.HTTPURL, "http://", "http://oauth2:"+token+"@", 1)
	gitRun(t, "", "clone", "-q", url, dir)
	return dir
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	if out, err := gitOut(dir, args...); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func gitOut(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestGitCloneAndProtectedPush(t *testing.T) {
	w := newWorld(t, Options{})
	w.g.Protect(w.p.ID, "main")
	dir := w.clone(t, w.botToken)
	write(t, dir, "a.txt", "a")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "-c", "user.name=Bot", "-c", "user.email=bot@example.com", "commit", "-qm", "a")
	out, err := gitOut(dir, "push", "origin", "HEAD:main")
	if err == nil || !strings.Contains(out, gitserver.ProtectedMessage) {
		t.Fatalf("push to protected main: %v\n%s", err, out)
	}
	gitRun(t, dir, "push", "-q", "origin", "HEAD:refs/heads/claude/fix")
	branches := w.g.Branches(w.p.ID)
	if len(branches) != 2 || branches[0].Name != "claude/fix" || !branches[1].Protected {
		t.Fatalf("branches = %+v", branches)
	}
	c := w.client(t, w.botToken)
	b, _, err := c.Branches.GetBranch(w.p.ID, "claude/fix")
	if err != nil || b.Protected || !b.CanPush || b.Commit.ID != branches[0].SHA {
		t.Fatalf("GetBranch = %+v, %v", b, err)
	}
	if _, resp, err := c.ProtectedBranches.GetProtectedBranch(w.p.ID, "claude/fix"); resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unprotected branch: %v", err)
	}
	if _, err := gitOut("", "ls-remote", strings.Replace(w.p.HTTPURL, "http://", "http://oauth2:wrong@", 1)); err == nil {
		t.Fatal("ls-remote with a wrong token succeeded")
	}
}

func TestMRConflict409AndDiffs(t *testing.T) {
	w := newWorld(t, Options{})
	mr := w.newMR(t)
	c := w.client(t, w.botToken)
	_, resp, err := c.MergeRequests.CreateMergeRequest(w.p.ID, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("again"),
	})
	wantStatus(t, resp, err, http.StatusConflict)
	if !strings.Contains(err.Error(), "Another open merge request already exists for this source branch: !1") {
		t.Fatalf("err = %v", err)
	}
	got, _, err := c.MergeRequests.GetMergeRequest(w.p.ID, mr.IID, nil)
	if err != nil || got.SHA != mr.SHA || got.DiffRefs.HeadSha != mr.SHA || got.DiffRefs.BaseSha == "" || got.DetailedMergeStatus != "mergeable" {
		t.Fatalf("GetMergeRequest = %+v, %v", got, err)
	}
	diffs, _, err := c.MergeRequests.ListMergeRequestDiffs(w.p.ID, mr.IID, nil)
	if err != nil || len(diffs) != 2 || diffs[0].NewPath != "main.go" || !diffs[1].NewFile || !strings.HasPrefix(diffs[0].Diff, "@@ ") {
		t.Fatalf("diffs = %+v, %v", diffs, err)
	}
	list, _, err := c.MergeRequests.ListProjectMergeRequests(w.p.ID, &gitlab.ListProjectMergeRequestsOptions{SourceBranch: gitlab.Ptr("feature"), State: gitlab.Ptr("opened")})
	if err != nil || len(list) != 1 || list[0].IID != mr.IID {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

func TestDiffNotePositionIsChecked(t *testing.T) {
	w := newWorld(t, Options{})
	mr := w.newMR(t)
	c := w.client(t, w.botToken)
	versions, _, err := c.MergeRequests.GetMergeRequestDiffVersions(w.p.ID, mr.IID, nil)
	if err != nil || len(versions) != 1 {
		t.Fatalf("versions = %+v, %v", versions, err)
	}
	v := versions[0]
	at := func(path string, oldLine, newLine int64) *gitlab.PositionOptions {
		p := &gitlab.PositionOptions{
			PositionType: gitlab.Ptr("text"), BaseSHA: &v.BaseCommitSHA, StartSHA: &v.StartCommitSHA,
			HeadSHA: &v.HeadCommitSHA, NewPath: &path, OldPath: &path,
		}
		if oldLine > 0 {
			p.OldLine = &oldLine
		}
		if newLine > 0 {
			p.NewLine = &newLine
		}
		return p
	}
	post := func(pos *gitlab.PositionOptions) (*gitlab.Response, error) {
		_, resp, err := c.Discussions.CreateMergeRequestDiscussion(w.p.ID, mr.IID, &gitlab.CreateMergeRequestDiscussionOptions{Body: gitlab.Ptr("nit"), Position: pos})
		return resp, err
	}
	for name, pos := range map[string]*gitlab.PositionOptions{
		"added line":   at("main.go", 0, 4),
		"removed line": at("main.go", 4, 0),
		"context line": at("main.go", 3, 3),
		"new file":     at("new.txt", 0, 2),
	} {
		if resp, err := post(pos); err != nil {
			t.Errorf("%s: %d %v", name, resp.StatusCode, err)
		}
	}
	for name, pos := range map[string]*gitlab.PositionOptions{
		"line not in diff": at("main.go", 0, 40),
		"old line on new":  at("new.txt", 1, 1),
		"unknown file":     at("nope.go", 0, 1),
	} {
		resp, err := post(pos)
		if resp == nil || resp.StatusCode != http.StatusBadRequest || !strings.Contains(err.Error(), "must be a valid line code") {
			t.Errorf("%s: %v", name, err)
		}
	}
	notes := w.g.Notes(w.p.ID, ThreadMR, iid(mr.IID))
	if len(notes) != 4 || notes[0].Type != "DiffNote" || notes[0].Position == nil {
		t.Fatalf("notes = %+v", notes)
	}
}

func TestMergeAutoMergeAndErrors(t *testing.T) {
	w := newWorld(t, Options{})
	mr := w.newMR(t)
	c := w.client(t, w.botToken)
	_, resp, err := c.MergeRequests.AcceptMergeRequest(w.p.ID, mr.IID, &gitlab.AcceptMergeRequestOptions{SHA: gitlab.Ptr("0000")})
	wantStatus(t, resp, err, http.StatusConflict)

	w.g.SetPipeline(w.p.ID, mr.SHA, "running")
	// Both names: the default version (17.8) ignores auto_merge (ci_test.go).
	got, _, err := c.MergeRequests.AcceptMergeRequest(w.p.ID, mr.IID, &gitlab.AcceptMergeRequestOptions{AutoMerge: gitlab.Ptr(true), MergeWhenPipelineSucceeds: gitlab.Ptr(true), SHA: &mr.SHA})
	if err != nil || got.State != "opened" || !got.MergeWhenPipelineSucceeds {
		t.Fatalf("auto-merge = %+v, %v", got, err)
	}
	w.g.SetPipeline(w.p.ID, mr.SHA, "success")
	after := w.g.MergeRequests(w.p.ID)[0]
	if after.State != "merged" || after.MergeCommitSHA == "" {
		t.Fatalf("after pipeline success: %+v", after)
	}
	for _, b := range w.g.Branches(w.p.ID) {
		if b.Name == "main" && b.SHA != after.MergeCommitSHA {
			t.Fatalf("main at %s, want the merge commit %s", b.SHA, after.MergeCommitSHA)
		}
	}
	_, resp, err = c.MergeRequests.AcceptMergeRequest(w.p.ID, mr.IID, nil)
	wantStatus(t, resp, err, http.StatusMethodNotAllowed)
}

func TestDraftMRCannotBeMerged(t *testing.T) {
	w := newWorld(t, Options{})
	mr := w.newMR(t)
	c := w.client(t, w.botToken)
	if _, _, err := c.MergeRequests.UpdateMergeRequest(w.p.ID, mr.IID, &gitlab.UpdateMergeRequestOptions{Title: gitlab.Ptr("Draft: wip")}); err != nil {
		t.Fatal(err)
	}
	_, resp, err := c.MergeRequests.AcceptMergeRequest(w.p.ID, mr.IID, nil)
	wantStatus(t, resp, err, http.StatusMethodNotAllowed)
}
