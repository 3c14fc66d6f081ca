package authz

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// RefusalKey names, in a RefusalLog, the refusal of the author authorID in thread (a request's
// ThreadKey) on now's day (UTC): the reply to someone refused goes out once per thread and day.
func RefusalKey(now time.Time, thread string, authorID int64) string {
	return fmt.Sprintf("refusal/%s/%s/%d", now.UTC().Format("2006-01-02"), thread, authorID)
}

// FirstRefusal records job's refusal of authorID in thread today (UTC) in log and reports
// whether it is the first, so the refusal reply goes out once a day, across restarts and
// replicas. Without a log (nil) every refusal is the first.
func FirstRefusal(ctx context.Context, log RefusalLog, thread string, authorID, job int64) (bool, error) {
	if log == nil {
		return true, nil
	}
	first, err := log.First(ctx, RefusalKey(time.Now(), thread, authorID), strconv.FormatInt(job, 10))
	if err != nil {
		return false, fmt.Errorf("record the refusal: %w", err)
	}
	return first, nil
}
