package sqlstore

import (
	"context"
	"fmt"
)

// ExecForTest runs a raw statement on the writer, for tests that simulate
// tampering or a newer schema.
func (db *DB) ExecForTest(ctx context.Context, q string) error {
	_, err := db.write.ExecContext(ctx, q)
	return err
}

// DropAuditGuardForTest removes the append-only triggers, as an attacker
// with database access could.
func (db *DB) DropAuditGuardForTest(ctx context.Context) error {
	q := `DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete`
	if db.dialect == postgres {
		q = `DROP TRIGGER audit_log_no_change ON audit_log; DROP TRIGGER audit_log_no_truncate ON audit_log`
	}
	return db.ExecForTest(ctx, q)
}

// QueryForTest returns the first column of a query's single row as text,
// for tests that check what the store wrote (or did not).
func (db *DB) QueryForTest(ctx context.Context, q string) (string, error) {
	var v any
	err := db.write.QueryRowContext(ctx, q).Scan(&v)
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	return fmt.Sprint(v), err
}
