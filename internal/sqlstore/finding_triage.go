package sqlstore

import (
	"context"
	"slices"

	"cyra/internal/cra"
)

// triageColumns are what scanTriage reads.
const triageColumns = `id, product_id, release_id, package, vuln_id, scope, status, justification, impact, action, responses_json,
	comment, by_email, at`

func scanTriage(row interface{ Scan(...any) error }) (cra.Triage, error) {
	var t cra.Triage
	var responses string
	var at scanTime
	if err := row.Scan(&t.ID, &t.ProductID, &t.ReleaseID, &t.Package, &t.VulnID, &t.Scope, &t.Status, &t.Justification, &t.Impact,
		&t.Action, &responses, &t.Comment, &t.By, &at); err != nil {
		return t, err
	}
	t.At = at.T
	return t, decodeList(responses, &t.Responses)
}

// SaveTriage appends a decision to the history and makes the findings it
// covers carry the decision now in force (see recomputeTriage): for a
// release-scoped decision the release's finding, for a product-scoped one
// the findings of every release of the product that has no decision of
// its own. The audit record is written in the same transaction; its
// object id defaults to the decision's.
func (db *DB) SaveTriage(ctx context.Context, t *cra.Triage, rec cra.AuditRecord) error {
	if t.At.IsZero() {
		t.At = db.now()
	}
	switch t.Scope {
	case cra.ScopeProduct:
		t.ReleaseID = 0
	case cra.ScopeRelease:
		if t.ReleaseID == 0 {
			return &cra.Error{Code: cra.EINVALID, Message: "A release-scoped decision needs its release.", Fields: map[string]string{"scope": "No release."}}
		}
	default:
		return &cra.Error{Code: cra.EINVALID, Message: "The triage decision is not valid.", Fields: map[string]string{"scope": "Choose release or product."}}
	}
	responses, err := jsonList(t.Responses)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockFindings); err != nil {
			return err
		}
		id, err := tx.insertID(ctx, `INSERT INTO triage_decisions (product_id, release_id, package, vuln_id, scope, status, justification,
			impact, action, responses_json, comment, by_email, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ProductID, t.ReleaseID, t.Package, t.VulnID, string(t.Scope), string(t.Status), t.Justification,
			t.Impact, t.Action, responses, t.Comment, t.By, dbTime(t.At))
		if err != nil {
			if cra.ErrorCode(formatError(err)) == cra.EINVALID {
				return cra.Errorf(cra.ENOTFOUND, "Product %d not found.", t.ProductID)
			}
			return err
		}
		t.ID = id
		where, args := `product_id = ? AND package = ? AND vuln_id = ?`, []any{t.ProductID, t.Package, t.VulnID}
		if t.Scope == cra.ScopeRelease {
			where, args = where+` AND release_id = ?`, append(args, t.ReleaseID)
		}
		if err := recomputeTriage(ctx, tx, where, args...); err != nil {
			return err
		}
		if rec.ObjectID == "" {
			rec.ObjectID = itoa(id)
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

// recomputeTriage sets the decision in force, and its status, on the
// findings that where selects: the newest (highest id) decision of the
// finding's release, package and identity, else the newest product-scoped
// one of its product, package and identity; untriaged when neither
// exists. Decisions are append-only, so "newest" is the order they were
// recorded in.
func recomputeTriage(ctx context.Context, tx *Tx, where string, args ...any) error {
	if _, err := tx.exec(ctx, `UPDATE findings SET triage_id = COALESCE(
		(SELECT max(d.id) FROM triage_decisions d WHERE d.release_id = findings.release_id AND d.package = findings.package AND d.vuln_id = findings.vuln_id),
		(SELECT max(d.id) FROM triage_decisions d WHERE d.product_id = findings.product_id AND d.release_id = 0 AND d.package = findings.package
			AND d.vuln_id = findings.vuln_id))
		WHERE `+where, args...); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE findings SET status = COALESCE((SELECT d.status FROM triage_decisions d WHERE d.id = findings.triage_id), ?)
		WHERE `+where, append([]any{string(cra.StatusUntriaged)}, args...)...)
	return err
}

// TriageHistory returns the decisions that apply or applied to a finding:
// those of its release and the product-scoped ones of its product, for its
// package and identity, newest first.
func (db *DB) TriageHistory(ctx context.Context, findingID int64) ([]cra.Triage, error) {
	var out []cra.Triage
	err := db.view(ctx, func(tx *Tx) error {
		var releaseID, productID, vulnID int64
		var pkg string
		err := tx.queryRow(ctx, `SELECT release_id, product_id, package, vuln_id FROM findings WHERE id = ?`, findingID).
			Scan(&releaseID, &productID, &pkg, &vulnID)
		if err != nil {
			return notFound(err, "Finding "+itoa(findingID)+" not found.")
		}
		rows, err := tx.query(ctx, `SELECT `+triageColumns+` FROM triage_decisions WHERE package = ? AND vuln_id = ?
			AND (release_id = ? OR (release_id = 0 AND product_id = ?)) ORDER BY id DESC`, pkg, vulnID, releaseID, productID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTriage(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// repointFindings moves the findings and decisions of merged-away
// identities to the survivor keep. A finding of a gone identity that
// would collide with one of keep (or of another gone identity with a
// lower id) on (release, package) is deleted first: the next match
// brings the survivor up to date. The decisions in force are then
// recomputed, since keep may have gained newer ones.
func repointFindings(ctx context.Context, tx *Tx, keep int64, gone []int64) error {
	// The import holds lockVulns; findings writers hold only lockFindings,
	// so the two locks are always taken in this order.
	if err := tx.lock(ctx, lockFindings); err != nil {
		return err
	}
	in, goneArgs := placeholders(len(gone)), anys(gone)
	if _, err := tx.exec(ctx, `DELETE FROM findings WHERE vuln_id IN (`+in+`) AND EXISTS (SELECT 1 FROM findings k
		WHERE k.release_id = findings.release_id AND k.package = findings.package
		AND (k.vuln_id = ? OR (k.vuln_id IN (`+in+`) AND k.id < findings.id)))`,
		append(append(slices.Clone(goneArgs), keep), goneArgs...)...); err != nil {
		return err
	}
	// Reviews and cases follow the identity too. A release has one review
	// per identity: a review that would collide with one of the survivor
	// (or of another merged identity) keeps its old id, as history.
	if _, err := tx.exec(ctx, `UPDATE reviews SET vuln_id = ? WHERE vuln_id IN (`+in+`)
		AND NOT EXISTS (SELECT 1 FROM reviews k WHERE k.release_id = reviews.release_id AND k.vuln_id = ?)
		AND id = (SELECT MIN(r2.id) FROM reviews r2 WHERE r2.release_id = reviews.release_id AND r2.vuln_id IN (`+in+`))`,
		append(append(append([]any{keep}, goneArgs...), keep), goneArgs...)...); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE cases SET vuln_id = ? WHERE vuln_id IN (`+in+`)`, append([]any{keep}, goneArgs...)...); err != nil {
		return err
	}
	moved := int64(0)
	for _, table := range []string{"findings", "triage_decisions"} {
		res, err := tx.exec(ctx, `UPDATE `+table+` SET vuln_id = ? WHERE vuln_id IN (`+in+`)`, append([]any{keep}, goneArgs...)...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		moved += n
	}
	if moved == 0 {
		return nil
	}
	return recomputeTriage(ctx, tx, `vuln_id = ?`, keep)
}
