package job

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

const (
	appBefore = "package app\n\nimport \"os\"\n\nfunc Load(path string) []byte {\n\tdata, _ := os.ReadFile(path)\n\treturn data\n}\n\nfunc Keep() {}\n\n// end\n"
	appAfter  = "package app\n\nimport \"os\"\n\nfunc Load(path string) []byte {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\treturn data\n}\n\n// end\n"
	utilGo    = "package app\n\n// Util does things.\nfunc Util() int {\n\treturn 1\n}\n\n// More docs\n// that make\n// the file long\n// enough to\n// detect a rename\n"
)

// scripted is an agent whose answers a test sets per run; it keeps the prompts it got.
type scripted struct {
	mu      sync.Mutex
	answer  string
	files   map[string]string
	prompts []string
}

func (s *scripted) run(ctx context.Context, cfg agentConfig, req agentRequest, p progressFn) (agentResult, error) {
	s.mu.Lock()
	s.prompts = append(s.prompts, req.Prompt)
	answer, files := s.answer, s.files
	s.mu.Unlock()
	return writes(answer, files)(ctx, cfg, req, p)
}

func (s *scripted) set(answer string, files map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer, s.files = answer, files
}

func reviewAnswer(t *testing.T, verdict string, findings []review.Finding, fixed ...string) string {
	b, err := json.Marshal(map[string]any{"verdict": verdict, "findings": findings, "fixed": fixed})
	if err != nil {
		t.Fatal(err)
	}
	return "The change reads files.\n\n```json\n" + string(b) + "\n```\n"
}

// mrRequest is alice's note on the MR.
func (h *harness) mrRequest(iid int64, text string, discussionID string) trigger.Request {
	n := h.g.AddNote(h.proj.ID, fakegitlab.ThreadMR, strconv.FormatInt(iid, 10), h.alice.ID, text,
		fakegitlab.NoteOptions{DiscussionID: discussionID})
	task := trigger.TaskAnswer
	if trigger.IsReviewRequest(text) {
		task = trigger.TaskReview
	}
	return trigger.Request{Reason: trigger.ReasonMention, Task: task, Text: text, NoteID: n.ID, DiscussionID: n.DiscussionID,
		Project: event.Project{ID: h.proj.ID, Path: h.proj.Path, DefaultBranch: "main"},
		Thread:  event.Thread{Type: event.ThreadMergeRequest, IID: iid, Title: "Load files"},
		Author:  event.User{ID: h.alice.ID, Username: "alice"}}
}

// botDiscussions are the MR's discussions started by the bot on a diff line.
func (h *harness) botDiscussions(iid int64) []fakegitlab.Discussion {
	var out []fakegitlab.Discussion
	for _, d := range h.g.Discussions(h.proj.ID, fakegitlab.ThreadMR, strconv.FormatInt(iid, 10)) {
		if d.Notes[0].AuthorID == h.bot.ID && d.Notes[0].Position != nil {
			out = append(out, d)
		}
	}
	return out
}

func discussionWith(t *testing.T, ds []fakegitlab.Discussion, text string) fakegitlab.Discussion {
	t.Helper()
	var found []fakegitlab.Discussion
	for _, d := range ds {
		if strings.Contains(d.Notes[0].Body, text) {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d discussions say %q, want 1: %+v", len(found), text, ds)
	}
	return found[0]
}

// Review, re-review after a new commit, and "@claude fix this" in a finding's discussion, on a
// real diff with added, removed and unchanged lines and a renamed file.
func TestReviewReReviewAndFollowUp(t *testing.T) {
	agent := &scripted{}
	h := newHarness(t, agent.run)
	h.r.Settings.UseMR = false
	h.g.CommitChanges(h.proj.ID, "main", "main", map[string]string{"app.go": appBefore, "util.go": utilGo}, nil)
	h.g.CommitChanges(h.proj.ID, "main", "feature", map[string]string{"app.go": appAfter,
		"helpers.go": strings.Replace(utilGo, "return 1", "return 2", 1)}, nil, "util.go")
	mr := h.g.CreateMR(h.proj.ID, h.alice.ID, "feature", "main", "Load files", "")
	iid := strconv.FormatInt(mr.IID, 10)

	panics := review.Finding{Path: "app.go", NewLine: 7, Severity: "high", Text: "Panicking on a missing file crashes the server.", Suggestion: "\tif err != nil { return nil }"}
	keep := review.Finding{Path: "app.go", OldLine: 10, Severity: "medium", Text: "Keep is still called by the CLI."}
	load := review.Finding{Path: "app.go", NewLine: 5, Severity: "low", Text: "Load should say what a missing file returns."}
	renamed := review.Finding{Path: "helpers.go", NewLine: 5, Text: "Why does Util return 2 now?"}
	refused := review.Finding{Path: "app.go", NewLine: 6, Text: "GitLab will refuse this position."}
	outside := review.Finding{Path: "app.go", NewLine: 40, Text: "Not a line of the diff."}
	notInDiff := review.Finding{Path: "README.md", NewLine: 1, Text: "Document Load."}
	agent.set(reviewAnswer(t, "request changes", []review.Finding{refused, panics, keep, load, renamed, outside, notInDiff}), nil)
	// GitLab refuses the first comment's position: that finding moves to the summary.
	h.g.InjectFault(fakegitlab.Fault{Method: "POST", PathPattern: `/discussions$`, Status: 400})

	req := h.mrRequest(mr.IID, "@claude review this for security issues", "")
	if req.Task != trigger.TaskReview {
		t.Fatal("not a review request")
	}
	if err := h.handle(1, 1, 3, req); err != nil {
		t.Fatal(err)
	}
	if h.g.BranchSHA(h.proj.ID, "feature") != mr.SHA || len(h.g.MergeRequests(h.proj.ID)) != 1 {
		t.Fatal("a review pushed or opened something")
	}
	ds := h.botDiscussions(mr.IID)
	if len(ds) != 4 {
		t.Fatalf("%d diff discussions, want 4: %+v", len(ds), ds)
	}
	for _, c := range []struct {
		text             string
		oldPath, newPath string
		oldLine, newLine int64
	}{
		{"Panicking", "app.go", "app.go", 0, 7},          // added line
		{"Keep is still", "app.go", "app.go", 10, 0},     // removed line
		{"Load should", "app.go", "app.go", 5, 5},        // unchanged line
		{"Util return 2", "util.go", "helpers.go", 0, 5}, // renamed file
	} {
		p := discussionWith(t, ds, c.text).Notes[0].Position
		if p.OldPath != c.oldPath || p.NewPath != c.newPath || p.OldLine != c.oldLine || p.NewLine != c.newLine ||
			p.HeadSHA != mr.SHA || p.BaseSHA == "" || p.StartSHA == "" {
			t.Errorf("%q at %+v", c.text, p)
		}
	}
	contains(t, "the finding", discussionWith(t, ds, "Panicking").Notes[0].Body, "```suggestion:-0+0\n\tif err != nil { return nil }\n```")
	summary := h.answerOf(mr.IID, 1)
	contains(t, "the summary", summary, "Review: Request changes", "The change reads files.", "4 inline comments",
		"`app.go:6` — GitLab will refuse", "`app.go:40` — Not a line", "`README.md:1` — Document Load.")
	if strings.Contains(summary, "```json") {
		t.Fatalf("the json block is in the summary:\n%s", summary)
	}
	contains(t, "the prompt", agent.prompts[0], "How to review", "\"new_line\"", "for security issues")

	// Resumed after a crash that lost the record of a posted comment and of the answer.
	h.steps.forget(1, stepAnswered, review.StepFindingPrefix+panics.ID())
	if err := h.handle(1, 2, 3, req); err != nil {
		t.Fatal(err)
	}
	if n := len(h.botDiscussions(mr.IID)); n != 4 {
		t.Fatalf("the resumed review posted again: %d discussions", n)
	}

	// Re-review after a commit that fixes the panic and adds a new problem.
	fixed := strings.Replace(appAfter, "panic(err)", "return nil", 1) + "\nfunc Save(path string, b []byte) { os.WriteFile(path, b, 0o777) }\n"
	h.g.CommitChanges(h.proj.ID, "feature", "feature", map[string]string{"app.go": fixed}, nil)
	perm := review.Finding{Path: "app.go", NewLine: 15, Severity: "high", Text: "World-writable file mode.", Suggestion: "func Save(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }"}
	keepMoved := keep
	keepMoved.Text = "Keep is still called by the CLI!" // same remark, other punctuation
	agent.set(reviewAnswer(t, "comment", []review.Finding{keepMoved, renamed, perm}, panics.ID()), nil)
	if err := h.handle(2, 1, 3, h.mrRequest(mr.IID, "@claude review again please", "")); err != nil {
		t.Fatal(err)
	}
	contains(t, "the second prompt", agent.prompts[len(agent.prompts)-1], "id "+panics.ID(), "id "+keep.ID())
	ds = h.botDiscussions(mr.IID)
	if len(ds) != 5 {
		t.Fatalf("%d diff discussions after the re-review, want 5 (one new): %+v", len(ds), ds)
	}
	newOne := discussionWith(t, ds, "World-writable")
	if p := newOne.Notes[0].Position; p.NewLine != 15 || p.HeadSHA != h.g.BranchSHA(h.proj.ID, "feature") {
		t.Fatalf("new finding at %+v", p)
	}
	discussionWith(t, ds, "Keep is still")
	fixedD := discussionWith(t, ds, "Panicking")
	last := fixedD.Notes[len(fixedD.Notes)-1]
	if len(fixedD.Notes) != 2 || last.AuthorID != h.bot.ID || !strings.Contains(last.Body, "Fixed as of") || !last.Resolved {
		t.Fatalf("the fixed finding's discussion: %+v", fixedD.Notes)
	}
	contains(t, "the re-review summary", h.answerOf(mr.IID, 2), "1 inline comment,", "2 already raised", "1 earlier comment resolved as fixed")

	// "@claude fix this" in the new finding's discussion.
	before := h.g.BranchSHA(h.proj.ID, "feature")
	agent.set("Save now returns the error and creates the file with mode 0600.",
		map[string]string{"app.go": strings.Replace(fixed, "0o777", "0o600", 1)})
	if err := h.handle(3, 1, 3, h.mrRequest(mr.IID, "@claude fix this", newOne.ID)); err != nil {
		t.Fatal(err)
	}
	after := h.g.BranchSHA(h.proj.ID, "feature")
	if after == before || h.g.Parent(h.proj.ID, after) != before {
		t.Fatalf("the fix is not a commit on top of the source branch: %s → %s", before, after)
	}
	if file, _ := h.g.FileAt(h.proj.ID, after, "app.go"); !strings.Contains(file, "0o600") {
		t.Fatalf("app.go after the fix:\n%s", file)
	}
	contains(t, "the fix prompt", agent.prompts[len(agent.prompts)-1], `<review_comment path="app.go" line="15">`, "World-writable file mode.")
	var d fakegitlab.Discussion
	for _, x := range h.g.Discussions(h.proj.ID, fakegitlab.ThreadMR, iid) {
		if x.ID == newOne.ID {
			d = x
		}
	}
	reply := d.Notes[len(d.Notes)-1]
	if len(d.Notes) != 3 || reply.AuthorID != h.bot.ID || !strings.Contains(reply.Body, "Commit [`"+after[:8]) || !reply.Resolved {
		t.Fatalf("the finding's discussion after the fix: %+v", d.Notes)
	}
	if n := len(h.botDiscussions(mr.IID)); n != 5 || len(h.g.MergeRequests(h.proj.ID)) != 1 {
		t.Fatalf("the fix started %d discussions / MRs %d", n, len(h.g.MergeRequests(h.proj.ID)))
	}
}

// answerOf is the final note of job id on the MR.
func (h *harness) answerOf(iid, id int64) string {
	h.t.Helper()
	for _, n := range h.g.Notes(h.proj.ID, fakegitlab.ThreadMR, strconv.FormatInt(iid, 10)) {
		if n.AuthorID == h.bot.ID && strings.Contains(n.Body, marker.Job(id)) && strings.Contains(n.Body, "turns ·") {
			return n.Body
		}
	}
	h.t.Fatalf("no answer of job %d", id)
	return ""
}
