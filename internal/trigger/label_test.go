package trigger_test

import (
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

// The label trigger on GitLab's issue payload, whose update changes labels from API to Platform.
func TestLabelTriggerOnTheRealPayload(t *testing.T) {
	update := set("object_attributes.action", "update")
	rules := bot
	rules.LabelTrigger = "platform" // GitLab label titles do not depend on case
	req, err := trigger.Match(parse(t, "issue_open.json", update), rules)
	if err != nil || req.Reason != trigger.ReasonLabeled || req.Label != "platform" || req.Author.Username != "root" ||
		req.Text == "" || req.Task != trigger.TaskAnswer {
		t.Fatalf("label added: %+v, %v", req, err)
	}
	// The label that was taken off does not trigger, nor one kept across an update.
	rules.LabelTrigger = "API"
	if _, err := trigger.Match(parse(t, "issue_open.json", update), rules); err == nil {
		t.Fatal("a removed label triggered")
	}
	kept := set("object_attributes.action", "update", "changes.labels.current", []any{map[string]any{"id": 206, "title": "API"}})
	if _, err := trigger.Match(parse(t, "issue_open.json", kept), rules); err == nil {
		t.Fatal("a label kept across an update triggered")
	}
	// Off when empty; never for the bot's own change.
	rules.LabelTrigger = ""
	if _, err := trigger.Match(parse(t, "issue_open.json", update), rules); err == nil {
		t.Fatal("LABEL_TRIGGER empty still triggered")
	}
	rules.LabelTrigger = "Platform"
	byBot := set("object_attributes.action", "update", "user.id", botID, "user.username", "claude-bot")
	if _, err := trigger.Match(parse(t, "issue_open.json", byBot), rules); err == nil {
		t.Fatal("the bot's own label change triggered")
	}
}
