package prompt

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// ourTags are the tag names the prompt fences GitLab's text with: text from GitLab may not open
// or close one of them.
var ourTags = regexp.MustCompile(`(?i)<(/?\s*(?:gitlab_data|title|description|discussion|comment|request|merge_request|changed_files|diff|review_comment|untrusted|claude_md|omitted|failed_job)\b[^<>]*)(>?)`)

// neutralise keeps text from opening or closing the prompt's own tags, and leaves the rest of its
// formatting alone: what members write reads as they wrote it.
func neutralise(s string) string {
	return ourTags.ReplaceAllStringFunc(s, func(tag string) string {
		return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(tag)
	})
}

var htmlComment = regexp.MustCompile(`(?s)<!--.*?(-->|$)`)

// invisible reports characters that show nothing but a model reads: zero-width characters,
// bidirectional controls, the soft hyphen and Unicode tag characters (U+E0000–U+E007F, which
// spell hidden ASCII).
func invisible(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x2064,
		r >= 0x2066 && r <= 0x2069, r >= 0xE0000 && r <= 0xE007F:
		return true
	}
	return r == 0xFEFF || r == 0x00AD || r == 0x061C || r == 0x180E || r == 0x034F
}

// fenceUntrusted makes text from a non-member or a bot plain data: HTML comments (hidden when
// GitLab renders them) and invisible characters go, and every < and > is escaped, so that it can
// close no tag and forge no author.
func fenceUntrusted(s string, max int) string {
	s = htmlComment.ReplaceAllString(s, "")
	s = strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s)
	s = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)
	return "<untrusted>\n" + Bound(s, max) + "\n</untrusted>"
}

// Bound cuts s to at most max bytes, never inside a UTF-8 character, and says so. The GitLab
// tools bound what they return with it too.
func Bound(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n[… cut]"
}
