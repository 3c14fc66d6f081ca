package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// note delivers a note by author on issue iid and returns it.
func (w *world) noteBy(iid, author int64, body string) {
	w.t.Helper()
	ev, payload := w.g.IssueNoteEvent(w.proj.ID, iid, author, body)
	w.deliver(ev, payload, http.StatusAccepted)
}

func (w *world) botNoteWith(iid int64, text string) bool {
	for _, n := range w.botNotes(fakegitlab.ThreadIssue, ref(iid)) {
		if strings.Contains(n.Body, text) {
			return true
		}
	}
	return false
}

func (w *world) jobState(id int64) string {
	out := runCLI(w.t, w.env, "jobs", "show", fmt.Sprint(id))
	for _, s := range []string{"cancelled", "completed", "running", "available", "retryable", "scheduled"} {
		if strings.Contains(out, s) {
			return s
		}
	}
	return out
}

// "@claude stop" through the binary: another Developer cannot stop alice's requests; alice
// stops her running and her queued one within seconds, and the running one's note says who
// stopped it and that nothing was changed; a Maintainer stops someone else's.
func TestStopFromTheThread(t *testing.T) {
	w := newWorld(t)
	bob := w.g.AddUser("bob", "Bob", false)
	w.g.AddMember(w.proj.ID, bob.ID, fakegitlab.Developer)
	maria := w.g.AddUser("maria", "Maria", false)
	w.g.AddMember(w.proj.ID, maria.ID, fakegitlab.Maintainer)

	iid := w.issueNote("Slow", "@claude take your time\nFAKE_CLAUDE sleep 60")
	w.waitFor("the agent to start", 20*time.Second, func() bool { return w.agentStarted(w.jobOf(iid)) })
	running := w.jobOf(iid)
	w.noteBy(iid, w.alice.ID, "@claude and then this")
	queued := running + 1

	w.noteBy(iid, bob.ID, "@claude stop")
	w.waitFor("the reply to bob", 15*time.Second, func() bool { return w.botNoteWith(iid, "2 request(s) by others go on") })
	if s := w.jobState(running); s != "running" {
		t.Fatalf("bob stopped alice's job: %s", s)
	}

	asked := time.Now()
	w.noteBy(iid, w.alice.ID, "@claude stop")
	w.waitFor("the running job's note to say who stopped it", 15*time.Second, func() bool {
		return w.botNoteWith(iid, "@alice stopped this request. Claude had not finished: nothing was changed")
	})
	took := time.Since(asked)
	w.waitFor("both jobs cancelled", 10*time.Second, func() bool {
		return w.jobState(running) == "cancelled" && w.jobState(queued) == "cancelled"
	})
	if !w.botNoteWith(iid, fmt.Sprintf("Stopped at @alice's request: job %d (was running), job %d (was waiting).", running, queued)) {
		t.Fatalf("stop reply: %+v", w.botNotes(fakegitlab.ThreadIssue, ref(iid)))
	}
	w.waitFor("the queued job's note closed", 10*time.Second, func() bool {
		return w.botNoteWith(iid, "@alice stopped this request before it started: nothing was done.")
	})
	for _, n := range w.botNotes(fakegitlab.ThreadIssue, ref(iid)) {
		if marker.OfJob(n.Body, queued) && !strings.Contains(n.Body, "stopped this request") {
			t.Fatalf("the queued job's note after the stop: %s", n.Body)
		}
	}
	t.Logf("FIGURE @claude stop → running job's note updated in %s", took.Round(10*time.Millisecond))
	if took > 10*time.Second {
		t.Fatalf("stopping took %s", took)
	}

	// A Maintainer stops alice's request.
	other := w.issueNote("Slow too", "@claude take your time\nFAKE_CLAUDE sleep 60")
	w.waitFor("the agent to start", 20*time.Second, func() bool { return w.agentStarted(w.jobOf(other)) })
	w.noteBy(other, maria.ID, "@claude cancel")
	w.waitFor("maria's stop", 15*time.Second, func() bool { return w.botNoteWith(other, "@maria stopped this request.") })
}

// A request stopped after its commit was pushed says so: the push stays and is named.
func TestStopAfterThePushNamesIt(t *testing.T) {
	w := newWorld(t, "GITLAB_USE_MR=true")
	// Creating the merge request hangs: the stop arrives between the push and the MR.
	w.g.InjectFault(fakegitlab.Fault{Method: http.MethodPost, PathPattern: `/merge_requests$`, Hang: 8 * time.Second, Times: -1})
	iid := w.issueNote("Docs", "@claude add a line to the README\nFAKE_CLAUDE write README.md \"# Demo service\\n\\nMore.\\n\"")
	w.waitFor("the branch to be pushed", 30*time.Second, func() bool { return len(w.branchesFor(iid)) == 1 })
	w.noteBy(iid, w.alice.ID, "@claude stop")
	branch := w.branchesFor(iid)[0]
	w.waitFor("the note naming the push", 15*time.Second, func() bool {
		return w.botNoteWith(iid, "@alice stopped this request. Already done and left in place: the commit") &&
			w.botNoteWith(iid, "pushed to `"+branch+"`")
	})
	w.g.ClearFaults()
	if len(w.mrsFrom(iid)) != 0 {
		t.Fatal("an MR was opened after the stop")
	}
}
