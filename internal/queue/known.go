package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Known says whether a delivery with key was stored before, and its job. Intakes that see the
// same item again and again (the To-Do poller reading recently done items) ask this first, so a
// known item costs one read instead of GitLab calls.
func (q *Queue) Known(ctx context.Context, key string) (jobID int64, found bool, err error) {
	err = q.db.QueryRowContext(ctx, q.db.Rebind(`SELECT job_id FROM claude_dedupe WHERE key = ?`), key).Scan(&jobID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("dedupe lookup: %w", err)
	}
	return jobID, true, nil
}
