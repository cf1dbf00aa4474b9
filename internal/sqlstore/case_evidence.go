package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"

	"cyra/internal/cra"
)

// SaveReceipt stores a receipt's content once per SHA-256: saving the
// same content again changes nothing, and the first record (its case,
// name and uploader) stays. It computes r.SHA256 and r.Size from data,
// refuses a given SHA-256 that does not match (EINVALID), and defaults
// UploadedAt to now.
func (db *DB) SaveReceipt(ctx context.Context, r *cra.Receipt, data []byte) error {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	if r.SHA256 != "" && strings.ToLower(r.SHA256) != sha {
		return &cra.Error{Code: cra.EINVALID, Message: "The receipt's content does not match its SHA-256.",
			Fields: map[string]string{"receipt": "The SHA-256 does not match the content."}}
	}
	r.SHA256, r.Size = sha, int64(len(data))
	if r.UploadedAt.IsZero() {
		r.UploadedAt = db.storedNow()
	}
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO receipts (sha256, case_id, name, content_type, size, content, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
			r.SHA256, r.CaseID, r.Name, r.ContentType, r.Size, data, r.UploadedBy, dbTime(r.UploadedAt))
		if cra.ErrorCode(formatError(err)) == cra.EINVALID {
			return cra.Errorf(cra.ENOTFOUND, "Case %d not found.", r.CaseID)
		}
		return err
	})
}

// FindReceipt returns a receipt and its content by SHA-256 (hexadecimal,
// either case).
func (db *DB) FindReceipt(ctx context.Context, sha string) (*cra.Receipt, []byte, error) {
	var r cra.Receipt
	var data []byte
	err := db.view(ctx, func(tx *Tx) error {
		var uploaded scanTime
		err := tx.queryRow(ctx, `SELECT sha256, case_id, name, content_type, size, content, uploaded_by, uploaded_at FROM receipts
			WHERE sha256 = ?`, strings.ToLower(strings.TrimSpace(sha))).
			Scan(&r.SHA256, &r.CaseID, &r.Name, &r.ContentType, &r.Size, &data, &r.UploadedBy, &uploaded)
		r.UploadedAt = uploaded.T
		return notFound(err, "Receipt not found.")
	})
	if err != nil {
		return nil, nil, err
	}
	return &r, data, nil
}

// SaveNotice creates or replaces the user notice of n.CaseID (one per
// case) and sets n.ID; UpdatedAt defaults to now. The audit record's
// object id defaults to the case's.
func (db *DB) SaveNotice(ctx context.Context, n *cra.UserNotice, rec cra.AuditRecord) error {
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = db.storedNow()
	}
	return db.update(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO user_notices (case_id, subject, body, updated_by, updated_at, sent_at, sent_by, channel)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (case_id) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_by = excluded.updated_by,
				updated_at = excluded.updated_at, sent_at = excluded.sent_at, sent_by = excluded.sent_by, channel = excluded.channel
			WHERE user_notices.sent_at IS NULL`,
			n.CaseID, n.Subject, n.Body, n.UpdatedBy, dbTime(n.UpdatedAt), dbTimePtr(n.SentAt), n.SentBy, n.Channel)
		if errors.Is(err, sql.ErrNoRows) {
			// The notice was recorded as sent meanwhile: it stays as sent.
			return cra.Errorf(cra.ECONFLICT, "The notice of case %d was sent; it is kept as sent.", n.CaseID)
		}
		if cra.ErrorCode(formatError(err)) == cra.EINVALID {
			return cra.Errorf(cra.ENOTFOUND, "Case %d not found.", n.CaseID)
		} else if err != nil {
			return err
		}
		n.ID = id
		if rec.ObjectID == "" {
			rec.ObjectID = itoa(n.CaseID)
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

// FindNotice returns the user notice of a case, ENOTFOUND when it has
// none.
func (db *DB) FindNotice(ctx context.Context, caseID int64) (*cra.UserNotice, error) {
	var n cra.UserNotice
	err := db.view(ctx, func(tx *Tx) error {
		var updated, sent scanTime
		err := tx.queryRow(ctx, `SELECT id, case_id, subject, body, updated_by, updated_at, sent_at, sent_by, channel FROM user_notices
			WHERE case_id = ?`, caseID).Scan(&n.ID, &n.CaseID, &n.Subject, &n.Body, &n.UpdatedBy, &updated, &sent, &n.SentBy, &n.Channel)
		n.UpdatedAt, n.SentAt = updated.T, sent.Ptr()
		return notFound(err, "Case "+itoa(caseID)+" has no user notice.")
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}
