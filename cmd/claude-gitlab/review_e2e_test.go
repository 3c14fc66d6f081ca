package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// fakeReview is a FAKE_CLAUDE directive answering a summary and the structured findings.
func fakeReview(findingsJSON string) string {
	return "FAKE_CLAUDE answer " + strconv.Quote("Two problems.\n\n```json\n{\"verdict\":\"request changes\",\"findings\":"+findingsJSON+"}\n```")
}

// "@claude review" through the binary: the findings on diff lines become diff discussions, the
// one outside the diff goes into the summary; nothing is pushed.
func TestReviewThroughTheBinary(t *testing.T) {
	w := newWorld(t)
	mr := w.mrWithChange(t, "feature/login", "login.go", "package main\n\nfunc login(pw string) bool {\n\treturn pw == \"admin\"\n}\n")
	ev, body := w.g.MRNoteEvent(w.proj.ID, mr.IID, w.alice.ID, "@claude review\n"+fakeReview(
		`[{"path":"login.go","new_line":4,"severity":"high","text":"Hard-coded password.","suggestion":"\treturn checkHash(pw)"},`+
			`{"path":"main.go","new_line":6,"severity":"low","text":"Not part of this change."}]`))
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)

	var diffNotes []fakegitlab.Note
	for _, n := range notes {
		if n.Position != nil {
			diffNotes = append(diffNotes, n)
		}
	}
	if len(diffNotes) != 1 || diffNotes[0].Position.NewPath != "login.go" || diffNotes[0].Position.NewLine != 4 ||
		diffNotes[0].Position.HeadSHA != mr.SHA || !strings.Contains(diffNotes[0].Body, "```suggestion:-0+0\n\treturn checkHash(pw)\n```") {
		t.Fatalf("diff notes: %+v", diffNotes)
	}
	var summary string
	for _, n := range notes {
		if finished(n) {
			summary = n.Body
		}
	}
	for _, want := range []string{"Review: Request changes", "1 inline comment", "`main.go:6` — Not part of this change."} {
		if !strings.Contains(summary, want) {
			t.Fatalf("summary lacks %q:\n%s", want, summary)
		}
	}
	if w.g.BranchSHA(w.proj.ID, "feature/login") != mr.SHA {
		t.Fatal("a review pushed to the branch")
	}
}

// AUTO_REVIEW with GitLab's payloads: an MR opened as a draft is skipped, marking it ready is
// reviewed, a title edit is not, new commits are reviewed again; the re-review does not repeat
// the first finding.
func TestAutoReviewThroughTheBinary(t *testing.T) {
	w := newWorld(t, "AUTO_REVIEW=true")
	w.g.CommitFiles(w.proj.ID, "main", "feature/auto", map[string]string{"auto.go": "package main\n\nvar debug = true\n"})
	directive := fakeReview(`[{"path":"auto.go","new_line":3,"severity":"low","text":"Debug left on."}]`)
	mr, ev, body := w.g.OpenMREvent(w.proj.ID, w.alice.ID, "feature/auto", "main", "Draft: Auto", directive)
	w.deliver(ev, body, http.StatusOK)                                        // a draft
	ev, body = w.g.EditMREvent(w.proj.ID, mr.IID, w.alice.ID, directive+"\n") // an edit without the phrase
	w.deliver(ev, body, http.StatusOK)

	ev, body = w.g.MarkReadyEvent(w.proj.ID, mr.IID, w.alice.ID)
	w.deliver(ev, body, http.StatusAccepted)
	w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 1)

	ev, body = w.g.PushMREvent(w.proj.ID, mr.IID, w.alice.ID, map[string]string{"more.go": "package main\n"})
	w.deliver(ev, body, http.StatusAccepted)
	notes := w.waitAnswers(fakegitlab.ThreadMR, ref(mr.IID), 2)
	var diffNotes int
	for _, n := range notes {
		if n.Position != nil {
			diffNotes++
		}
	}
	if diffNotes != 1 || !strings.Contains(notes[len(notes)-1].Body, "1 already raised") {
		t.Fatalf("%d diff notes; last note:\n%s", diffNotes, notes[len(notes)-1].Body)
	}
}
