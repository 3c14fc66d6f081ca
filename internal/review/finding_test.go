package review

import (
	"slices"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/golden"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/marker"
)

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		name     string
		answer   string
		parsed   bool
		verdict  string
		findings []Finding
		fixed    []string
		text     string
	}{
		{"block at the end", "Looks mostly fine.\n\n```json\n{\"verdict\":\"request changes\",\"findings\":[{\"path\":\"a.go\",\"new_line\":3,\"severity\":\"High\",\"text\":\"SQL injection\",\"suggestion\":\"db.Query(q, id)\"}]}\n```\n",
			true, "request changes", []Finding{{Path: "a.go", NewLine: 3, Severity: "high", Text: "SQL injection", Suggestion: "db.Query(q, id)"}}, nil, "Looks mostly fine."},
		{"lenient fields", "```json\n{\"verdict\":\"comment\",\"findings\":[{\"file\":\"./b.go\",\"line\":\"7\",\"message\":\"leak\"},{\"path\":\"c.go\",\"old_line\":2,\"text\":\"removed check\"},{\"path\":\"d.go\"}],\"fixed\":[\"abc\",3]}\n```",
			true, "comment", []Finding{{Path: "b.go", NewLine: 7, Text: "leak"}, {Path: "c.go", OldLine: 2, Text: "removed check"}}, []string{"abc"}, ""},
		{"an example block before the real one", "Use this:\n```json\n{\"a\":1}\n```\nDone.\n```json\n{\"verdict\":\"approve\",\"findings\":[]}\n```",
			true, "approve", nil, nil, "Use this:\n```json\n{\"a\":1}\n```\nDone."},
		{"broken json", "Summary.\n```json\n{\"verdict\": \"approve\", findings: }\n```", false, "", nil, nil, "Summary.\n```json\n{\"verdict\": \"approve\", findings: }\n```"},
		{"no block", "Just prose.", false, "", nil, nil, "Just prose."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ParseAnswer(tt.answer)
			if r.Parsed != tt.parsed || r.Verdict != tt.verdict || !slices.Equal(r.Findings, tt.findings) ||
				!slices.Equal(r.Fixed, tt.fixed) || r.Text != tt.text {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

func TestFindingIDIgnoresLineAndFormatting(t *testing.T) {
	a := Finding{Path: "a.go", NewLine: 3, Text: "Error from Close is ignored."}
	b := Finding{Path: "./a.go", NewLine: 40, Severity: "low", Text: "error  from close is IGNORED"}
	c := Finding{Path: "b.go", NewLine: 3, Text: "Error from Close is ignored."}
	if a.ID() != b.ID() || a.ID() == c.ID() || len(a.ID()) != 16 {
		t.Fatalf("ids %s %s %s", a.ID(), b.ID(), c.ID())
	}
	id, ok := marker.FindingID("**x**\n" + marker.Finding(12, a.ID()))
	if !ok || id != a.ID() {
		t.Fatalf("FindingID: %q %v", id, ok)
	}
	if _, ok := marker.FindingID("<!-- claude-gitlab:job=12 -->"); ok {
		t.Fatal("a job marker is no finding")
	}
}

func TestMakePlan(t *testing.T) {
	files := []File{ParseFile("a.go", "a.go", "@@ -1,3 +1,4 @@\n x\n-y\n+y2\n+z\n w\n")}
	onDiff := Finding{Path: "a.go", NewLine: 2, Text: "new issue"}
	outside := Finding{Path: "a.go", NewLine: 40, Text: "far away"}
	again := Finding{Path: "a.go", NewLine: 3, Text: "Raised before"}
	open := Earlier{ID: Finding{Path: "a.go", Text: "was fixed"}.ID(), DiscussionID: "d1"}
	stillOpen := Earlier{ID: again.ID(), DiscussionID: "d2"}
	resolvedByHuman := Earlier{ID: "0000000000000000", DiscussionID: "d3", Resolved: true}
	r := Result{Parsed: true, Findings: []Finding{onDiff, outside, again, onDiff},
		Fixed: []string{open.ID, stillOpen.ID, resolvedByHuman.ID}}
	p := MakePlan(r, files, []Earlier{open, stillOpen, resolvedByHuman})
	if len(p.Inline) != 1 || p.Inline[0].Position != (Position{OldPath: "a.go", NewPath: "a.go", NewLine: 2}) {
		t.Fatalf("inline: %+v", p.Inline)
	}
	if len(p.Summary) != 1 || p.Summary[0] != outside {
		t.Fatalf("summary: %+v", p.Summary)
	}
	if len(p.Repeated) != 1 || p.Repeated[0] != again {
		t.Fatalf("repeated: %+v", p.Repeated)
	}
	// Fixed but raised again (stillOpen) or already resolved: not resolved by us.
	if len(p.Resolve) != 1 || p.Resolve[0].DiscussionID != "d1" {
		t.Fatalf("resolve: %+v", p.Resolve)
	}
}

func TestTexts(t *testing.T) {
	in := Inline{Finding: Finding{Path: "a.go", NewLine: 2, Severity: "high", Text: "The query is built from user input.",
		Suggestion: "db.Query(\"SELECT * FROM t WHERE id = ?\", id)"}, Position: Position{NewPath: "a.go", OldPath: "a.go", NewLine: 2}}
	removed := Inline{Finding: Finding{Path: "a.go", OldLine: 5, Severity: "medium", Text: "This check is still needed.",
		Suggestion: "if err != nil {\n\treturn err\n}"}, Position: Position{NewPath: "a.go", OldPath: "a.go", OldLine: 5}}
	r := ParseAnswer("The change adds a lookup by id.\n\n```json\n{\"verdict\":\"request changes\",\"findings\":[]}\n```")
	summary := Summary(SummaryInput{Result: r, HeadSHA: "0123456789abcdef", Posted: 2, Resolved: 1,
		Plan:  Plan{Summary: []Finding{{Path: "README.md", NewLine: 1, Severity: "low", Text: "Document the endpoint.", Suggestion: "# API\n```sh\ncurl x\n```"}}, Repeated: []Finding{{}}},
		Moved: []Finding{{Path: "a.go", NewLine: 9, Text: "Moved here by GitLab."}}})
	golden.Check(t, "finding_added.md", FindingBody(7, in))
	golden.Check(t, "finding_removed.md", FindingBody(7, removed))
	golden.Check(t, "summary.md", summary)
	golden.Check(t, "fixed_reply.md", FixedReply(8, in.ID(), "0123456789abcdef", "https://gitlab.example.com/acme/demo/-/commit/0123456789abcdef"))
	if got := Summary(SummaryInput{Result: ParseAnswer("plain prose")}); got != "plain prose" {
		t.Fatalf("an answer without a block is the summary as it is: %q", got)
	}
}
