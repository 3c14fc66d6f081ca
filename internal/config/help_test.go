package config

import (
	"strings"
	"testing"
)

// `help settings`: every setting, every meaning starting in the same column, no line overflowing.
func TestHelpTableIsAligned(t *testing.T) {
	out := Help()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:]
	for _, l := range lines {
		if n := len([]rune(l)); n > lineWidth {
			t.Errorf("line of %d runes: %q", n, l)
		}
	}
	for _, s := range Settings {
		first := wrap(s.Meaning, lineWidth-meaningCol)[0]
		found := false
		for _, l := range lines {
			r := []rune(l)
			if len(r) > meaningCol && string(r[meaningCol:]) == first && r[meaningCol-1] == ' ' {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("the meaning of %s does not start in column %d:\n%s", s.Name, meaningCol, out)
		}
		for _, name := range strings.Split(s.Name, ", ") {
			if !strings.Contains(out, name) {
				t.Errorf("%s is missing", name)
			}
		}
	}
	if got := HelpFor("DATA_DIR", "DATABASE_URL"); strings.Count(got, "\n") != 2 || !strings.Contains(got, "DATA_DIR") || !strings.Contains(got, "DATABASE_URL") {
		t.Fatalf("HelpFor:\n%s", got)
	}
}
