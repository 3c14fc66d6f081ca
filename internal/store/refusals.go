package store

import (
	"context"
	"fmt"
	"time"
)

// refusalPrefix keeps refusal records apart from the other keys of claude_keys.
const refusalPrefix = "refusal/"

// First records key for owner unless it is recorded already, and reports whether the record is
// owner's. One INSERT … ON CONFLICT DO NOTHING decides among restarts and replicas alike. Records
// older than two days are dropped on the way (keys hold their day: older ones never match again).
func (db *DB) First(ctx context.Context, key, owner string) (bool, error) {
	now := time.Now()
	name := refusalPrefix + key
	if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO claude_keys (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`), name, owner, now.Unix()); err != nil {
		return false, fmt.Errorf("record %s: %w", key, err)
	}
	var got string
	if err := db.QueryRowContext(ctx, db.Rebind(`SELECT value FROM claude_keys WHERE name = ?`), name).Scan(&got); err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	if _, err := db.ExecContext(ctx, db.Rebind(`DELETE FROM claude_keys WHERE name LIKE ? AND created_at < ?`),
		refusalPrefix+"%", now.Add(-48*time.Hour).Unix()); err != nil {
		return false, fmt.Errorf("drop old refusal records: %w", err)
	}
	return got == owner, nil
}
