package event

import "testing"

func TestThreadRef(t *testing.T) {
	for _, c := range []struct {
		t    Thread
		want string
	}{
		{Thread{Type: ThreadIssue, IID: 12, ID: 900}, "#12"},
		{Thread{Type: ThreadMergeRequest, IID: 7, ID: 901}, "!7"},
		{Thread{Type: ThreadCommit, CommitSHA: "1a2b3c4d5e6f7a8b9c0d"}, "commit 1a2b3c4d"},
		{Thread{Type: ThreadCommit, CommitSHA: "1a2b"}, "commit 1a2b"},
		{Thread{Type: ThreadSnippet, ID: 5}, "snippet 5"},
		{Thread{Type: "epic", ID: 3}, "epic"},
	} {
		if got := c.t.Ref(); got != c.want {
			t.Errorf("%+v: Ref() = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestShortSHA(t *testing.T) {
	for sha, want := range map[string]string{"": "", "abc": "abc", "0123456789abcdef": "01234567"} {
		if got := ShortSHA(sha); got != want {
			t.Errorf("ShortSHA(%q) = %q, want %q", sha, got, want)
		}
	}
}
