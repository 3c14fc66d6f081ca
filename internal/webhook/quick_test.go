package webhook_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// quickFunc is the quick path's signature, so the property can be checked on a broken one too.
type quickFunc func(header string, body []byte, rules trigger.Rules) (event.Event, string, bool)

// fullTriggers is what the handler did before the quick path: the full parse, then Match.
func fullTriggers(header string, body []byte, rules trigger.Rules) bool {
	ev, err := webhook.Parse(header, body)
	if err != nil {
		return false
	}
	_, err = trigger.Match(ev, rules)
	return err == nil
}

// variant is one delivery of the property: a real payload with something changed.
type variant struct {
	name, header string
	body         []byte
}

// triggerVariants are GitLab's payloads of the hooks that can trigger, with a mention injected in
// every string of the payload (one at a time, each way a mention may be written), and with the
// bot made assignee, reviewer, or the author, and the actions and changes that matter.
func triggerVariants(t testing.TB, botID int64) []variant {
	var out []variant
	for _, file := range wt.Files(t) {
		header := wt.Headers[file]
		if !strings.Contains(header, "Note") && !strings.Contains(header, "Issue") && !strings.Contains(header, "Merge") {
			continue
		}
		raw := wt.Raw(t, file)
		out = append(out, variant{file, header, raw})
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		mentions := []string{"@claude please look", "hey @CLAUDE, review", "@claude-bot fix it", `@\u0063laude escaped`,
			"@\u017f\u212a, long s and Kelvin sign fold to @sk"}
		for _, path := range stringPaths(doc, "") {
			for i, m := range mentions {
				body := setPath(t, raw, path, m, i == 3)
				out = append(out, variant{fmt.Sprintf("%s %s=%q", file, path, m), header, body})
			}
		}
		for _, extra := range botVariants(botID) {
			body := raw
			for path, v := range extra {
				body = setValue(t, body, path, v)
			}
			out = append(out, variant{fmt.Sprintf("%s %v", file, extra), header, body})
		}
	}
	return out
}

func botVariants(botID int64) []map[string]any {
	bot := []any{map[string]any{"id": botID, "username": "claude-bot"}}
	return []map[string]any{
		{"object_attributes.action": "open", "object_attributes.assignee_ids": []any{botID}},
		{"object_attributes.action": "open", "object_attributes.assignee_id": botID},
		{"object_attributes.action": "open", "object_attributes.reviewer_ids": []any{botID}},
		{"object_attributes.action": "update", "changes.assignees": map[string]any{"previous": []any{}, "current": bot}},
		{"object_attributes.action": "update", "changes.reviewers": map[string]any{"previous": []any{}, "current": bot}},
		{"object_attributes.action": "update", "changes.draft": map[string]any{"previous": true, "current": false}},
		{"object_attributes.action": "update", "object_attributes.oldrev": "0123abcd"},
		{"object_attributes.action": "open", "object_attributes.draft": false, "object_attributes.work_in_progress": false},
		{"object_attributes.action": "update", "changes.description": map[string]any{"previous": nil, "current": "@claude do it"}},
		{"object_attributes.action": "update", "changes.title": map[string]any{"previous": "x", "current": "@claude do it"}},
	}
}

// stringPaths lists the dotted paths of every string in doc.
func stringPaths(doc any, prefix string) []string {
	var out []string
	switch v := doc.(type) {
	case map[string]any:
		for k, c := range v {
			out = append(out, stringPaths(c, join(prefix, k))...)
		}
	case []any:
		for i, c := range v {
			out = append(out, stringPaths(c, join(prefix, fmt.Sprint(i)))...)
		}
	case string:
		out = append(out, prefix)
	}
	return out
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// setPath puts text into the string at path (an escaped text is put in as written, so that the
// payload holds a JSON \u escape).
func setPath(t testing.TB, raw []byte, path, text string, escaped bool) []byte {
	marker := "QUICK_MARKER_0123"
	body := setValue(t, raw, path, marker)
	if escaped {
		return []byte(strings.Replace(string(body), marker, text, 1))
	}
	enc, _ := json.Marshal(text)
	return []byte(strings.Replace(string(body), `"`+marker+`"`, string(enc), 1))
}

func setValue(t testing.TB, raw []byte, path string, v any) []byte {
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	cur := doc
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[k] = v
				break
			}
			if _, ok := c[k]; !ok {
				c[k] = map[string]any{}
			}
			cur = c[k]
		case []any:
			var n int
			fmt.Sscan(k, &n)
			if last {
				c[n] = v
				break
			}
			cur = c[n]
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// violations are the deliveries the quick path ignores while the full path triggers.
func violations(t testing.TB, quick quickFunc) (bad []string, triggered, quickIgnored int) {
	for _, rules := range []trigger.Rules{
		{BotID: 1, BotUsername: "claude-bot"},
		{BotID: 51, BotUsername: "claude-bot", AutoReview: true},
		{BotID: 4242, BotUsername: "CLAUDE-BOT", Phrase: "@claude"},
		{BotID: 7, BotUsername: "claude-bot", Phrase: "@SK"},
	} {
		for _, v := range triggerVariants(t, rules.BotID) {
			full := fullTriggers(v.header, v.body, rules)
			_, reason, ignored := quick(v.header, v.body, rules)
			if full {
				triggered++
			}
			if ignored {
				quickIgnored++
			}
			if full && ignored {
				bad = append(bad, fmt.Sprintf("%s (rules %+v): quick path ignored (%s), full path triggers", v.name, rules, reason))
			}
		}
	}
	return bad, triggered, quickIgnored
}

// The quick path never ignores a delivery the full path would act on: every real payload of a
// hook that can trigger, with the phrase put into each of its strings in turn (plain, upper case,
// the bot's username, a JSON \u escape, the Kelvin sign that folds to K) and with the bot made
// assignee, reviewer and so on.
func TestQuickPathNeverIgnoresATrigger(t *testing.T) {
	bad, triggered, ignored := violations(t, webhook.QuickIgnore)
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("%d triggering deliveries, %d ignored by the quick path", triggered, ignored)
	if triggered < 100 || ignored < 100 {
		t.Fatalf("the property ran on too few cases: %d triggering, %d quick-ignored", triggered, ignored)
	}
}

// Control: a quick path that never decodes the texts (as if MayMention were always false) is
// caught by the property.
func TestQuickPathPropertyCatchesABrokenQuickPath(t *testing.T) {
	broken := func(header string, body []byte, rules trigger.Rules) (event.Event, string, bool) {
		return webhook.QuickIgnoreTexts(header, body, rules, false)
	}
	bad, _, _ := violations(t, broken)
	if len(bad) == 0 {
		t.Fatal("a quick path that drops the texts went unnoticed: the property checks nothing")
	}
}

// The quick path answers the common case: GitLab's payloads as they are (no mention) are ignored
// without the full parse, with the same kind of reason.
func TestQuickPathIgnoresPayloadsWithoutAMention(t *testing.T) {
	rules := trigger.Rules{BotID: 987654, BotUsername: "claude-bot"}
	for _, file := range []string{"issue_open.json", "mr_update.json", "mr_open.json", "note_issue.json", "note_mr.json", "confidential_note.json"} {
		_, reason, ok := webhook.QuickIgnore(wt.Headers[file], wt.Raw(t, file), rules)
		if !ok || reason == "" {
			t.Errorf("%s: not ignored by the quick path", file)
		}
	}
}

// FuzzQuickPathNeverIgnoresATrigger checks the property on mutations of the variants above.
func FuzzQuickPathNeverIgnoresATrigger(f *testing.F) {
	for _, v := range triggerVariants(f, 51) {
		texts := strings.Contains(v.name, "note=") || strings.Contains(v.name, "description=") || strings.Contains(v.name, "title=")
		if texts && strings.Contains(v.name, "please look") || !strings.Contains(v.name, "=") {
			f.Add(v.header, v.body)
		}
	}
	rules := trigger.Rules{BotID: 51, BotUsername: "claude-bot", AutoReview: true}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if _, reason, ignored := webhook.QuickIgnore(header, body, rules); ignored && fullTriggers(header, body, rules) {
			t.Fatalf("quick path ignored (%s) a delivery the full path triggers on", reason)
		}
	})
}

func BenchmarkQuickIgnoreNote(b *testing.B) {
	raw := wt.Raw(b, "note_issue.json")
	rules := trigger.Rules{BotID: 987654, BotUsername: "claude-bot"}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		webhook.QuickIgnore("Note Hook", raw, rules)
	}
}

func BenchmarkFullParseNote(b *testing.B) {
	raw := wt.Raw(b, "note_issue.json")
	rules := trigger.Rules{BotID: 987654, BotUsername: "claude-bot"}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		fullTriggers("Note Hook", raw, rules)
	}
}
