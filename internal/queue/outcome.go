package queue

import (
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// How a Handler says a job ends other than by completing or failing for a retry: the queue's
// words, so that handlers need not know River.

// ErrCancelledRemotely is the cause of a running job's context when `jobs cancel` stopped it.
var ErrCancelledRemotely = river.ErrJobCancelledRemotely

// Cancel ends the job for good, with err as the reason: it is not retried.
func Cancel(err error) error { return river.JobCancel(err) }

// Snooze puts the job back to run again after d; the run does not count as an attempt.
func Snooze(d time.Duration) error { return river.JobSnooze(d) }

// Cancelled says whether err ends its job for good (Cancel).
func Cancelled(err error) bool {
	var cancel *rivertype.JobCancelError
	return errors.As(err, &cancel)
}

// decided says whether err already tells the queue how the job ends (Cancel or Snooze).
func decided(err error) bool {
	var snooze *rivertype.JobSnoozeError
	return Cancelled(err) || errors.As(err, &snooze)
}
