// Package store opens the service's database and applies our own schema migrations. The embedded
// SQLite database is the default; the rest of the service sees a *sql.DB and a Dialect, so that
// PostgreSQL is a driver swap.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
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
	Path    string // the SQLite file, if SQLite
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
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &DB{DB: db, Dialect: SQLite, Path: path}
	if err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
