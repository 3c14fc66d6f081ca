package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// finder looks for the result of an earlier attempt of a create; found means it took effect.
type finder func(ctx context.Context) (found bool, err error)

// postAgain is the finder of creates that are harmless to repeat because GitLab refuses the
// duplicate (an award emoji) and the caller treats that refusal as success.
func postAgain(context.Context) (bool, error) { return false, nil }

// createOnce runs a POST with our retry policy for creates. A 429 was refused before GitLab
// acted, so it is simply sent again (the shared limiter holds it back until GitLab's
// Retry-After). After a 5xx or a lost connection the create may have happened: we wait, ask
// find whether it did, and send again only if not. Without a finder we cannot know, so the
// error goes back to the caller rather than risking a duplicate.
//
// lateSince is when the first attempt that timed out began (zero if none did): that attempt
// may still be stored at GitLab after we posted again or found another, so a create of ours
// that GitLab does not refuse twice converges on one object afterwards (see dedupe.go).
func (c *Client) createOnce(ctx context.Context, post func(context.Context) error, find finder) (lateSince time.Time, err error) {
	for attempt := 0; ; attempt++ {
		began := time.Now()
		err := post(ctx)
		if timedOut(err) && lateSince.IsZero() {
			lateSince = began
		}
		if err == nil || !IsTransient(err) || attempt >= c.maxRetries {
			return lateSince, err
		}
		if !isRateLimited(err) && find == nil {
			return lateSince, err
		}
		// Wait first: a create that timed out may still be running at GitLab (it goes on when we
		// hang up), so give it as long again before looking; else it lands after we posted anew.
		wait := backoff(attempt, c.minBackoff, c.maxBackoff)
		if timedOut(err) {
			wait = max(wait, c.timeout)
		}
		if sleep(ctx, wait) != nil {
			return lateSince, err
		}
		if isRateLimited(err) {
			continue
		}
		found, ferr := find(ctx)
		if ferr != nil {
			return lateSince, fmt.Errorf("%w (and checking whether it took effect failed: %v)", err, ferr)
		}
		if found {
			return lateSince, nil
		}
	}
}

// timedOut: the attempt got no answer in time (it may still be under way at GitLab).
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
