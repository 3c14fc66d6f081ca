package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/fakegitlab"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/waitfor"
)

// issueOutage is GitLab answering 503 "back in 10 minutes" to every read of an issue: the job's
// GitLab client cannot sit that out, so each try of the job fails at once.
var issueOutage = fakegitlab.Fault{Method: "GET", PathPattern: `/issues/\d+$`, Status: 503, RetryAfter: 600, Times: -1}

// GitLab away for longer than the old horizon (5 attempts): the job keeps trying, says in its
// thread that it waits for GitLab and when it tries next, and when GitLab is back it goes on by
// itself to one answer. Delays are shortened by the hidden JOB_RETRY_DELAYS.
func TestRetryOutlastsAnOutageAndAnswersOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "JOB_RETRY_DELAYS=50ms,100ms", "JOB_GIVE_UP=10m")
	w.g.InjectFault(issueOutage)
	iid := w.issueNote("Outage", "@claude what is this?")
	w.waitFor("8 failed tries (the old horizon was 5)", 60*time.Second, func() bool {
		return strings.Count(w.svc.logs.String(), "transient failure; will retry") >= 8
	})
	for _, line := range strings.Split(w.svc.logs.String(), "\n") {
		if strings.Contains(line, "transient failure") && strings.Count(line, `"attempt":`) != 1 {
			t.Fatalf("a log line should say its attempt once: %s", line)
		}
	}
	// Each try edits the note back to "working" as it starts and to "waiting" as it fails: the
	// note is read once it says it waits, and it is the only one.
	var notes []fakegitlab.Note
	if !waitfor.Within(10*time.Second, func() bool {
		notes = w.botNotes(fakegitlab.ThreadIssue, ref(iid))
		return len(notes) == 1 && strings.Contains(notes[0].Body, "waiting for GitLab, next try at ")
	}) || len(notes) != 1 || !strings.Contains(notes[0].Body, " UTC") {
		t.Fatalf("while GitLab is away the thread should say the job waits: %+v", notes)
	}
	w.g.ClearFaults()
	w.waitAnswers(fakegitlab.ThreadIssue, ref(iid), 1)
	w.waitJobState("answered")
	notes = w.botNotes(fakegitlab.ThreadIssue, ref(iid))
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "turns ·") || strings.Contains(notes[0].Body, "waiting for GitLab") {
		t.Fatalf("want one answer replacing the waiting note, got %+v", notes)
	}
}

// The control: with a give-up horizon shorter than the outage the job ends, and says so in the
// thread, instead of waiting on.
func TestRetryGivesUpAfterJobGiveUpAndSaysSo(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "JOB_RETRY_DELAYS=50ms,100ms", "JOB_GIVE_UP=300ms")
	w.g.InjectFault(issueOutage)
	iid := w.issueNote("Outage", "@claude what is this?")
	notes := w.waitAnswers(fakegitlab.ThreadIssue, ref(iid), 1)
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "(JOB_GIVE_UP)") || !strings.Contains(notes[0].Body, "could not finish") {
		t.Fatalf("want one failure reply naming JOB_GIVE_UP, got %+v", notes)
	}
}

// waitJobState waits until `jobs list` shows every job in state.
func (w *world) waitJobState(state string) {
	w.t.Helper()
	w.waitFor("jobs in state "+state, 30*time.Second, func() bool {
		var jobs []struct{ State string }
		out := runCLI(w.t, []string{"DATA_DIR=" + w.dataDir()}, "jobs", "list", "--json")
		if err := json.Unmarshal([]byte(out), &jobs); err != nil || len(jobs) == 0 {
			return false
		}
		for _, j := range jobs {
			if j.State != state {
				return false
			}
		}
		return true
	})
}
