package journal

import (
	"context"
	"time"
)

// Sweep deletes the records and transcripts of jobs older than retention.
func (j *Journal) Sweep(ctx context.Context, retention time.Duration) {
	n, err := j.db.DeleteJournalBefore(ctx, time.Now().Add(-retention))
	switch {
	case err != nil:
		j.log.Warn("journal: could not delete old transcripts", "error", err)
	case n > 0:
		j.log.Info("journal: deleted old job transcripts (JOB_RETENTION)", "jobs", n, "retention", retention.String())
	}
}

// StartSweeper sweeps now and then every interval until ctx ends or the returned stop is
// called; stop waits for a sweep in progress.
func (j *Journal) StartSweeper(ctx context.Context, retention, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			j.Sweep(ctx, retention)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}
