package queue

import (
	"encoding/binary"
	"hash/fnv"
	"slices"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// retryDelays is how long a job that failed for a passing reason (GitLab busy or down, a network
// hiccup) waits before its next attempt: quick at first, since most such trouble lasts seconds,
// then slower, capped at 10 minutes so that a job is never out of sight for long. A job keeps
// trying until DefaultGiveUp after its first failure (JOB_GIVE_UP), then says so in its thread.
var retryDelays = []time.Duration{5 * time.Second, 20 * time.Second, time.Minute, 3 * time.Minute, 10 * time.Minute}

// DefaultGiveUp is how long after its first failure a job that keeps failing for a passing
// reason is given up (JOB_GIVE_UP): an outage of GitLab over a night loses nothing.
const DefaultGiveUp = 24 * time.Hour

// retryPolicy is River's ClientRetryPolicy with our delays. River's default, attempt⁴ seconds
// without jitter, sends every job that failed together back at the same moment.
type retryPolicy struct {
	delays []time.Duration
	now    func() time.Time
}

// NextRetry is called with the row as it was before the failure being handled: its errors do
// not count that failure yet, so this one is len(job.Errors)+1 (River's own policy does the same).
// The number of errors, not the attempt: snoozes (the thread gate) do not count.
func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	return now().Add(retryDelay(p.delays, job.ID, len(job.Errors)+1))
}

// retryDelay is the wait after the n-th failure (1-based) of a job: the n-th delay (the last one
// once past the end), between 75% and 125% of it so that jobs failing together spread out, and
// never longer than the longest delay (the cap). The spread is a function of the job and n, so
// the job can tell its thread when its next try is.
func retryDelay(delays []time.Duration, jobID int64, n int) time.Duration {
	if len(delays) == 0 {
		return 0
	}
	d := delays[min(max(n, 1), len(delays))-1]
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(jobID))
	binary.LittleEndian.PutUint64(b[8:], uint64(n))
	h.Write(b[:])
	spread := min(d/2, slices.Max(delays)-d*3/4)
	return d*3/4 + time.Duration(h.Sum64()%uint64(spread+1))
}

// attemptsWithin is how many tries fit in giveUp after a first failure when every wait is as
// short as the jitter allows, plus the first try: River's MaxAttempts, the backstop of giveUp.
func attemptsWithin(delays []time.Duration, giveUp time.Duration) int {
	if len(delays) == 0 || giveUp <= 0 {
		return 1
	}
	n, spent := 1, time.Duration(0)
	for spent <= giveUp {
		spent += delays[min(n, len(delays))-1] * 3 / 4
		n++
	}
	return n
}

// nextTry says, at the start of a run, when the job runs again if this run fails (now plus the
// delay after this failure) and whether this is its last try: its attempts are used up or the
// next try would come later than giveUp after its first failure.
func nextTry(row *rivertype.JobRow, delays []time.Duration, giveUp time.Duration, now time.Time) (time.Time, bool) {
	at := now.Add(retryDelay(delays, row.ID, len(row.Errors)+1))
	if row.Attempt >= row.MaxAttempts {
		return time.Time{}, true
	}
	first := now
	if len(row.Errors) > 0 {
		first = row.Errors[0].At
	}
	if giveUp > 0 && at.After(first.Add(giveUp)) {
		return time.Time{}, true
	}
	return at, false
}
