package main

import (
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// The seed's three first requests: a question and a review request in issues, and a review of an
// MR. Each gets exactly one answer, in its own thread, with 👀 on the request.
func TestSeedRequestsGetExactlyOneAnswerEach(t *testing.T) {
	w := newWorld(t)
	issue1 := w.g.CreateIssue(w.proj.ID, w.alice.ID, "What is this?", "New here.", false)
	issue2 := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Entry point", "", false)
	mr := w.mrWithChange(t, "feature/login", "login.go", "package main\n\nfunc login() {}\n")

	ev, body := w.g.IssueNoteEvent(w.proj.ID, issue1.IID, w.alice.ID, "@claude Hello! Can you help me understand what this service does?")
	w.deliver(ev, body, http.StatusAccepted)
	ev, body = w.g.IssueNoteEvent(w.proj.ID, issue2.IID, w.alice.ID, "@claude Please review the main entry point file and suggest any improvements.")
	w.deliver(ev, body, http.StatusAccepted)
	ev, body = w.g.MRNoteEvent(w.proj.ID, mr.IID, w.alice.ID, "@claude Please review this MR for: security vulnerabilities, performance issues, code style consistency, missing error handling")
	w.deliver(ev, body, http.StatusAccepted)

	for _, c := range []struct {
		kind fakegitlab.ThreadType
		iid  int64
	}{{fakegitlab.ThreadIssue, issue1.IID}, {fakegitlab.ThreadIssue, issue2.IID}, {fakegitlab.ThreadMR, mr.IID}} {
		notes := w.waitAnswers(c.kind, ref(c.iid), 1)
		if len(notes) != 1 {
			t.Fatalf("%s %d: %d bot notes, want exactly one", c.kind, c.iid, len(notes))
		}
		answer := notes[0]
		if !strings.Contains(answer.Body, "fake answer:") || strings.Contains(answer.Body, "working on it") {
			t.Fatalf("%s %d: not a final answer:\n%s", c.kind, c.iid, answer.Body)
		}
		request := w.g.Notes(w.proj.ID, c.kind, ref(c.iid))[0]
		if answer.DiscussionID != request.DiscussionID {
			t.Fatalf("%s %d: answer is not in the request's discussion", c.kind, c.iid)
		}
		if !hasAward(w.g.Awards(w.proj.ID, c.kind, ref(c.iid)), "eyes", request.ID) {
			t.Fatalf("%s %d: no 👀 on the request", c.kind, c.iid)
		}
		if len(w.g.MergeRequests(w.proj.ID)) > 1 {
			t.Fatal("a question must not open a merge request")
		}
	}
}

func hasAward(awards []fakegitlab.Award, name string, noteID int64) bool {
	for _, a := range awards {
		if a.Name == name && a.NoteID == noteID {
			return true
		}
	}
	return false
}

// mrWithChange makes a branch with one new file and an MR from it.
func (w *world) mrWithChange(t *testing.T, branch, file, content string) fakegitlab.MergeRequest {
	t.Helper()
	w.g.CommitFiles(w.proj.ID, "main", branch, map[string]string{file: content})
	return w.g.CreateMR(w.proj.ID, w.alice.ID, branch, "main", "Add "+file, "Adds "+file+".")
}
