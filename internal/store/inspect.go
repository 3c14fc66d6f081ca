package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNoDatabase means DATA_DIR holds no database yet: serve and migrate create it.
var ErrNoDatabase = errors.New("no database yet")

// Inspect reports the schema version of the SQLite database under dataDir without creating or
// migrating anything, for `doctor`: a check must not change what it checks.
func Inspect(ctx context.Context, dataDir string) (path string, version int, err error) {
	path = filepath.Join(dataDir, "claude-gitlab.db")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return path, 0, ErrNoDatabase
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return path, 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var v sql.NullInt64
	err = db.QueryRowContext(ctx, `SELECT MAX(version) FROM claude_migrations`).Scan(&v)
	if err != nil {
		return path, 0, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	return path, int(v.Int64), nil
}
