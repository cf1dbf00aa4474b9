package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"

	"cyra/internal/cra"
)

// nullID maps the "product row" release id 0 to NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const matrixColumns = `product_id, COALESCE(release_id, 0), requirement_id, status, justification, how_met, test_refs, standard_clause, updated_by, updated_at`

func scanMatrixEntry(row interface{ Scan(...any) error }) (cra.MatrixEntry, error) {
	var e cra.MatrixEntry
	var updated scanTime
	err := row.Scan(&e.ProductID, &e.ReleaseID, &e.RequirementID, &e.Status, &e.Justification, &e.HowMet, &e.TestRefs, &e.StandardClause, &e.UpdatedBy, &updated)
	e.UpdatedAt = updated.T
	return e, err
}

// FindMatrix returns the rows of a product (releaseID 0) or of a
// release's overrides, with their evidence.
func (db *DB) FindMatrix(ctx context.Context, productID, releaseID int64) ([]cra.MatrixEntry, error) {
	var out []cra.MatrixEntry
	err := db.view(ctx, func(tx *Tx) error {
		q, args := `SELECT `+matrixColumns+` FROM requirement_states WHERE product_id = ? AND release_id IS NULL`, []any{productID}
		eq, eargs := `SELECT `+evidenceColumns+` FROM evidence WHERE product_id = ? AND release_id IS NULL ORDER BY id`, []any{productID}
		if releaseID != 0 {
			q, args = `SELECT `+matrixColumns+` FROM requirement_states WHERE product_id = ? AND release_id = ?`, []any{productID, releaseID}
			eq, eargs = `SELECT `+evidenceColumns+` FROM evidence WHERE product_id = ? AND release_id = ? ORDER BY id`, []any{productID, releaseID}
		}
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		byID := map[string]int{}
		for rows.Next() {
			e, err := scanMatrixEntry(rows)
			if err != nil {
				rows.Close()
				return err
			}
			byID[e.RequirementID] = len(out)
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		evs, err := queryEvidence(ctx, tx, eq, eargs...)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			i, ok := byID[ev.RequirementID]
			if !ok {
				// Evidence for a requirement without a stored state yet.
				byID[ev.RequirementID] = len(out)
				i = len(out)
				out = append(out, cra.MatrixEntry{ProductID: productID, ReleaseID: releaseID,
					RequirementState: cra.RequirementState{RequirementID: ev.RequirementID, Status: cra.StatusNotStarted}})
			}
			out[i].Evidence = append(out[i].Evidence, ev)
		}
		return nil
	})
	return out, err
}

// FindProductMatrices returns every product's own rows.
func (db *DB) FindProductMatrices(ctx context.Context) (map[int64][]cra.MatrixEntry, error) {
	out := map[int64][]cra.MatrixEntry{}
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+matrixColumns+` FROM requirement_states WHERE release_id IS NULL`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanMatrixEntry(rows)
			if err != nil {
				return err
			}
			out[e.ProductID] = append(out[e.ProductID], e)
		}
		return rows.Err()
	})
	return out, err
}

// SaveMatrixEntry creates or replaces one row.
func (db *DB) SaveMatrixEntry(ctx context.Context, e *cra.MatrixEntry, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		vals := []any{string(e.Status), e.Justification, e.HowMet, e.TestRefs, e.StandardClause, e.UpdatedBy, dbTime(e.UpdatedAt)}
		var res sql.Result
		var err error
		if e.ReleaseID == 0 {
			res, err = tx.exec(ctx, `UPDATE requirement_states SET status = ?, justification = ?, how_met = ?, test_refs = ?, standard_clause = ?,
				updated_by = ?, updated_at = ? WHERE product_id = ? AND release_id IS NULL AND requirement_id = ?`, append(vals, e.ProductID, e.RequirementID)...)
		} else {
			res, err = tx.exec(ctx, `UPDATE requirement_states SET status = ?, justification = ?, how_met = ?, test_refs = ?, standard_clause = ?,
				updated_by = ?, updated_at = ? WHERE release_id = ? AND requirement_id = ?`, append(vals, e.ReleaseID, e.RequirementID)...)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.exec(ctx, `INSERT INTO requirement_states (status, justification, how_met, test_refs, standard_clause, updated_by, updated_at,
				product_id, release_id, requirement_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(vals, e.ProductID, nullID(e.ReleaseID), e.RequirementID)...); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

// DeleteMatrixEntry removes a release's override.
func (db *DB) DeleteMatrixEntry(ctx context.Context, releaseID int64, requirementID string, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM requirement_states WHERE release_id = ? AND requirement_id = ?`, releaseID, requirementID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cra.Errorf(cra.ENOTFOUND, "Release %d does not override requirement %s.", releaseID, requirementID)
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

const evidenceColumns = `id, product_id, COALESCE(release_id, 0), requirement_id, kind, url, file_name, content_type, size, COALESCE(sha256, ''), note, added_by, added_at`

func queryEvidence(ctx context.Context, tx *Tx, q string, args ...any) ([]cra.Evidence, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cra.Evidence
	for rows.Next() {
		var e cra.Evidence
		var added scanTime
		if err := rows.Scan(&e.ID, &e.ProductID, &e.ReleaseID, &e.RequirementID, &e.Kind, &e.URL, &e.FileName, &e.ContentType,
			&e.Size, &e.SHA256, &e.Note, &e.AddedBy, &added); err != nil {
			return nil, err
		}
		e.AddedAt = added.T
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddEvidence stores evidence; a file's content is kept once per hash.
func (db *DB) AddEvidence(ctx context.Context, e *cra.Evidence, data []byte, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		var sha any
		if e.Kind == cra.EvidenceFile {
			sum := sha256.Sum256(data)
			e.SHA256, e.Size = hex.EncodeToString(sum[:]), int64(len(data))
			sha = e.SHA256
			var n int
			if err := tx.queryRow(ctx, `SELECT count(*) FROM evidence_files WHERE sha256 = ?`, e.SHA256).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				if _, err := tx.exec(ctx, `INSERT INTO evidence_files (sha256, size, data, created_at) VALUES (?, ?, ?, ?)`,
					e.SHA256, e.Size, data, dbTime(e.AddedAt)); err != nil {
					return err
				}
			}
		}
		id, err := tx.insertID(ctx, `INSERT INTO evidence (product_id, release_id, requirement_id, kind, url, file_name, content_type, size, sha256, note, added_by, added_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ProductID, nullID(e.ReleaseID), e.RequirementID, string(e.Kind), e.URL, e.FileName,
			e.ContentType, e.Size, sha, e.Note, e.AddedBy, dbTime(e.AddedAt))
		if err != nil {
			return err
		}
		e.ID = id
		rec.ObjectID = itoa(id)
		return db.appendAudit(ctx, tx, rec)
	})
}

// FindEvidence returns one piece of evidence.
func (db *DB) FindEvidence(ctx context.Context, id int64) (*cra.Evidence, error) {
	var out []cra.Evidence
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = queryEvidence(ctx, tx, `SELECT `+evidenceColumns+` FROM evidence WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "Evidence %d not found.", id)
	}
	return &out[0], nil
}

// EvidenceData returns a stored file's content.
func (db *DB) EvidenceData(ctx context.Context, sum string) ([]byte, error) {
	var data []byte
	err := db.view(ctx, func(tx *Tx) error {
		return notFound(tx.queryRow(ctx, `SELECT data FROM evidence_files WHERE sha256 = ?`, sum).Scan(&data), "The evidence file is missing.")
	})
	return data, err
}

// DeleteEvidence removes evidence, and its file when nothing else uses it.
func (db *DB) DeleteEvidence(ctx context.Context, id int64, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		evs, err := queryEvidence(ctx, tx, `SELECT `+evidenceColumns+` FROM evidence WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return cra.Errorf(cra.ENOTFOUND, "Evidence %d not found.", id)
		}
		if _, err := tx.exec(ctx, `DELETE FROM evidence WHERE id = ?`, id); err != nil {
			return err
		}
		if sum := evs[0].SHA256; sum != "" {
			if _, err := tx.exec(ctx, `DELETE FROM evidence_files WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM evidence WHERE sha256 = ?)`, sum, sum); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

// riskBody is the stored form of an assessment's content.
type riskBody struct {
	Summary string          `json:"summary"`
	Assets  []cra.RiskAsset `json:"assets"`
	Threats []cra.Threat    `json:"threats"`
}

// SaveRiskAssessment stores a new version.
func (db *DB) SaveRiskAssessment(ctx context.Context, ra *cra.RiskAssessment, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		var v int
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM risk_assessments WHERE product_id = ?`, ra.ProductID).Scan(&v); err != nil {
			return err
		}
		ra.Version = v + 1
		body, err := json.Marshal(riskBody{Summary: ra.Summary, Assets: ra.Assets, Threats: ra.Threats})
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO risk_assessments (product_id, version, body, reviewed_on, review_due, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ra.ProductID, ra.Version, string(body), ra.ReviewedOn.String(), ra.ReviewDue.String(),
			ra.CreatedBy, dbTime(ra.CreatedAt)); err != nil {
			if cra.ErrorCode(formatError(err)) == cra.EINVALID {
				return cra.Errorf(cra.ENOTFOUND, "Product %d not found.", ra.ProductID)
			}
			return err
		}
		rec.ObjectID = itoa(ra.ProductID)
		return db.appendAudit(ctx, tx, rec)
	})
}

const riskColumns = `product_id, version, body, reviewed_on, review_due, created_by, created_at`

func queryRisk(ctx context.Context, tx *Tx, q string, args ...any) ([]*cra.RiskAssessment, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cra.RiskAssessment
	for rows.Next() {
		var ra cra.RiskAssessment
		var body, reviewed, due string
		var created scanTime
		if err := rows.Scan(&ra.ProductID, &ra.Version, &body, &reviewed, &due, &ra.CreatedBy, &created); err != nil {
			return nil, err
		}
		var b riskBody
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			return nil, err
		}
		ra.Summary, ra.Assets, ra.Threats, ra.CreatedAt = b.Summary, b.Assets, b.Threats, created.T
		if ra.ReviewedOn, err = cra.ParseDate(reviewed); err != nil {
			return nil, err
		}
		if ra.ReviewDue, err = cra.ParseDate(due); err != nil {
			return nil, err
		}
		out = append(out, &ra)
	}
	return out, rows.Err()
}

// FindRiskAssessments returns a product's versions, newest first.
func (db *DB) FindRiskAssessments(ctx context.Context, productID int64) ([]*cra.RiskAssessment, error) {
	var out []*cra.RiskAssessment
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = queryRisk(ctx, tx, `SELECT `+riskColumns+` FROM risk_assessments WHERE product_id = ? ORDER BY version DESC`, productID)
		return err
	})
	return out, err
}

// LatestRiskAssessments returns each product's newest version.
func (db *DB) LatestRiskAssessments(ctx context.Context) ([]*cra.RiskAssessment, error) {
	var out []*cra.RiskAssessment
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = queryRisk(ctx, tx, `SELECT `+riskColumns+` FROM risk_assessments r WHERE version = (SELECT MAX(version) FROM risk_assessments WHERE product_id = r.product_id) ORDER BY product_id`)
		return err
	})
	return out, err
}
