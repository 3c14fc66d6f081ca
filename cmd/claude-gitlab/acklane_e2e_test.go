package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// With the only worker busy, requests are acknowledged at once by the ack lane: 👀 and a note
// saying they are queued and how many are ahead. A stranger's mention gets the one refusal and
// nothing else (authorisation comes before anything is posted). A request cancelled while
// queued gets that same note edited; one that runs turns it into the answer: one bot note each.
func TestAckLaneAcknowledgesWhileEveryWorkerIsBusy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "WORKERS=1")
	busy := w.issueNote("Busy", "@claude take your time\nFAKE_CLAUDE sleep 60")
	w.waitFor("the only worker to be busy", 20*time.Second, func() bool { return w.agentStarted(w.jobOf(busy)) })

	waiting := w.issueNote("Waiting", "@claude a question\nFAKE_CLAUDE answer Here is the answer.")
	queued := w.queuedNote(waiting, "Ahead of it: 1 request in this project, 1 request overall.")
	if w.agentStarted(w.jobOf(waiting)) {
		t.Fatal("the waiting request's agent ran although the only worker is busy")
	}

	bob := w.g.AddUser("bob", "Bob", false)
	w.g.AddMember(w.proj.ID, bob.ID, fakegitlab.Reporter)
	stranger := w.g.CreateIssue(w.proj.ID, bob.ID, "please", "", false)
	ev, body := w.g.IssueNoteEvent(w.proj.ID, stranger.IID, bob.ID, "@claude please change everything")
	w.deliver(ev, body, http.StatusAccepted)
	w.waitFor("the refusal", 20*time.Second, func() bool { return len(w.botNotes(fakegitlab.ThreadIssue, ref(stranger.IID))) == 1 })
	if n := w.botNotes(fakegitlab.ThreadIssue, ref(stranger.IID)); !strings.Contains(n[0].Body, "Sorry @bob") {
		t.Fatalf("a reporter's mention got %q, want the refusal", n[0].Body)
	}
	if a := w.g.Awards(w.proj.ID, fakegitlab.ThreadIssue, ref(stranger.IID)); len(a) != 0 {
		t.Fatalf("a reporter's mention got awards %+v: nothing may be posted before authorisation", a)
	}

	cancelled := w.issueNote("Cancelled", "@claude never mind")
	note := w.queuedNote(cancelled, "Ahead of it: 2 requests in this project, 2 requests overall.")
	runCLI(t, w.env, "jobs", "cancel", fmt.Sprint(w.jobOf(cancelled)))
	w.waitFor("the cancelled request's note to say so", 20*time.Second, func() bool {
		n := w.botNotes(fakegitlab.ThreadIssue, ref(cancelled))
		return len(n) == 1 && n[0].ID == note.ID && strings.Contains(n[0].Body, "cancelled before it was answered")
	})

	runCLI(t, w.env, "jobs", "cancel", fmt.Sprint(w.jobOf(busy))) // frees the worker
	answer := w.exactlyOneAnswer(waiting)
	if answer.ID != queued.ID || !strings.Contains(answer.Body, "Here is the answer.") {
		t.Fatalf("the answer is note %d %q; want the queued note %d edited into it", answer.ID, answer.Body, queued.ID)
	}
	if a := w.g.Awards(w.proj.ID, fakegitlab.ThreadIssue, ref(waiting)); len(a) != 1 || a[0].Name != "eyes" {
		t.Fatalf("awards on the waiting request: %+v, want one 👀", a)
	}
}

// queuedNote waits for the 👀 and the one bot note saying the request is queued, with want.
func (w *world) queuedNote(iid int64, want string) fakegitlab.Note {
	w.t.Helper()
	w.waitFor("the 👀 and the queued note", 20*time.Second, func() bool {
		n := w.botNotes(fakegitlab.ThreadIssue, ref(iid))
		return len(n) == 1 && strings.Contains(n[0].Body, "Queued") &&
			len(w.g.Awards(w.proj.ID, fakegitlab.ThreadIssue, ref(iid))) == 1
	})
	n := w.botNotes(fakegitlab.ThreadIssue, ref(iid))[0]
	if !strings.Contains(n.Body, want) {
		w.t.Fatalf("queued note %q, want %q", n.Body, want)
	}
	return n
}
