package publish

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

// MaxParts bounds how many notes one answer takes (about 5 MB of text); a longer answer is cut,
// and the footer says so.
const MaxParts = 5

// partRoom leaves space in each note for the part header, a closing code fence and the marker.
const partRoom = 1_000

// AnswerParts is the answer as notes that each stay below GitLab's limit: the first (the progress
// note, edited) holds the start of the text and the footer, the others continue the text as
// replies in the same discussion. Most answers are one part, equal to Answer(text, f).
func AnswerParts(text string, f Footer) []string {
	text = strings.TrimSpace(text)
	if len(text) <= MaxNoteChars {
		return []string{Answer(text, f)}
	}
	chunks := splitText(text, MaxNoteChars-partRoom)
	if len(chunks) > MaxParts {
		chunks = chunks[:MaxParts]
		chunks[MaxParts-1] += "\n\n…"
		f.Truncated = true
	}
	n := len(chunks)
	parts := make([]string, n)
	parts[0] = answerText(chunks[0]+fmt.Sprintf("\n\n_(continued below: %d parts)_", n), f)
	for i := 1; i < n; i++ {
		parts[i] = fmt.Sprintf("_(part %d of %d)_\n\n%s\n\n%s", i+1, n, chunks[i], marker.Part(f.JobID, i+1))
	}
	return parts
}

// splitText cuts text into pieces of at most max bytes, at a line end where one is near, never
// inside a UTF-8 character, and keeps code blocks intact: a piece that ends inside a ``` block
// closes it and the next piece opens it again.
func splitText(text string, max int) []string {
	var out []string
	reopen := ""
	for text != "" {
		budget := max - len(reopen)
		if len(text) <= budget {
			out = append(out, reopen+text)
			break
		}
		cut := budget
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		if nl := strings.LastIndexByte(text[:cut], '\n'); nl > budget/2 {
			cut = nl + 1
		}
		piece := reopen + text[:cut]
		text = text[cut:]
		reopen = ""
		if fence, open := openFence(piece); open {
			piece += "\n```"
			reopen = fence + "\n"
		}
		out = append(out, piece)
	}
	return out
}

// openFence reports whether s ends inside a fenced code block, and that block's opening line.
func openFence(s string) (string, bool) {
	fence, open := "", false
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if !strings.HasPrefix(t, "```") {
			continue
		}
		if open {
			open = false
		} else {
			fence, open = t, true
		}
	}
	return fence, open
}
