package sqlstore

import (
	"context"
	"time"

	"cyra/internal/cra"
)

// IssueSetupToken invalidates unused setup tokens and stores a new one.
func (db *DB) IssueSetupToken(ctx context.Context, secretHash string, expiresAt time.Time, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockUsers); err != nil {
			return err
		}
		if err := noUsersYet(ctx, tx); err != nil {
			return err
		}
		now := dbTime(db.now())
		if _, err := tx.exec(ctx, `UPDATE setup_tokens SET invalidated_at = ? WHERE used_at IS NULL AND invalidated_at IS NULL`, now); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO setup_tokens (secret_hash, created_at, expires_at) VALUES (?, ?, ?)`,
			secretHash, now, dbTime(expiresAt)); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

func noUsersYet(ctx context.Context, tx *Tx) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return cra.Errorf(cra.ECONFLICT, "Setup is already complete; sign in instead.")
	}
	return nil
}

// checkSetupToken returns nil for a usable token and a precise error
// otherwise.
func checkSetupToken(ctx context.Context, tx *Tx, secretHash string, now time.Time) error {
	if err := noUsersYet(ctx, tx); err != nil {
		return err
	}
	var expires, used, invalidated scanTime
	err := tx.queryRow(ctx, `SELECT expires_at, used_at, invalidated_at FROM setup_tokens WHERE secret_hash = ?`, secretHash).
		Scan(&expires, &used, &invalidated)
	if err != nil {
		return notFound(err, "This setup link is not valid. Restart cyra serve to print a new one.")
	}
	switch {
	case used.Valid:
		return cra.Errorf(cra.EFORBIDDEN, "This setup link has already been used.")
	case invalidated.Valid:
		return cra.Errorf(cra.EFORBIDDEN, "This setup link was replaced by a newer one; use the link cyra printed last.")
	case !now.Before(expires.T):
		return cra.Errorf(cra.EFORBIDDEN, "This setup link expired; restart cyra serve to print a new one.")
	}
	return nil
}

// SetupTokenUsable reports whether a setup token can still complete setup.
func (db *DB) SetupTokenUsable(ctx context.Context, secretHash string, now time.Time) error {
	return db.view(ctx, func(tx *Tx) error { return checkSetupToken(ctx, tx, secretHash, now) })
}

// CompleteSetup consumes the token and creates the organisation and the
// first administrator in one transaction.
func (db *DB) CompleteSetup(ctx context.Context, s *cra.Setup) error {
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockUsers); err != nil {
			return err
		}
		if err := checkSetupToken(ctx, tx, s.TokenHash, s.At); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE setup_tokens SET used_at = ? WHERE secret_hash = ? AND used_at IS NULL`, dbTime(s.At), s.TokenHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return cra.Errorf(cra.EFORBIDDEN, "This setup link has already been used.")
		}
		if err := db.appendAudit(ctx, tx, s.SetupRecord); err != nil {
			return err
		}
		s.Admin.CreatedAt = s.At
		if err := db.createUser(ctx, tx, &s.Admin, s.PasswordHash, s.AdminRecord); err != nil {
			return err
		}
		s.Organisation.UpdatedAt = s.At
		return db.saveOrganisation(ctx, tx, &s.Organisation, s.OrganisationRecord)
	})
}
