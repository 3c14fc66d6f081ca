package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"gitlab.com/claude-gitlab/claude-gitlab/internal/store"
)

// River's client is generic over its driver's transaction: *sql.Tx on SQLite (riversqlite),
// pgx.Tx on PostgreSQL (riverpgxv5). Everything but the intake's insert uses methods that do not
// name the transaction type, so the queue holds the client as riverClient and the one
// transactional path as a backend: two small implementations of one interface.

// riverClient is what the queue uses of *river.Client[TTx], whatever TTx.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobCancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// backend runs one intake transaction: our dedupe and thread rows and River's job rows commit
// together, or not at all.
type backend interface {
	client() riverClient
	inTx(ctx context.Context, fn func(tx intakeTx) error) error
}

// intakeTx is our SQL (with ? placeholders, rebound per database) and River's insert inside one
// transaction.
type intakeTx interface {
	// query calls each for every row of q, with the row's Scan.
	query(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error
	exec(ctx context.Context, q string, args ...any) error
	insertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// openBackend migrates River's tables (under the migration lock on PostgreSQL) and makes the
// client for db's dialect.
func openBackend(ctx context.Context, db *store.DB, cfg *river.Config, log *slog.Logger) (backend, error) {
	switch db.Dialect {
	case store.SQLite:
		driver := riversqlite.New(db.DB)
		migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: quiet(log)})
		if err != nil {
			return nil, fmt.Errorf("queue migrations: %w", err)
		}
		if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return nil, fmt.Errorf("queue migrations: %w", err)
		}
		c, err := river.NewClient(driver, cfg)
		if err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
		return &sqliteBackend{c: c, db: db}, nil
	case store.Postgres:
		driver := riverpgxv5.New(db.Pool)
		if err := migratePostgres(ctx, db, driver, log); err != nil {
			return nil, err
		}
		c, err := river.NewClient(driver, cfg)
		if err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
		return &pgBackend{c: c, db: db}, nil
	}
	return nil, fmt.Errorf("queue: unknown database %q", db.Dialect)
}

// migratePostgres applies River's migrations holding the migration lock, so replicas starting at
// once run them once.
func migratePostgres(ctx context.Context, db *store.DB, driver *riverpgxv5.Driver, log *slog.Logger) error {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return fmt.Errorf("queue migrations: %w", err)
	}
	return db.WithMigrationLock(ctx, func() error {
		if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("queue migrations: %w", err)
		}
		return nil
	})
}

type sqliteBackend struct {
	c  *river.Client[*sql.Tx]
	db *store.DB
}

func (b *sqliteBackend) client() riverClient { return b.c }

func (b *sqliteBackend) inTx(ctx context.Context, fn func(intakeTx) error) error {
	tx, err := b.db.BeginIntake(ctx) // its own connection, first to the write lock (store.BeginIntake)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(&sqliteTx{tx: tx, b: b}); err != nil {
		return err
	}
	return tx.Commit()
}

// sqliteTx runs our SQL in the intake's transaction; the connection keeps the statements it
// prepared (store's statement cache), across transactions too.
type sqliteTx struct {
	tx *sql.Tx
	b  *sqliteBackend
}

func (t *sqliteTx) query(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	return eachRow(rows, each)
}

// eachRow calls each for every row and closes rows.
func eachRow(rows *sql.Rows, each func(func(...any) error) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *sqliteTx) exec(ctx context.Context, q string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, q, args...)
	return err
}

func (t *sqliteTx) insertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return t.b.c.InsertManyTx(ctx, t.tx, params)
}

type pgBackend struct {
	c  *river.Client[pgx.Tx]
	db *store.DB
}

func (b *pgBackend) client() riverClient { return b.c }

func (b *pgBackend) inTx(ctx context.Context, fn func(intakeTx) error) error {
	tx, err := b.db.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(&pgTx{tx: tx, b: b}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// pgTx runs our SQL in River's pgx transaction (pgx caches prepared statements per connection).
type pgTx struct {
	tx pgx.Tx
	b  *pgBackend
}

func (t *pgTx) query(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	rows, err := t.tx.Query(ctx, t.b.db.Rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *pgTx) exec(ctx context.Context, q string, args ...any) error {
	_, err := t.tx.Exec(ctx, t.b.db.Rebind(q), args...)
	return err
}

func (t *pgTx) insertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return t.b.c.InsertManyTx(ctx, t.tx, params)
}
