package prompt

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/golden"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// The review instructions, with an open and a resolved earlier finding, as testdata/review.md
// pins them (go test ./internal/prompt -update to refresh).
func TestReviewInstructions(t *testing.T) {
	f := review.Finding{Path: "a.go", NewLine: 2, Severity: "high", Text: "The query is built from user input.",
		Suggestion: "db.Query(\"SELECT * FROM t WHERE id = ?\", id)"}
	golden.Check(t, "review.md", reviewInstructions([]review.Earlier{{ID: f.ID(), Path: "a.go", Line: 2, Text: "The query\nis built"}, {ID: "x", Resolved: true}}))
}
