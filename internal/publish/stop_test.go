package publish

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate/jobstatetest"
)

func TestStopReply(t *testing.T) {
	cases := []struct {
		name    string
		stopped []string
		left    int
		want    string
	}{
		{"nothing", nil, 0, "Nothing to stop: no request of yours in this thread is queued or running."},
		{"nothing of yours", nil, 2, "Nothing to stop: no request of yours in this thread is queued or running. 2 request(s) by others go on: only their requester or a Maintainer can stop them."},
		{"one", []string{StoppedJob(4, true)}, 0, "Stopped at @alice's request: job 4 (was running)."},
		{"two and one left", []string{StoppedJob(4, true), StoppedJob(5, false)}, 1,
			"Stopped at @alice's request: job 4 (was running), job 5 (was waiting). 1 request(s) by others go on: only their requester or a Maintainer can stop them."},
	}
	for _, c := range cases {
		if got := StopReply("alice", c.stopped, c.left); got != c.want {
			t.Errorf("%s:\n%q\nwant\n%q", c.name, got, c.want)
		}
	}
}

// A stopped job's last note names who stopped it and what stays: a push already made and its
// merge request, or that nothing was changed.
func TestStopped(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	pushed := `{"branch":"claude/issue-3","sha":"` + sha + `"}`
	cases := []struct {
		name     string
		steps    jobstatetest.Steps
		finished bool
		want     string
	}{
		{"pushed with an MR", jobstatetest.Steps{StepPushed: pushed, StepMR: `{"iid":12}`}, true,
			"@bob stopped this request. Already done and left in place: the commit 01234567 pushed to `claude/issue-3` and merge request !12."},
		{"pushed", jobstatetest.Steps{StepPushed: pushed}, true,
			"@bob stopped this request. Already done and left in place: the commit 01234567 pushed to `claude/issue-3`; no merge request was opened."},
		{"an MR without the push is not named", jobstatetest.Steps{StepMR: `{"iid":12}`}, true,
			"@bob stopped this request. Claude's work was finished but not pushed: nothing was changed in the repository."},
		{"finished", jobstatetest.Steps{}, true, "@bob stopped this request. Claude's work was finished but not pushed: nothing was changed in the repository."},
		{"not finished", jobstatetest.Steps{}, false, "@bob stopped this request. Claude had not finished: nothing was changed in the repository."},
	}
	for _, c := range cases {
		what, todo := Stopped("bob", c.steps, c.finished)
		if what != c.want || todo != "Comment `@claude` again to ask anew." {
			t.Errorf("%s:\n%q\nwant\n%q (todo %q)", c.name, what, c.want, todo)
		}
	}
	if what, todo := StoppedBeforeStart("bob"); what != "@bob stopped this request before it started: nothing was done." || todo != AskAnew {
		t.Errorf("before it started: %q, %q", what, todo)
	}
}
