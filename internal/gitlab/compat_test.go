package gitlab

import "testing"

func TestAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v           string
		want, known bool
	}{
		{"16.11.10-ee", false, true}, {"17.0.0", true, true}, {"16.10.1-ee", false, true},
		{"19.6.0-ee", true, true}, {"", false, false}, {"x.y", false, false},
	} {
		if got, known := AtLeast(tc.v, SinceMembersAllShared); got != tc.want || known != tc.known {
			t.Errorf("AtLeast(%q, 17.0) = %v, %v", tc.v, got, known)
		}
	}
	if ok, _ := AtLeast("16.10.0", SinceRotateSelf); !ok {
		t.Error("16.10 has rotate")
	}
}
