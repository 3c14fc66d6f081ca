package main

import (
	"strings"
	"testing"
)

// The README's first command on a fresh machine: no token, no credential → the demo, with the
// scripted stand-in, and its three threads answered.
func TestDefaultCommandRunsTheDemo(t *testing.T) {
	out := runCLI(t, nil) // no command, no .env, no GITLAB_TOKEN
	for _, want := range []string{
		"SCRIPTED STAND-IN",
		"Issue #1: What does this service do?",
		"This is a small **web shop API**",
		"Merge request !1: Add a discount helper",
		"Review of this merge request",
		"Issue #2: Add a health endpoint",
		"on branch [`claude/issue-2-add-a-health-endpoint`]",
		"⎇ Merge request !2",
		"main.go | 6 ++++++",
		"👀 by @claude",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "turns ·") != 3 {
		t.Fatalf("want exactly three answers:\n%s", out)
	}
}
