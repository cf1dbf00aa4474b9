package sqlstore

import (
	"context"
	"strings"
	"time"

	"cyra/internal/cra"
)

const tokenColumns = `t.id, t.user_id, u.email, t.name, t.role, t.prefix, t.created_at, COALESCE(t.created_by, 0), t.expires_at, t.last_used_at, t.revoked_at`

func scanToken(row interface{ Scan(...any) error }, extra ...any) (*cra.APIToken, error) {
	var t cra.APIToken
	var created, expires, used, revoked scanTime
	dest := append([]any{&t.ID, &t.UserID, &t.UserEmail, &t.Name, &t.Role, &t.Prefix, &created, &t.CreatedBy, &expires, &used, &revoked}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = created.T, expires.Ptr(), used.Ptr(), revoked.Ptr()
	return &t, nil
}

// CreateToken inserts a token.
func (db *DB) CreateToken(ctx context.Context, t *cra.APIToken, secretHash string, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		var createdBy any
		if t.CreatedBy != 0 {
			createdBy = t.CreatedBy
		}
		id, err := tx.insertID(ctx, `INSERT INTO api_tokens (secret_hash, user_id, name, role, prefix, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			secretHash, t.UserID, t.Name, string(t.Role), t.Prefix, dbTime(t.CreatedAt), createdBy, dbTimePtr(t.ExpiresAt))
		if err != nil {
			return err
		}
		t.ID = id
		rec.ObjectID = itoa(id)
		return db.appendAudit(ctx, tx, rec)
	})
}

// FindTokenByHash returns a token and its owner.
func (db *DB) FindTokenByHash(ctx context.Context, secretHash string) (*cra.APIToken, *cra.User, error) {
	var t *cra.APIToken
	var u cra.User
	err := db.view(ctx, func(tx *Tx) error {
		var created, disabled, lastLogin scanTime
		var err error
		t, err = scanToken(tx.queryRow(ctx, `SELECT `+tokenColumns+`, u.id, u.email, u.name, u.role, u.kind, u.created_at, u.disabled_at, u.last_login_at
			FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?`, secretHash),
			&u.ID, &u.Email, &u.Name, &u.Role, &u.Kind, &created, &disabled, &lastLogin)
		u.CreatedAt, u.DisabledAt, u.LastLoginAt = created.T, disabled.Ptr(), lastLogin.Ptr()
		return notFound(err, "Token not found.")
	})
	if err != nil {
		return nil, nil, err
	}
	return t, &u, nil
}

// FindTokens lists tokens, newest first.
func (db *DB) FindTokens(ctx context.Context, f cra.TokenFilter) ([]*cra.APIToken, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ID != nil {
		where, args = append(where, "t.id = ?"), append(args, *f.ID)
	}
	if f.UserID != nil {
		where, args = append(where, "t.user_id = ?"), append(args, *f.UserID)
	}
	var out []*cra.APIToken
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE `+strings.Join(where, " AND ")+` ORDER BY t.id DESC`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeToken marks a token revoked; revoking twice is a conflict.
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, dbTime(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cra.Errorf(cra.ECONFLICT, "Token %d does not exist or is already revoked.", id)
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

// TouchToken records the last use of a token.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, dbTime(at), id)
		return err
	})
}
