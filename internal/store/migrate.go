package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are our own tables, forward-only: append, never edit. River's tables are migrated by
// River's own migrator (queue package).
var migrations = []string{
	// 1: dedupe keys of accepted deliveries (Idempotency-Key, note id, …) → the job they made.
	`CREATE TABLE IF NOT EXISTS claude_dedupe (
		key        TEXT PRIMARY KEY,
		job_id     BIGINT NOT NULL,
		created_at BIGINT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS claude_dedupe_created ON claude_dedupe (created_at)`,
	// 3: the thread and project of each job, so that a thread runs one job at a time in order
	// and a project is capped, on SQLite and PostgreSQL alike.
	`CREATE TABLE IF NOT EXISTS claude_job_thread (
		job_id     BIGINT PRIMARY KEY,
		thread_key TEXT NOT NULL,
		project_id BIGINT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS claude_job_thread_key ON claude_job_thread (thread_key, job_id)`,
	`CREATE INDEX IF NOT EXISTS claude_job_thread_project ON claude_job_thread (project_id, job_id)`,
	// 6: the side effects a job has made (award, progress note, commit, push, MR, answer), so a
	// job retried or resumed after a crash continues instead of doing them again.
	`CREATE TABLE IF NOT EXISTS claude_job_steps (
		job_id     BIGINT NOT NULL,
		name       TEXT NOT NULL,
		value      TEXT NOT NULL,
		updated_at BIGINT NOT NULL,
		PRIMARY KEY (job_id, name)
	)`,
	// 7: what the job page shows and the daily budget counts: each job's request, outcome and
	// the cost of its agent runs (claude_jobs), and its transcript (claude_job_events), both
	// deleted after JOB_RETENTION.
	`CREATE TABLE IF NOT EXISTS claude_jobs (
		job_id       BIGINT PRIMARY KEY,
		project_id   BIGINT NOT NULL,
		project_path TEXT NOT NULL,
		request      TEXT NOT NULL,
		created_at   BIGINT NOT NULL,
		cost_usd     DOUBLE PRECISION NOT NULL DEFAULT 0,
		turns        BIGINT NOT NULL DEFAULT 0,
		agent_ms     BIGINT NOT NULL DEFAULT 0,
		cost_at      BIGINT NOT NULL DEFAULT 0,
		outcome      TEXT NOT NULL DEFAULT '',
		finished_at  BIGINT NOT NULL DEFAULT 0
	)`,
	`CREATE INDEX IF NOT EXISTS claude_jobs_project_cost ON claude_jobs (project_id, cost_at)`,
	`CREATE INDEX IF NOT EXISTS claude_jobs_created ON claude_jobs (created_at)`,
	`CREATE TABLE IF NOT EXISTS claude_job_events (
		job_id BIGINT NOT NULL,
		seq    BIGINT NOT NULL,
		at     BIGINT NOT NULL,
		kind   TEXT NOT NULL,
		text   TEXT NOT NULL,
		PRIMARY KEY (job_id, seq)
	)`,
	`CREATE INDEX IF NOT EXISTS claude_job_events_at ON claude_job_events (at)`,
	// 12: keys the service generates once, e.g. the one job-page links are signed with.
	`CREATE TABLE IF NOT EXISTS claude_keys (
		name       TEXT PRIMARY KEY,
		value      TEXT NOT NULL,
		created_at BIGINT NOT NULL
	)`,
	// 13: the heartbeat of each running job (PostgreSQL, several replicas): a replica that died
	// stops beating, and another makes its job available again (queue/heartbeat.go).
	`CREATE TABLE IF NOT EXISTS claude_job_heartbeat (
		job_id       BIGINT PRIMARY KEY,
		client_id    TEXT NOT NULL,
		heartbeat_at BIGINT NOT NULL
	)`,
	// 14: the Claude session a job's run left (the CLI's session file, gzip, base64), so that a
	// later request in the same thread resumes it on any replica; deleted after JOB_RETENTION.
	`CREATE TABLE IF NOT EXISTS claude_job_sessions (
		job_id       BIGINT PRIMARY KEY,
		thread_key   TEXT NOT NULL,
		session_id   TEXT NOT NULL,
		data         TEXT NOT NULL,
		last_note_id BIGINT NOT NULL,
		private_to   BIGINT NOT NULL DEFAULT 0,
		created_at   BIGINT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS claude_job_sessions_thread ON claude_job_sessions (thread_key, job_id)`,
}

// SchemaVersion is the number of our migrations this build knows.
func SchemaVersion() int { return len(migrations) }

// Migrate applies the migrations not yet applied, in one transaction, and returns how many it
// applied. On PostgreSQL the transaction holds the migration lock first, so replicas starting at
// once migrate once: the second waits, then finds nothing left to do.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if err := db.LockMigrations(ctx, func(ctx context.Context, q string) error {
		_, err := tx.ExecContext(ctx, q)
		return err
	}); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS claude_migrations (
		version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	done, err := appliedVersion(ctx, tx)
	if err != nil {
		return 0, err
	}
	for v := done + 1; v <= len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return 0, fmt.Errorf("migrate to version %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO claude_migrations (version, applied_at) VALUES (?, ?)`), v, time.Now().Unix()); err != nil {
			return 0, fmt.Errorf("migrate to version %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	db.Applied = max(len(migrations)-done, 0)
	return db.Applied, nil
}

// Version is the schema version the database holds.
func (db *DB) Version(ctx context.Context) (int, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.Dialect == Postgres})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	return appliedVersion(ctx, tx)
}

func appliedVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM claude_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// Rebind turns ? placeholders into $1, $2, … for PostgreSQL.
func (db *DB) Rebind(q string) string {
	if db.Dialect != Postgres {
		return q
	}
	out := make([]byte, 0, len(q)+8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, fmt.Sprintf("$%d", n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
