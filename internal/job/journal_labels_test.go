package job

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/metrics"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// Every step a job records reads as words on its page, never as its raw name ("followup").
func TestStepsReadAsWords(t *testing.T) {
	if stepAnswered != store.OutcomeStep {
		t.Fatalf("stepAnswered %q is not the step the queue reads outcomes from (%q)", stepAnswered, store.OutcomeStep)
	}
	for name, value := range map[string]string{
		stepFollowUp: `{"discussion_id":"d1","path":"main.go","line":7,"text":"x"}`, stepResolved: "d1",
		stepPipelineMR: "4", stepPipelineAttempt: "1", stepReviewVersion: `{"id":3}`, stepFindingPrefix + "ab12": "d2",
		stepFixedPrefix + "cd34": "d3", stepAnswered + "_part_2": "99", stepWaiting: "2026-01-01T10:05:00Z",
		stepAward: "eyes", stepNote: "5", stepAnswered: "answered: edited wiki page home (abc12345)",
	} {
		_, text := stepLine(name, value)
		if text == "" || text == name || strings.Contains(text, "_") && !strings.Contains(text, "PIPELINE_FIX") {
			t.Errorf("step %s reads %q", name, text)
		}
	}
	if _, text := stepLine(stepFollowUp, "none"); text != "" {
		t.Errorf("a request that is no follow-up reads %q, want nothing", text)
	}
	if kind, text := stepLine(stepAnswered, "failed: GitLab refused the bot's token."); kind != "error" || text != "GitLab refused the bot's token." {
		t.Errorf("a failure reads %s %q", kind, text)
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
