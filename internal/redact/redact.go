// Package redact removes secret values from text before it is posted to GitLab or logged.
package redact

import (
	"net/url"
	"sort"
	"strings"
)

// Placeholder replaces every secret value.
const Placeholder = "[REDACTED]"

// minLen is the shortest value treated as a secret: shorter values ("true", a port number)
// would mangle ordinary text, and real tokens and keys are much longer.
const minLen = 8

// Redactor replaces configured secret values. The zero value and nil redact nothing.
type Redactor struct {
	r *strings.Replacer
}

// New returns a Redactor for the given secrets; empty and short values are ignored.
func New(secrets ...string) *Redactor {
	var olds []string
	seen := map[string]bool{}
	for _, s := range secrets {
		// A secret can reach text URL-encoded too (a clone URL, a query string).
		for _, v := range []string{s, url.QueryEscape(s)} {
			if len(v) >= minLen && !seen[v] {
				seen[v] = true
				olds = append(olds, v)
			}
		}
	}
	if len(olds) == 0 {
		return &Redactor{}
	}
	// Longest first: the replacer prefers earlier arguments, so a secret that contains
	// another is replaced whole rather than leaving its remainder in the text.
	sort.Slice(olds, func(i, j int) bool { return len(olds[i]) > len(olds[j]) })
	pairs := make([]string, 0, 2*len(olds))
	for _, o := range olds {
		pairs = append(pairs, o, Placeholder)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// Redact returns s with every secret value replaced by Placeholder.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}
