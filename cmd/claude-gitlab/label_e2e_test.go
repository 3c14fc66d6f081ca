package main

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// LABEL_TRIGGER through the binary: alice adds the label, the description is answered and the
// bot takes the label off; an edit that keeps a label does not ask; adding it again asks again.
// A Reporter's label gets the polite refusal (and the label is taken off too).
func TestLabelTriggerAddedRemovedReadded(t *testing.T) {
	w := newWorld(t)
	issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Explain the handler", "What does handler/user.go return?", false)
	ev, body := w.g.LabelIssueEvent(w.proj.ID, issue.IID, w.alice.ID, "bug", "claude")
	w.deliver(ev, body, http.StatusAccepted)
	w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
	w.waitFor("the bot to remove the label", 10*time.Second, func() bool {
		return slices.Equal(w.g.Labels(w.proj.ID, fakegitlab.ThreadIssue, issue.IID), []string{"bug"})
	})

	ev, body = w.g.LabelIssueEvent(w.proj.ID, issue.IID, w.alice.ID, "bug", "backend") // no trigger label added
	w.deliver(ev, body, http.StatusOK)
	ev, body = w.g.LabelIssueEvent(w.proj.ID, issue.IID, w.alice.ID, "bug", "backend", "claude")
	w.deliver(ev, body, http.StatusAccepted)
	w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 2)
	w.waitFor("the bot to remove the label again", 10*time.Second, func() bool {
		return slices.Equal(w.g.Labels(w.proj.ID, fakegitlab.ThreadIssue, issue.IID), []string{"bug", "backend"})
	})

	// A Reporter's label is refused like a Reporter's mention.
	rita := w.g.AddUser("rita", "Rita", false)
	w.g.AddMember(w.proj.ID, rita.ID, fakegitlab.Reporter)
	other := w.g.CreateIssue(w.proj.ID, rita.ID, "Please", "Rewrite main.go", false)
	ev, body = w.g.LabelIssueEvent(w.proj.ID, other.IID, rita.ID, "claude")
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(other.IID), 1)
	if !contains(notes[len(notes)-1].Body, "only project members") {
		t.Fatalf("a Reporter's label: %+v", notes)
	}
	w.waitFor("the label off after the refusal", 10*time.Second, func() bool {
		return len(w.g.Labels(w.proj.ID, fakegitlab.ThreadIssue, other.IID)) == 0
	})
}
