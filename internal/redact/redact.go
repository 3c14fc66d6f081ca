// Package redact removes secret values from text before it is posted to GitLab or logged.
package redact

import (
	"errors"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Placeholder replaces every secret value.
const Placeholder = "[REDACTED]"

// minLen is the shortest value treated as a secret: shorter values ("true", a port number)
// would mangle ordinary text, and real tokens and keys are much longer.
const minLen = 8

// Redactor replaces configured secret values. The zero value and nil redact nothing. It is safe
// for concurrent use: Add may run (a token reloaded after rotation) while jobs redact.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
	r       *strings.Replacer
}

// New returns a Redactor for the given secrets; empty and short values are ignored.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add makes more values secret from now on, e.g. a rotated token. Earlier ones stay secret:
// text produced with the old token may still be on its way out.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, s := range r.secrets {
		seen[s] = true
	}
	for _, s := range secrets {
		// A secret can reach text URL-encoded too (a clone URL, a query string).
		for _, v := range []string{s, url.QueryEscape(s)} {
			if len(v) >= minLen && !seen[v] {
				seen[v] = true
				r.secrets = append(r.secrets, v)
			}
		}
	}
	r.r = replacer(r.secrets)
}

func replacer(secrets []string) *strings.Replacer {
	if len(secrets) == 0 {
		return nil
	}
	// Longest first: the replacer prefers earlier arguments, so a secret that contains
	// another is replaced whole rather than leaving its remainder in the text.
	olds := append([]string(nil), secrets...)
	sort.Slice(olds, func(i, j int) bool { return len(olds[i]) > len(olds[j]) })
	pairs := make([]string, 0, 2*len(olds))
	for _, o := range olds {
		pairs = append(pairs, o, Placeholder)
	}
	return strings.NewReplacer(pairs...)
}

// Redact returns s with every secret value replaced by Placeholder.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	rep := r.r
	r.mu.RUnlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// Error is err with its text redacted (for a log line or a queue's record), nil if nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(r.Redact(err.Error()))
}
