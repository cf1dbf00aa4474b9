package sqlstore

import (
	"context"
	"time"

	"cyra/internal/cra"
)

// CreateSession inserts a session and records the sign-in.
func (db *DB) CreateSession(ctx context.Context, s *cra.Session, secretHash string, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO sessions (secret_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			secretHash, s.UserID, dbTime(s.CreatedAt), dbTime(s.LastSeenAt), dbTime(s.ExpiresAt), s.IP, s.UserAgent)
		if err != nil {
			return err
		}
		s.ID = id
		if _, err := tx.exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, dbTime(s.CreatedAt), s.UserID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

// FindSession returns the session with this secret hash and its user.
func (db *DB) FindSession(ctx context.Context, secretHash string) (*cra.Session, *cra.User, error) {
	var s cra.Session
	var u *cra.User
	err := db.view(ctx, func(tx *Tx) error {
		var created, seen, expires scanTime
		var err error
		u, err = scanUser(tx.queryRow(ctx, `SELECT u.id, u.email, u.name, u.role, u.kind, u.created_at, u.disabled_at, u.last_login_at,
			s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent
			FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = ?`, secretHash),
			&s.ID, &s.UserID, &created, &seen, &expires, &s.IP, &s.UserAgent)
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = created.T, seen.T, expires.T
		return notFound(err, "Session not found.")
	})
	if err != nil {
		return nil, nil, err
	}
	return &s, u, nil
}

// TouchSession records activity on a session.
func (db *DB) TouchSession(ctx context.Context, id int64, at time.Time) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, dbTime(at), id)
		return err
	})
}

// DeleteSession ends a session, with an audit entry when rec is not nil.
func (db *DB) DeleteSession(ctx context.Context, id int64, rec *cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		return db.appendAudit(ctx, tx, *rec)
	})
}

// DeleteExpiredSessions removes idle and expired sessions.
func (db *DB) DeleteExpiredSessions(ctx context.Context, idleBefore, now time.Time) (int64, error) {
	var n int64
	err := db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM sessions WHERE last_seen_at < ? OR expires_at <= ?`, dbTime(idleBefore), dbTime(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
