package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"cyra/internal/cra"
)

var _ cra.Store = (*DB)(nil)

const auditColumns = `seq, at, actor_id, actor, action, object_type, object_id, before_summary, after_summary, prev_hash, hash`

// appendAudit appends rec to the hash chain inside tx. On PostgreSQL an
// advisory lock makes concurrent transactions take turns at the head of the
// chain; on SQLite the single writer does.
func (db *DB) appendAudit(ctx context.Context, tx *Tx, rec cra.AuditRecord) error {
	if err := tx.lock(ctx, lockAudit); err != nil {
		return err
	}
	if rec.At.IsZero() {
		rec.At = db.now()
	}
	var prev cra.AuditEntry
	err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&prev.Seq, &prev.Hash)
	var prevPtr *cra.AuditEntry
	switch {
	case err == nil:
		prevPtr = &prev
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	e, err := rec.Entry(prevPtr)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, dbTime(e.At), e.ActorID, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Before, e.After, e.PrevHash, e.Hash)
	return err
}

// AppendAudit appends a stand-alone audit entry.
func (db *DB) AppendAudit(ctx context.Context, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error { return db.appendAudit(ctx, tx, rec) })
}

func scanAudit(rows interface{ Scan(...any) error }) (cra.AuditEntry, error) {
	var e cra.AuditEntry
	var at scanTime
	err := rows.Scan(&e.Seq, &at, &e.ActorID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Before, &e.After, &e.PrevHash, &e.Hash)
	e.At = at.T
	return e, err
}

// FindAuditEntries returns entries newest first.
func (db *DB) FindAuditEntries(ctx context.Context, f cra.AuditFilter) ([]cra.AuditEntry, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.BeforeSeq > 0 {
		where, args = append(where, "seq < ?"), append(args, f.BeforeSeq)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.ObjectType != "" {
		where, args = append(where, "object_type = ?"), append(args, f.ObjectType)
	}
	if f.ObjectID != "" {
		where, args = append(where, "object_id = ?"), append(args, f.ObjectID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	args = append(args, limit)
	var out []cra.AuditEntry
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT ?`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// WalkAudit streams every entry in sequence order through fn, in pages so
// that no transaction stays open for the whole log.
func (db *DB) WalkAudit(ctx context.Context, fn func(cra.AuditEntry) error) error {
	const page = 1000
	after := int64(0)
	for {
		var batch []cra.AuditEntry
		err := db.view(ctx, func(tx *Tx) error {
			rows, err := tx.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, page)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				e, err := scanAudit(rows)
				if err != nil {
					return err
				}
				batch = append(batch, e)
			}
			return rows.Err()
		})
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
		after = batch[len(batch)-1].Seq
	}
}
