package mcptools_test

import (
	"fmt"
	"slices"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/review"
)

// A review adds at most MaxFindings through the tool; the rest go in its summary.
func TestFindingsAreBounded(t *testing.T) {
	var f mcptools.Findings
	for i := range mcptools.MaxFindings {
		if err := f.Add(review.Finding{Path: "a.go", Text: fmt.Sprint("finding ", i)}); err != nil {
			t.Fatalf("finding %d: %v", i, err)
		}
	}
	err := f.Add(review.Finding{Path: "a.go", Text: "one more"})
	if err == nil || len(f.Taken()) != mcptools.MaxFindings {
		t.Fatalf("finding %d: %v, %d kept", mcptools.MaxFindings+1, err, len(f.Taken()))
	}
	taken := f.Taken()
	taken[0].Text = "changed"
	if f.Taken()[0].Text == "changed" {
		t.Errorf("Taken shares its slice with the buffer")
	}
}

// The tool's findings join those of the answer once each (a finding is its file and words),
// and an answer without its block is given the structured summary then.
func TestWithFindings(t *testing.T) {
	inAnswer := review.Finding{Path: "app.go", NewLine: 7, Text: "Panicking on a missing file crashes the server."}
	again := review.Finding{Path: "./app.go", NewLine: 8, Text: "panicking on a missing file crashes the server!"}
	other := review.Finding{Path: "app.go", NewLine: 5, Text: "Load should say what a missing file returns."}
	cases := []struct {
		name  string
		res   review.Result
		extra []review.Finding
		want  []review.Finding
		parse bool
	}{
		{"no tool findings", review.Result{Findings: []review.Finding{inAnswer}, Parsed: true}, nil, []review.Finding{inAnswer}, true},
		{"nothing at all", review.Result{Text: "prose"}, nil, nil, false},
		{"a repeat and a new one", review.Result{Findings: []review.Finding{inAnswer}, Parsed: true}, []review.Finding{again, other, other}, []review.Finding{inAnswer, other}, true},
		{"an answer without its block", review.Result{Text: "prose"}, []review.Finding{other}, []review.Finding{other}, true},
	}
	for _, c := range cases {
		got := mcptools.WithFindings(c.res, c.extra)
		if fmt.Sprint(got.Findings) != fmt.Sprint(c.want) || got.Parsed != c.parse {
			t.Errorf("%s: findings %+v parsed %v, want %+v parsed %v", c.name, got.Findings, got.Parsed, c.want, c.parse)
		}
	}
}

// A scope wants the read tools, and a write tool only when it has the func that carries it out.
func TestScopeWanted(t *testing.T) {
	var sc mcptools.Scope
	if got := sc.Wanted(); !slices.Equal(got, mcptools.ReadTools) {
		t.Errorf("a bare scope wants %v, want the read tools", got)
	}
	sc.Progress = func([]mcptools.ProgressItem) {}
	if got := sc.Wanted(); !slices.Equal(got, append(slices.Clone(mcptools.ReadTools), mcptools.ToolUpdateProgress)) {
		t.Errorf("a scope with a checklist wants %v", got)
	}
	sc.Finding = func(review.Finding) error { return nil }
	if got := sc.Wanted(); !slices.Equal(got, append(slices.Clone(mcptools.ReadTools), mcptools.ToolUpdateProgress, mcptools.ToolAddFinding)) {
		t.Errorf("a review's scope wants %v", got)
	}
	sc.Wanted()[0] = "changed"
	if mcptools.ReadTools[0] == "changed" {
		t.Errorf("Wanted shares ReadTools")
	}
}
