package review

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate/jobstatetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// unreachable is a GitLab a test expects not to be asked.
type unreachable struct{ t *testing.T }

func (u unreachable) ListDiscussions(context.Context, int64, int64) ([]gitlab.Discussion, error) {
	u.t.Error("GitLab was asked for the discussions")
	return nil, errors.New("unreachable")
}

func (u unreachable) ResolveDiscussion(context.Context, int64, int64, string, bool) error {
	u.t.Error("GitLab was asked to resolve a discussion")
	return errors.New("unreachable")
}

func TestFindFollowUp(t *testing.T) {
	ctx := context.Background()
	w := newMRWorld(t)
	posted := jobstatetest.Steps{}
	p := w.poster(1, 1, posted)
	if _, err := p.Prepare(ctx, w.mr.SHA); err != nil {
		t.Fatal(err)
	}
	perm := Finding{Path: "app.go", NewLine: 8, Text: "Panicking crashes the server."}
	removed := Finding{Path: "app.go", OldLine: 10, Text: "Keep is still called."}
	if _, err := p.Post(ctx, Result{Findings: []Finding{perm, removed}}); err != nil {
		t.Fatal(err)
	}
	iid := strconv.FormatInt(w.mr.IID, 10)
	alices := w.g.AddNote(w.proj.ID, fakegitlab.ThreadMR, iid, w.alice.ID, "Is this right?", fakegitlab.NoteOptions{Thread: true}).DiscussionID
	forged := w.g.AddNote(w.proj.ID, fakegitlab.ThreadMR, iid, w.alice.ID, "Fix me.\n\n"+marker.Finding(1, perm.ID()),
		fakegitlab.NoteOptions{Thread: true}).DiscussionID
	bots := w.g.AddNote(w.proj.ID, fakegitlab.ThreadMR, iid, w.bot.ID, "Answered.", fakegitlab.NoteOptions{Thread: true}).DiscussionID
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fix := func(discussionID string) trigger.Request {
		return trigger.Request{Task: trigger.TaskAnswer, Text: "@claude fix this", DiscussionID: discussionID,
			Project: event.Project{ID: w.proj.ID}, Thread: event.Thread{Type: event.ThreadMergeRequest, IID: w.mr.IID}}
	}
	find := func(id string) string { // the discussion finding id was posted in
		d, ok := posted[StepFindingPrefix+id]
		if !ok {
			t.Fatalf("finding %s was not posted: %v", id, posted)
		}
		return d
	}
	for _, c := range []struct {
		name string
		req  func(r *trigger.Request)
		want *FollowUp
	}{
		{"in a finding on a new line", func(r *trigger.Request) { r.DiscussionID = find(perm.ID()) },
			&FollowUp{Path: "app.go", Line: 8, Text: "🔵 **Note** · " + perm.Text}},
		{"in a finding on a removed line", func(r *trigger.Request) { r.DiscussionID = find(removed.ID()) },
			&FollowUp{Path: "app.go", Line: 10, Text: "🔵 **Note** · " + removed.Text}},
		{"in someone's discussion", func(r *trigger.Request) { r.DiscussionID = alices }, nil},
		{"in someone's discussion with a finding's marker", func(r *trigger.Request) { r.DiscussionID = forged }, nil},
		{"in the bot's discussion that is no finding", func(r *trigger.Request) { r.DiscussionID = bots }, nil},
		{"not a fix request", func(r *trigger.Request) { r.DiscussionID, r.Text = find(perm.ID()), "@claude why?" }, nil},
		{"a review request", func(r *trigger.Request) { r.DiscussionID, r.Task = find(perm.ID()), trigger.TaskReview }, nil},
		{"outside a discussion", func(r *trigger.Request) {}, nil},
		{"in an issue", func(r *trigger.Request) { r.DiscussionID, r.Thread.Type = find(perm.ID()), event.ThreadIssue }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := fix("")
			c.req(&req)
			rec := jobstatetest.Steps{}
			got, err := FindFollowUp(ctx, w.gl, rec, req, w.bot.ID, log)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == nil {
				if got != nil || rec[StepFollowUp] != "none" {
					t.Fatalf("got %+v, recorded %q; want none", got, rec[StepFollowUp])
				}
				return
			}
			c.want.DiscussionID = req.DiscussionID
			if got == nil || *got != *c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			// Recorded, it is read back without asking GitLab.
			again, err := FindFollowUp(ctx, unreachable{t}, rec, req, w.bot.ID, log)
			if err != nil || again == nil || *again != *c.want {
				t.Fatalf("read back %+v, %v", again, err)
			}
		})
	}
	if got, err := FindFollowUp(ctx, unreachable{t}, jobstatetest.Steps{StepFollowUp: "none"}, fix(alices), w.bot.ID, log); got != nil || err != nil {
		t.Fatalf("recorded none: %+v, %v", got, err)
	}
}

func TestResolveFollowUpOnce(t *testing.T) {
	ctx := context.Background()
	w := newMRWorld(t)
	iid := strconv.FormatInt(w.mr.IID, 10)
	d := w.g.AddNote(w.proj.ID, fakegitlab.ThreadMR, iid, w.bot.ID, "A finding.", fakegitlab.NoteOptions{Thread: true}).DiscussionID
	rec := jobstatetest.Steps{}
	mr := gitlab.ThreadRef{ProjectID: w.proj.ID, Type: gitlab.TypeMergeRequest, IID: w.mr.IID}
	if err := ResolveFollowUp(ctx, w.gl, rec, mr, d); err != nil {
		t.Fatal(err)
	}
	if rec[StepFollowUpResolved] != d {
		t.Fatalf("recorded %v", rec)
	}
	for _, x := range w.g.Discussions(w.proj.ID, fakegitlab.ThreadMR, iid) {
		if x.ID == d && !x.Notes[0].Resolved {
			t.Fatalf("the discussion is not resolved: %+v", x.Notes)
		}
	}
	if err := ResolveFollowUp(ctx, unreachable{t}, rec, mr, d); err != nil {
		t.Fatal(err)
	}
}

func TestDiscussionLine(t *testing.T) {
	for _, c := range []struct {
		name string
		pos  *gitlab.Position
		path string
		line int
	}{
		{"off the diff", nil, "", 0},
		{"an added or kept line", &gitlab.Position{OldPath: "a.go", NewPath: "b.go", OldLine: 3, NewLine: 4}, "b.go", 4},
		{"a removed line", &gitlab.Position{OldPath: "a.go", NewPath: "b.go", OldLine: 3}, "a.go", 3},
	} {
		path, line := discussionLine(gitlab.Discussion{Position: c.pos})
		if path != c.path || line != c.line {
			t.Errorf("%s: %s:%d, want %s:%d", c.name, path, line, c.path, c.line)
		}
	}
}

func TestFindingText(t *testing.T) {
	for body, want := range map[string]string{
		"🔴 **High** · It panics.\n\n```suggestion:-0+0\nx\n```\n\n<!-- m -->": "🔴 **High** · It panics.",
		"  Only text.  ": "Only text.",
		"":               "",
	} {
		if got := findingText(body); got != want {
			t.Errorf("findingText(%q) = %q, want %q", body, got, want)
		}
	}
}
