package main

import (
	"strconv"
	"strings"
)

// directive is one FAKE_CLAUDE line: a name and the raw text after it.
type directive struct {
	name string
	rest string
}

func parseDirective(s string) (directive, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return directive{}, false
	}
	name, rest, _ := strings.Cut(s, " ")
	return directive{name: name, rest: strings.TrimSpace(rest)}, true
}

// args splits the text into n arguments: the first n-1 are words or Go quoted strings, the last
// takes the rest of the line (unquoted if it is one quoted string). Missing ones are "".
func (d directive) args(n int) []string {
	out := make([]string, n)
	s := d.rest
	for i := 0; i < n-1 && s != ""; i++ {
		out[i], s = word(s)
	}
	out[n-1] = unquote(strings.TrimSpace(s))
	return out
}

// word takes the first word (or quoted string) of s.
func word(s string) (w, rest string) {
	s = strings.TrimSpace(s)
	if q, err := strconv.QuotedPrefix(s); err == nil && s[0] == '"' {
		w, _ = strconv.Unquote(q)
		return w, s[len(q):]
	}
	end := strings.IndexAny(s, " \t")
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

func unquote(s string) string {
	if q, err := strconv.QuotedPrefix(s); err == nil && len(q) == len(s) {
		u, _ := strconv.Unquote(q)
		return u
	}
	return s
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// num is the first argument as a number, or def.
func (d directive) num(def int) int {
	if n, err := strconv.Atoi(d.args(1)[0]); err == nil {
		return n
	}
	return def
}
