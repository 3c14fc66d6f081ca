package main

import (
	"net/http"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// A change asked in a confidential issue of a public project is not pushed (the diff would show
// what the issue hides); the reply in the issue says why and how to allow it. With
// CONFIDENTIAL_CHANGES=allow it is pushed. (Control run: without confidentialRefusal, a branch
// and an MR appear in the public project.)
func TestConfidentialIssueChangesStayInTheIssue(t *testing.T) {
	for _, allow := range []bool{false, true} {
		env := []string{}
		if allow {
			env = append(env, "CONFIDENTIAL_CHANGES=allow")
		}
		w := newWorld(t, env...)
		w.g.SetPublic(w.proj.ID, true)
		issue := w.g.CreateIssue(w.proj.ID, w.alice.ID, "Auth bypass", "Login accepts any password.", true)
		ev, body := w.g.IssueNoteEvent(w.proj.ID, issue.IID, w.alice.ID,
			"@claude fix it\nFAKE_CLAUDE write handler/auth.go \"package handler\\n\\n// checkPassword compares in constant time.\\n\"")
		w.deliver(ev, body, http.StatusAccepted)
		notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(issue.IID), 1)
		answer := notes[len(notes)-1]
		mrs := w.g.MergeRequests(w.proj.ID)
		if allow {
			if len(mrs) != 1 || strings.Contains(mrs[0].Title, "bypass") {
				t.Fatalf("allowed: MRs %+v", mrs)
			}
			continue
		}
		if len(mrs) != 0 || len(w.g.Branches(w.proj.ID)) != 1 {
			t.Fatalf("a confidential change reached the public project: MRs %+v, branches %+v", mrs, w.g.Branches(w.proj.ID))
		}
		if !strings.Contains(answer.Body, "CONFIDENTIAL_CHANGES=allow") || !strings.Contains(answer.Body, "+// checkPassword") {
			t.Fatalf("the reply does not say why or lacks the change:\n%s", answer.Body)
		}
	}
}
