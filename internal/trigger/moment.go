package trigger

import (
	"fmt"
	"time"
)

// MomentKeys are dedupe keys for a request that has no note of its own (an assignment, a review
// request, a description that mentions the bot): the kind of request on one object at one second.
// The webhook knows the second from the object's updated_at; the To-Do poller only from the
// To-Do's created_at, a moment later, so it passes a slack and claims every second around it.
// Both intakes then store a key the other one finds: INTAKE=both never runs such a request twice.
func MomentKeys(req Request, at time.Time, slack time.Duration) []string {
	var class string
	switch req.Reason {
	case ReasonAssigned:
		class = "assigned"
	case ReasonReviewRequested:
		class = "review_requested"
	case ReasonOpened, ReasonEdited:
		class = "described"
	default:
		return nil
	}
	if at.IsZero() || req.Thread.IID == 0 {
		return nil
	}
	var keys []string
	for s := at.Add(-slack).Unix(); s <= at.Add(slack).Unix(); s++ {
		keys = append(keys, fmt.Sprintf("moment:%s:%d:%s:%d:%d", class, req.Project.ID, req.Thread.Type, req.Thread.IID, s))
	}
	return keys
}

// ParseHookTime reads a webhook timestamp: "2021-09-27 05:01:21 UTC" (issue and MR attributes)
// or RFC 3339 (other payloads). The zero time when it is neither.
func ParseHookTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05 MST", time.RFC3339Nano, "2006-01-02 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
