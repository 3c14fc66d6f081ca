package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
)

// countingConnector counts the statements its connections prepare.
type countingConnector struct {
	driver.Connector
	prepared *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{sqliteConn: conn.(sqliteConn), prepared: c.prepared}, nil
}

type countingConn struct {
	sqliteConn
	prepared *atomic.Int64
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.prepared.Add(1)
	return c.sqliteConn.PrepareContext(ctx, query)
}

// cachedDB opens a database whose one connection caches statements over a counting connection.
func cachedDB(t *testing.T) (*sql.DB, *atomic.Int64) {
	t.Helper()
	c, err := sqlite.NewConnector(sqliteDSN(filepath.Join(t.TempDir(), "cache.db"), 1000))
	if err != nil {
		t.Fatal(err)
	}
	prepared := &atomic.Int64{}
	db := sql.OpenDB(cachingConnector{countingConnector{c, prepared}})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	mustExec(t, db, `CREATE TABLE t (v INTEGER UNIQUE)`)
	return db, prepared
}

func mustExec(t *testing.T, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStatementCachePreparesEachTextOnce(t *testing.T) {
	db, prepared := cachedDB(t)
	before := prepared.Load()
	for i := range 50 {
		mustExec(t, db, `INSERT INTO t (v) VALUES (?)`, i)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 50; i < 100; i++ { // in a transaction, the same statement
		mustExec(t, tx, `INSERT INTO t (v) VALUES (?)`, i)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db); n != 100 {
		t.Fatalf("%d rows, want 100", n)
	}
	if n := count(t, db); n != 100 {
		t.Fatalf("%d rows the second time, want 100", n)
	}
	// One INSERT and one SELECT COUNT(*), each prepared once.
	if got := prepared.Load() - before; got != 2 {
		t.Fatalf("prepared %d statements, want 2", got)
	}
}

func TestStatementCacheSameQueryWhileItsRowsAreOpen(t *testing.T) {
	db, _ := cachedDB(t)
	for i := range 5 {
		mustExec(t, db, `INSERT INTO t (v) VALUES (?)`, i)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT v FROM t WHERE v >= ? ORDER BY v`
	outer, err := tx.Query(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
		if len(got) == 2 { // the same text again, while the first rows are half read
			var inner []int
			rows, err := tx.Query(q, 3)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var w int
				rows.Scan(&w)
				inner = append(inner, w)
			}
			rows.Close()
			if fmt.Sprint(inner) != "[3 4]" {
				t.Fatalf("inner query read %v, want [3 4]", inner)
			}
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Fatalf("outer query read %v, want [0 1 2 3 4]: the inner one reset its statement", got)
	}
}

func TestStatementCacheFollowsASchemaChange(t *testing.T) {
	db, _ := cachedDB(t)
	mustExec(t, db, `INSERT INTO t (v) VALUES (1)`)
	columns := func() []string {
		rows, err := db.Query(`SELECT * FROM t`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		return cols
	}
	if c := columns(); len(c) != 1 {
		t.Fatalf("columns %v", c)
	}
	mustExec(t, db, `ALTER TABLE t ADD COLUMN w TEXT`)
	if c := columns(); len(c) != 2 {
		t.Fatalf("after ALTER TABLE the cached SELECT * still reads %v", c)
	}
}

func TestStatementCacheReusesAStatementThatFailed(t *testing.T) {
	db, _ := cachedDB(t)
	const q = `INSERT INTO t (v) VALUES (?)`
	mustExec(t, db, q, 1)
	if _, err := db.Exec(q, 1); err == nil {
		t.Fatal("a duplicate of a UNIQUE value was inserted")
	}
	mustExec(t, db, q, 2)
	if n := count(t, db); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}

func TestStatementCacheIsBounded(t *testing.T) {
	db, _ := cachedDB(t)
	for i := range stmtCacheSize + 50 {
		mustExec(t, db, fmt.Sprintf(`INSERT OR IGNORE INTO t (v) VALUES (%d)`, i))
	}
	if n := count(t, db); n != stmtCacheSize+50 {
		t.Fatalf("%d rows, want %d", n, stmtCacheSize+50)
	}
	conn, err := db.Conn(context.Background()) // the only connection
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(*cachingConn)
		if c.recent.Len() != stmtCacheSize || len(c.byQuery) != stmtCacheSize {
			return fmt.Errorf("cache holds %d statements (%d by text), want %d", c.recent.Len(), len(c.byQuery), stmtCacheSize)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
