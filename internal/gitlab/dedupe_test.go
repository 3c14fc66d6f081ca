package gitlab

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// A slow GitLab stores a note after our attempt timed out, after we looked for it and posted
// again: the copies converge on one note, and the caller holds its id. The client gives up at
// 200 ms, looks at 400 ms, posts again, and watches for late copies until 2.5 s.
const (
	lateTimeout = 200 * time.Millisecond
	lateWindow  = 2500 * time.Millisecond
)

func newLateWorld(t *testing.T) *fakeWorld {
	t.Helper()
	return newFakeWorld(t, func(c *Config) { c.HTTPTimeout, c.LateWindow = lateTimeout, lateWindow })
}

// slowStore: the first POST of a note is stored at d, whenever the client gave up.
func slowStore(d time.Duration) fakegitlab.Fault {
	return fakegitlab.Fault{Method: "POST", PathPattern: `/notes$`, Hang: d, Detached: true}
}

func TestLateCopyConvergesOnOneNote(t *testing.T) {
	for name, faults := range map[string][]fakegitlab.Fault{
		"stored at 1 s": {slowStore(time.Second)},
		"stored at 2 s": {slowStore(2 * time.Second)},
		"stored at 1.1 s, while our retry is under way (the late copy is the older)": {
			slowStore(1100 * time.Millisecond),
			// the retry starts at about 0.9 s and is stored at about 1.25 s, within its timeout
			{Method: "POST", PathPattern: `/notes$`, Hang: 350 * time.Millisecond},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			timeout := lateTimeout
			if len(faults) > 1 {
				timeout = 450 * time.Millisecond // room for the retry's own stall
			}
			w := newFakeWorld(t, func(c *Config) { c.HTTPTimeout, c.LateWindow = timeout, lateWindow })
			is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "text", false)
			ref := ThreadRef{ProjectID: w.p.ID, Type: TypeIssue, IID: is.IID}
			for _, f := range faults {
				w.g.InjectFault(f)
			}
			n, err := w.c.PostNote(ctx, ref, "", "Answer", false, marker.Job(2))
			if err != nil {
				t.Fatal(err)
			}
			notes := w.settled(t, is.IID)
			if len(notes) != 1 || notes[0].ID != n.ID {
				t.Fatalf("notes = %+v; want exactly one, the caller's (%d)", ids(notes), n.ID)
			}
			// (none deleted only if a slow machine looked for the note after the late store)
			if del := w.deleted(); len(del) > 1 || len(del) == 1 && del[0] < n.ID {
				t.Errorf("deleted %v, kept %d: want the younger copy deleted, the oldest kept", del, n.ID)
			}
			if err := w.c.UpdateNote(ctx, ref, n.ID, "Done. "+marker.Job(2)); err != nil {
				t.Fatalf("the caller's edit: %v", err)
			}
		})
	}
}

// A copy stored after the window (GitLab went on past its own limit) is deleted by the next
// write in the thread: the caller's edit lands on the note it holds, the copy goes.
func TestLateCopyAfterTheWindowGoesAtTheNextEdit(t *testing.T) {
	t.Parallel()
	w := newLateWorld(t)
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "text", false)
	ref := ThreadRef{ProjectID: w.p.ID, Type: TypeIssue, IID: is.IID}
	w.g.InjectFault(slowStore(lateWindow + time.Second))
	n, err := w.c.PostNote(ctx, ref, "", "Working…", false, marker.Job(3))
	if err != nil {
		t.Fatal(err)
	}
	if notes := w.settled(t, is.IID); len(notes) != 2 {
		t.Fatalf("notes = %v; the test wants the copy to land after PostNote stopped looking", ids(notes))
	}
	if err := w.c.UpdateNote(ctx, ref, n.ID, "Done. "+marker.Job(3)); err != nil {
		t.Fatal(err)
	}
	notes := w.g.Notes(w.p.ID, fakegitlab.ThreadIssue, strconv.FormatInt(is.IID, 10))
	if len(notes) != 1 || notes[0].ID != n.ID || notes[0].Body != "Done. "+marker.Job(3) {
		t.Fatalf("notes = %+v; want the caller's note (%d), edited, alone", notes, n.ID)
	}
}

// Settle sweeps every watched thread at once (the end of a job), here a merge request's.
func TestLateCopySettle(t *testing.T) {
	t.Parallel()
	w := newLateWorld(t)
	if _, err := w.c.CreateBranch(ctx, w.p.ID, "claude/fix", "main"); err != nil {
		t.Fatal(err)
	}
	mr, err := w.c.CreateMR(ctx, w.p.ID, MRCreate{Source: "claude/fix", Target: "main", Title: "Fix"})
	if err != nil {
		t.Fatal(err)
	}
	ref := ThreadRef{ProjectID: w.p.ID, Type: TypeMergeRequest, IID: mr.IID}
	w.g.InjectFault(slowStore(lateWindow + time.Second))
	n, err := w.c.PostNote(ctx, ref, "", "Answer", false, marker.Part(4, 2))
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Cond(t, "the fake to store the late copy", 10*time.Second, func() bool { return w.g.InFlight() == 0 })
	if err := w.c.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	notes := w.g.Notes(w.p.ID, fakegitlab.ThreadMR, strconv.FormatInt(mr.IID, 10))
	if len(notes) != 1 || notes[0].ID != n.ID {
		t.Fatalf("notes = %v; want the caller's (%d) alone", ids(notes), n.ID)
	}
}

// The control: without the defence the same late store leaves two notes, so the tests above
// prove the defence and not a fault that never fires.
func TestLateCopyControlWithoutTheDefence(t *testing.T) {
	t.Parallel()
	w := newLateWorld(t)
	w.c.keepCopies = true
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "text", false)
	ref := ThreadRef{ProjectID: w.p.ID, Type: TypeIssue, IID: is.IID}
	w.g.InjectFault(slowStore(time.Second))
	if _, err := w.c.PostNote(ctx, ref, "", "Answer", false, marker.Job(5)); err != nil {
		t.Fatal(err)
	}
	if notes := w.settled(t, is.IID); len(notes) != 2 {
		t.Fatalf("notes = %v; want the two the late store makes", ids(notes))
	}
}

// A diff discussion's late copy is a discussion of its own; it goes with its note.
func TestLateCopyOfADiffDiscussion(t *testing.T) {
	t.Parallel()
	w := newLateWorld(t)
	w.g.CommitFiles(w.p.ID, "main", "feature", map[string]string{"a.go": "package a\n\nfunc A() {}\n"})
	mr := w.g.CreateMR(w.p.ID, w.alice.ID, "feature", "main", "Add A", "")
	vs, err := w.c.MergeRequestVersions(ctx, w.p.ID, mr.IID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	pos := Position{BaseSHA: vs[0].Base, StartSHA: vs[0].Start, HeadSHA: vs[0].Head, OldPath: "a.go", NewPath: "a.go", NewLine: 3}
	w.g.InjectFault(fakegitlab.Fault{Method: "POST", PathPattern: `/discussions$`, Hang: time.Second, Detached: true})
	d, err := w.c.CreateDiffDiscussion(ctx, w.p.ID, mr.IID, pos, "Finding", marker.Finding(6, "0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Cond(t, "the fake to store the late copy", 10*time.Second, func() bool { return w.g.InFlight() == 0 })
	ds := w.g.Discussions(w.p.ID, fakegitlab.ThreadMR, strconv.FormatInt(mr.IID, 10))
	if len(ds) != 1 || ds[0].ID != d.ID || len(d.Notes) == 0 || ds[0].Notes[0].ID != d.Notes[0].ID {
		t.Fatalf("discussions = %+v; want the caller's (%s) alone", ds, d.ID)
	}
}

// settled waits for the fake to finish every request (a late store included) and lists the
// issue's notes.
func (w *fakeWorld) settled(t *testing.T, iid int64) []fakegitlab.Note {
	t.Helper()
	waitfor.Cond(t, "the fake to finish the stalled request", 10*time.Second, func() bool { return w.g.InFlight() == 0 })
	return w.g.Notes(w.p.ID, fakegitlab.ThreadIssue, strconv.FormatInt(iid, 10))
}

// deleted lists the ids of the notes deleted through the API.
func (w *fakeWorld) deleted() []int64 {
	var out []int64
	for _, r := range w.g.Requests() {
		if i := strings.LastIndex(r.Path, "/notes/"); r.Method == "DELETE" && i >= 0 {
			id, _ := strconv.ParseInt(r.Path[i+len("/notes/"):], 10, 64)
			out = append(out, id)
		}
	}
	return out
}

func ids(notes []fakegitlab.Note) []int64 {
	out := make([]int64, 0, len(notes))
	for _, n := range notes {
		out = append(out, n.ID)
	}
	return out
}

// The common path pays nothing for the defence: a post that succeeds at once is one request,
// and so is an edit in a thread without watches.
func TestLateCopyDefenceCostsNothingOnTheCommonPath(t *testing.T) {
	w := newLateWorld(t)
	is := w.g.CreateIssue(w.p.ID, w.alice.ID, "Bug", "text", false)
	ref := ThreadRef{ProjectID: w.p.ID, Type: TypeIssue, IID: is.IID}
	before := len(w.g.Requests())
	n, err := w.c.PostNote(ctx, ref, "", "Answer", false, marker.Job(7))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.c.UpdateNote(ctx, ref, n.ID, "Done. "+marker.Job(7)); err != nil {
		t.Fatal(err)
	}
	if reqs := w.g.Requests()[before:]; len(reqs) != 2 || reqs[0].Method != "POST" || reqs[1].Method != "PUT" {
		t.Fatalf("requests = %+v; want one POST and one PUT", reqs)
	}
}
