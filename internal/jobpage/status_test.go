package jobpage

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/jobstate"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/queue"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// The page says where a job is in jobstate's words, from the typed outcome: a wiki edit and a
// pipeline's help note are answers, not "skipped" (the old prefix parsing said so).
func TestStatusComesFromTheTypedOutcome(t *testing.T) {
	done := &queue.Info{State: "completed"}
	for _, c := range []struct {
		outcome string
		info    *queue.Info
		want    jobstate.Status
	}{
		{"answered: edited wiki page home (abc12345)", done, jobstate.Answered},
		{"edited wiki page home (abc12345)", done, jobstate.Answered}, // recorded by an older version
		{"answered: wiki page unchanged", done, jobstate.Answered},
		{"answered: asked for help: past PIPELINE_FIX_ATTEMPTS", done, jobstate.Answered},
		{"asked for help: past PIPELINE_FIX_ATTEMPTS", done, jobstate.Answered},
		{"skipped: bot's own", done, jobstate.Skipped},
		{"refused: below MIN_ACCESS_LEVEL", done, jobstate.Refused},
		{"failed: GitLab refused the bot's token.", &queue.Info{State: "cancelled"}, jobstate.Failed},
		{"cancelled: An operator cancelled this request.", &queue.Info{State: "cancelled"}, jobstate.Cancelled},
		{"failed: x", &queue.Info{State: "available"}, jobstate.Queued}, // retried by the operator
		{"", &queue.Info{State: "retryable", Status: jobstate.Waiting}, jobstate.Waiting},
		{"answered", nil, jobstate.Answered}, // River forgot it; the journal did not
	} {
		rec := &store.JobRecord{Outcome: c.outcome}
		if got := status(rec, c.info); got != c.want.String() {
			t.Errorf("outcome %q, queue %+v: %s, want %s", c.outcome, c.info, got, c.want)
		}
	}
	for _, s := range jobstate.All {
		found := false
		for _, f := range states {
			found = found || f == s.String()
		}
		if !found {
			t.Errorf("the list cannot filter on %s", s)
		}
	}
}
