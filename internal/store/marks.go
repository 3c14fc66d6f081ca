package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Marks and leases live in claude_keys under their own name prefixes, next to the generated keys:
// a fact the service learned once (e.g. "GitLab signs its webhooks") and a lock every replica
// sees (e.g. "a token rotation is under way"), on SQLite and PostgreSQL alike.
const (
	markPrefix  = "mark:"
	leasePrefix = "lease:"
)

// Mark records a fact once; recording it again keeps the first time.
func (db *DB) Mark(ctx context.Context, name string) error {
	if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO claude_keys (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`), markPrefix+name, "1", time.Now().Unix()); err != nil {
		return fmt.Errorf("record %s: %w", name, err)
	}
	return nil
}

// Marked says whether, and since when, a fact was recorded.
func (db *DB) Marked(ctx context.Context, name string) (bool, time.Time, error) {
	var at int64
	err := db.QueryRowContext(ctx, db.Rebind(`SELECT created_at FROM claude_keys WHERE name = ?`), markPrefix+name).Scan(&at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, time.Time{}, nil
	case err != nil:
		return false, time.Time{}, fmt.Errorf("read %s: %w", name, err)
	}
	return true, time.Unix(at, 0), nil
}

// TryLease takes the named lease for hold unless someone holds it: one insert of a primary key,
// atomic on both databases, so of two replicas asking at once exactly one gets it. A lease older
// than hold is expired and taken over. It returns when the holder took it when refused.
func (db *DB) TryLease(ctx context.Context, name string, hold time.Duration) (ok bool, heldSince time.Time, err error) {
	now := time.Now()
	key := leasePrefix + name
	if _, err := db.ExecContext(ctx, db.Rebind(`DELETE FROM claude_keys WHERE name = ? AND created_at < ?`),
		key, now.Add(-hold).Unix()); err != nil {
		return false, time.Time{}, fmt.Errorf("expire lease %s: %w", name, err)
	}
	res, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO claude_keys (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`), key, "held", now.Unix())
	if err != nil {
		return false, time.Time{}, fmt.Errorf("take lease %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, now, nil
	}
	var at int64
	if err := db.QueryRowContext(ctx, db.Rebind(`SELECT created_at FROM claude_keys WHERE name = ?`), key).Scan(&at); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, fmt.Errorf("read lease %s: %w", name, err)
	}
	return false, time.Unix(at, 0), nil
}

// ReleaseLease gives a lease back before it expires.
func (db *DB) ReleaseLease(ctx context.Context, name string) error {
	if _, err := db.ExecContext(ctx, db.Rebind(`DELETE FROM claude_keys WHERE name = ?`), leasePrefix+name); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
