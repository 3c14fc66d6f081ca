// Package storetest runs store and queue tests against every database we support: the embedded
// SQLite and PostgreSQL. Each PostgreSQL test gets its own schema, dropped when it ends.
//
// PostgreSQL comes from TEST_DATABASE_URL, by default the project machines' local server
// (postgres://postgres@127.0.0.1:5432/test). Without it the PostgreSQL half is skipped with a
// message, except with CI=true, where a missing PostgreSQL fails the test.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// DefaultURL is the PostgreSQL every machine of the project runs for tests.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Target is one database a test may open, close and open again (a restart).
type Target struct {
	Kind    store.Dialect
	DataDir string // SQLite: the DATA_DIR
	URL     string // PostgreSQL: DATABASE_URL, with the test's own schema as search_path
}

// Open opens the target's database (migrated), closed when the test ends.
func (tg Target) Open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), tg.URL, tg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Each runs f as a subtest per database: "sqlite" and "postgres".
func Each(t *testing.T, f func(t *testing.T, tg Target)) {
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}

// SQLite is a fresh SQLite target.
func SQLite(t testing.TB) Target {
	return Target{Kind: store.SQLite, DataDir: t.TempDir()}
}

// Postgres is a fresh, empty schema on the test PostgreSQL, dropped when the test ends.
func Postgres(t testing.TB) Target {
	t.Helper()
	base := BaseURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return Target{Kind: store.Postgres, URL: u.String()}
}

// BaseURL is the test PostgreSQL's URL once it answers; otherwise the test is skipped, or
// failed with CI=true.
func BaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := "PostgreSQL is not reachable at " + store.Describe(base) + " (" + err.Error() +
			"): start it (pg_ctlcluster 15 main start) or set TEST_DATABASE_URL"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("skipping the PostgreSQL half: " + msg)
	}
	conn.Close(ctx)
	return base
}
