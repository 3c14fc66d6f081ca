package main

import (
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// A slow GitLab stores the job's first note (a reply in the request's discussion) after the post timed out (2 s), after the client
// looked for it (at 4 s) and posted again: at 5 s the thread holds two equal notes. The job's
// later edits go to the note it holds and delete the copy: one answer in the end.
func TestFaultLostAnswerStoredLate(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "GITLAB_TIMEOUT=2s")
	w.g.InjectFault(fakegitlab.Fault{Method: "POST", PathPattern: `/issues/\d+/discussions/\w+/notes$`, Hang: 5 * time.Second, Detached: true})
	iid := w.issueNote("Slow GitLab", "@claude take your time\nFAKE_CLAUDE sleep 6")
	w.waitFor("the late copy to land", 30*time.Second, func() bool {
		return w.g.CountRequests("POST", `/issues/\d+/discussions/\w+/notes$`) == 2 && w.g.InFlight() == 0
	})
	w.exactlyOneAnswer(iid)
	if n := w.g.CountRequests("DELETE", `/notes/\d+$`); n != 1 {
		t.Fatalf("%d notes deleted, want the one late copy", n)
	}
}
