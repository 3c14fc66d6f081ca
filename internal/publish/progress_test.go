package publish

import (
	"fmt"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/agent"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/mcptools"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/redact"
)

// checklistOf renders a checklist's lines as "[x] text" / "[ ] text", one per line.
func checklistOf(t *testing.T, c *Checklist) string {
	t.Helper()
	body, ok := c.Render(1, "")
	if !ok {
		t.Fatal("nothing to render")
	}
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if s, ok := strings.CutPrefix(l, "- "); ok {
			lines = append(lines, s)
		}
	}
	return strings.Join(lines, "\n")
}

func TestChecklistAdd(t *testing.T) {
	cases := []struct {
		name   string
		events []agent.Progress
		want   string
	}{
		{"a tool call", []agent.Progress{{Kind: agent.KindToolUse, Tool: "Read", Summary: "main.go"}},
			"[x] Read the request\n[ ] Read `main.go`"},
		{"a tool call without summary", []agent.Progress{{Kind: agent.KindToolUse, Tool: "TodoWrite"}},
			"[x] Read the request\n[ ] TodoWrite"},
		{"backticks cannot break the code span", []agent.Progress{{Kind: agent.KindToolUse, Tool: "Bash", Summary: "echo `id`"}},
			"[x] Read the request\n[ ] Bash `echo 'id'`"},
		{"denied", []agent.Progress{{Kind: agent.KindDenied, Tool: "Bash", Summary: "rm -rf /"}},
			"[x] Read the request\n[ ] Not allowed: Bash `rm -rf /`"},
		{"API retry", []agent.Progress{{Kind: agent.KindAPIRetry, ErrorStatus: 529}},
			"[x] Read the request\n[ ] Anthropic API busy (HTTP 529); retrying"},
		{"earlier steps are done", []agent.Progress{{Kind: agent.KindToolUse, Tool: "Read", Summary: "a"}, {Kind: agent.KindText, Text: "hm"},
			{Kind: agent.KindToolUse, Tool: "Edit", Summary: "b"}},
			"[x] Read the request\n[x] Read `a`\n[ ] Edit `b`"},
		{"secrets are redacted", []agent.Progress{{Kind: agent.KindToolUse, Tool: "Bash", Summary: "curl -H s3cr3t"}},
			"[x] Read the request\n[ ] Bash `curl -H [REDACTED]`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list := NewChecklist(func(s string) string { return strings.ReplaceAll(s, "s3cr3t", "[REDACTED]") })
			for _, ev := range c.events {
				list.Add(ev)
			}
			if got := checklistOf(t, list); got != c.want {
				t.Errorf("\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// The checklist keeps its first step and the latest ones, 12 in all.
func TestChecklistKeepsTheLatestSteps(t *testing.T) {
	list := NewChecklist(func(s string) string { return s })
	for i := 1; i <= 20; i++ {
		list.Add(agent.Progress{Kind: agent.KindToolUse, Tool: fmt.Sprintf("T%d", i)})
	}
	want := "[x] Read the request"
	for i := 10; i <= 20; i++ {
		box := "[x]"
		if i == 20 {
			box = "[ ]"
		}
		want += fmt.Sprintf("\n%s T%d", box, i)
	}
	if got := checklistOf(t, list); got != want {
		t.Errorf("\n%s\nwant\n%s", got, want)
	}
}

// Claude's plan replaces the steps after the first, at most 12 in all, redacted.
func TestChecklistPlan(t *testing.T) {
	list := NewChecklist(func(s string) string { return strings.ReplaceAll(s, "s3cr3t", "[REDACTED]") })
	list.Add(agent.Progress{Kind: agent.KindToolUse, Tool: "Read", Summary: "x"})
	items := []mcptools.ProgressItem{{Text: "Find the `bug`", Done: true}, {Text: "Fix it with s3cr3t"}}
	for i := 0; i < 20; i++ {
		items = append(items, mcptools.ProgressItem{Text: fmt.Sprintf("more %d", i)})
	}
	list.Plan(items)
	got := strings.Split(checklistOf(t, list), "\n")
	if len(got) != 12 || got[0] != "[x] Read the request" || got[1] != "[x] Find the 'bug'" || got[2] != "[ ] Fix it with [REDACTED]" || got[11] != "[ ] more 8" {
		t.Errorf("plan:\n%s", strings.Join(got, "\n"))
	}
}

// Render gives a body only when the checklist changed since the last one, and the full note.
func TestChecklistRendersOnlyChanges(t *testing.T) {
	list := NewChecklist(func(s string) string { return s })
	if _, ok := list.Render(3, ""); ok {
		t.Error("a new checklist has something new to show")
	}
	list.Add(agent.Progress{Kind: agent.KindInit})
	if _, ok := list.Render(3, ""); ok {
		t.Error("an event without a line changed the checklist")
	}
	list.Add(agent.Progress{Kind: agent.KindToolUse, Tool: "Read"})
	body, ok := list.Render(3, "https://bot/jobs/3")
	if !ok || body != Progress(3, "https://bot/jobs/3", []Step{{"Read the request", true}, {"Read", false}}) {
		t.Errorf("ok %v, body:\n%s", ok, body)
	}
	if _, ok := list.Render(3, ""); ok {
		t.Error("rendered twice without a change")
	}
}

// update_progress replaces the checklist after its first step, bounded, backticks made safe.
func TestProgressPlan(t *testing.T) {
	p := NewChecklist(redact.New("sekrit-value").Redact)
	var items []mcptools.ProgressItem
	for i := range 20 {
		items = append(items, mcptools.ProgressItem{Text: fmt.Sprintf("step `%d` sekrit-value", i), Done: i < 3})
	}
	p.Plan(items)
	if len(p.steps) != maxChecklist || p.steps[0].Text != "Read the request" || !p.changed {
		t.Fatalf("steps = %+v", p.steps)
	}
	if s := p.steps[1]; s.Text != "step '0' [REDACTED]" || !s.Done || p.steps[4].Done {
		t.Errorf("step = %+v", p.steps[1:5])
	}
}
