package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// Tx is a transaction that rebinds placeholders for its dialect.
type Tx struct {
	tx      *sql.Tx
	dialect dialect
}

// exec runs a statement.
func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.dialect.rebind(q), args...)
}

// query runs a query returning rows.
func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.dialect.rebind(q), args...)
}

// queryRow runs a query returning at most one row.
func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.dialect.rebind(q), args...)
}

// lock takes a transaction-scoped advisory lock on PostgreSQL; on SQLite
// the single writer already serialises write transactions.
func (tx *Tx) lock(ctx context.Context, key int64) error {
	if tx.dialect != postgres {
		return nil
	}
	_, err := tx.tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", key)
	return err
}

// insertID runs an INSERT … RETURNING id and returns the id. Both SQLite
// (3.35+) and PostgreSQL support RETURNING.
func (tx *Tx) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// update runs fn in a write transaction: committed when fn returns nil,
// rolled back otherwise.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	return db.inTx(ctx, db.write, fn)
}

// view runs fn in a read transaction on the read pool.
func (db *DB) view(ctx context.Context, fn func(tx *Tx) error) error {
	return db.inTx(ctx, db.read, fn)
}

func (db *DB) inTx(ctx context.Context, pool *sql.DB, fn func(tx *Tx) error) (err error) {
	sqlTx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return formatError(fmt.Errorf("begin transaction: %w", err))
	}
	tx := &Tx{tx: sqlTx, dialect: db.dialect}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
			err = formatError(err)
			return
		}
		if cerr := sqlTx.Commit(); cerr != nil {
			err = formatError(fmt.Errorf("commit: %w", cerr))
		}
	}()
	return fn(tx)
}
