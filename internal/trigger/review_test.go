package trigger_test

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

func TestIsReviewRequest(t *testing.T) {
	for text, want := range map[string]bool{
		"@claude review":      true,
		"@claude review this": true,
		"@Claude please review this MR for security issues.": true,
		"@claude can you do a code review?":                  true,
		"@claude re-review please":                           true,
		"@claude review it again, I pushed fixes":            false, // "fixes": work on the code
		"@claude address the review comments":                false,
		"@claude please apply the review suggestions":        false,
		"@claude what does this function do?":                false,
		"@claude add a test":                                 false,
		"@claude fix the reviewer list in CODEOWNERS":        false,
		"`@claude review` is how you ask for one":            false,
		"@claude explain\n```\nreview\n```":                  false,
		"> @claude review\n\n@claude what changed since?":    false,
		"@claude previewing is broken":                       false,
	} {
		if got := trigger.IsReviewRequest(text); got != want {
			t.Errorf("IsReviewRequest(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestIsFixRequest(t *testing.T) {
	for text, want := range map[string]bool{
		"@claude fix this":                 true,
		"@claude please address this":      true,
		"@claude apply your suggestion":    true,
		"@Claude can you handle it?":       true,
		"@claude why is this a problem?":   false,
		"@claude I disagree, this is fine": false,
		"> @claude fix this\n\nnot needed": false,
	} {
		if got := trigger.IsFixRequest(text); got != want {
			t.Errorf("IsFixRequest(%q) = %v, want %v", text, got, want)
		}
	}
}

// Which requests are reviews, and when AUTO_REVIEW reviews on its own, with real payloads.
func TestMatchReviewTask(t *testing.T) {
	auto := bot
	auto.AutoReview = true
	ready := set("changes", map[string]any{"draft": change(true, false)}, "object_attributes.oldrev", nil)
	for _, tc := range []struct {
		name   string
		file   string
		edit   func(wt.Payload)
		rules  trigger.Rules
		reason trigger.Reason // "" = ignored
		task   trigger.Task
	}{
		{"review note on an MR", "note_mr.json", note("@claude review this"), bot, trigger.ReasonMention, trigger.TaskReview},
		{"question on an MR", "note_mr.json", note("@claude why this change?"), bot, trigger.ReasonMention, trigger.TaskAnswer},
		{"review word on an issue", "note_issue.json", note("@claude review this"), bot, trigger.ReasonMention, trigger.TaskAnswer},
		{"MR opened with the phrase", "mr_open.json", set("object_attributes.description", "@claude"), bot, trigger.ReasonOpened, trigger.TaskReview},
		{"review requested from the bot", "mr_update.json", set("changes.reviewers", change(users(), users(botID))), bot, trigger.ReasonReviewRequested, trigger.TaskReview},
		{"MR assigned to the bot", "mr_update.json", set("changes.assignees", change(users(), users(botID))), bot, trigger.ReasonAssigned, trigger.TaskAnswer},
		{"description edited to ask a change", "mr_update.json", set("changes.description", change("", "@claude rebase this")), bot, trigger.ReasonEdited, trigger.TaskAnswer},
		{"description edited to ask a review", "mr_update.json", set("changes.description", change("", "@claude review please")), bot, trigger.ReasonEdited, trigger.TaskReview},
		{"auto: MR opened", "mr_open.json", nil, auto, trigger.ReasonAutoReview, trigger.TaskReview},
		{"auto: draft MR opened", "mr_open.json", set("object_attributes.draft", true), auto, "", trigger.TaskAnswer},
		{"auto: new commits", "mr_update.json", nil, auto, trigger.ReasonAutoReview, trigger.TaskReview},
		{"auto: new commits on a draft", "mr_update.json", set("object_attributes.draft", true), auto, "", trigger.TaskAnswer},
		{"auto: marked ready", "mr_update.json", ready, auto, trigger.ReasonAutoReview, trigger.TaskReview},
		{"auto: marked draft", "mr_update.json", set("changes", map[string]any{"draft": change(false, true)}, "object_attributes.oldrev", nil, "object_attributes.draft", true), auto, "", trigger.TaskAnswer},
		{"auto: title edited", "mr_update.json", set("changes", map[string]any{"title": change("a", "b")}, "object_attributes.oldrev", nil), auto, "", trigger.TaskAnswer},
		{"auto: labels changed", "mr_update.json", set("changes", map[string]any{"labels": change([]any{}, []any{})}, "object_attributes.oldrev", nil), auto, "", trigger.TaskAnswer},
		{"auto: pushed by the bot", "mr_update.json", set("user.id", botID), auto, "", trigger.TaskAnswer},
		{"auto off: new commits", "mr_update.json", nil, bot, "", trigger.TaskAnswer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := trigger.Match(parse(t, tc.file, tc.edit), tc.rules)
			if tc.reason == "" {
				if err == nil {
					t.Fatalf("want ignored, got %+v", req)
				}
				return
			}
			if err != nil || req.Reason != tc.reason || req.Task != tc.task {
				t.Fatalf("got reason %q task %q (%v); want %q %q", req.Reason, req.Task, err, tc.reason, tc.task)
			}
		})
	}
}
