package trigger

import "testing"

func TestIsStopRequest(t *testing.T) {
	for text, want := range map[string]bool{
		"@claude stop":                       true,
		"@claude cancel":                     true,
		"@claude please stop!":               true,
		"@claude-bot Stop this.":             true,
		"@claude stop it now":                true,
		"@claude why did the build stop?":    false,
		"@claude stop using globals here":    false,
		"@claude cancel the order in cart":   false,
		"> @claude stop\n\nwhat about this?": false,
		"@claude `stop`":                     false,
	} {
		if got := IsStopRequest(text); got != want {
			t.Errorf("IsStopRequest(%q) = %v, want %v", text, got, want)
		}
	}
}
