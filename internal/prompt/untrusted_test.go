package prompt

import "testing"

// Bound cuts to at most max bytes on a character boundary and says it cut.
func TestBound(t *testing.T) {
	cases := []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc\n[… cut]"},
		{"aé", 2, "a\n[… cut]"}, // é is two bytes: not split
		{"éé", 3, "é\n[… cut]"},
		{"é", 0, "\n[… cut]"},
	}
	for _, c := range cases {
		if got := Bound(c.s, c.max); got != c.want {
			t.Errorf("Bound(%q, %d) = %q, want %q", c.s, c.max, got, c.want)
		}
	}
}
