package sqlstore

import "context"

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
