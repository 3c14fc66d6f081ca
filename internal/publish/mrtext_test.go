package publish

import (
	"strings"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/trigger"
)

func request(typ event.ThreadType, iid int64, url string, confidential bool) trigger.Request {
	r := trigger.Request{URL: url}
	r.Author.Username = "alice"
	r.Thread.Type, r.Thread.IID, r.Thread.Confidential = typ, iid, confidential
	return r
}

func TestThreadMention(t *testing.T) {
	for _, c := range []struct {
		r    trigger.Request
		want string
	}{
		{request(event.ThreadMergeRequest, 7, "", false), "!7"},
		{request(event.ThreadIssue, 3, "", false), "#3"},
		{request(event.ThreadCommit, 0, "https://gitlab.example/c", false), "https://gitlab.example/c"},
		{request(event.ThreadSnippet, 0, "", false), "a comment"},
	} {
		if got := ThreadMention(c.r); got != c.want {
			t.Errorf("ThreadMention = %q, want %q", got, c.want)
		}
	}
}

func TestCommitMessage(t *testing.T) {
	r := request(event.ThreadIssue, 3, "https://gitlab.example/p/-/issues/3#note_1", false)
	if got, want := CommitMessage(r, "# Fix it\n\nbody"), "Fix it\n\nRequested by @alice in https://gitlab.example/p/-/issues/3#note_1\n"; got != want {
		t.Errorf("CommitMessage = %q, want %q", got, want)
	}
	r.URL = ""
	if got, want := CommitMessage(r, ""), "Changes requested in #3\n\nRequested by @alice in #3\n"; got != want {
		t.Errorf("CommitMessage without text = %q, want %q", got, want)
	}
	r.Thread.Confidential = true
	if got := CommitMessage(r, "Secret plan"); strings.Contains(got, "Secret") || !strings.HasPrefix(got, "Changes requested in a confidential issue") {
		t.Errorf("a confidential thread's commit message shows its text: %q", got)
	}
}

func TestMRText(t *testing.T) {
	title, desc := MRText(request(event.ThreadIssue, 3, "", false), "Fix the typo\n\nIt was wrong.")
	if title != "Fix the typo" || desc != "Fix the typo\n\nIt was wrong.\n\n---\nRequested by @alice in #3.\n\nCloses #3." {
		t.Errorf("MRText = %q, %q", title, desc)
	}
	title, desc = MRText(request(event.ThreadMergeRequest, 7, "", false), strings.Repeat("x", 20_001))
	if !strings.HasSuffix(desc, "x\n\n…\n\n---\nRequested by @alice in !7.") || strings.Contains(desc, "Closes") || len(title) > 75 {
		t.Errorf("a long MR text is not cut, or an MR closes something: %q…", desc[len(desc)-60:])
	}
	title, desc = MRText(request(event.ThreadIssue, 3, "", true), "Secret plan")
	if title != "Changes requested in #3" || desc != "Requested by @alice in #3.\n\nRelates to #3." {
		t.Errorf("a confidential thread's MR = %q, %q", title, desc)
	}
}
