package trigger_test

import (
	"errors"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// GitLab's real wiki page payload (its user has no id), edited per case.
func TestWikiRule(t *testing.T) {
	on := trigger.Rules{BotID: botID, BotUsername: "claude-bot", Wiki: true}
	off := on
	off.Wiki = false
	ask := "# Awesome\n\n@claude please add a table of contents\n\nawesome content goes here"
	cases := []struct {
		name  string
		edit  func(wt.Payload)
		rules trigger.Rules
		asked string // "" when ignored
	}{
		{"created with a request", content(ask), on, "@claude please add a table of contents"},
		{"updated with a request", content(ask, "object_attributes.action", "update"), on, "@claude please add a table of contents"},
		{"the bot's username mentioned", content("@claude-bot fix the typos"), on, "@claude-bot fix the typos"},
		{"two request lines", content("@claude add a TOC\ntext\n@claude and a summary"), on, "@claude add a TOC\n@claude and a summary"},
		{"the sample itself: no mention", nil, on, ""},
		{"WIKI_ENABLED off", content(ask), off, ""},
		{"edited by the bot (no user id in the payload)", content(ask, "user.username", "claude-bot"), on, ""},
		{"edited by the bot, username in other case", content(ask, "user.username", "Claude-Bot"), on, ""},
		{"page deleted", content(ask, "object_attributes.action", "delete"), on, ""},
		{"mention only in a code block", content("```\n@claude do it\n```"), on, ""},
		{"mention only in a quote", content("> @claude do it"), on, ""},
		{"another user's name", content("@claudette do it"), on, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := parse(t, "wiki_page.json", c.edit)
			req, err := trigger.Match(ev, c.rules)
			if c.asked == "" {
				if !errors.Is(err, trigger.ErrIgnored) {
					t.Fatalf("want ignored, got %+v, %v", req, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Task != trigger.TaskWikiEdit || req.Reason != trigger.ReasonWikiPage || req.Wiki == nil ||
				req.Wiki.Slug != "awesome" || req.Wiki.Title != "Awesome" || req.Wiki.Format != "markdown" ||
				req.Wiki.DefaultBranch != "master" || req.Text != c.asked || req.Author.Username != "user1" ||
				req.Project.ID != 1 || req.URL != "http://example.com/root/awesome-project/wikis/awesome" {
				t.Fatalf("request %+v wiki %+v", req, req.Wiki)
			}
			if key := req.ThreadKey(); key != "1/wiki/awesome" {
				t.Fatalf("thread key %q", key)
			}
		})
	}
	// One state of a page is one request: a resend is a duplicate, a new edit is not.
	a := trigger.ObjectKey(parse(t, "wiki_page.json", content(ask)))
	b := trigger.ObjectKey(parse(t, "wiki_page.json", content(ask)))
	c := trigger.ObjectKey(parse(t, "wiki_page.json", content(ask+"\nmore")))
	if a == "" || a != b || a == c {
		t.Fatalf("dedupe keys %q %q %q", a, b, c)
	}
}

func content(text string, more ...any) func(wt.Payload) {
	return func(p wt.Payload) {
		p.Set("object_attributes.content", text)
		for i := 0; i < len(more); i += 2 {
			p.Set(more[i].(string), more[i+1])
		}
	}
}

func TestRemoveRequests(t *testing.T) {
	rules := trigger.Rules{BotUsername: "claude-bot"}
	cases := []struct{ name, in, want string }{
		{"one request line", "# Home\n@claude add a TOC\nText.", "# Home\nText."},
		{"indented, mixed case", "# Home\n  @Claude add a TOC  \nText.", "# Home\nText."},
		{"the bot's username", "a\n@claude-bot fix it\nb", "a\nb"},
		{"two requests", "@claude one\na\n@claude two", "a"},
		{"code block kept", "```\n@claude not a request\n```\n@claude go", "```\n@claude not a request\n```"},
		{"quote kept", "> @claude said once\n@claude go", "> @claude said once"},
		{"inline code kept", "use `@claude` to ask\n@claude go", "use `@claude` to ask"},
		{"other names kept", "ask @claudette\n@claude go", "ask @claudette"},
		{"nothing to remove", "a\n\nb\n", "a\n\nb\n"},
		{"a paragraph of its own leaves no gap", "a\n\n@claude go\n\nb", "a\n\nb"},
		{"first line, then a blank", "@claude go\n\nb", "b"},
		{"last line of the page", "a\n\n@claude go\n", "a\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := trigger.RemoveRequests(c.in, rules); got != c.want {
				t.Fatalf("RemoveRequests(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
