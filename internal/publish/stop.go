package publish

import (
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
)

// AskAnew is what to do after a request was stopped or cancelled.
const AskAnew = "Comment `@claude` again to ask anew."

// StopReply is the answer to "@claude stop" by by: the jobs it stopped (each as StoppedJob says
// it), and how many requests by others it left running.
func StopReply(by string, stopped []string, left int) string {
	var b strings.Builder
	switch len(stopped) {
	case 0:
		b.WriteString("Nothing to stop: no request of yours in this thread is queued or running.")
	default:
		fmt.Fprintf(&b, "Stopped at @%s's request: %s.", by, strings.Join(stopped, ", "))
	}
	if left > 0 {
		fmt.Fprintf(&b, " %d request(s) by others go on: only their requester or a Maintainer can stop them.", left)
	}
	return b.String()
}

// StoppedJob names a job "@claude stop" stopped and whether a worker had begun it.
func StoppedJob(id int64, started bool) string {
	doing := "was waiting"
	if started {
		doing = "was running"
	}
	return fmt.Sprintf("job %d (%s)", id, doing)
}

// StoppedBeforeStart is what the "queued" note of a job by stopped before it ran says.
func StoppedBeforeStart(by string) (what, todo string) {
	return fmt.Sprintf("@%s stopped this request before it started: nothing was done.", by), AskAnew
}

// Stopped is what the last note of a job by stopped says: who, and what was left undone — a push
// already made (its StepPushed and StepMR in done) stays and is named; finished: Claude's work was
// done.
func Stopped(by string, done jobstate.Steps, finished bool) (what, todo string) {
	what = fmt.Sprintf("@%s stopped this request.", by)
	var p Pushed
	var mr OpenedMR
	pushed, hasMR := done.Get(StepPushed, &p), done.Get(StepMR, &mr)
	switch {
	case pushed && hasMR:
		what += fmt.Sprintf(" Already done and left in place: the commit %s pushed to `%s` and merge request !%d.", event.ShortSHA(p.SHA), p.Branch, mr.IID)
	case pushed:
		what += fmt.Sprintf(" Already done and left in place: the commit %s pushed to `%s`; no merge request was opened.", event.ShortSHA(p.SHA), p.Branch)
	case finished:
		what += " Claude's work was finished but not pushed: nothing was changed in the repository."
	default:
		what += " Claude had not finished: nothing was changed in the repository."
	}
	return what, AskAnew
}
