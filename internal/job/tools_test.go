package job

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// toolAgent plays the CLI with the GitLab tools: it connects with the run's capability (as the
// helper does), lists the tools, calls those a test scripts, then answers.
type toolAgent struct {
	mu      sync.Mutex
	answer  string
	calls   []mcp.CallToolParams
	offered [][]string
	caps    []string
	errs    []string
}

func (a *toolAgent) run(ctx context.Context, _ agentConfig, req agentRequest, _ progressFn) (agentResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if req.Tools == nil {
		a.offered = append(a.offered, nil)
		return agentResult{Text: a.answer, NumTurns: 1}, nil
	}
	a.caps = append(a.caps, req.Tools.Capability)
	sess, err := dialTools(ctx, req.Tools.Socket, req.Tools.Capability)
	if err != nil {
		return agentResult{}, err
	}
	defer sess.Close()
	list, err := sess.ListTools(ctx, nil)
	if err != nil {
		return agentResult{}, err
	}
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	a.offered = append(a.offered, names)
	for _, c := range a.calls {
		if !slices.Contains(names, c.Name) {
			continue
		}
		res, err := sess.CallTool(ctx, &c)
		if err != nil {
			return agentResult{}, err
		}
		if res.IsError {
			a.errs = append(a.errs, fmt.Sprint(res.Content))
		}
	}
	return agentResult{Text: a.answer, NumTurns: 2}, nil
}

func dialTools(ctx context.Context, socket, capability string) (*mcp.ClientSession, error) {
	c, err := net.Dial("unix", socket)
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(c, "capability %s\n", capability); err != nil {
		return nil, err
	}
	return mcp.NewClient(&mcp.Implementation{Name: "fake-cli", Version: "1"}, nil).Connect(ctx, &mcp.IOTransport{Reader: c, Writer: c}, nil)
}

func withTools(t *testing.T, h *harness) {
	t.Helper()
	srv, err := mcptools.New(h.r.GitLab.(*gitlab.Client), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	h.r.Tools, h.r.Settings.ToolsBinary = srv, "/unused/claude-gitlab"
	h.r.Settings.Agent.AllowedTools = []string{"Read", "mcp__gitlab"}
}

// A review's findings given through add_finding are posted on the diff with those of its
// answer, once each, also when the job resumes after a crash; the capability ends with the run.
func TestReviewFindingsThroughTheTool(t *testing.T) {
	a := &toolAgent{}
	h := newHarness(t, a.run)
	withTools(t, h)
	h.g.CommitChanges(h.proj.ID, "main", "main", map[string]string{"app.go": appBefore}, nil)
	h.g.CommitChanges(h.proj.ID, "main", "feature", map[string]string{"app.go": appAfter}, nil)
	mr := h.g.CreateMR(h.proj.ID, h.alice.ID, "feature", "main", "Load files", "")
	inAnswer := review.Finding{Path: "app.go", NewLine: 7, Severity: "high", Text: "Panicking on a missing file crashes the server."}
	a.answer = reviewAnswer(t, "request changes", []review.Finding{inAnswer})
	a.calls = []mcp.CallToolParams{
		{Name: "read_merge_request", Arguments: map[string]any{"iid": mr.IID}},
		{Name: "update_progress", Arguments: map[string]any{"steps": []map[string]any{{"text": "Read app.go", "done": true}, {"text": "Check the error paths"}}}},
		{Name: "add_finding", Arguments: map[string]any{"path": "app.go", "new_line": 5, "severity": "low", "text": "Load should say what a missing file returns."}},
		{Name: "add_finding", Arguments: map[string]any{"path": "app.go", "new_line": 7, "text": "Panicking on a missing file crashes the server!"}}, // the answer's, again
	}
	req := h.mrRequest(mr.IID, "@claude review this", "")
	if err := h.handle(1, 1, 3, req); err != nil {
		t.Fatal(err)
	}
	if len(a.errs) > 0 {
		t.Fatalf("tool errors: %v", a.errs)
	}
	want := append(slices.Clone(mcptools.ReadTools), "add_finding", "update_progress")
	slices.Sort(want)
	if !slices.Equal(a.offered[0], want) {
		t.Errorf("a review was offered %v, want %v", a.offered[0], want)
	}
	ds := h.botDiscussions(mr.IID)
	if len(ds) != 2 {
		t.Fatalf("%d diff discussions, want 2 (the answer's and the tool's, the repeat once): %+v", len(ds), ds)
	}
	discussionWith(t, ds, "Load should say")
	contains(t, "the summary", h.answerOf(mr.IID, 1), "2 inline comments")

	// The run is over: its capability opens nothing any more.
	if sess, err := dialTools(context.Background(), h.r.Tools.Socket(), a.caps[0]); err == nil {
		sess.Close()
		t.Errorf("the review's capability still worked after its run")
	}

	// Resumed after a crash that lost the record of the tool's finding and of the answer.
	var toolFinding review.Finding
	toolFinding.Path, toolFinding.Text = "app.go", "Load should say what a missing file returns."
	h.steps.forget(1, stepAnswered, review.StepFindingPrefix+toolFinding.ID())
	if err := h.handle(1, 2, 3, req); err != nil {
		t.Fatal(err)
	}
	if n := len(h.botDiscussions(mr.IID)); n != 2 {
		t.Fatalf("the resumed review posted again: %d discussions", n)
	}
	if len(a.offered) != 1 {
		t.Errorf("the resumed review ran Claude again")
	}
}

// An answer job gets the read tools and the checklist, not add_finding; without mcp__gitlab in
// the allowed tools it gets none.
func TestToolsOfferedByTask(t *testing.T) {
	a := &toolAgent{answer: "Done."}
	h := newHarness(t, a.run)
	withTools(t, h)
	a.calls = []mcp.CallToolParams{{Name: "update_progress", Arguments: map[string]any{"steps": []map[string]any{{"text": "Looked at issue one", "done": true}}}}}
	req := h.request("Question", "@claude what does README say?")
	if err := h.handle(1, 1, 3, req); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(mcptools.ReadTools), "update_progress")
	slices.Sort(want)
	if !slices.Equal(a.offered[0], want) || len(a.errs) > 0 {
		t.Errorf("an answer job was offered %v (errors %v), want %v", a.offered[0], a.errs, want)
	}
	h.r.Settings.Agent.AllowedTools = []string{"Read"}
	if err := h.handle(2, 1, 3, h.request("Another", "@claude and now?")); err != nil {
		t.Fatal(err)
	}
	if a.offered[1] != nil {
		t.Errorf("tools offered without mcp__gitlab in the allowed tools: %v", a.offered[1])
	}
}

// Another project of gitlab_tools_projects is open to a job only when its requester may read it
// too: the bot's own access is not the measure.
func TestToolProjectsNeedTheRequestersAccess(t *testing.T) {
	h := newHarness(t, (&toolAgent{}).run)
	lib := h.g.AddProject("acme/lib", "main", map[string]string{"LIB.md": "lib\n"})
	h.g.AddMember(lib.ID, h.bot.ID, fakegitlab.Developer)
	j := &job{req: h.request("Q", "@claude hi"), settings: Settings{ToolProjects: []string{"acme/lib", "acme/missing"}}}
	if got := h.r.toolProjects(context.Background(), j); len(got) != 0 {
		t.Errorf("a private project alice cannot read was opened: %v", got)
	}
	h.g.AddMember(lib.ID, h.alice.ID, fakegitlab.Reporter)
	if got := h.r.toolProjects(context.Background(), j); !slices.Equal(got, []string{"acme/lib"}) {
		t.Errorf("projects = %v, want [acme/lib]", got)
	}
}

// A thread we answered before whose session was not kept (a review, a run before sessions, a
// lost record) gets a fresh session with the whole thread, and the footer says so.
func TestMissingSessionIsSaid(t *testing.T) {
	h := newHarness(t, writes("Fresh answer.", nil))
	db, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.r.Sessions = db
	first := h.request("Q", "@claude first")
	if err := h.handle(1, 1, 3, first); err != nil {
		t.Fatal(err)
	}
	if body := h.botNotes(first)[0].Body; strings.Contains(body, "Session:") {
		t.Errorf("a first answer speaks of a session:\n%s", body)
	}
	n := h.g.AddNote(h.proj.ID, fakegitlab.ThreadIssue, strconv.FormatInt(first.Thread.IID, 10), h.alice.ID, "@claude again")
	again := first
	again.NoteID, again.DiscussionID, again.Text = n.ID, n.DiscussionID, "@claude again"
	if err := h.handle(2, 1, 3, again); err != nil {
		t.Fatal(err)
	}
	notes := h.botNotes(first)
	contains(t, "the second answer", notes[len(notes)-1].Body, "Session: a fresh one with the whole thread: no session of the earlier answers here was kept")
}
