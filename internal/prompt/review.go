package prompt

import (
	"fmt"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// reviewInstructions tell Claude how to review and in what form to answer; earlier are the open
// findings of earlier reviews, which it reports as fixed when the code no longer has them.
func reviewInstructions(earlier []review.Earlier) string {
	var b strings.Builder
	b.WriteString(`How to review:
- This is a code review of the merge request above. The current directory is a checkout of its
  source branch at the reviewed commit. Read the changed files and what they touch.
- Look for security vulnerabilities, bugs, performance issues, missing error handling and
  inconsistencies with the code style of the repository. Comment on the change, not on code it
  does not touch, and skip praise and trivia.
- Do not change, create or delete files: this is a review, nothing you write is kept.
- Write a short summary in GitLab Markdown, then end your answer with exactly one fenced block:
` + "```json" + `
{"verdict": "approve" | "request changes" | "comment",
 "findings": [{"path": "dir/file.go", "new_line": 12, "severity": "high" | "medium" | "low",
               "text": "what is wrong and why", "suggestion": "the corrected line(s), optional"}],
 "fixed": ["id of an earlier finding the code no longer has"]}
` + "```" + `
- "new_line" is the line number in the new version of the file (as in the diff's "+" side); for
  a line the change removed, give "old_line" (the old version's number) instead. "suggestion"
  replaces exactly that one line; leave it out unless you are sure of the replacement.
`)
	open := 0
	for _, e := range earlier {
		if !e.Resolved {
			open++
		}
	}
	if open == 0 {
		return b.String()
	}
	b.WriteString("- Earlier reviews left these comments open. Do not raise them again. List in \"fixed\" the ids of those the current code fixes:\n")
	for _, e := range earlier {
		if e.Resolved {
			continue
		}
		text := strings.Join(strings.Fields(e.Text), " ")
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		fmt.Fprintf(&b, "  - id %s, %s:%d: %s\n", e.ID, e.Path, e.Line, text)
	}
	return b.String()
}
