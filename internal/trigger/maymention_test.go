package trigger

import "testing"

// MayMention is false only when no decoded string can mention a name: it is checked against
// Mentions on the decoded text for each way a name can hide in JSON.
func TestMayMention(t *testing.T) {
	rules := Rules{BotUsername: "claude-bot"}
	for _, c := range []struct {
		raw  string
		want bool
	}{
		{`{"note":"hello"}`, false},
		{`{"note":"me@example.com"}`, false},
		{`{"note":"@claude hi"}`, true},
		{`{"note":"@CLAUDE hi"}`, true},
		{`{"note":"@Claude-Bot hi"}`, true},
		{`{"note":"@\u0063laude hi"}`, true},   // JSON escape of c
		{`{"note":"@\u0043LAUDE hi"}`, true},   // of C
		{`{"note":"\u0040claude hi"}`, true},   // of @
		{`{"note":"\u003cb\u003e hi"}`, false}, // GitLab-style escapes of other characters
	} {
		if got := rules.MayMention([]byte(c.raw)); got != c.want {
			t.Errorf("MayMention(%s) = %v, want %v", c.raw, got, c.want)
		}
	}
	kelvin := Rules{Phrase: "@ask"}
	if !kelvin.MayMention([]byte("{\"note\":\"@as\u212a\"}")) {
		t.Error("the Kelvin sign folds to k (strings.EqualFold): counted as a possible mention")
	}
	if !(Rules{Phrase: "/claude"}).MayMention([]byte(`{"note":"hi"}`)) {
		t.Error("a phrase JSON may escape (/) always needs the decode")
	}
}
