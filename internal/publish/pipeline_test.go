package publish

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

func TestPipelineHeading(t *testing.T) {
	cases := []struct {
		pl             trigger.PipelineRef
		attempt, limit int
		want           string
	}{
		{trigger.PipelineRef{ID: 12, Branch: "claude/x"}, 1, 2, "🔧 **Pipeline #12 failed** on `claude/x`: fix 1 of at most 2 (`PIPELINE_FIX_ATTEMPTS`)."},
		{trigger.PipelineRef{ID: 7, Branch: "claude/issue-3-fix"}, 3, 3, "🔧 **Pipeline #7 failed** on `claude/issue-3-fix`: fix 3 of at most 3 (`PIPELINE_FIX_ATTEMPTS`)."},
	}
	for _, c := range cases {
		if got := PipelineHeading(&c.pl, c.attempt, c.limit); got != c.want {
			t.Errorf("PipelineHeading(%+v, %d, %d) = %q, want %q", c.pl, c.attempt, c.limit, got, c.want)
		}
	}
}
