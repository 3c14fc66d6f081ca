package trigger_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

const botID = 99

var bot = trigger.Rules{BotID: botID, BotUsername: "claude-bot"}

// parse builds an event from a real payload after edit changed it.
func parse(t *testing.T, file string, edit func(wt.Payload)) event.Event {
	t.Helper()
	p := wt.Load(t, file)
	if edit != nil {
		edit(p)
	}
	ev, err := webhook.Parse(wt.Headers[file], p.Bytes(t))
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	return ev
}

func note(body string) func(wt.Payload) {
	return func(p wt.Payload) { p.Set("object_attributes.note", body) }
}

func set(pairs ...any) func(wt.Payload) {
	return func(p wt.Payload) {
		for i := 0; i < len(pairs); i += 2 {
			p.Set(pairs[i].(string), pairs[i+1])
		}
	}
}

func change(prev, cur any) map[string]any {
	return map[string]any{"previous": prev, "current": cur}
}

func users(ids ...int64) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, wt.User(id, "u"))
	}
	return out
}

// An issue update that changes only what the case sets: the sample's changes list a title and
// description change, which would trigger on their own.
func issueUpdate(pairs ...any) func(wt.Payload) {
	return func(p wt.Payload) {
		p.Set("object_attributes.action", "update").Set("changes", map[string]any{})
		set(pairs...)(p)
	}
}

type matchCase struct {
	name   string
	file   string
	edit   func(wt.Payload)
	rules  *trigger.Rules // default bot
	want   trigger.Reason // "" = ignored
	reason string         // a word the ignore reason must contain
}

func noteCases() []matchCase {
	return []matchCase{
		{name: "plain mention", file: "note_issue.json", edit: note("@claude please fix the login"), want: trigger.ReasonMention},
		{name: "mention with comma", file: "note_issue.json", edit: note("@claude, what does this do?"), want: trigger.ReasonMention},
		{name: "capitalised with colon", file: "note_issue.json", edit: note("@Claude: explain auth"), want: trigger.ReasonMention},
		{name: "upper case mid sentence", file: "note_issue.json", edit: note("hey @CLAUDE look"), want: trigger.ReasonMention},
		{name: "in parentheses", file: "note_issue.json", edit: note("ask the bot (@claude)"), want: trigger.ReasonMention},
		{name: "ends a sentence", file: "note_issue.json", edit: note("Over to you @claude."), want: trigger.ReasonMention},
		{name: "on its own line after text", file: "note_issue.json", edit: note("context first\n\n@claude go"), want: trigger.ReasonMention},
		{name: "longer username", file: "note_issue.json", edit: note("@claudette help"), reason: "does not mention"},
		{name: "email address", file: "note_issue.json", edit: note("write to me@claude.ai"), reason: "does not mention"},
		{name: "dotted username", file: "note_issue.json", edit: note("@claude.ai knows"), reason: "does not mention"},
		{name: "dashed username", file: "note_issue.json", edit: note("@claude-2 knows"), reason: "does not mention"},
		{name: "inline code", file: "note_issue.json", edit: note("type `@claude` to call it"), reason: "does not mention"},
		{name: "double backtick code", file: "note_issue.json", edit: note("type ``@claude` `` to call it"), reason: "does not mention"},
		{name: "backtick fence", file: "note_issue.json", edit: note("example:\n```\n@claude fix\n```"), reason: "does not mention"},
		{name: "tilde fence", file: "note_issue.json", edit: note("~~~md\n@claude fix\n~~~\nthat is all"), reason: "does not mention"},
		{name: "unclosed fence", file: "note_issue.json", edit: note("```\n@claude fix"), reason: "does not mention"},
		{name: "quote line", file: "note_issue.json", edit: note("> @claude do it\n\nI agree with this"), reason: "does not mention"},
		{name: "multiline quote", file: "note_issue.json", edit: note(">>>\n@claude do it\n>>>\nsee above"), reason: "does not mention"},
		{name: "html comment", file: "note_issue.json", edit: note("<!-- @claude reads this -->\nbug report"), reason: "does not mention"},
		{name: "after a closed fence", file: "note_issue.json", edit: note("```\ncode\n```\n@claude why does this fail?"), want: trigger.ReasonMention},
		{name: "after a quote", file: "note_issue.json", edit: note("> they said\n@claude answer them"), want: trigger.ReasonMention},
		{name: "after inline code", file: "note_issue.json", edit: note("`x := 1` @claude is this right?"), want: trigger.ReasonMention},
		{name: "unmatched backtick", file: "note_issue.json", edit: note("a ` alone @claude"), want: trigger.ReasonMention},
		{name: "bot username", file: "note_issue.json", edit: note("@claude-bot summarise"), want: trigger.ReasonMention},
		{name: "custom phrase", file: "note_issue.json", edit: note("/ai summarise"), rules: &trigger.Rules{Phrase: "/ai"}, want: trigger.ReasonMention},
		{name: "default phrase replaced", file: "note_issue.json", edit: note("@claude summarise"), rules: &trigger.Rules{Phrase: "/ai"}, reason: "does not mention"},
		{name: "identity unknown yet", file: "note_issue.json", edit: note("@claude summarise"), rules: &trigger.Rules{}, want: trigger.ReasonMention},
		{name: "no mention at all", file: "note_issue.json", reason: "does not mention"},
		{name: "system note", file: "note_issue.json", edit: set("object_attributes.note", "@claude", "object_attributes.system", true), reason: "system"},
		{name: "bot's own note by id", file: "note_issue.json", edit: set("object_attributes.note", "@claude", "user.id", botID), reason: "bot's own"},
		{name: "bot's own note by username", file: "note_issue.json", edit: set("object_attributes.note", "@claude", "user.username", "Claude-Bot"), reason: "bot's own"},
		{name: "edited note", file: "note_issue.json", edit: set("object_attributes.note", "@claude", "object_attributes.action", "update"), reason: "update"},
		{name: "note on MR", file: "note_mr.json", edit: note("@claude review this"), want: trigger.ReasonMention},
		{name: "note on merged MR", file: "note_mr.json", edit: set("object_attributes.note", "@claude why?", "merge_request.state", "merged"), want: trigger.ReasonMention},
		{name: "diff note on MR", file: "note_mr.json", edit: set("object_attributes.note", "@claude rename", "object_attributes.type", "DiffNote"), want: trigger.ReasonMention},
		{name: "note on commit", file: "note_commit.json", edit: note("@claude explain this commit"), want: trigger.ReasonMention},
		{name: "note on snippet", file: "note_snippet.json", edit: note("@claude is this right?"), want: trigger.ReasonMention},
		{name: "confidential note", file: "confidential_note.json", edit: note("@claude look"), want: trigger.ReasonMention},
		{name: "MR note without mention", file: "note_mr.json", reason: "does not mention"},
	}
}

func issuableCases() []matchCase {
	return []matchCase{
		{name: "issue opened asking", file: "issue_open.json", edit: set("object_attributes.description", "@claude implement this"), want: trigger.ReasonOpened},
		{name: "issue opened with phrase in title", file: "issue_open.json", edit: set("object_attributes.title", "@claude: add a flag"), want: trigger.ReasonOpened},
		{name: "issue opened without phrase", file: "issue_open.json", reason: "without a mention"},
		{name: "issue opened with phrase in code", file: "issue_open.json", edit: set("object_attributes.description", "```\n@claude\n```"), reason: "without a mention"},
		{name: "issue opened assigned to bot", file: "issue_open.json", edit: set("object_attributes.assignee_ids", []any{botID}), want: trigger.ReasonAssigned},
		{name: "issue opened by bot", file: "issue_open.json", edit: set("object_attributes.description", "@claude", "object_attributes.author_id", botID), reason: "by the bot"},
		{name: "issue action by bot", file: "issue_open.json", edit: set("object_attributes.description", "@claude", "user.id", botID), reason: "by the bot"},
		{name: "confidential issue opened asking", file: "confidential_issue.json", edit: set("object_attributes.description", "@claude fix"), want: trigger.ReasonOpened},
		{name: "description newly mentions", file: "issue_open.json", edit: issueUpdate("changes.description", change("old text", "old text\n@claude do it")), want: trigger.ReasonEdited},
		{name: "description already mentioned", file: "issue_open.json", edit: issueUpdate("changes.description", change("@claude do it", "@claude do it, now")), reason: "adds no mention"},
		{name: "description mention removed", file: "issue_open.json", edit: issueUpdate("changes.description", change("@claude do it", "done")), reason: "adds no mention"},
		{name: "description mention only quoted", file: "issue_open.json", edit: issueUpdate("changes.description", change("x", "x\n> @claude do it")), reason: "adds no mention"},
		{name: "title newly mentions", file: "issue_open.json", edit: issueUpdate("changes.title", change("Bug", "@claude Bug")), want: trigger.ReasonEdited},
		{name: "newly assigned to bot", file: "issue_open.json", edit: issueUpdate("changes.assignees", change(users(), users(botID))), want: trigger.ReasonAssigned},
		{name: "bot stays assigned", file: "issue_open.json", edit: issueUpdate("changes.assignees", change(users(botID), users(botID, 5))), reason: "adds no"},
		{name: "assigned to someone else", file: "issue_open.json", edit: issueUpdate("changes.assignees", change(users(), users(5))), reason: "adds no"},
		{name: "assigned while bot id unknown", file: "issue_open.json", edit: issueUpdate("changes.assignees", change(users(), users(botID))), rules: &trigger.Rules{BotUsername: "claude-bot"}, reason: "adds no"},
		{name: "issue closed with phrase", file: "issue_open.json", edit: set("object_attributes.description", "@claude", "object_attributes.action", "close"), reason: "close"},
		{name: "MR opened asking", file: "mr_open.json", edit: set("object_attributes.description", "@claude review please"), want: trigger.ReasonOpened},
		{name: "MR opened with bot as reviewer", file: "mr_open.json", edit: set("object_attributes.reviewer_ids", []any{botID}), want: trigger.ReasonReviewRequested},
		{name: "MR opened plainly", file: "mr_open.json", reason: "without a mention"},
		{name: "MR update with new commits only", file: "mr_update.json", reason: "adds no"},
		{name: "MR review newly requested", file: "mr_update.json", edit: set("changes.reviewers", change(users(), users(botID))), want: trigger.ReasonReviewRequested},
		{name: "MR review already requested", file: "mr_update.json", edit: set("changes.reviewers", change(users(botID), users(botID, 3))), reason: "adds no"},
		{name: "MR description newly mentions", file: "mr_update.json", edit: set("changes.description", change("", "@claude rebase this")), want: trigger.ReasonEdited},
		{name: "MR merged", file: "mr_update.json", edit: set("object_attributes.action", "merge", "object_attributes.description", "@claude"), reason: "merge"},
		{name: "push", file: "push.json", reason: "Push Hook"},
		{name: "pipeline", file: "pipeline_success.json", reason: "Pipeline Hook"},
		{name: "wiki page mentioning", file: "wiki_page.json", edit: set("object_attributes.content", "@claude fix this page"), reason: "Wiki Page Hook"},
	}
}

func TestMatch(t *testing.T) {
	cases := append(noteCases(), issuableCases()...)
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rules := bot
			if tc.rules != nil {
				rules = *tc.rules
			}
			req, err := trigger.Match(parse(t, tc.file, tc.edit), rules)
			checkMatch(t, tc, req, err)
		})
	}
}

func checkMatch(t *testing.T, tc matchCase, req trigger.Request, err error) {
	t.Helper()
	if tc.want != "" {
		if err != nil || req.Reason != tc.want {
			t.Fatalf("got %q, %v; want %q", req.Reason, err, tc.want)
		}
		return
	}
	var ignored *trigger.Ignored
	if !errors.Is(err, trigger.ErrIgnored) || !errors.As(err, &ignored) {
		t.Fatalf("got %q, %v; want ignored", req.Reason, err)
	}
	if !strings.Contains(ignored.Reason, tc.reason) {
		t.Errorf("reason %q lacks %q", ignored.Reason, tc.reason)
	}
	if !reflect.ValueOf(req).IsZero() {
		t.Errorf("ignored with a request: %+v", req)
	}
}

func TestMatchNoteRequest(t *testing.T) {
	ev := parse(t, "note_snippet.json", note("@claude is this right?"))
	req, err := trigger.Match(ev, bot)
	if err != nil {
		t.Fatal(err)
	}
	want := trigger.Request{
		Reason: trigger.ReasonMention, Project: ev.Project, Thread: ev.Thread, NoteID: 1245,
		DiscussionID: "e1c5835f5f99414806f6fe45b28s48cfebb89ee1",
		Author:       event.User{ID: 42, Username: "user1", Name: "User1"},
		Text:         "@claude is this right?",
		URL:          "http://example.com/gitlab-org/gitlab-test/snippets/53#note_1245",
	}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("request\n got %+v\nwant %+v", req, want)
	}
	if req.ThreadKey() != "5/snippet/53" {
		t.Errorf("thread key %q", req.ThreadKey())
	}
}

func TestMatchConfidentialAndInternal(t *testing.T) {
	for _, ev := range []event.Event{
		parse(t, "confidential_note.json", note("@claude look")),
		parse(t, "note_issue.json", set("object_attributes.note", "@claude look", "object_attributes.internal", true)),
		parse(t, "note_issue.json", set("object_attributes.note", "@claude look", "issue.confidential", true)),
		parse(t, "confidential_issue.json", set("object_attributes.description", "@claude fix")),
	} {
		req, err := trigger.Match(ev, bot)
		if err != nil || !req.Confidential {
			t.Errorf("%s: confidential=%v err=%v", ev.HookName, req.Confidential, err)
		}
	}
	req, err := trigger.Match(parse(t, "note_issue.json", note("@claude look")), bot)
	if err != nil || req.Confidential {
		t.Errorf("public note: confidential=%v err=%v", req.Confidential, err)
	}
}

func TestMatchIssuableRequest(t *testing.T) {
	ev := parse(t, "issue_open.json", set("object_attributes.description", "@claude add a flag"))
	req, err := trigger.Match(ev, bot)
	if err != nil {
		t.Fatal(err)
	}
	if req.Text != "New API: create/update/delete file\n\n@claude add a flag" || req.NoteID != 0 ||
		req.URL != "http://example.com/diaspora/issues/23" || req.Author.Username != "root" || req.ThreadKey() != "1/issue/23" {
		t.Errorf("request = %+v", req)
	}
}

func TestObjectKey(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"note_issue.json", "note:5:1241"},
		{"note_mr.json", "note:5:1244"},
		{"issue_open.json", "issue:1:23:open:2013-12-03T17:15:43Z"},
		{"mr_update.json", "merge_request:2:2:update:2021-09-27 05:01:21 UTC:0ab96a10266b95b4b533dcfd98738015fbe70889"},
		{"push.json", ""},
	}
	for _, tt := range tests {
		if got := trigger.ObjectKey(parse(t, tt.file, nil)); got != tt.want {
			t.Errorf("%s: ObjectKey = %q, want %q", tt.file, got, tt.want)
		}
	}
}

// TestMayTrigger: the kinds MayTrigger refuses are the kinds Match ignores whatever the event,
// and the ones it allows are the ones Match has rules for.
func TestMayTrigger(t *testing.T) {
	for _, c := range []struct {
		kind  event.Kind
		rules trigger.Rules
		want  bool
	}{
		{event.KindNote, trigger.Rules{}, true},
		{event.KindIssue, trigger.Rules{}, true},
		{event.KindMergeRequest, trigger.Rules{}, true},
		{event.KindPipeline, trigger.Rules{}, false},
		{event.KindPipeline, trigger.Rules{PipelineFix: true}, true},
		{event.KindWikiPage, trigger.Rules{}, false},
		{event.KindWikiPage, trigger.Rules{Wiki: true}, true},
		{event.KindPush, trigger.Rules{PipelineFix: true, Wiki: true}, false},
		{event.KindJob, trigger.Rules{PipelineFix: true, Wiki: true}, false},
		{event.KindOther, trigger.Rules{PipelineFix: true, Wiki: true}, false},
		{"", trigger.Rules{PipelineFix: true, Wiki: true}, false},
	} {
		if got := c.rules.MayTrigger(c.kind); got != c.want {
			t.Errorf("MayTrigger(%q) with %+v = %v, want %v", c.kind, c.rules, got, c.want)
		}
		if c.want {
			continue
		}
		if _, err := trigger.Match(event.Event{Kind: c.kind}, c.rules); !errors.Is(err, trigger.ErrIgnored) {
			t.Errorf("Match of a %q event with %+v = %v, want ignored (MayTrigger says it cannot trigger)", c.kind, c.rules, err)
		}
	}
}
