package review

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate/jobstatetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

const (
	appBefore = "package app\n\nimport \"os\"\n\nfunc Load(path string) []byte {\n\tdata, _ := os.ReadFile(path)\n\treturn data\n}\n\nfunc Keep() {}\n\n// end\n"
	appAfter  = "package app\n\nimport \"os\"\n\nfunc Load(path string) []byte {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\treturn data\n}\n\n// end\n"
)

// mrWorld is the fake GitLab with a merge request that changes app.go, and a client for the bot.
type mrWorld struct {
	t          *testing.T
	g          *fakegitlab.GitLab
	gl         *gitlab.Client
	bot, alice fakegitlab.User
	proj       fakegitlab.Project
	mr         fakegitlab.MergeRequest
}

func newMRWorld(t *testing.T) *mrWorld {
	t.Helper()
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	w := &mrWorld{t: t, g: g}
	w.bot = g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(w.bot.ID, []string{"api"}, time.Now().Add(24*time.Hour), "project")
	w.alice = g.AddUser("alice", "Alice", false)
	w.proj = g.AddProject("acme/demo", "main", map[string]string{"README.md": "# demo\n"})
	g.AddMember(w.proj.ID, w.bot.ID, fakegitlab.Developer)
	g.AddMember(w.proj.ID, w.alice.ID, fakegitlab.Developer)
	g.CommitChanges(w.proj.ID, "main", "main", map[string]string{"app.go": appBefore}, nil)
	g.CommitChanges(w.proj.ID, "main", "feature", map[string]string{"app.go": appAfter}, nil)
	w.mr = g.CreateMR(w.proj.ID, w.alice.ID, "feature", "main", "Load files", "")
	if w.gl, err = gitlab.New(gitlab.Config{BaseURL: g.URL(), Token: func() string { return token }, MaxRetries: -1}); err != nil {
		t.Fatal(err)
	}
	return w
}

// poster is job's poster on the merge request, recording in steps.
func (w *mrWorld) poster(jobID int64, attempt int, steps jobstatetest.Steps) *Poster {
	return &Poster{GitLab: w.gl, Steps: steps, JobID: jobID, Attempt: attempt, BotID: w.bot.ID,
		MR:     gitlab.ThreadRef{ProjectID: w.proj.ID, Type: gitlab.TypeMergeRequest, IID: w.mr.IID},
		Redact: func(s string) string { return strings.ReplaceAll(s, "s3cret", "[redacted]") },
		WebURL: func(context.Context) string { return "https://gitlab.example/acme/demo" },
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// botDiscussions are the merge request's diff discussions the bot started.
func (w *mrWorld) botDiscussions() []fakegitlab.Discussion {
	var out []fakegitlab.Discussion
	for _, d := range w.g.Discussions(w.proj.ID, fakegitlab.ThreadMR, strconv.FormatInt(w.mr.IID, 10)) {
		if d.Notes[0].AuthorID == w.bot.ID && d.Notes[0].Position != nil {
			out = append(out, d)
		}
	}
	return out
}

func TestPosterPostsEachFindingOnce(t *testing.T) {
	ctx := context.Background()
	w := newMRWorld(t)
	steps := jobstatetest.Steps{}
	p := w.poster(7, 1, steps)
	earlier, err := p.Prepare(ctx, w.mr.SHA)
	if err != nil || len(earlier) != 0 {
		t.Fatalf("Prepare: %v, earlier %+v", err, earlier)
	}
	var ver Version
	if !steps.Get(StepVersion, &ver) || ver.Head != w.mr.SHA || ver.Base == "" || ver.Start == "" || ver.ID == 0 {
		t.Fatalf("the recorded version: %q", steps[StepVersion])
	}
	refused := Finding{Path: "app.go", NewLine: 6, Text: "GitLab will refuse this position."}
	panics := Finding{Path: "app.go", NewLine: 8, Severity: "high", Text: "Panicking crashes the server; the token s3cret leaks."}
	keep := Finding{Path: "app.go", OldLine: 10, Text: "Keep is still called."}
	outside := Finding{Path: "README.md", NewLine: 1, Text: "Document Load."}
	res := Result{Verdict: "request changes", Findings: []Finding{refused, panics, keep, outside}, Parsed: true}
	w.g.InjectFault(fakegitlab.Fault{Method: "POST", PathPattern: `/discussions$`, Status: 400})

	sum, err := p.Post(ctx, res)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Posted != 2 || len(sum.Moved) != 1 || sum.Moved[0].ID() != refused.ID() || len(sum.Plan.Summary) != 1 || sum.HeadSHA != w.mr.SHA {
		t.Fatalf("summary input: %+v", sum)
	}
	if steps[StepFindingPrefix+refused.ID()] != "moved" {
		t.Fatalf("the refused finding's step: %q", steps[StepFindingPrefix+refused.ID()])
	}
	ds := w.botDiscussions()
	if len(ds) != 2 {
		t.Fatalf("%d diff discussions, want 2: %+v", len(ds), ds)
	}
	for _, d := range ds {
		body := d.Notes[0].Body
		if !strings.Contains(body, marker.Finding(7, panics.ID())) && !strings.Contains(body, marker.Finding(7, keep.ID())) {
			t.Errorf("a discussion without a finding's marker: %q", body)
		}
		if strings.Contains(body, "s3cret") {
			t.Errorf("the secret was posted: %q", body)
		}
		if steps[StepFindingPrefix+panics.ID()] != d.ID && steps[StepFindingPrefix+keep.ID()] != d.ID {
			t.Errorf("discussion %s is not recorded: %v", d.ID, steps)
		}
	}

	// Run again with the records: nothing is posted twice.
	if _, err := p.Post(ctx, res); err != nil {
		t.Fatal(err)
	}
	// A later run that lost the record of a posted finding finds its discussion by the marker.
	lost := steps[StepFindingPrefix+panics.ID()]
	delete(steps, StepFindingPrefix+panics.ID())
	if sum, err := w.poster(7, 2, steps).Post(ctx, res); err != nil || sum.Posted != 2 {
		t.Fatalf("the resumed post: %+v, %v", sum, err)
	}
	if n := len(w.botDiscussions()); n != 2 || steps[StepFindingPrefix+panics.ID()] != lost {
		t.Fatalf("after the resumed post: %d discussions, step %q want %q", n, steps[StepFindingPrefix+panics.ID()], lost)
	}
}

func TestPosterResolvesEarlierFindingsFixed(t *testing.T) {
	ctx := context.Background()
	w := newMRWorld(t)
	panics := Finding{Path: "app.go", NewLine: 8, Text: "Panicking crashes the server."}
	keep := Finding{Path: "app.go", OldLine: 10, Text: "Keep is still called."}
	first := w.poster(1, 1, jobstatetest.Steps{})
	if _, err := first.Prepare(ctx, w.mr.SHA); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Post(ctx, Result{Findings: []Finding{panics, keep}}); err != nil {
		t.Fatal(err)
	}
	if own, err := first.Earlier(ctx); err != nil || len(own) != 0 {
		t.Fatalf("the job's own findings read as earlier: %+v, %v", own, err)
	}

	steps := jobstatetest.Steps{}
	second := w.poster(2, 1, steps)
	earlier, err := second.Prepare(ctx, w.mr.SHA)
	if err != nil || len(earlier) != 2 {
		t.Fatalf("earlier findings: %+v, %v", earlier, err)
	}
	for _, e := range earlier {
		want := map[string]Earlier{
			panics.ID(): {Path: "app.go", Line: 8, Text: panics.Text},
			keep.ID():   {Path: "app.go", Line: 10, Text: keep.Text},
		}[e.ID]
		if e.Path != want.Path || e.Line != want.Line || e.Resolved || e.DiscussionID == "" ||
			!strings.HasSuffix(e.Text, " · "+want.Text) {
			t.Errorf("earlier finding %+v, want at %s:%d saying %q", e, want.Path, want.Line, want.Text)
		}
	}
	res := Result{Findings: []Finding{keep}, Fixed: []string{panics.ID()}}
	sum, err := second.Post(ctx, res)
	if err != nil || sum.Resolved != 1 || sum.Posted != 0 || len(sum.Plan.Repeated) != 1 {
		t.Fatalf("summary input %+v, %v", sum, err)
	}
	if _, err := second.Post(ctx, res); err != nil {
		t.Fatal(err)
	}
	var fixed fakegitlab.Discussion
	for _, d := range w.botDiscussions() {
		if strings.Contains(d.Notes[0].Body, "Panicking") {
			fixed = d
		}
	}
	last := fixed.Notes[len(fixed.Notes)-1]
	if len(fixed.Notes) != 2 || !strings.Contains(last.Body, "Fixed as of") || !last.Resolved ||
		!strings.Contains(last.Body, "https://gitlab.example/acme/demo/-/commit/"+w.mr.SHA) {
		t.Fatalf("the fixed finding's discussion: %+v", fixed.Notes)
	}
	if steps[StepFixedPrefix+panics.ID()] != fixed.ID {
		t.Fatalf("the fixed step: %v", steps)
	}
}

func TestPosterWithoutADiffVersion(t *testing.T) {
	w := newMRWorld(t)
	p := w.poster(1, 1, jobstatetest.Steps{})
	p.MR.IID = 99
	if _, err := p.Prepare(context.Background(), w.mr.SHA); err == nil || !strings.Contains(err.Error(), "diff versions") {
		t.Fatalf("Prepare on an unknown merge request: %v", err)
	}
}
