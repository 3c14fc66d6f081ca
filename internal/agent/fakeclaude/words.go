package main

import (
	"strconv"
	"strings"
)

// splitWords splits a directive into words; a Go quoted string is one word.
func splitWords(s string) []string {
	var words []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			if q, err := strconv.QuotedPrefix(s); err == nil {
				w, _ := strconv.Unquote(q)
				words = append(words, w)
				s = s[len(q):]
				continue
			}
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		words = append(words, s[:end])
		s = s[end:]
	}
	return words
}

// arg returns word i, or "" when missing.
func arg(words []string, i int) string {
	if i < len(words) {
		return words[i]
	}
	return ""
}

// rest joins the words from i on: the last argument takes the rest of the line.
func rest(words []string, i int) string {
	if i >= len(words) {
		return ""
	}
	return strings.Join(words[i:], " ")
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}
