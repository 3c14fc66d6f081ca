package pipelinefix

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/gitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

const bot, human = 9, 5

func fix(job int64) string { return "🔧 fixed\n" + marker.PipelineFix + "\n" + marker.Job(job) }

// notes are an MR's notes with two fix notes of the bot (jobs 1 and 3) among others.
var notes = []gitlab.Note{
	{AuthorID: bot, Body: fix(1)},
	{AuthorID: bot, Body: "an answer\n" + marker.Job(2)},
	{AuthorID: human, Body: "> " + fix(1)},
	{AuthorID: bot, Body: "help\n" + marker.PipelineHelp},
	{AuthorID: bot, Body: fix(3)},
}

// Attempts are the bot's fix notes on the MR: not its other notes, not a human quoting one, not
// the note of the job counting.
func TestCountFixes(t *testing.T) {
	if n := CountFixes(notes, bot, 7); n != 2 {
		t.Fatalf("counted %d fixes, want 2", n)
	}
	if n := CountFixes(notes, bot, 3); n != 1 {
		t.Fatalf("counted %d fixes with job 3's own note, want 1", n)
	}
}

func TestAttempt(t *testing.T) {
	cases := []struct {
		notes  []gitlab.Note
		ownJob int64
		limit  int
		want   int
	}{
		{nil, 7, 2, 1},
		{notes, 7, 2, 0},
		{notes, 7, 3, 3},
		{notes, 3, 2, 2}, // job 3 resumed: its own note is not an earlier fix
		{notes[:1], 7, 1, 0},
		{notes[:1], 1, 1, 1},
	}
	for _, c := range cases {
		if got := Attempt(c.notes, bot, c.ownJob, c.limit); got != c.want {
			t.Errorf("Attempt(%d notes, job %d, limit %d) = %d, want %d", len(c.notes), c.ownJob, c.limit, got, c.want)
		}
	}
}

// mrNotes are a merge request's notes as ListNotes returns them.
type mrNotes struct {
	notes []gitlab.Note
	err   error
	opts  gitlab.ListNotesOptions
}

func (m *mrNotes) ListNotes(_ context.Context, _ gitlab.ThreadRef, opts gitlab.ListNotesOptions) ([]gitlab.Note, error) {
	m.opts = opts
	return m.notes, m.err
}

func TestReadAttempt(t *testing.T) {
	ctx := context.Background()
	mr := gitlab.ThreadRef{ProjectID: 1, Type: gitlab.TypeMergeRequest, IID: 4}
	m := &mrNotes{notes: notes}
	if got, err := ReadAttempt(ctx, m, mr, bot, 7, 3); err != nil || got != 3 || !m.opts.ExcludeSystem {
		t.Fatalf("ReadAttempt = %d, %v (system notes excluded: %v); want 3", got, err, m.opts.ExcludeSystem)
	}
	if got, err := ReadAttempt(ctx, m, mr, bot, 7, 2); err != nil || got != 0 {
		t.Fatalf("ReadAttempt past the limit = %d, %v; want 0", got, err)
	}
	if _, err := ReadAttempt(ctx, &mrNotes{err: errors.New("503")}, mr, bot, 7, 2); err == nil || !strings.Contains(err.Error(), "read the merge request's notes") {
		t.Fatalf("ReadAttempt with GitLab failing: %v", err)
	}
}

func TestLimit(t *testing.T) {
	for setting, want := range map[int]int{0: DefaultAttempts, -1: DefaultAttempts, 1: 1, 5: 5} {
		if got := Limit(setting); got != want {
			t.Errorf("Limit(%d) = %d, want %d", setting, got, want)
		}
	}
	if DefaultAttempts != 2 {
		t.Errorf("DefaultAttempts = %d, want 2 (PIPELINE_FIX_ATTEMPTS' documented default)", DefaultAttempts)
	}
}

// ci is the fake GitLab with one project, and a client for the bot.
func ci(t *testing.T) (*fakegitlab.GitLab, *gitlab.Client, fakegitlab.Project, int64) {
	t.Helper()
	g, err := fakegitlab.New(fakegitlab.Options{RateLimitPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	b := g.AddUser("claude-bot", "Claude", true)
	token := g.AddToken(b.ID, []string{"api"}, time.Now().Add(24*time.Hour), "project")
	proj := g.AddProject("acme/demo", "main", map[string]string{"README.md": "# demo\n"})
	g.AddMember(proj.ID, b.ID, fakegitlab.Developer)
	gl, err := gitlab.New(gitlab.Config{BaseURL: g.URL(), Token: func() string { return token }, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return g, gl, proj, b.ID
}

// The logs are the ends of the failed jobs' logs, cleaned and redacted, of at most 5 jobs.
func TestFailedLogsAreBoundedEndsOfTheLogs(t *testing.T) {
	g, gl, proj, botID := ci(t)
	long := "\x1b[31mstart\x1b[0m\r\n" + strings.Repeat("x", 9<<10) + "\nFAIL: token sk-secret leaked\r\n"
	failed := map[string]string{"a-unit": long, "b-lint": "lint failed\n"}
	for _, n := range []string{"c", "d", "e", "f"} {
		failed[n+"-more"] = n + " failed\n"
	}
	id, _, _ := g.FailPipelineEvent(proj.ID, "main", botID, failed)
	redact := func(s string) string { return strings.ReplaceAll(s, "sk-secret", "[REDACTED]") }
	logs, err := FailedLogs(context.Background(), gl, proj.ID, id, redact)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 5 {
		t.Fatalf("%d logs, want at most 5: %+v", len(logs), logs)
	}
	unit, lint := logs[0], logs[1]
	if unit.Name != "a-unit" || unit.Stage != "test" || !strings.Contains(unit.URL, "/-/jobs/") || !unit.Cut {
		t.Errorf("the first job = %+v", unit)
	}
	if len(unit.Log) > 8<<10 || strings.Contains(unit.Log, "start") || !strings.HasSuffix(unit.Log, "FAIL: token [REDACTED] leaked\n") {
		t.Errorf("the cut log is %d bytes ending %q", len(unit.Log), unit.Log[max(0, len(unit.Log)-40):])
	}
	if lint.Name != "b-lint" || lint.Log != "lint failed\n" || lint.Cut {
		t.Errorf("the second job = %+v", lint)
	}
}

// A child pipeline's failure shows in the parent only as a failed bridge: its jobs' logs are read.
func TestFailedLogsOfAChildPipeline(t *testing.T) {
	g, gl, proj, botID := ci(t)
	parent, _, _, _, _ := g.ChildPipelineEvents(proj.ID, "main", botID, map[string]string{"child-test": "\x1b[1mchild failed\x1b[0m\n"})
	logs, err := FailedLogs(context.Background(), gl, proj.ID, parent, func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 || logs[0].Name != "child-test" || logs[0].Log != "child failed\n" {
		t.Fatalf("logs = %+v", logs)
	}
}

func TestLeftAlone(t *testing.T) {
	pl := trigger.PipelineRef{ID: 77, Branch: "claude/issue-1", SHA: "aaa"}
	mr := func(sha string) *gitlab.MR { return &gitlab.MR{SHA: sha} }
	cases := []struct {
		name    string
		pl      trigger.PipelineRef
		mr      *gitlab.MR
		outcome string // "": fixed on the MR
	}{
		{"no open merge request", pl, nil, "no open merge request from claude/issue-1"},
		{"the MR is at the failed commit", pl, mr("aaa"), ""},
		{"the branch moved on", pl, mr("bbb"), "the branch moved on since pipeline 77"},
		{"the MR's head unknown", pl, mr(""), ""},
		{"the pipeline's commit unknown", trigger.PipelineRef{ID: 77, Branch: "claude/issue-1"}, mr("bbb"), ""},
	}
	for _, c := range cases {
		skip, left := LeftAlone(c.pl, c.mr)
		if left != (c.outcome != "") || skip.Outcome != c.outcome || left == (skip.Log == "") {
			t.Errorf("%s: LeftAlone = %+v, %v; want outcome %q", c.name, skip, left, c.outcome)
		}
	}
}
