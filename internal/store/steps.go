package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Steps returns the recorded steps of a job, name → value.
func (db *DB) Steps(ctx context.Context, jobID int64) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, db.Rebind(`SELECT name, value FROM claude_job_steps WHERE job_id = ?`), jobID)
	if err != nil {
		return nil, fmt.Errorf("read steps of job %d: %w", jobID, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, fmt.Errorf("read steps of job %d: %w", jobID, err)
		}
		out[name] = value
	}
	return out, rows.Err()
}

// SaveStep records (or replaces) one step of a job.
func (db *DB) SaveStep(ctx context.Context, jobID int64, name, value string) error {
	_, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO claude_job_steps (job_id, name, value, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (job_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
		jobID, name, value, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("record step %s of job %d: %w", name, jobID, err)
	}
	return nil
}

// DeleteStep forgets one step of a job (a job an operator retried after it failed).
func (db *DB) DeleteStep(ctx context.Context, jobID int64, name string) error {
	if _, err := db.ExecContext(ctx, db.Rebind(`DELETE FROM claude_job_steps WHERE job_id = ? AND name = ?`), jobID, name); err != nil {
		return fmt.Errorf("forget step %s of job %d: %w", name, jobID, err)
	}
	return nil
}

// OutcomeStep is the step a job records when it ends: its jobstate.Outcome in words.
const OutcomeStep = "answered"

// Outcomes returns the recorded outcome (OutcomeStep) of the given jobs that have one.
func (db *DB) Outcomes(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{OutcomeStep}
	for _, id := range ids {
		args = append(args, id)
	}
	q := `SELECT job_id, value FROM claude_job_steps WHERE name = ? AND job_id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	rows, err := db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read job outcomes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("read job outcomes: %w", err)
		}
		out[id] = v
	}
	return out, rows.Err()
}
