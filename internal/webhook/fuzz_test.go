package webhook_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/webhook"
	wt "gitlab.com/claude-gitlab/claude-gitlab/internal/webhook/webhooktest"
)

// FuzzParseAndMatch feeds parsing and the trigger rules with mutations of the real payloads:
// nothing may panic, Parse must answer with one of the errors the handler maps, and Match must
// return either a complete request or an ignore reason, never both or neither.
func FuzzParseAndMatch(f *testing.F) {
	for _, file := range wt.Files(f) {
		raw := wt.Raw(f, file)
		f.Add(wt.Headers[file], raw)
		// The same payload with a mention, so the fuzzer starts from triggering inputs too.
		f.Add(wt.Headers[file], bytes.Replace(raw, []byte(`": "`), []byte(`": "@claude `), -1))
	}
	f.Add("Note Hook", []byte(`{"object_kind":"note","object_attributes":{"noteable_type":"Issue","note":"@claude"}}`))
	f.Add("Issue Hook", []byte(`{"object_attributes":{"action":"update"},"changes":{"description":{"previous":null,"current":"@claude"}}}`))
	rules := trigger.Rules{BotID: 99, BotUsername: "claude-bot"}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		ev, err := webhook.Parse(header, body)
		if err != nil {
			checkParseError(t, err)
			return
		}
		_ = trigger.ObjectKey(ev)
		req, err := trigger.Match(ev, rules)
		checkMatchResult(t, req, err)
	})
}

func checkParseError(t *testing.T, err error) {
	var unhandled *webhook.UnhandledEventError
	if !errors.Is(err, webhook.ErrMissingEvent) && !errors.Is(err, webhook.ErrMalformed) && !errors.As(err, &unhandled) {
		t.Fatalf("Parse returned an error the handler cannot classify: %v", err)
	}
}

func checkMatchResult(t *testing.T, req trigger.Request, err error) {
	if err != nil {
		var ignored *trigger.Ignored
		if !errors.Is(err, trigger.ErrIgnored) || !errors.As(err, &ignored) || ignored.Reason == "" {
			t.Fatalf("Match error is not an ignore with a reason: %v", err)
		}
		if !reflect.ValueOf(req).IsZero() {
			t.Fatalf("Match ignored (%v) yet returned a request: %+v", err, req)
		}
		return
	}
	if req.Reason == "" || req.Thread.Type == "" {
		t.Fatalf("Match returned no error and an incomplete request: %+v", req)
	}
	if req.Reason == trigger.ReasonMention && req.NoteID == 0 && req.Text == "" {
		t.Fatalf("mention without a note: %+v", req)
	}
}
