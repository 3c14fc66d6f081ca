package publish

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate/jobstatetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

// world is the fake GitLab with one project, a client for the bot and a workspace manager.
type world struct {
	t     *testing.T
	g     *fakegitlab.GitLab
	gl    *gitlab.Client
	ws    *workspace.Manager
	proj  fakegitlab.Project
	alice fakegitlab.User
}

func newWorld(t *testing.T) *world {
	t.Helper()
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	w := &world{t: t, g: g}
	bot := g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(bot.ID, []string{"api", "write_repository"}, time.Now().Add(24*time.Hour), "project")
	w.alice = g.AddUser("alice", "Alice", false)
	w.proj = g.AddProject("acme/demo", "main", map[string]string{"README.md": "# demo\n"})
	g.AddMember(w.proj.ID, bot.ID, fakegitlab.Developer)
	g.AddMember(w.proj.ID, w.alice.ID, fakegitlab.Developer)
	tok := func() string { return token }
	if w.gl, err = gitlab.New(gitlab.Config{BaseURL: g.URL(), Token: tok, MaxRetries: -1}); err != nil {
		t.Fatal(err)
	}
	if w.ws, err = workspace.New(workspace.Config{Dir: t.TempDir(), Token: tok, Env: workspace.GitEnv(os.Environ())}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) publisher() *Publisher {
	return &Publisher{Notes: w.gl, Branches: w.gl, MRs: w.gl, Files: w.gl, Projects: w.gl, Diffs: w.gl,
		Options: Options{BranchPrefix: "claude/", UseMR: true}}
}

// worktree is a worktree of the project at main with file written and committed.
func (w *world) worktree(ctx context.Context, file, content string) *workspace.Workspace {
	w.t.Helper()
	return w.worktreeAt(ctx, "main", file, content)
}

// worktreeAt is a worktree of the project at ref with file written and committed.
func (w *world) worktreeAt(ctx context.Context, ref, file, content string) *workspace.Workspace {
	w.t.Helper()
	project, err := w.gl.Project(ctx, w.proj.Path)
	if err != nil {
		w.t.Fatal(err)
	}
	ws, err := w.ws.Prepare(ctx, workspace.Project{ID: project.ID, Path: project.Path, CloneURL: project.HTTPURLToRepo}, ref)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(ws.Release)
	if err := os.WriteFile(ws.Dir+"/"+file, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
	if _, err := ws.Commit(ctx, workspace.Author{Name: "Claude", Email: "claude@example.com"}, "change "+file); err != nil {
		w.t.Fatal(err)
	}
	return ws
}

// job is a job on a new issue of alice's, with its steps in memory.
func (w *world) job(id int64, attempt int, steps jobstatetest.Steps, ws *workspace.Workspace) Job {
	is := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Fix the readme", "", false)
	req := trigger.Request{Project: event.Project{ID: w.proj.ID, Path: w.proj.Path},
		Thread: event.Thread{Type: event.ThreadIssue, IID: is.IID, Title: "Fix the readme"},
		Author: event.User{ID: w.alice.ID, Username: "alice"}}
	level := func(context.Context) (int, error) { return LevelDeveloper, nil }
	return Job{ID: id, Attempt: attempt, Request: req, Steps: steps, Log: slog.New(slog.DiscardHandler),
		Thread:    gitlab.ThreadRef{Type: gitlab.TypeIssue, ProjectID: w.proj.ID, IID: is.IID},
		Requester: NewRequester(w.gl, w.proj.ID, w.alice.ID, "alice", level),
		Project:   func(ctx context.Context) (gitlab.Project, error) { return w.gl.Project(ctx, w.proj.Path) },
		Worktree:  func(context.Context) (*workspace.Workspace, error) { return ws, nil }}
}

// A change on an issue goes to a new branch of ours with a merge request; publishing it again
// with the steps recorded pushes and opens nothing more, and a job resumed after a crash that
// lost the pushed step finds its own branch again instead of making a second one.
func TestPublishIsOnceOnly(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ws := w.worktree(ctx, "README.md", "# demo, fixed\n")
	head, _ := ws.Head(ctx)
	steps := jobstatetest.Steps{}
	j := w.job(1, 1, steps, ws)
	c := Change{Text: "Fixed the readme", Commit: head, Base: ws.BaseSHA}
	if err := w.publisher().Publish(ctx, j, c); err != nil {
		t.Fatal(err)
	}
	var pu Pushed
	if !steps.Get(StepPushed, &pu) || pu.Branch != "claude/issue-1-fix-the-readme" || pu.SHA != head || !pu.OpenMR || pu.MRTarget != "main" {
		t.Fatalf("pushed = %+v (%s)", pu, steps[StepPushed])
	}
	if got := w.g.BranchSHA(w.proj.ID, pu.Branch); got != head {
		t.Errorf("the branch holds %s, want %s", got, head)
	}
	mrs := w.g.MergeRequests(w.proj.ID)
	if len(mrs) != 1 || mrs[0].Title != "Fixed the readme" || !strings.Contains(mrs[0].Description, "Closes #1.") {
		t.Fatalf("merge requests = %+v", mrs)
	}
	delete(steps, StepPushed) // the crash came after the push, before recording it
	j.Attempt = 2
	if err := w.publisher().Publish(ctx, j, c); err != nil {
		t.Fatal(err)
	}
	if n := len(w.g.MergeRequests(w.proj.ID)); n != 1 {
		t.Errorf("%d merge requests after publishing twice, want 1", n)
	}
	if n := len(w.g.Branches(w.proj.ID)); n != 2 {
		t.Errorf("branches = %+v, want main and ours", w.g.Branches(w.proj.ID))
	}
}

// A branch that moved while Claude worked gets one rebase and one more push; a change that does
// not apply on its new tip is a NotAppliedError wrapping workspace.ErrConflict.
func TestPushWithLeaseRebasesOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	log := slog.New(slog.DiscardHandler)
	mine, theirs := w.worktree(ctx, "mine.txt", "mine\n"), w.worktree(ctx, "README.md", "# theirs\n")
	if err := PushWithLease(ctx, theirs, "main", theirs.BaseSHA, log); err != nil {
		t.Fatal(err)
	}
	before := mine.BaseSHA
	if err := PushWithLease(ctx, mine, "main", mine.BaseSHA, log); err != nil {
		t.Fatalf("the push after one rebase: %v", err)
	}
	if mine.BaseSHA == before {
		t.Error("the worktree was not rebased")
	}
	for file, want := range map[string]string{"mine.txt": "mine\n", "README.md": "# theirs\n"} {
		if got, err := w.g.FileAt(w.proj.ID, "main", file); err != nil || got != want {
			t.Errorf("main's %s = %q, %v; want %q", file, got, err, want)
		}
	}
	late := w.worktree(ctx, "README.md", "# late\n")
	w.g.CommitFiles(w.proj.ID, "main", "main", map[string]string{"README.md": "# moved again\n"})
	err := PushWithLease(ctx, late, "main", late.BaseSHA, log)
	var notApplied *NotAppliedError
	if !errors.As(err, &notApplied) || !errors.Is(err, workspace.ErrConflict) ||
		!strings.HasPrefix(err.Error(), "the branch main changed while Claude worked and the change does not apply on top of it: ") {
		t.Errorf("a conflicting push = %v, want a NotAppliedError on a conflict", err)
	}
}

// A long answer edits the progress note and posts the rest as replies, each once: a job resumed
// after a crash that lost the record of a part finds it by its marker instead of posting it again.
func TestPostAnswerPostsEachPartOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	steps := jobstatetest.Steps{}
	j := w.job(3, 1, steps, nil)
	note, err := w.gl.PostNote(ctx, j.Thread, "", "Working on it", false, marker.Job(j.ID))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat(strings.Repeat("word ", 19)+"\n", MaxNoteChars/50)
	if err := w.publisher().PostAnswer(ctx, j, note.ID, text, Footer{JobID: j.ID}); err != nil {
		t.Fatal(err)
	}
	count := func() (parts int, first string) {
		for _, n := range w.g.Notes(w.proj.ID, fakegitlab.ThreadIssue, "1") {
			if n.ID == note.ID {
				first = n.Body
			} else if strings.Contains(n.Body, "part=") {
				parts++
			}
		}
		return parts, first
	}
	parts, first := count()
	if parts != 1 || !strings.Contains(first, "_(continued below: 2 parts)_") {
		t.Fatalf("%d further parts, first note %q…", parts, first[len(first)-200:])
	}
	if v, ok := steps.Value(StepAnswered + "_part_2"); !ok || v == "" {
		t.Errorf("part 2 is not a recorded step: %v", steps)
	}
	delete(steps, StepAnswered+"_part_2")
	j.Attempt = 2
	if err := w.publisher().PostAnswer(ctx, j, note.ID, text, Footer{JobID: j.ID}); err != nil {
		t.Fatal(err)
	}
	if parts, _ := count(); parts != 1 {
		t.Errorf("%d further parts after a resumed answer, want 1", parts)
	}
}

// PostOnce posts a note once: looking, it finds the one posted before instead of posting again;
// not looking (a job's first attempt), it posts without a request to find one. What it posts is
// redacted.
func TestPostOncePostsOrFindsByMarker(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	j := w.job(4, 1, jobstatetest.Steps{}, nil)
	p := w.publisher()
	p.Redact = func(s string) string { return strings.ReplaceAll(s, "s3cret", "[REDACTED]") }
	mark := marker.Job(j.ID)
	cases := []struct {
		name      string
		lookup    bool
		wantFound bool
		wantNotes int
		wantFinds int
	}{
		{"first attempt: posts without looking", false, false, 1, 0},
		{"later attempt: finds the note posted before", true, true, 1, 1},
	}
	var first int64
	for _, c := range cases {
		n, found, err := p.PostOnce(ctx, j, "the note", "token s3cret", mark, c.lookup)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if first == 0 {
			first = n.ID
		}
		notes := w.g.Notes(w.proj.ID, fakegitlab.ThreadIssue, "1")
		finds := w.g.CountRequests("GET", `/issues/1/(notes|discussions)`)
		if found != c.wantFound || n.ID != first || len(notes) != c.wantNotes || finds != c.wantFinds {
			t.Errorf("%s: found %t, note %d (first %d), %d notes, %d lookups", c.name, found, n.ID, first, len(notes), finds)
		}
		if strings.Contains(notes[0].Body, "s3cret") {
			t.Errorf("%s: posted unredacted: %q", c.name, notes[0].Body)
		}
	}
}
