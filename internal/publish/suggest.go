package publish

import (
	"fmt"
	"strconv"
	"strings"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// OneLine reads a `git diff` that replaces exactly one line of one file (one "-" line followed by
// one "+" line): the file, the line's number before the change, and its new text. Such a change
// can go to a merge request as a suggestion its author applies with one click.
func OneLine(patch string) (path string, line int, text string, ok bool) {
	if strings.Count(patch, "\ndiff --git ")+boolInt(strings.HasPrefix(patch, "diff --git ")) != 1 {
		return "", 0, "", false
	}
	old, removed, added := 0, 0, 0
	inHunk := false
	for _, l := range strings.Split(patch, "\n") {
		switch {
		case strings.HasPrefix(l, "+++ b/"):
			path = strings.TrimPrefix(l, "+++ b/")
		case strings.HasPrefix(l, "@@ "):
			if inHunk {
				return "", 0, "", false // two hunks
			}
			inHunk = true
			fields := strings.Fields(l)
			if len(fields) < 3 {
				return "", 0, "", false
			}
			n, err := strconv.Atoi(strings.Split(strings.TrimPrefix(fields[1], "-"), ",")[0])
			if err != nil {
				return "", 0, "", false
			}
			old = n
		case !inHunk:
		case strings.HasPrefix(l, "-"):
			removed++
			line = old
			old++
		case strings.HasPrefix(l, "+"):
			if removed != 1 || added > 0 {
				return "", 0, "", false
			}
			added++
			text = strings.TrimPrefix(l, "+")
		case strings.HasPrefix(l, " "):
			if removed > 0 && added == 0 {
				return "", 0, "", false // the "+" does not follow the "-"
			}
			old++
		}
	}
	if removed != 1 || added != 1 || path == "" || strings.Contains(text, "```") {
		return "", 0, "", false
	}
	return path, line, text, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Suggestion is the diff comment that offers a one-line change to an MR's author.
func Suggestion(jobID int64, text, why string) string {
	return fmt.Sprintf("Claude's change to this line, as a suggestion to apply (%s):\n\n```suggestion:-0+0\n%s\n```\n\n%s",
		why, text, marker.Suggestion(jobID))
}
