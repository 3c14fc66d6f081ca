// Package store opens the service's database and applies our own schema migrations. The embedded
// SQLite database is the default, PostgreSQL (DATABASE_URL) the choice for several replicas; the
// rest of the service sees a *sql.DB and a Dialect, and the queue also River's pgx pool.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL flavour of a database.
type Dialect string

// The databases we support.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database.
type DB struct {
	*sql.DB
	Dialect Dialect
	Path    string        // the SQLite file, or "PostgreSQL host:port/name"
	Pool    *pgxpool.Pool // PostgreSQL only: the pool River's driver and *sql.DB share
	Applied int           // our migrations the last Migrate applied (0: the schema was current)
	// Intake is the connection the webhook intake writes through (SQLite only; nil: DB). It is
	// its own connection so that the intake's transaction never queues behind the workers' and
	// River's statements on the shared one; SQLite's write lock, held for a statement or a short
	// transaction at a time, is all the two share, and BeginIntake takes that lock first.
	Intake *sql.DB
}

// IntakeDB is the connection for the webhook intake's transactions.
func (db *DB) IntakeDB() *sql.DB {
	if db.Intake != nil {
		return db.Intake
	}
	return db.DB
}

// intakeLockWait bounds how long BeginIntake waits for SQLite's write lock, as busy_timeout
// bounds it for the other connection.
const intakeLockWait = 10 * time.Second

// BeginIntake begins a write transaction on IntakeDB. On SQLite the intake's connection has no
// busy timeout: SQLite's own wait sleeps 1, 2, 5, 10, 15, 20 … ms between tries, so a delivery
// that met the lock held by a worker's commit waited tens of milliseconds after it was free.
// Here the intake tries again within 50 µs – 1 ms, and so takes the lock before the workers,
// whose waits have grown longer: intake first, as a person waits on its answer.
func (db *DB) BeginIntake(ctx context.Context) (*sql.Tx, error) {
	if db.Intake == nil {
		return db.DB.BeginTx(ctx, nil)
	}
	wait, deadline := 50*time.Microsecond, time.Now().Add(intakeLockWait)
	for {
		tx, err := db.Intake.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock or SQLITE_BUSY at once
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return tx, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, time.Millisecond)
	}
}

// isBusy says whether err is SQLite's SQLITE_BUSY (the lock is held by another connection).
func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Close closes the database (and the pool behind it).
func (db *DB) Close() error {
	err := db.DB.Close()
	if db.Intake != nil {
		err = errors.Join(err, db.Intake.Close())
	}
	if db.Pool != nil {
		db.Pool.Close()
	}
	return err
}

// OpenSQLite opens (creating if needed) the database file under dataDir with the settings a
// durable queue needs: WAL, a full fsync at every commit (a 202 means the job survives a crash of
// the process or the machine), immediate write transactions, and one connection, since River's
// SQLite driver wants a single writer.
func OpenSQLite(ctx context.Context, dataDir string) (*DB, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("DATA_DIR %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, "claude-gitlab.db")
	dsn := sqliteDSN(path, 10000)
	var s *DB
	// Switching a new file to WAL, and a first migration, can answer SQLITE_BUSY at once, without
	// waiting out busy_timeout, when another process opens the same file at that moment (two
	// rotate-token runs, serve and `jobs`): try again for a while before giving up.
	err := retryBusy(ctx, func() error {
		var err error
		s, err = openSQLiteOnce(ctx, dsn, path)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.Intake, err = openSQLiteDB(sqliteDSN(path, 0)); err != nil { // BeginIntake waits for the lock
		s.DB.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.Intake.SetMaxOpenConns(1)
	return s, nil
}

// sqliteDSN is the database with the pragmas every connection needs; busy_timeout first, since
// the pragmas run in order on each new connection.
func sqliteDSN(path string, busyTimeoutMS int) string {
	return "file:" + path + "?_pragma=busy_timeout(" + strconv.Itoa(busyTimeoutMS) + ")&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate"
}

func openSQLiteOnce(ctx context.Context, dsn, path string) (*DB, error) {
	db, err := openSQLiteDB(dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &DB{DB: db, Dialect: SQLite, Path: path}
	if _, err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openSQLiteDB is sql.Open("sqlite", dsn) with connections that keep their prepared statements
// (stmtcache.go).
func openSQLiteDB(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{c}), nil
}

// retryBusy calls open until it does not fail with SQLITE_BUSY, for up to about ten seconds.
func retryBusy(ctx context.Context, open func() error) error {
	wait := 10 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := open()
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}
