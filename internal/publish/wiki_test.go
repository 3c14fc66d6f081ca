package publish

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate/jobstatetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

func TestWikiEdited(t *testing.T) {
	cases := []struct{ slug, sha, want string }{
		{"home", "abc12345def67890", "edited wiki page home (abc12345)"},
		{"docs/setup", "0123456789abcdef0123", "edited wiki page docs/setup (01234567)"},
	}
	for _, c := range cases {
		if got := WikiEdited(c.slug, c.sha); got != c.want {
			t.Errorf("WikiEdited(%q, %q) = %q, want %q", c.slug, c.sha, got, c.want)
		}
	}
	if WikiUnchanged != "wiki page unchanged" {
		t.Errorf("WikiUnchanged = %q", WikiUnchanged)
	}
}

// wikiEdit is a worktree of the project's wiki (at its HEAD) with the home page rewritten and
// committed.
func (w *world) wikiEdit(ctx context.Context, content string) *workspace.Workspace {
	w.t.Helper()
	project, err := w.gl.Project(ctx, w.proj.Path)
	if err != nil {
		w.t.Fatal(err)
	}
	wiki := workspace.WikiProject(workspace.Project{ID: project.ID, Path: project.Path, CloneURL: project.HTTPURLToRepo})
	ws, err := w.ws.Prepare(ctx, wiki, "")
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(ws.Release)
	if err := os.WriteFile(ws.Dir+"/home.md", []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
	if _, err := ws.Commit(ctx, workspace.Author{Name: "Claude", Email: "claude@example.com"}, "edit home"); err != nil {
		w.t.Fatal(err)
	}
	return ws
}

func (w *world) wikiJob(steps jobstatetest.Steps, ws *workspace.Workspace, defaultBranch string) Job {
	j := w.job(1, 1, steps, ws)
	j.Request.Wiki = &trigger.WikiRef{Slug: "home", Title: "home", DefaultBranch: defaultBranch}
	return j
}

// Without a default branch in the payload the edit goes to the branch the wiki's HEAD pointed
// at (GitLab's wikis: master); branch and push are recorded, and a resumed job pushes nothing
// more.
func TestPushWikiToTheWikisBranchOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.g.AddWikiPage(w.proj.ID, "home", "# Home\n")
	ws := w.wikiEdit(ctx, "# Home, edited\n")
	head, _ := ws.Head(ctx)
	steps := jobstatetest.Steps{}
	branch, err := PushWiki(ctx, w.wikiJob(steps, ws, ""), ws.BaseSHA)
	if err != nil || branch != "master" {
		t.Fatalf("PushWiki = %q, %v; want master", branch, err)
	}
	if content, _, _ := w.g.WikiPage(w.proj.ID, "home"); content != "# Home, edited\n" {
		t.Errorf("the wiki's home page = %q", content)
	}
	var pu Pushed
	if !steps.Get(StepPushed, &pu) || pu.Branch != "master" || pu.SHA != head || steps[StepWikiBranch] != "master" {
		t.Fatalf("steps = %v", steps)
	}
	noWorktree := w.wikiJob(steps, nil, "")
	noWorktree.Worktree = func(context.Context) (*workspace.Workspace, error) {
		t.Fatal("a pushed edit prepared a worktree again")
		return nil, nil
	}
	if branch, err := PushWiki(ctx, noWorktree, ws.BaseSHA); err != nil || branch != "master" {
		t.Errorf("PushWiki after the push = %q, %v; want master", branch, err)
	}
}

// An edit that does not apply on what someone else pushed meanwhile says so; the payload's
// default branch is the one pushed to.
func TestPushWikiThatNoLongerApplies(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.g.AddWikiPage(w.proj.ID, "home", "# Home\n")
	mine, theirs := w.wikiEdit(ctx, "# Mine\n"), w.wikiEdit(ctx, "# Theirs\n")
	if _, err := PushWiki(ctx, w.wikiJob(jobstatetest.Steps{}, theirs, "master"), theirs.BaseSHA); err != nil {
		t.Fatal(err)
	}
	steps := jobstatetest.Steps{}
	_, err := PushWiki(ctx, w.wikiJob(steps, mine, "master"), mine.BaseSHA)
	if !errors.Is(err, workspace.ErrConflict) ||
		!strings.HasPrefix(err.Error(), "the wiki changed while Claude worked and the edit does not apply on top of it: ") {
		t.Errorf("a conflicting edit = %v", err)
	}
	if _, pushed := steps[StepPushed]; pushed || steps[StepWikiBranch] != "master" {
		t.Errorf("steps = %v", steps)
	}
	if content, _, _ := w.g.WikiPage(w.proj.ID, "home"); content != "# Theirs\n" {
		t.Errorf("the wiki's home page = %q", content)
	}
}
