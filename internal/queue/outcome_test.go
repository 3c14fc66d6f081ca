package queue

import (
	"errors"
	"fmt"
	"testing"
)

// A handler's Cancel and Snooze reach the queue even wrapped; any other error is a failure the
// queue retries.
func TestOutcomesAreRecognised(t *testing.T) {
	plain := errors.New("GitLab is down")
	for _, c := range []struct {
		name              string
		err               error
		cancelled, decide bool
	}{
		{"cancel", Cancel(plain), true, true},
		{"wrapped cancel", fmt.Errorf("job 7: %w", Cancel(plain)), true, true},
		{"snooze", Snooze(0), false, true},
		{"failure", plain, false, false},
		{"nil", nil, false, false},
	} {
		if got := Cancelled(c.err); got != c.cancelled {
			t.Errorf("%s: Cancelled = %v", c.name, got)
		}
		if got := decided(c.err); got != c.decide {
			t.Errorf("%s: decided = %v", c.name, got)
		}
	}
	if !errors.Is(Cancel(plain), plain) {
		t.Error("Cancel hides its reason")
	}
}
