package main

import (
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
)

// changeRequest asks for a one-file change; extra directives go after the write.
func changeRequest(file, extra string) string {
	return "@claude please add " + file + "\nFAKE_CLAUDE write " + file + " \"added\\n\"\nFAKE_CLAUDE answer Added " + file + "." + extra
}

// kill -9 at three moments of a change job, then a start on the same DATA_DIR: the job resumes
// at once and the thread ends with exactly one answer, one branch, one merge request.
func TestFaultKill9ResumesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		arm  func(w *world)                      // faults to set before the request
		at   func(w *world, iid, job int64) bool // kill once this holds
	}{
		{"during the agent run", func(*world) {}, func(w *world, _, job int64) bool { return job != 0 && w.agentStarted(job) }},
		{"between push and MR creation", func(w *world) {
			w.g.InjectFault(fakegitlab.Fault{Method: "POST", PathPattern: `/merge_requests$`, Hang: 5 * time.Second})
		}, func(w *world, iid, _ int64) bool { return len(w.branchesFor(iid)) == 1 }},
		{"while publishing the answer", func(w *world) {
			// Every edit of a note hangs (until the restart clears it): the one turning the queued note
			// into the progress note comes first, the answer's after the MR.
			w.g.InjectFault(fakegitlab.Fault{Method: "PUT", PathPattern: `/notes/\d+$`, Hang: 5 * time.Second, Times: -1})
		}, func(w *world, iid, _ int64) bool { return len(w.mrsFrom(iid)) == 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "GITLAB_USE_MR=true")
			c.arm(w)
			sleep := ""
			if c.name == "during the agent run" {
				sleep = "\nFAKE_CLAUDE sleep 2"
			}
			iid := w.issueNote("Add a file", changeRequest("added.txt", sleep))
			w.waitFor("the moment to kill", 30*time.Second, func() bool { return c.at(w, iid, w.jobOf(iid)) })
			if c.name != "during the agent run" {
				w.waitFor("the request of that moment in flight", 30*time.Second, func() bool { return w.g.Stalled() > 0 })
			}
			restarted := w.restart()
			w.g.ClearFaults()
			// The resumed job's own end, not only the thread: a hung request may still land.
			w.waitFor("the resumed job to answer", 30*time.Second, func() bool { return strings.Contains(w.svc.logs.String(), "job: answered") })
			if !strings.Contains(w.svc.logs.String(), "resuming jobs the previous run left unfinished") {
				t.Fatal("the restarted service did not take up the job the killed one held")
			}
			answer := w.exactlyOneAnswer(iid)
			t.Logf("FIGURE kill -9 %s: answered %.1fs after the restart", c.name, time.Since(restarted).Seconds())
			w.oneChange(iid)
			if len(w.g.Awards(w.proj.ID, fakegitlab.ThreadIssue, ref(iid))) != 1 {
				t.Fatalf("awards: %+v", w.g.Awards(w.proj.ID, fakegitlab.ThreadIssue, ref(iid)))
			}
			if mr := w.mrsFrom(iid)[0]; !contains(answer.Body, "Added added.txt", mr.SourceBranch) {
				t.Fatalf("answer does not name the change:\n%s", answer.Body)
			}
		})
	}
}
