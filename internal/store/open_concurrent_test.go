package store_test

import (
	"context"
	"sync"
	"testing"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// Several processes open one fresh database at once (two rotate-token runs, serve and `jobs`):
// none may fail with SQLITE_BUSY. Control run: with OpenSQLite trying only once, three runs of
// this test failed in rounds 9 to 13 (SQLite answers BUSY at once while another connection
// switches the new file to WAL, without waiting out busy_timeout).
func TestConcurrentOpensOfAFreshDatabase(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		dir := t.TempDir()
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for j := 0; j < 3; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := store.OpenSQLite(ctx, dir)
				if err != nil {
					errs <- err
					return
				}
				db.Close()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", i, err)
		}
	}
}
