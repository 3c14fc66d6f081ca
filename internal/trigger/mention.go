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
	for {
		start := strings.Index(text, "<!--")
		if start < 0 {
			return text
		}
		end := strings.Index(text[start+4:], "-->")
		if end < 0 {
			return text[:start]
		}
		text = text[:start] + " " + text[start+4+end+3:]
	}
}

// proseLines drops fenced code blocks (``` and ~~~), GitLab's >>> quote blocks and > quote
// lines. An unclosed fence runs to the end, as Markdown renders it.
func proseLines(text string) string {
	var out []string
	fence := "" // the opening fence while inside a block
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case fence != "":
			if closesFence(trimmed, fence) {
				fence = ""
			}
		case opensFence(trimmed) != "":
			fence = opensFence(trimmed)
		case strings.HasPrefix(trimmed, ">"):
			if strings.HasPrefix(trimmed, ">>>") {
				fence = ">>>"
			}
		default:
			out = append(out, line)
		}
	}
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
// A run without its match is literal text.
func stripInlineCode(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		if text[i] != '`' {
			b.WriteByte(text[i])
			i++
			continue
		}
		n := backticks(text[i:])
		end := closingRun(text[i+n:], n)
		if end < 0 {
			b.WriteString(text[i : i+n])
			i += n
			continue
		}
		b.WriteByte(' ')
		i += n + end + n
	}
	return b.String()
}

func backticks(s string) int {
	return len(s) - len(strings.TrimLeft(s, "`"))
}

// closingRun finds the offset of the next run of exactly n backticks in s, or -1.
func closingRun(s string, n int) int {
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		run := backticks(s[i:])
		if run == n {
			return i
		}
		i += run
	}
	return -1
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
