package trigger

import (
	"bytes"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// MayMention reports whether raw JSON could hold, in any of its strings, one of the names that
// address the bot. False means that no text decoded from raw mentions the bot, so a caller may
// decide on an event without decoding its texts (Mentions of "" is false too). It errs towards
// true: a name with characters JSON may escape, a \u escape of a character of a name, or a
// non-ASCII character that folds to one (the Kelvin sign to k) all count as a possible mention.
func (r Rules) MayMention(raw []byte) bool {
	for _, name := range r.names() {
		if mayContainFold(raw, name) {
			return true
		}
	}
	return false
}

func mayContainFold(raw []byte, name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '/' || c < ' ' {
			return true // written differently in JSON, or folded beyond ASCII: decode to know
		}
	}
	if containsASCIIFold(raw, name) {
		return true
	}
	for _, r := range foldPartners(name) {
		if bytes.Contains(raw, utf8.AppendRune(nil, r)) {
			return true
		}
	}
	return escapesAny(raw, name)
}

// containsASCIIFold finds name in raw ignoring ASCII case.
func containsASCIIFold(raw []byte, name string) bool {
	first := [2]byte{lower(name[0]), upper(name[0])}
	for _, f := range first[:1+btoi(first[0] != first[1])] {
		for rest := raw; ; {
			i := bytes.IndexByte(rest, f)
			if i < 0 {
				break
			}
			if hasPrefixFold(rest[i:], name) {
				return true
			}
			rest = rest[i+1:]
		}
	}
	return false
}

func hasPrefixFold(b []byte, name string) bool {
	if len(b) < len(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if lower(b[i]) != lower(name[i]) {
			return false
		}
	}
	return true
}

// foldPartners are the non-ASCII runes that strings.EqualFold takes for a character of name.
func foldPartners(name string) []rune {
	var out []rune
	for _, c := range name {
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				out = append(out, f)
			}
		}
	}
	return out
}

// escapesAny reports whether raw has a \uXXXX escape of a character that folds to one of name.
func escapesAny(raw []byte, name string) bool {
	for rest := raw; ; {
		i := bytes.Index(rest, []byte(`\u`))
		if i < 0 || i+6 > len(rest) {
			return false
		}
		if v, err := strconv.ParseUint(string(rest[i+2:i+6]), 16, 32); err == nil {
			for _, c := range name {
				if equalFoldRune(rune(v), c) {
					return true
				}
			}
		}
		rest = rest[i+2:]
	}
}

// equalFoldRune: a and b are equal under Unicode simple folding (as strings.EqualFold).
func equalFoldRune(a, b rune) bool {
	for f := unicode.SimpleFold(a); ; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
		if f == a {
			return false
		}
	}
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
