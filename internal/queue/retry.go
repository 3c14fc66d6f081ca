package queue

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// retryDelays is how long a job that failed for a passing reason (GitLab busy or down, a network
// hiccup) waits before its next attempt: quick at first, since most such trouble lasts seconds,
// then slower, capped so a job is never out of sight for long. With the default MaxAttempts of 5
// a job gives up about 4.5 minutes after its first failure and says so in its thread.
var retryDelays = []time.Duration{5 * time.Second, 20 * time.Second, time.Minute, 3 * time.Minute, 10 * time.Minute}

// retryPolicy is River's ClientRetryPolicy with our delays. River's default, attempt⁴ seconds
// without jitter, sends every job that failed together back at the same moment.
type retryPolicy struct {
	delays []time.Duration
	now    func() time.Time
}

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	// The number of errors, not the attempt: snoozes (the thread gate) do not count.
	return now().Add(retryDelay(p.delays, len(job.Errors)))
}

// retryDelay is the wait after the n-th failure (1-based): the n-th delay (the last one once
// past the end), between 75% and 125% of it so that jobs failing together spread out.
func retryDelay(delays []time.Duration, n int) time.Duration {
	if len(delays) == 0 {
		return 0
	}
	d := delays[min(max(n, 1), len(delays))-1]
	return d*3/4 + rand.N(d/2+1)
}
