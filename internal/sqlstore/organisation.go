package sqlstore

import (
	"context"

	"cyra/internal/cra"
)

// FindOrganisation returns the organisation, ENOTFOUND before setup.
func (db *DB) FindOrganisation(ctx context.Context) (*cra.Organisation, error) {
	var o *cra.Organisation
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		o, err = findOrganisation(ctx, tx)
		return err
	})
	return o, err
}

func findOrganisation(ctx context.Context, tx *Tx) (*cra.Organisation, error) {
	var o cra.Organisation
	var updated scanTime
	err := tx.queryRow(ctx, `SELECT legal_name, postal_address, contact_email, website, member_state, updated_at FROM organisation WHERE id = 1`).
		Scan(&o.LegalName, &o.PostalAddress, &o.ContactEmail, &o.Website, &o.MemberState, &updated)
	if err != nil {
		return nil, notFound(err, "The organisation has not been set up yet.")
	}
	o.UpdatedAt = updated.T
	return &o, nil
}

// UpdateOrganisation reads, changes and writes the organisation in one
// transaction, so the audit record's "before" is what was replaced.
func (db *DB) UpdateOrganisation(ctx context.Context, fn func(cur *cra.Organisation) (*cra.Organisation, cra.AuditRecord, error)) error {
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockOrganisation); err != nil {
			return err
		}
		cur, err := findOrganisation(ctx, tx)
		if cra.ErrorCode(err) == cra.ENOTFOUND {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		next, rec, err := fn(cur)
		if err != nil || rec.Action == "" {
			return err
		}
		return db.saveOrganisation(ctx, tx, next, rec)
	})
}

func (db *DB) saveOrganisation(ctx context.Context, tx *Tx, o *cra.Organisation, rec cra.AuditRecord) error {
	if o.UpdatedAt.IsZero() {
		o.UpdatedAt = db.now().UTC()
	}
	_, err := tx.exec(ctx, `INSERT INTO organisation (id, legal_name, postal_address, contact_email, website, member_state, updated_at)
		VALUES (1, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET legal_name = excluded.legal_name, postal_address = excluded.postal_address,
			contact_email = excluded.contact_email, website = excluded.website, member_state = excluded.member_state,
			updated_at = excluded.updated_at`,
		o.LegalName, o.PostalAddress, o.ContactEmail, o.Website, o.MemberState, dbTime(o.UpdatedAt))
	if err != nil {
		return err
	}
	return db.appendAudit(ctx, tx, rec)
}
