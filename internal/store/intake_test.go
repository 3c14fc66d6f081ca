package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
	"gitlab.com/claude-gitlab/claude-gitlab/internal/store/storetest"
)

// BeginIntake waits for the write lock another connection holds (it does not fail with
// SQLITE_BUSY at once, though its connection has no busy timeout), gives up when its context
// ends, and takes the lock once it is free.
func TestBeginIntakeWaitsForTheWriteLock(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "", storetest.SQLite(t).DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	held, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE on the shared connection: the write lock
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if tx, err := db.BeginIntake(short); !errors.Is(err, context.DeadlineExceeded) {
		if tx != nil {
			tx.Rollback()
		}
		t.Fatalf("BeginIntake while the lock is held = %v, want it to wait until its context ends", err)
	}
	if err := held.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginIntake(ctx)
	if err != nil {
		t.Fatalf("BeginIntake with the lock free: %v", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO claude_dedupe (key, job_id, created_at) VALUES ('k', 1, 0)`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
