package store

import (
	"container/list"
	"context"
	"database/sql/driver"
)

// SQLite parses a statement every time it is prepared, and database/sql prepares one for every
// QueryContext and ExecContext: River's job insert, an INSERT … SELECT over json_each with a
// dozen json_extract calls, took a tenth of the service's CPU to parse when the intake queued
// thousands of mentions a second. A cachingConnector keeps each connection's prepared statements
// by their text and runs a query on the one it prepared before. SQLite prepares a statement again
// by itself when the schema changes under it (sqlite3_prepare_v2).

// stmtCacheSize bounds the statements kept per connection: the intake's multi-row statements
// differ by their row count, so a burst makes many texts, and each prepared statement holds
// SQLite's memory for its program.
const stmtCacheSize = 128

// cachingConnector makes connections that cache their prepared statements.
type cachingConnector struct {
	driver.Connector
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	full, ok := conn.(sqliteConn)
	if !ok { // not the driver this was written for: no cache, nothing lost
		return conn, nil
	}
	return &cachingConn{sqliteConn: full, byQuery: map[string]*list.Element{}, recent: list.New()}, nil
}

// sqliteConn is what modernc.org/sqlite's connection implements and database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is used by one goroutine at a time, as database/sql uses every connection, so it
// needs no lock of its own.
type cachingConn struct {
	sqliteConn
	byQuery map[string]*list.Element // of *cachedStmt
	recent  *list.List               // most recently used first
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool // rows read from it are open: a second query must not reset it under them
}

// sqliteStmt is what the driver's statements implement.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cached returns the statement prepared for query, preparing it if needed; nil when it is busy.
func (c *cachingConn) cached(ctx context.Context, query string) (*cachedStmt, error) {
	if el, ok := c.byQuery[query]; ok {
		c.recent.MoveToFront(el)
		if s := el.Value.(*cachedStmt); !s.busy {
			return s, nil
		}
		return nil, nil
	}
	stmt, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := stmt.(sqliteStmt); !ok {
		stmt.Close()
		return nil, nil
	}
	s := &cachedStmt{query: query, stmt: stmt}
	c.byQuery[query] = c.recent.PushFront(s)
	c.evict()
	return s, nil
}

// evict closes the least recently used statements past stmtCacheSize, except busy ones.
func (c *cachingConn) evict() {
	for el := c.recent.Back(); el != nil && c.recent.Len() > stmtCacheSize; {
		prev := el.Prev()
		if s := el.Value.(*cachedStmt); !s.busy {
			c.recent.Remove(el)
			delete(c.byQuery, s.query)
			s.stmt.Close()
		}
		el = prev
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.stmt.(sqliteStmt).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.(sqliteStmt).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return releasing(rows, func() { s.busy = false }), nil
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for el := c.recent.Front(); el != nil; el = el.Next() {
		el.Value.(*cachedStmt).stmt.Close()
	}
	c.recent.Init()
	clear(c.byQuery)
	return c.sqliteConn.Close()
}

// sqliteRows is what the driver's rows implement and database/sql's ColumnTypes reads.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// releasing wraps rows so that closing them frees their statement for the next query.
func releasing(rows driver.Rows, release func()) driver.Rows {
	if full, ok := rows.(sqliteRows); ok {
		return &releasingRows{sqliteRows: full, release: release}
	}
	return &plainReleasingRows{Rows: rows, release: release}
}

type releasingRows struct {
	sqliteRows
	release func()
}

func (r *releasingRows) Close() error {
	defer r.release()
	return r.sqliteRows.Close()
}

type plainReleasingRows struct {
	driver.Rows
	release func()
}

func (r *plainReleasingRows) Close() error {
	defer r.release()
	return r.Rows.Close()
}
