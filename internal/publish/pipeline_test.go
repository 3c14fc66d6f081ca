package publish

import (
	"context"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate/jobstatetest"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/workspace"
)

func TestPipelineHeading(t *testing.T) {
	cases := []struct {
		pl             trigger.PipelineRef
		attempt, limit int
		want           string
	}{
		{trigger.PipelineRef{ID: 12, Branch: "claude/x"}, 1, 2, "🔧 **Pipeline #12 failed** on `claude/x`: fix 1 of at most 2 (`PIPELINE_FIX_ATTEMPTS`)."},
		{trigger.PipelineRef{ID: 7, Branch: "claude/issue-3-fix"}, 3, 3, "🔧 **Pipeline #7 failed** on `claude/issue-3-fix`: fix 3 of at most 3 (`PIPELINE_FIX_ATTEMPTS`)."},
	}
	for _, c := range cases {
		if got := PipelineHeading(&c.pl, c.attempt, c.limit); got != c.want {
			t.Errorf("PipelineHeading(%+v, %d, %d) = %q, want %q", c.pl, c.attempt, c.limit, got, c.want)
		}
	}
}

func TestPipelineNotes(t *testing.T) {
	pl := &trigger.PipelineRef{ID: 12, Branch: "claude/x", SHA: "abc"}
	helpCases := []struct {
		url   string
		limit int
		want  string
	}{
		{"https://gitlab.example.com/g/p/-/pipelines/12", 2, "🆘 **The pipeline still fails** on `claude/x` ([pipeline #12](https://gitlab.example.com/g/p/-/pipelines/12)). " +
			"I tried to fix it 2 times (`PIPELINE_FIX_ATTEMPTS`) and stop here: could a human have a look, please?\n\n" + marker.PipelineHelp},
		{"", 3, "🆘 **The pipeline still fails** on `claude/x` (pipeline #12). " +
			"I tried to fix it 3 times (`PIPELINE_FIX_ATTEMPTS`) and stop here: could a human have a look, please?\n\n" + marker.PipelineHelp},
	}
	for _, c := range helpCases {
		if got := PipelineHelpNote(trigger.Request{URL: c.url, Pipeline: pl}, c.limit); got != c.want {
			t.Errorf("PipelineHelpNote(%q, %d) = %q, want %q", c.url, c.limit, got, c.want)
		}
	}
	want := marker.PipelineFix + "\n🔧 **Pipeline #12 failed** on `claude/x`: fix 1 of at most 2 (`PIPELINE_FIX_ATTEMPTS`).\n\nFixed the test."
	if got := PipelineFixNote(pl, 1, 2, "Fixed the test."); got != want {
		t.Errorf("PipelineFixNote = %q, want %q", got, want)
	}
	progress := PipelineProgress(42, "https://bot.example.com/jobs/42")
	if want := Progress(42, "https://bot.example.com/jobs/42", []Step{{Text: "Read the logs of the failed jobs"}}) + "\n" + marker.PipelineFix; progress != want {
		t.Errorf("PipelineProgress = %q, want %q", progress, want)
	}
}

// A fix goes on top of the commit that failed, onto the bot's branch, with one rebase over a
// push made meanwhile; it is pushed once, and a job that changed nothing pushes nothing.
func TestPushFixOnceOntoTheFailedBranch(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	failed := w.g.CommitFiles(w.proj.ID, "main", "claude/fix", map[string]string{"app.go": "broken\n"})
	ws := w.worktreeAt(ctx, failed, "app.go", "fixed\n")
	w.g.CommitFiles(w.proj.ID, "claude/fix", "claude/fix", map[string]string{"other.txt": "theirs\n"})
	commit, _ := ws.Head(ctx)
	steps := jobstatetest.Steps{}
	j := w.job(1, 1, steps, ws)
	j.Request.Pipeline = &trigger.PipelineRef{ID: 12, Branch: "claude/fix", SHA: failed}
	if err := w.publisher().PushFix(ctx, j, Change{Commit: commit, Base: failed}); err != nil {
		t.Fatal(err)
	}
	head, _ := ws.Head(ctx)
	var pu Pushed
	if !steps.Get(StepPushed, &pu) || pu.Branch != "claude/fix" || pu.SHA != head || head == commit {
		t.Fatalf("pushed = %+v (rebased head %s, commit %s)", pu, head, commit)
	}
	for file, want := range map[string]string{"app.go": "fixed\n", "other.txt": "theirs\n"} {
		if got, err := w.g.FileAt(w.proj.ID, "claude/fix", file); err != nil || got != want {
			t.Errorf("the branch's %s = %q, %v; want %q", file, got, err, want)
		}
	}
	j.Worktree = func(context.Context) (*workspace.Workspace, error) {
		t.Fatal("a pushed fix prepared a worktree again")
		return nil, nil
	}
	if err := w.publisher().PushFix(ctx, j, Change{Commit: commit, Base: failed}); err != nil {
		t.Errorf("PushFix after the push: %v", err)
	}
	none := jobstatetest.Steps{}
	j.Steps = none
	if err := w.publisher().PushFix(ctx, j, Change{Base: failed}); err != nil || len(none) != 0 {
		t.Errorf("PushFix of no change = %v, steps %v", err, none)
	}
}
