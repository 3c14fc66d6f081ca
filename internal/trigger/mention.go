package trigger

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mentions reports whether text mentions one of names (e.g. "@claude") as a word, ignoring
// case, outside code, quotes and HTML comments: text there is about the bot, not addressed to
// it, and quoting an earlier request must not run it again.
func Mentions(text string, names ...string) bool {
	prose := stripInlineCode(proseLines(stripComments(text)))
	for _, name := range names {
		if name != "" && containsWord(prose, name) {
			return true
		}
	}
	return false
}

// stripComments drops <!-- … --> (issue templates often explain themselves in one).
func stripComments(text string) string {
	var b strings.Builder
	for {
		start := strings.Index(text, "<!--")
		if start < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:start])
		b.WriteByte(' ')
		end := strings.Index(text[start+4:], "-->")
		if end < 0 {
			return b.String()
		}
		text = text[start+4+end+3:]
	}
}

// proseLines drops fenced code blocks (``` and ~~~), GitLab's >>> quote blocks and > quote
// lines. An unclosed fence runs to the end, as Markdown renders it.
func proseLines(text string) string {
	var out []string
	walkProse(text, func(line string, prose bool) bool {
		if prose {
			out = append(out, line)
		}
		return true
	})
	return strings.Join(out, "\n")
}

// opensFence returns the fence a line opens: three or more backticks or tildes. A backtick
// line with another backtick after the run is inline code ("```x``` @claude"), not a fence.
func opensFence(line string) string {
	for _, c := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, c))
		if n >= 3 && !(c == "`" && strings.Contains(line[n:], "`")) {
			return line[:n]
		}
	}
	return ""
}

func closesFence(line, fence string) bool {
	if fence == ">>>" {
		return line == ">>>"
	}
	rest := strings.TrimLeft(line, fence[:1])
	return len(line)-len(rest) >= len(fence) && strings.TrimSpace(rest) == ""
}

// stripInlineCode blanks `code` spans: a run of n backticks up to the next run of exactly n.
// A run without its match is literal text. Runs are paired through an index, so a note full of
// unmatched backticks costs linear time, not quadratic.
func stripInlineCode(text string) string {
	runs := backtickRuns(text)
	next := nextSameLength(runs)
	var b strings.Builder
	last := 0
	for i := 0; i < len(runs); {
		j := next[i]
		if j < 0 {
			i++
			continue
		}
		b.WriteString(text[last:runs[i].pos])
		b.WriteByte(' ')
		last = runs[j].pos + runs[j].n
		i = j + 1
	}
	b.WriteString(text[last:])
	return b.String()
}

type run struct{ pos, n int }

func backtickRuns(text string) []run {
	var runs []run
	for i := 0; i < len(text); i++ {
		if text[i] != '`' {
			continue
		}
		n := len(text[i:]) - len(strings.TrimLeft(text[i:], "`"))
		runs = append(runs, run{i, n})
		i += n - 1
	}
	return runs
}

// nextSameLength gives, for each run, the index of the next run of the same length, or -1.
func nextSameLength(runs []run) []int {
	next := make([]int, len(runs))
	seen := map[int]int{}
	for i := len(runs) - 1; i >= 0; i-- {
		next[i] = -1
		if j, ok := seen[runs[i].n]; ok {
			next[i] = j
		}
		seen[runs[i].n] = i
	}
	return next
}

// containsWord finds name with no username or address character right before it and none
// continuing it: "@claude," yes; "@claudette", "me@claude.ai", "@claude.ai" no.
func containsWord(text, name string) bool {
	for i := 0; i+len(name) <= len(text); i++ {
		if !strings.EqualFold(text[i:i+len(name)], name) {
			continue
		}
		if !joinsBefore(text[:i]) && !continuesName(text[i+len(name):]) {
			return true
		}
	}
	return false
}

func joinsBefore(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	if before == "" {
		return false
	}
	return isNameRune(r) || strings.ContainsRune(".-@/\\+%", r)
}

// continuesName: GitLab usernames contain letters, digits, '_', '-' and '.', so "@claude-bot"
// and "@claude.ai" name other users, while a trailing "." or "-" ends a sentence.
func continuesName(after string) bool {
	rest := strings.TrimLeft(after, ".-")
	r, _ := utf8.DecodeRuneInString(rest)
	return rest != "" && isNameRune(r)
}

func isNameRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
