package trigger

import (
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/event"
)

func TestParseHookTimeReadsBothFormats(t *testing.T) {
	want := time.Date(2021, 9, 27, 5, 1, 21, 0, time.UTC)
	for _, s := range []string{"2021-09-27 05:01:21 UTC", "2021-09-27T05:01:21Z", "2021-09-27T05:01:21.000Z"} {
		if got := ParseHookTime(s); !got.Equal(want) {
			t.Errorf("ParseHookTime(%q) = %v", s, got)
		}
	}
	if !ParseHookTime("yesterday").IsZero() {
		t.Error("a bad time parsed")
	}
}

// The webhook's key (its second, no slack) is among the poller's keys (the To-Do's second with
// slack) when the To-Do was made within the slack; mentions get none (their note id dedupes).
func TestMomentKeysMeetAcrossIntakes(t *testing.T) {
	req := Request{Reason: ReasonAssigned, Project: event.Project{ID: 7}, Thread: event.Thread{Type: event.ThreadIssue, IID: 3}}
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	hook := MomentKeys(req, at, 0)
	poll := MomentKeys(req, at.Add(1500*time.Millisecond), 2*time.Second)
	if len(hook) != 1 || len(poll) != 5 {
		t.Fatalf("keys: %v %v", hook, poll)
	}
	found := false
	for _, k := range poll {
		found = found || k == hook[0]
	}
	if !found {
		t.Fatalf("%s not in %v", hook[0], poll)
	}
	other := req
	other.Reason = ReasonReviewRequested
	if MomentKeys(other, at, 0)[0] == hook[0] {
		t.Fatal("a review request shares the assignment's key")
	}
	other.Reason = ReasonMention
	if MomentKeys(other, at, 0) != nil {
		t.Fatal("a mention got a moment key")
	}
}
