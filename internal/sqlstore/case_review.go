package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"cyra/internal/cra"
)

const reviewColumns = `id, product_id, release_id, finding_id, vuln_id, vuln_key, signal, signal_at, opened_at, decision,
	decision_reason, decided_by, decided_at, case_id`

func scanReview(row interface{ Scan(...any) error }) (cra.Review, error) {
	var r cra.Review
	var signal, opened, decided scanTime
	err := row.Scan(&r.ID, &r.ProductID, &r.ReleaseID, &r.FindingID, &r.VulnID, &r.VulnKey, &r.Signal, &signal, &opened, &r.Decision,
		&r.DecisionReason, &r.DecidedBy, &decided, &r.CaseID)
	r.SignalAt, r.OpenedAt, r.DecidedAt = signal.T, opened.T, decided.Ptr()
	return r, err
}

// reviewValues returns the column values of r after id, in reviewColumns
// order.
func reviewValues(r *cra.Review) []any {
	return []any{r.ProductID, r.ReleaseID, r.FindingID, r.VulnID, r.VulnKey, string(r.Signal), dbTime(r.SignalAt), dbTime(r.OpenedAt),
		string(r.Decision), r.DecisionReason, r.DecidedBy, dbTimePtr(r.DecidedAt), r.CaseID}
}

// CreateReviews inserts the reviews whose (release, vulnerability) has
// none yet, ever, and returns those it created with their IDs, each with
// the audit record audit returns for it (its object id defaulting to the
// review's). OpenedAt defaults to now.
func (db *DB) CreateReviews(ctx context.Context, rs []cra.Review, audit func(cra.Review) cra.AuditRecord) ([]cra.Review, error) {
	var out []cra.Review
	err := db.update(ctx, func(tx *Tx) error {
		out = nil
		for _, r := range rs {
			if r.OpenedAt.IsZero() {
				r.OpenedAt = db.storedNow()
			}
			// A review that exists (or one earlier in rs) makes the
			// insert return no row.
			id, err := tx.insertID(ctx, `INSERT INTO reviews (`+strings.TrimPrefix(reviewColumns, "id, ")+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (release_id, vuln_id) DO NOTHING`, reviewValues(&r)...)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				continue
			case cra.ErrorCode(formatError(err)) == cra.EINVALID:
				return cra.Errorf(cra.ENOTFOUND, "Release %d of product %d not found.", r.ReleaseID, r.ProductID)
			case err != nil:
				return err
			}
			r.ID = id
			rec := audit(r)
			if rec.ObjectID == "" {
				rec.ObjectID = itoa(id)
			}
			if err := db.appendAudit(ctx, tx, rec); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindReviews returns the reviews f selects, newest first. OpenOnly keeps
// those awaiting a decision.
func (db *DB) FindReviews(ctx context.Context, f cra.ReviewFilter) ([]cra.Review, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ProductID != 0 {
		where, args = append(where, "product_id = ?"), append(args, f.ProductID)
	}
	if f.OpenOnly {
		where = append(where, "decision = ''")
	}
	var out []cra.Review
	err := db.view(ctx, func(tx *Tx) error {
		return queryEach(ctx, tx, `SELECT `+reviewColumns+` FROM reviews WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC`, args,
			func(rows *sql.Rows) error {
				r, err := scanReview(rows)
				out = append(out, r)
				return err
			})
	})
	return out, err
}

// FindReview returns one review.
func (db *DB) FindReview(ctx context.Context, id int64) (*cra.Review, error) {
	var r *cra.Review
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		r, err = findReview(ctx, tx, id, false)
		return err
	})
	return r, err
}

func findReview(ctx context.Context, tx *Tx, id int64, lock bool) (*cra.Review, error) {
	q := `SELECT ` + reviewColumns + ` FROM reviews WHERE id = ?`
	if lock {
		q += forUpdate(tx)
	}
	r, err := scanReview(tx.queryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "Review "+itoa(id)+" not found.")
	}
	return &r, nil
}

// UpdateReview loads a review, lets fn change it and return the audit
// record, and writes both in one transaction. A zero audit record writes
// nothing.
func (db *DB) UpdateReview(ctx context.Context, id int64, fn func(r *cra.Review) (cra.AuditRecord, error)) (*cra.Review, error) {
	var out *cra.Review
	err := db.update(ctx, func(tx *Tx) error {
		r, err := findReview(ctx, tx, id, true)
		if err != nil {
			return err
		}
		rec, err := fn(r)
		if err != nil {
			return err
		}
		out = r
		if rec.Action == "" {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE reviews SET `+setList(strings.TrimPrefix(reviewColumns, "id, "))+` WHERE id = ?`,
			append(reviewValues(r), id)...); err != nil {
			if cra.ErrorCode(formatError(err)) == cra.ECONFLICT {
				return cra.Errorf(cra.ECONFLICT, "Release %d already has a review of this vulnerability.", r.ReleaseID)
			}
			return err
		}
		r.ID = id
		return db.appendAudit(ctx, tx, rec)
	})
	return out, err
}
