package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// defaultPoolConns is the connection pool of one replica when DATABASE_URL sets no
// pool_max_conns: River keeps one for LISTEN and a few for fetching, completing and maintenance;
// the intake writes through one at a time; each running job records steps and heartbeats.
const defaultPoolConns = 16

// Open opens PostgreSQL when databaseURL is set, else the SQLite database under dataDir, and
// applies our migrations.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	if databaseURL != "" {
		return OpenPostgres(ctx, databaseURL)
	}
	return OpenSQLite(ctx, dataDir)
}

// OpenPostgres connects to the database at url (postgres://…; a search_path parameter selects a
// schema) and applies our migrations. The *sql.DB and River's pgx driver share one pool.
func OpenPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultPoolConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", Describe(url), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w (is PostgreSQL running, and DATABASE_URL right?)", Describe(url), err)
	}
	s := &DB{DB: stdlib.OpenDBFromPool(pool), Dialect: Postgres, Pool: pool, Path: Describe(url)}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Describe names a PostgreSQL database by host, port and name, never its password.
func Describe(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "PostgreSQL (unparsable DATABASE_URL)"
	}
	return fmt.Sprintf("PostgreSQL %s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}

// migrationLock serialises migrations of replicas that start at once: each takes it in its
// migration transaction, so the second sees what the first applied. It is per schema, so that
// databases sharing a server (and tests) do not wait on each other.
const (
	migrationLockKey = `hashtext('claude-gitlab migrations ' || current_schema())`
	migrationLock    = `SELECT pg_advisory_xact_lock(` + migrationLockKey + `)`
)

// WithMigrationLock runs fn holding the migration lock for a session (PostgreSQL; on SQLite it
// just runs fn). River's migrations need it: they cannot share one transaction (a migration adds
// an enum value the next one uses), so River runs each in its own. The lock is the same as our
// migrations' and goes with the connection if the process dies.
func (db *DB) WithMigrationLock(ctx context.Context, fn func() error) error {
	if db.Dialect != Postgres {
		return fn()
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+migrationLockKey+`)`); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+migrationLockKey+`)`)
	return fn()
}

// LockMigrations takes the migration lock inside tx (PostgreSQL; a no-op on SQLite, where one
// process owns the database and its writes are serialised anyway).
func (db *DB) LockMigrations(ctx context.Context, exec func(ctx context.Context, q string) error) error {
	if db.Dialect != Postgres {
		return nil
	}
	if err := exec(ctx, migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	return nil
}

// InspectPostgres reports the schema version of the database at url without migrating anything,
// for `doctor`. A database with no tables of ours yet is ErrNoDatabase.
func InspectPostgres(ctx context.Context, url string) (version int, err error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", Describe(url), err)
	}
	defer conn.Close(ctx)
	var v sql.NullInt64
	err = conn.QueryRow(ctx, `SELECT MAX(version) FROM claude_migrations`).Scan(&v)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return 0, ErrNoDatabase
	}
	if err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", Describe(url), err)
	}
	return int(v.Int64), nil
}

// IsConflict says whether err is a transaction that lost a race with another one (a unique key
// another replica committed first, a deadlock, a serialisation failure): running it again sees
// the winner's rows.
func IsConflict(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "23505", "40P01", "40001": // unique_violation, deadlock_detected, serialization_failure
		return true
	}
	return false
}
