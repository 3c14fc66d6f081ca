package job

import (
	"context"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// spentJournal is a Journal whose project spent a fixed amount today.
type spentJournal struct{ spent float64 }

func (spentJournal) Begin(context.Context, int64, trigger.Request)              {}
func (spentJournal) Record(context.Context, int64, string, string)              {}
func (spentJournal) AddRun(context.Context, int64, float64, int, time.Duration) {}
func (spentJournal) Finish(context.Context, int64, string)                      {}
func (s spentJournal) SpentSince(context.Context, int64, time.Time) (float64, error) {
	return s.spent, nil
}

// Once the project's daily budget is spent, a request in a thread gets one reply and no run; a
// wiki page has no thread, so its request is refused in the log and the job's outcome only.
func TestBudgetSpentRefusesWithAReplyInAThreadOnly(t *testing.T) {
	h := newHarness(t, func(context.Context, agent.Config, agent.Request, func(agent.Progress)) (agent.Result, error) {
		t.Error("the agent ran past a spent budget")
		return agent.Result{}, nil
	})
	h.r.Settings.DailyBudgetUSD = 1
	h.r.Journal = spentJournal{spent: 1.25}

	req := h.request("Crash", "@claude-bot fix it")
	if err := h.handle(1, 1, 3, req); err != nil {
		t.Fatal(err)
	}
	contains(t, "outcome", h.steps.get(1, stepAnswered), "refused: daily budget spent")
	if notes := h.botNotes(req); len(notes) != 1 {
		t.Fatalf("%d notes in the thread, want the one reply", len(notes))
	} else {
		contains(t, "the reply", notes[0].Body, "daily budget", "$1.25 of $1.00 today")
	}

	wiki := trigger.Request{Reason: trigger.ReasonMention, Task: trigger.TaskWikiEdit, Text: "@claude-bot add a summary",
		Project: event.Project{ID: h.proj.ID, Path: h.proj.Path}, Author: event.User{ID: h.alice.ID, Username: "alice"},
		Wiki: &trigger.WikiRef{Slug: "home", Title: "Home"}}
	if err := h.handle(2, 1, 3, wiki); err != nil {
		t.Fatal(err)
	}
	contains(t, "wiki outcome", h.steps.get(2, stepAnswered), "refused: daily budget spent")
	if h.steps.get(2, stepNote) != "" {
		t.Fatalf("the wiki request was answered somewhere: note %s", h.steps.get(2, stepNote))
	}
}
