package job

import (
	"strconv"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// An automatic review runs for a developer's MR, and skips quietly (no note, no run) for an
// author below MIN_ACCESS_LEVEL and for a project whose settings file turns auto_review off.
func TestAutoReviewGates(t *testing.T) {
	agent := &scripted{}
	h := newHarness(t, agent.run)
	h.r.Settings.AutoReview = true
	agent.set(reviewAnswer(t, "approve", []review.Finding{{Path: "app.go", NewLine: 1, Text: "Fine."}}), nil)
	guest := h.g.AddUser("guest", "Guest", false)
	h.g.AddMember(h.proj.ID, guest.ID, fakegitlab.Reporter)
	h.g.CommitFiles(h.proj.ID, "main", "feature", map[string]string{"app.go": "package app\n"})
	mr := h.g.CreateMR(h.proj.ID, h.alice.ID, "feature", "main", "App", "")
	auto := func(author fakegitlab.User) trigger.Request {
		return trigger.Request{Reason: trigger.ReasonAutoReview, Task: trigger.TaskReview,
			Project: event.Project{ID: h.proj.ID, Path: h.proj.Path, DefaultBranch: "main"},
			Thread:  event.Thread{Type: event.ThreadMergeRequest, IID: mr.IID, Title: "App"},
			Author:  event.User{ID: author.ID, Username: author.Username}}
	}
	count := func() int { return len(h.g.Notes(h.proj.ID, fakegitlab.ThreadMR, strconv.FormatInt(mr.IID, 10))) }

	if err := h.handle(1, 1, 3, auto(guest)); err != nil || count() != 0 || len(agent.prompts) != 0 {
		t.Fatalf("a reporter's MR: err %v, %d notes, %d runs", err, count(), len(agent.prompts))
	}
	if err := h.handle(2, 1, 3, auto(h.alice)); err != nil || len(h.botDiscussions(mr.IID)) != 1 {
		t.Fatalf("a developer's MR: err %v, discussions %+v", err, h.botDiscussions(mr.IID))
	}
	h.answerOf(mr.IID, 2)
	h.g.CommitFiles(h.proj.ID, "main", "main", map[string]string{".claude-gitlab.yml": "auto_review: false\n"})
	before := count()
	if err := h.handle(3, 1, 3, auto(h.alice)); err != nil || count() != before || len(agent.prompts) != 1 {
		t.Fatalf("auto_review off: err %v, %d notes (had %d), %d runs", err, count(), before, len(agent.prompts))
	}
}
