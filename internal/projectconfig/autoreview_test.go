package projectconfig

import "testing"

// With AUTO_REVIEW on, a project keeps it by default and may turn it off; with it off, asking
// for it is refused.
func TestAutoReviewFollowsTheServer(t *testing.T) {
	for _, tt := range []struct {
		server  bool
		file    string
		want    bool
		refused bool
	}{
		{true, "", true, false},
		{true, "auto_review: false", false, false},
		{true, "auto_review: true", true, false},
		{false, "auto_review: true", false, true},
		{false, "auto_review: false", false, false},
	} {
		f, problems := Parse([]byte(tt.file))
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		e, refused := Apply(Operator{AutoReview: tt.server, MaxTurns: 10}, f)
		if e.AutoReview != tt.want || (len(refused) > 0) != tt.refused {
			t.Errorf("server %v, %q: auto_review %v, refused %+v", tt.server, tt.file, e.AutoReview, refused)
		}
		if tt.refused && refused[0].Why != "AUTO_REVIEW is off on this server" {
			t.Errorf("refusal: %q", refused[0].Why)
		}
	}
}
