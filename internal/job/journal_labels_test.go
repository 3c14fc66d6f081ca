package job

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/journal"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/publish"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// Every step a job records reads as words on its page, never as its raw name ("followup").
func TestStepsReadAsWords(t *testing.T) {
	if stepAnswered != store.OutcomeStep {
		t.Fatalf("stepAnswered %q is not the step the queue reads outcomes from (%q)", stepAnswered, store.OutcomeStep)
	}
	for name, value := range map[string]string{
		review.StepFollowUp: `{"discussion_id":"d1","path":"main.go","line":7,"text":"x"}`, review.StepFollowUpResolved: "d1",
		stepPipelineMR: "4", stepPipelineAttempt: "1", review.StepVersion: `{"id":3}`, review.StepFindingPrefix + "ab12": "d2",
		review.StepFixedPrefix + "cd34": "d3", stepAnswered + "_part_2": "99", stepWaiting: "2026-01-01T10:05:00Z",
		stepAward: "eyes", stepNote: "5", stepAnswered: "answered: edited wiki page home (abc12345)",
	} {
		_, text := journal.StepLine(name, value)
		if text == "" || text == name || strings.Contains(text, "_") && !strings.Contains(text, "PIPELINE_FIX") {
			t.Errorf("step %s reads %q", name, text)
		}
	}
	if _, text := journal.StepLine(review.StepFollowUp, "none"); text != "" {
		t.Errorf("a request that is no follow-up reads %q, want nothing", text)
	}
	if kind, text := journal.StepLine(stepAnswered, "failed: GitLab refused the bot's token."); kind != journal.KindError || text != "GitLab refused the bot's token." {
		t.Errorf("a failure reads %s %q", kind, text)
	}
}

// The journal reads the job's own records of its steps: their JSON is the contract between them.
func TestStepRecordsReadByTheJournal(t *testing.T) {
	for name, c := range map[string]struct {
		record any
		want   string
	}{
		stepResult: {outcome{Turns: 3, CostUSD: 0.25, Duration: 90 * time.Second, Commit: "0123456789abcdef"},
			"Claude finished: 3 turns, $0.2500, 1m30s, committed 01234567"},
		stepBranch:          {publish.BranchIntent{Name: "claude/issue-4", SHA: "0123456789abcdef"}, "Pushing to the new branch claude/issue-4"},
		stepPushed:          {publish.Pushed{Branch: "claude/issue-4", SHA: "0123456789abcdef"}, "Pushed 01234567 to claude/issue-4"},
		stepMR:              {publish.OpenedMR{IID: 9}, "Merge request !9 opened"},
		review.StepFollowUp: {prompt.FollowUp{Path: "main.go", Line: 7}, "Fixing the review comment on main.go:7"},
	} {
		raw, err := json.Marshal(c.record)
		if err != nil {
			t.Fatal(err)
		}
		if kind, text := journal.StepLine(name, string(raw)); kind != journal.KindStep || text != c.want {
			t.Errorf("step %s reads %s %q, want %q", name, kind, text, c.want)
		}
	}
	if _, text := journal.StepLine(stepResult, `{"turns":1}`); !strings.HasSuffix(text, "no change to the files") {
		t.Errorf("a run without a commit reads %q", text)
	}
}

// The jobs metric counts outcomes in jobstate's words, once per finished job.
func TestMetricCountsOutcomesInTheSharedWords(t *testing.T) {
	h := newHarness(t, writes("the answer", nil))
	m := metrics.New()
	h.r.Metrics = m
	if err := h.handle(1, 1, 5, h.request("Q", "@claude what?")); err != nil {
		t.Fatal(err)
	}
	bot := h.request("Q2", "@claude mine")
	bot.Author.ID, bot.Author.Username = h.bot.ID, "claude-bot"
	if err := h.handle(2, 1, 5, bot); err != nil {
		t.Fatal(err)
	}
	if a, s := testutil.ToFloat64(m.Jobs.WithLabelValues("answered")), testutil.ToFloat64(m.Jobs.WithLabelValues("skipped")); a != 1 || s != 1 {
		t.Fatalf("answered %v, skipped %v; want 1 and 1", a, s)
	}
	if n := testutil.CollectAndCount(m.Jobs); n != 2 {
		t.Fatalf("%d outcome labels, want 2", n)
	}
}
