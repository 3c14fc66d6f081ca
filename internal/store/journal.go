package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// JobRecord is what we keep of a job for its page and for budgets, beyond River's row (which
// River deletes a day after the job ends).
type JobRecord struct {
	JobID       int64
	ProjectID   int64
	ProjectPath string
	Request     string // the trigger.Request as JSON
	CreatedAt   time.Time
	CostUSD     float64 // all agent runs of the job together
	Turns       int
	AgentTime   time.Duration
	Outcome     string // the recorded "answered" step: answered, failed: …, refused: …; "" while running
	FinishedAt  time.Time
}

// Event is one line of a job's transcript.
type Event struct {
	JobID int64
	Seq   int64
	At    time.Time
	Kind  string
	Text  string
}

// BeginJob records a job the first time it runs. A later attempt keeps the record (its time and
// costs) but clears its outcome: a job that runs is not over, e.g. after `jobs retry`.
func (db *DB) BeginJob(ctx context.Context, jobID, projectID int64, projectPath, request string) error {
	_, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO claude_jobs (job_id, project_id, project_path, request, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET outcome = '', finished_at = 0`),
		jobID, projectID, projectPath, request, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("record job %d: %w", jobID, err)
	}
	return nil
}

// AddRunCost adds one agent run's cost, turns and time to a job.
func (db *DB) AddRunCost(ctx context.Context, jobID int64, costUSD float64, turns int, took time.Duration) error {
	_, err := db.ExecContext(ctx, db.Rebind(`UPDATE claude_jobs SET cost_usd = cost_usd + ?, turns = turns + ?,
		agent_ms = agent_ms + ?, cost_at = ? WHERE job_id = ?`),
		costUSD, turns, took.Milliseconds(), time.Now().UnixMilli(), jobID)
	if err != nil {
		return fmt.Errorf("record the cost of job %d: %w", jobID, err)
	}
	return nil
}

// FinishJob records how a job ended.
func (db *DB) FinishJob(ctx context.Context, jobID int64, outcome string) error {
	_, err := db.ExecContext(ctx, db.Rebind(`UPDATE claude_jobs SET outcome = ?, finished_at = ? WHERE job_id = ?`),
		outcome, time.Now().UnixMilli(), jobID)
	if err != nil {
		return fmt.Errorf("record the end of job %d: %w", jobID, err)
	}
	return nil
}

// SpentSince is what a project's agent runs cost since t (runs are counted when they end).
func (db *DB) SpentSince(ctx context.Context, projectID int64, t time.Time) (float64, error) {
	var sum sql.NullFloat64
	err := db.QueryRowContext(ctx, db.Rebind(`SELECT SUM(cost_usd) FROM claude_jobs WHERE project_id = ? AND cost_at >= ?`),
		projectID, t.UnixMilli()).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("read the spending of project %d: %w", projectID, err)
	}
	return sum.Float64, nil
}

const jobColumns = `job_id, project_id, project_path, request, created_at, cost_usd, turns, agent_ms, outcome, finished_at`

// Job returns one job's record; ok is false when there is none.
func (db *DB) Job(ctx context.Context, jobID int64) (JobRecord, bool, error) {
	row := db.QueryRowContext(ctx, db.Rebind(`SELECT `+jobColumns+` FROM claude_jobs WHERE job_id = ?`), jobID)
	rec, err := scanJob(row)
	if errors.Is(err, sql.ErrNoRows) {
		return JobRecord{}, false, nil
	}
	if err != nil {
		return JobRecord{}, false, fmt.Errorf("read job %d: %w", jobID, err)
	}
	return rec, true, nil
}

// JobFilter narrows RecentJobs.
type JobFilter struct {
	ProjectPath string // exact path_with_namespace; "" for all
	Limit       int
}

// RecentJobs lists job records, newest first.
func (db *DB) RecentJobs(ctx context.Context, f JobFilter) ([]JobRecord, error) {
	q, args := `SELECT `+jobColumns+` FROM claude_jobs`, []any{}
	if f.ProjectPath != "" {
		q += ` WHERE project_path = ?`
		args = append(args, f.ProjectPath)
	}
	q += ` ORDER BY job_id DESC LIMIT ?`
	args = append(args, max(f.Limit, 1))
	rows, err := db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []JobRecord
	for rows.Next() {
		rec, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// JobCosts returns the recorded cost of the given jobs that have one.
func (db *DB) JobCosts(ctx context.Context, ids []int64) (map[int64]float64, error) {
	out := map[int64]float64{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT job_id, cost_usd FROM claude_jobs WHERE cost_at > 0 AND job_id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	rows, err := db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read job costs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var cost float64
		if err := rows.Scan(&id, &cost); err != nil {
			return nil, fmt.Errorf("read job costs: %w", err)
		}
		out[id] = cost
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanJob(s scanner) (JobRecord, error) {
	var r JobRecord
	var created, agentMS, finished int64
	err := s.Scan(&r.JobID, &r.ProjectID, &r.ProjectPath, &r.Request, &created, &r.CostUSD, &r.Turns, &agentMS, &r.Outcome, &finished)
	r.CreatedAt = time.UnixMilli(created)
	r.AgentTime = time.Duration(agentMS) * time.Millisecond
	if finished > 0 {
		r.FinishedAt = time.UnixMilli(finished)
	}
	return r, err
}

// AppendEvents stores transcript lines in one transaction.
func (db *DB) AppendEvents(ctx context.Context, events []Event) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record transcript: %w", err)
	}
	defer tx.Rollback()
	q := db.Rebind(`INSERT INTO claude_job_events (job_id, seq, at, kind, text) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (job_id, seq) DO NOTHING`)
	for _, e := range events {
		if _, err := tx.ExecContext(ctx, q, e.JobID, e.Seq, e.At.UnixMilli(), e.Kind, db.text(e.Text)); err != nil {
			return fmt.Errorf("record transcript of job %d: %w", e.JobID, err)
		}
	}
	return tx.Commit()
}

// Events returns a job's transcript lines after seq, in order, at most limit.
func (db *DB) Events(ctx context.Context, jobID, after int64, limit int) ([]Event, error) {
	rows, err := db.QueryContext(ctx, db.Rebind(`SELECT seq, at, kind, text FROM claude_job_events
		WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`), jobID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read transcript of job %d: %w", jobID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{JobID: jobID}
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.Text); err != nil {
			return nil, fmt.Errorf("read transcript of job %d: %w", jobID, err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastEvent is the highest seq of a job's transcript, 0 when it has none.
func (db *DB) LastEvent(ctx context.Context, jobID int64) (int64, error) {
	var seq sql.NullInt64
	err := db.QueryRowContext(ctx, db.Rebind(`SELECT MAX(seq) FROM claude_job_events WHERE job_id = ?`), jobID).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("read transcript of job %d: %w", jobID, err)
	}
	return seq.Int64, nil
}

// DeleteJournalBefore deletes the records and transcripts of jobs created before t (and any
// transcript line older than t); it returns how many jobs went.
func (db *DB) DeleteJournalBefore(ctx context.Context, t time.Time) (int64, error) {
	ms := t.UnixMilli()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("delete old transcripts: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, db.Rebind(`DELETE FROM claude_job_events WHERE at < ?
		OR job_id IN (SELECT job_id FROM claude_jobs WHERE created_at < ?)`), ms, ms); err != nil {
		return 0, fmt.Errorf("delete old transcripts: %w", err)
	}
	if _, err := tx.ExecContext(ctx, db.Rebind(`DELETE FROM claude_job_sessions WHERE created_at < ?`), ms); err != nil {
		return 0, fmt.Errorf("delete old Claude sessions: %w", err)
	}
	res, err := tx.ExecContext(ctx, db.Rebind(`DELETE FROM claude_jobs WHERE created_at < ?`), ms)
	if err != nil {
		return 0, fmt.Errorf("delete old job records: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}

// Key returns the named random key (32 bytes), generating and storing it the first time: it
// outlives restarts, so links signed with it stay valid.
func (db *DB) Key(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO claude_keys (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`), name, hex.EncodeToString(b), time.Now().Unix()); err != nil {
		return nil, fmt.Errorf("store key %s: %w", name, err)
	}
	var v string
	if err := db.QueryRowContext(ctx, db.Rebind(`SELECT value FROM claude_keys WHERE name = ?`), name).Scan(&v); err != nil {
		return nil, fmt.Errorf("read key %s: %w", name, err)
	}
	return hex.DecodeString(v)
}

// text makes agent output storable: PostgreSQL's TEXT refuses NUL bytes and invalid UTF-8, which
// a transcript may hold; SQLite stores them as they are.
func (db *DB) text(s string) string {
	if db.Dialect != Postgres {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
