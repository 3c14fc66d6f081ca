package gitlab

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// These tests run the client against the team's stateful fake GitLab: the two must agree on
// what GitLab answers, or the job tests built on both would prove nothing.

type fakeWorld struct {
	g          *fakegitlab.GitLab
	c          *Client
	bot, alice fakegitlab.User
	p          fakegitlab.Project
	token      string
}

func newFakeWorld(t *testing.T, change ...func(*Config)) *fakeWorld {
	t.Helper()
	return newFakeWorldAt(t, fakegitlab.Options{Version: "19.0.0-ee"}, change...) // the hook API says token_present
}

// newFakeWorldAt is newFakeWorld on a fake of another version or tier.
func newFakeWorldAt(t *testing.T, opts fakegitlab.Options, change ...func(*Config)) *fakeWorld {
	t.Helper()
	opts.RateLimitPerMinute = -1
	g, err := fakegitlab.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	w := &fakeWorld{g: g}
	w.alice = g.AddUser("alice", "Alice", false)
	w.bot = g.AddUser("project_1_bot_abc", "Claude", true)
	w.p = g.AddProject("group/proj", "main", map[string]string{"README.md": "hello\n"})
	g.AddMember(w.p.ID, w.alice.ID, fakegitlab.Developer)
	g.AddMember(w.p.ID, w.bot.ID, fakegitlab.Maintainer)
	w.token = g.AddToken(w.bot.ID, []string{"api", "write_repository"}, time.Now().AddDate(0, 1, 0), "project")
	cfg := Config{BaseURL: g.URL(), Token: func() string { return w.token }, MaxBackoff: 20 * time.Millisecond}
	for _, f := range change {
		f(&cfg)
	}
	if w.c, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestFakeGitLabReadFlow(t *testing.T) {
	w := newFakeWorld(t)
	u, err := w.c.CurrentUser(ctx)
	if err != nil || u.ID != w.bot.ID || !u.Bot {
		t.Fatalf("CurrentUser = %+v, %v", u, err)
	}
	p, err := w.c.Project(ctx, "group/proj")
	if err != nil || p.ID != w.p.ID || p.DefaultBranch != "main" {
		t.Fatalf("Project = %+v, %v", p, err)
	}
	if lvl, err := w.c.MemberAccessLevel(ctx, p.ID, w.alice.ID); err != nil || lvl != AccessDeveloper {
		t.Errorf("alice's level = %d, %v", lvl, err)
	}
	stranger := w.g.AddUser("mallory", "M", false)
	if lvl, err := w.c.MemberAccessLevel(ctx, p.ID, stranger.ID); err != nil || lvl != AccessNone {
		t.Errorf("stranger's level = %d, %v", lvl, err)
	}
	if _, err := w.c.Version(ctx); err != nil {
		t.Error(err)
	}
	if info, err := w.c.TokenInfo(ctx); err != nil || !info.Active || info.ExpiresAt == nil {
		t.Errorf("TokenInfo = %+v, %v", info, err)
	}
}

func TestFakeGitLabNoteFlow(t *testing.T) {
	w := newFakeWorld(t)
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "@claude fix it", false)
	ref := ThreadRef{ProjectID: w.p.ID, Type: TypeIssue, IID: is.IID}
	trigger := w.g.AddNote(w.p.ID, fakegitlab.ThreadIssue, strconv.FormatInt(is.IID, 10), w.alice.ID, "@claude please")

	if err := w.c.Award(ctx, ref, trigger.ID, "eyes"); err != nil {
		t.Fatal(err)
	}
	if err := w.c.Award(ctx, ref, trigger.ID, "eyes"); err != nil {
		t.Fatalf("second award of the same emoji: %v", err)
	}
	n, err := w.c.PostNote(ctx, ref, trigger.DiscussionID, "Working…", false, marker.Job(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.c.UpdateNote(ctx, ref, n.ID, "Done. "+marker.Job(1)); err != nil {
		t.Fatal(err)
	}
	found, ok, err := w.c.FindNote(ctx, ref, marker.Job(1))
	if err != nil || !ok || found.ID != n.ID || found.Body != "Done. "+marker.Job(1) {
		t.Fatalf("FindNote = %+v %v %v", found, ok, err)
	}
	notes, err := w.c.ListNotes(ctx, ref, ListNotesOptions{ExcludeSystem: true})
	if err != nil || len(notes) != 2 || notes[1].DiscussionID != trigger.DiscussionID {
		t.Fatalf("ListNotes = %+v, %v", notes, err)
	}
}

// TestFakeGitLabLostAnswer: GitLab stores the note but our attempt times out before the answer:
// either the answer is lost after the note is stored, or storing goes on after we hung up and
// lands within the wait before we look (as long again as the timeout).
func TestFakeGitLabLostAnswer(t *testing.T) {
	for name, fault := range map[string]fakegitlab.Fault{
		"answer lost after storing": {Method: "POST", PathPattern: `/notes$`, Hang: time.Second, AfterServe: true},
		"stored after we hung up":   {Method: "POST", PathPattern: `/notes$`, Hang: 300 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			w := newFakeWorld(t, func(c *Config) { c.HTTPTimeout = 200 * time.Millisecond })
			is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "text", false)
			ref := ThreadRef{ProjectID: w.p.ID, Type: TypeIssue, IID: is.IID}
			w.g.InjectFault(fault)
			if _, err := w.c.PostNote(ctx, ref, "", "Answer", false, marker.Job(2)); err != nil {
				t.Fatal(err)
			}
			// The stalled handler finishes after our timeout: count once the fake has handled every request.
			waitfor.Cond(t, "the fake to finish the stalled request", 5*time.Second, func() bool { return w.g.InFlight() == 0 })
			if notes := w.g.Notes(w.p.ID, fakegitlab.ThreadIssue, strconv.FormatInt(is.IID, 10)); len(notes) != 1 {
				t.Fatalf("notes = %d, want exactly 1", len(notes))
			}
		})
	}
}

func TestFakeGitLabMergeRequestFlow(t *testing.T) {
	w := newFakeWorld(t)
	if _, err := w.c.CreateBranch(ctx, w.p.ID, "claude/fix", "main"); err != nil {
		t.Fatal(err)
	}
	b, err := w.c.Branch(ctx, w.p.ID, "claude/fix")
	if err != nil || b.CommitSHA == "" {
		t.Fatalf("Branch = %+v, %v", b, err)
	}
	mr, err := w.c.CreateMR(ctx, w.p.ID, MRCreate{Source: "claude/fix", Target: "main", Title: "Fix"})
	if err != nil || mr.IID == 0 {
		t.Fatalf("CreateMR = %+v, %v", mr, err)
	}
	again, err := w.c.CreateMR(ctx, w.p.ID, MRCreate{Source: "claude/fix", Target: "main", Title: "Fix"})
	if err != nil || again.IID != mr.IID {
		t.Errorf("second CreateMR = %+v, %v; want the same MR", again, err)
	}
	open, err := w.c.FindOpenMR(ctx, w.p.ID, "claude/fix")
	if err != nil || open == nil || open.IID != mr.IID {
		t.Errorf("FindOpenMR = %+v, %v", open, err)
	}
	w.g.Protect(w.p.ID, "main")
	if prot, err := w.c.ProtectedBranch(ctx, w.p.ID, "main"); err != nil || !prot {
		t.Errorf("ProtectedBranch(main) = %v, %v", prot, err)
	}
	if _, err := w.c.Branch(ctx, w.p.ID, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing branch: %v", err)
	}
}

func TestFakeGitLabRotation(t *testing.T) {
	w := newFakeWorld(t)
	old := w.token
	tok, _, err := w.c.RotateToken(ctx, nil)
	if err != nil || tok == "" {
		t.Fatalf("RotateToken: %q %v", tok, err)
	}
	if _, err := w.c.Version(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("old token after rotation: %v", err)
	}
	w.token = tok
	if _, err := w.c.Version(ctx); err != nil {
		t.Errorf("new token: %v", err)
	}
	if w.g.TokenActive(old) {
		t.Error("old token still active")
	}
}
