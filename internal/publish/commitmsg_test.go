package publish

import (
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/prompt"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

func TestSubject(t *testing.T) {
	for text, want := range map[string]string{
		"":                                   "",
		"\n\n**Fixed the nil map**\nin x.go": "Fixed the nil map",
		"# Title":                            "Title",
		strings.Repeat("é", 80):              strings.Repeat("é", 71) + "…",
	} {
		if got := Subject(text); got != want {
			t.Errorf("Subject(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestPipelineCommitMessage(t *testing.T) {
	req := trigger.Request{Pipeline: &trigger.PipelineRef{ID: 12, Branch: "claude/x"}, URL: "https://gitlab.example.com/g/p/-/pipelines/12"}
	got := PipelineCommitMessage(req, []prompt.FailedJob{{Name: "test"}, {Name: "lint"}}, "Fix the off-by-one\n\nmore", 1, 2)
	want := "Fix the off-by-one\n\nPipeline #12 failed on claude/x (jobs: test, lint)\nhttps://gitlab.example.com/g/p/-/pipelines/12.\nAutomatic fix 1 of at most 2 (PIPELINE_FIX).\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if got := PipelineCommitMessage(trigger.Request{Pipeline: req.Pipeline}, nil, "", 2, 2); !strings.HasPrefix(got, "Fix the failed pipeline #12\n\nPipeline #12 failed on claude/x.\n") {
		t.Errorf("without a summary or jobs: %q", got)
	}
}

func TestWikiCommitMessage(t *testing.T) {
	req := trigger.Request{Wiki: &trigger.WikiRef{Title: "Home"}, Author: event.User{Username: "alice"}, Text: "@claude add a FAQ\nand a table"}
	got := WikiCommitMessage(req, "Added a FAQ\n\nWith three questions.", "https://bot.example.com/jobs/4")
	want := "Claude: Added a FAQ (requested by @alice)\n\nAdded a FAQ\n\nWith three questions.\n\nRequest: @claude add a FAQ / and a table\nJob: https://bot.example.com/jobs/4\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if got := WikiCommitMessage(req, "", ""); got != "Claude: edit Home (requested by @alice)\n\nRequest: @claude add a FAQ / and a table\n" {
		t.Errorf("without a summary: %q", got)
	}
}
