package sqlstore

import (
	"context"
	"strings"

	"cyra/internal/cra"
)

const releaseColumns = `r.id, r.product_id, p.name, r.version, r.release_date, r.placed_on_market, r.substantial_modification,
	r.modification_reason, r.security_update, r.support_end, r.short_support_justification, r.status, r.created_at, r.updated_at`

func scanRelease(row interface{ Scan(...any) error }) (*cra.Release, error) {
	var r cra.Release
	var released, placed, supportEnd string
	var substantial, security int
	var created, updated scanTime
	err := row.Scan(&r.ID, &r.ProductID, &r.ProductName, &r.Version, &released, &placed, &substantial, &r.ModificationReason,
		&security, &supportEnd, &r.ShortSupportJustification, &r.Status, &created, &updated)
	if err != nil {
		return nil, err
	}
	if released != "" {
		if r.ReleaseDate, err = cra.ParseDate(released); err != nil {
			return nil, err
		}
	}
	if placed != "" {
		if r.PlacedOnMarket, err = cra.ParseDate(placed); err != nil {
			return nil, err
		}
	}
	if supportEnd != "" {
		if r.SupportEnd, err = cra.ParseYearMonth(supportEnd); err != nil {
			return nil, err
		}
	}
	r.SubstantialModification, r.SecurityUpdate = substantial == 1, security == 1
	r.CreatedAt, r.UpdatedAt = created.T, updated.T
	return &r, nil
}

func releaseValues(r *cra.Release) []any {
	return []any{r.ReleaseDate.String(), r.PlacedOnMarket.String(), boolInt(r.SubstantialModification), r.ModificationReason,
		boolInt(r.SecurityUpdate), r.SupportEnd.String(), r.ShortSupportJustification, string(r.Status), dbTime(r.UpdatedAt)}
}

// CreateRelease inserts a release and its components.
func (db *DB) CreateRelease(ctx context.Context, r *cra.Release, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO releases (product_id, version, release_date, placed_on_market, substantial_modification,
			modification_reason, security_update, support_end, short_support_justification, status, updated_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(append([]any{r.ProductID, r.Version}, releaseValues(r)...), dbTime(r.CreatedAt))...)
		if err != nil {
			return releaseConflict(err, r)
		}
		r.ID = id
		if err := setComponents(ctx, tx, r); err != nil {
			return err
		}
		rec.ObjectID = itoa(id)
		return db.appendAudit(ctx, tx, rec)
	})
}

func releaseConflict(err error, r *cra.Release) error {
	switch cra.ErrorCode(formatError(err)) {
	case cra.ECONFLICT:
		return &cra.Error{Code: cra.ECONFLICT, Message: "Version " + r.Version + " of this product already exists.", Fields: map[string]string{"version": "This version already exists."}}
	case cra.EINVALID:
		return cra.Errorf(cra.ENOTFOUND, "Product %d not found.", r.ProductID)
	}
	return err
}

// setComponents replaces a release's component releases, refusing unknown
// releases, releases of the same product and cycles.
func setComponents(ctx context.Context, tx *Tx, r *cra.Release) error {
	if _, err := tx.exec(ctx, `DELETE FROM release_components WHERE parent_id = ?`, r.ID); err != nil {
		return err
	}
	for i, c := range r.Components {
		child, err := findReleases(ctx, tx, cra.ReleaseFilter{ID: &c.ReleaseID})
		if err != nil {
			return err
		}
		if len(child) == 0 {
			return &cra.Error{Code: cra.EINVALID, Message: "Component release " + itoa(c.ReleaseID) + " does not exist.", Fields: map[string]string{"components": "Unknown release " + itoa(c.ReleaseID) + "."}}
		}
		if child[0].ProductID == r.ProductID {
			return &cra.Error{Code: cra.EINVALID, Message: "A release cannot contain a release of its own product.", Fields: map[string]string{"components": "Choose releases of other products."}}
		}
		// Walk down from the child: meeting r means a cycle.
		seen, queue := map[int64]bool{}, []int64{c.ReleaseID}
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			if id == r.ID {
				return &cra.Error{Code: cra.EINVALID, Message: child[0].ProductName + " " + child[0].Version + " already contains this release, directly or indirectly; products cannot contain each other.",
					Fields: map[string]string{"components": "This would make a cycle."}}
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			rows, err := tx.query(ctx, `SELECT child_id FROM release_components WHERE parent_id = ?`, id)
			if err != nil {
				return err
			}
			for rows.Next() {
				var next int64
				if err := rows.Scan(&next); err != nil {
					rows.Close()
					return err
				}
				queue = append(queue, next)
			}
			rows.Close()
		}
		if _, err := tx.exec(ctx, `INSERT INTO release_components (parent_id, child_id) VALUES (?, ?)`, r.ID, c.ReleaseID); err != nil {
			if cra.ErrorCode(formatError(err)) == cra.ECONFLICT {
				return &cra.Error{Code: cra.EINVALID, Message: "A component is listed twice.", Fields: map[string]string{"components": "Listed twice."}}
			}
			return err
		}
		r.Components[i] = cra.ReleaseRef{ReleaseID: child[0].ID, ProductID: child[0].ProductID, ProductName: child[0].ProductName, Version: child[0].Version}
	}
	return nil
}

// FindReleases lists releases with their components, by product name and
// newest first within a product.
func (db *DB) FindReleases(ctx context.Context, f cra.ReleaseFilter) ([]*cra.Release, error) {
	var out []*cra.Release
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if out, err = findReleases(ctx, tx, f); err != nil {
			return err
		}
		return loadComponents(ctx, tx, out)
	})
	return out, err
}

func findReleases(ctx context.Context, tx *Tx, f cra.ReleaseFilter) ([]*cra.Release, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ID != nil {
		where, args = append(where, "r.id = ?"), append(args, *f.ID)
	}
	if f.ProductID != nil {
		where, args = append(where, "r.product_id = ?"), append(args, *f.ProductID)
	}
	if f.Version != nil {
		where, args = append(where, "r.version = ?"), append(args, *f.Version)
	}
	rows, err := tx.query(ctx, `SELECT `+releaseColumns+` FROM releases r JOIN products p ON p.id = r.product_id WHERE `+
		strings.Join(where, " AND ")+` ORDER BY p.name, r.release_date DESC, r.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cra.Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func loadComponents(ctx context.Context, tx *Tx, rs []*cra.Release) error {
	if len(rs) == 0 {
		return nil
	}
	byID := map[int64]*cra.Release{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	rows, err := tx.query(ctx, `SELECT c.parent_id, r.id, r.product_id, p.name, r.version FROM release_components c
		JOIN releases r ON r.id = c.child_id JOIN products p ON p.id = r.product_id ORDER BY p.name, r.version`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var parent int64
		var ref cra.ReleaseRef
		if err := rows.Scan(&parent, &ref.ReleaseID, &ref.ProductID, &ref.ProductName, &ref.Version); err != nil {
			return err
		}
		if r := byID[parent]; r != nil {
			r.Components = append(r.Components, ref)
		}
	}
	return rows.Err()
}

// FindReleaseByID returns one release.
func (db *DB) FindReleaseByID(ctx context.Context, id int64) (*cra.Release, error) {
	rs, err := db.FindReleases(ctx, cra.ReleaseFilter{ID: &id})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "Release %d not found.", id)
	}
	return rs[0], nil
}

// UpdateRelease changes a release and its components in one transaction.
func (db *DB) UpdateRelease(ctx context.Context, id int64, fn func(r *cra.Release) (cra.AuditRecord, error)) (*cra.Release, error) {
	var out *cra.Release
	err := db.update(ctx, func(tx *Tx) error {
		rs, err := findReleases(ctx, tx, cra.ReleaseFilter{ID: &id})
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return cra.Errorf(cra.ENOTFOUND, "Release %d not found.", id)
		}
		if err := loadComponents(ctx, tx, rs); err != nil {
			return err
		}
		r := rs[0]
		rec, err := fn(r)
		if err != nil {
			return err
		}
		out = r
		if rec.Action == "" {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE releases SET release_date = ?, placed_on_market = ?, substantial_modification = ?,
			modification_reason = ?, security_update = ?, support_end = ?, short_support_justification = ?, status = ?, updated_at = ?,
			version = ? WHERE id = ?`, append(releaseValues(r), r.Version, r.ID)...); err != nil {
			return releaseConflict(err, r)
		}
		if err := setComponents(ctx, tx, r); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, rec)
	})
	return out, err
}
