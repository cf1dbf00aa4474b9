package sqlstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"cyra/internal/cra"
)

const revisionColumns = `case_id, stage, seq, revision, content, submitted_at, submitted_by, srp_id, receipt_sha256, recorded_at`

// forUpdate is the clause that locks the rows a SELECT reads until the
// transaction ends: PostgreSQL needs it for a read-modify-write; SQLite
// has no such clause and its single writer serialises write transactions.
func forUpdate(tx *Tx) string {
	if tx.dialect == postgres {
		return " FOR UPDATE"
	}
	return ""
}

// storedNow is the store's time as the database keeps it (UTC,
// microseconds), so that a default the store sets reads back equal.
func (db *DB) storedNow() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// StageRevisions returns a case's frozen revisions in stage order (early
// warning, notification, intermediate reports by number, final report).
func (db *DB) StageRevisions(ctx context.Context, caseID int64) ([]cra.StageRevision, error) {
	var out []cra.StageRevision
	err := db.view(ctx, func(tx *Tx) error {
		var one int
		if err := tx.queryRow(ctx, `SELECT 1 FROM cases WHERE id = ?`, caseID).Scan(&one); err != nil {
			return notFound(err, "Case "+itoa(caseID)+" not found.")
		}
		var err error
		out, err = stageRevisions(ctx, tx, caseID)
		return err
	})
	return out, err
}

func stageRevisions(ctx context.Context, tx *Tx, caseID int64) ([]cra.StageRevision, error) {
	var out []cra.StageRevision
	err := queryEach(ctx, tx, `SELECT `+revisionColumns+` FROM stage_revisions WHERE case_id = ?`, []any{caseID}, func(rows *sql.Rows) error {
		var r cra.StageRevision
		var submitted, recorded scanTime
		if err := rows.Scan(&r.CaseID, &r.Stage, &r.Seq, &r.Revision, &r.Content, &submitted, &r.SubmittedBy, &r.SRPID, &r.Receipt,
			&recorded); err != nil {
			return err
		}
		r.SubmittedAt, r.RecordedAt = submitted.T, recorded.T
		out = append(out, r)
		return nil
	})
	slices.SortFunc(out, func(a, b cra.StageRevision) int {
		return cmp.Or(cmp.Compare(slices.Index(cra.Stages, a.Stage), slices.Index(cra.Stages, b.Stage)), cmp.Compare(a.Seq, b.Seq))
	})
	return out, err
}

func insertRevision(ctx context.Context, tx *Tx, r *cra.StageRevision) error {
	_, err := tx.exec(ctx, `INSERT INTO stage_revisions (`+revisionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.CaseID, string(r.Stage), r.Seq, r.Revision, r.Content, dbTime(r.SubmittedAt), r.SubmittedBy, r.SRPID, r.Receipt,
		dbTime(r.RecordedAt))
	return err
}

type stageKey struct {
	stage cra.Stage
	seq   int
}

// stageName names a stage in messages: "early warning", "intermediate
// report 2".
func stageName(stage cra.Stage, seq int) string {
	name := strings.ToLower(stage.Label())
	if seq > 0 {
		name += fmt.Sprintf(" %d", seq)
	}
	return name
}

// checkRevisions checks c, as fn left it, against the revisions stored
// before (a submitted stage cannot change: ECONFLICT) and the new ones fn
// froze, whose blank case id, submission data and recording time it
// fills in. A new revision that does not match its stage, or a submitted
// stage without a revision, is a bug in the caller (EINTERNAL).
func (db *DB) checkRevisions(c *cra.Case, stored, revs []cra.StageRevision) error {
	frozen := map[stageKey]bool{}
	for _, r := range stored {
		if why := revisionMismatch(c, &r); why != "" {
			return &cra.Error{Code: cra.ECONFLICT, Message: "A submitted stage cannot change: the " + stageName(r.Stage, r.Seq) +
				" was submitted on the SRP and its content is frozen (" + why + ").", Fields: map[string]string{"stage": "Submitted stages cannot change."}}
		}
		frozen[stageKey{r.Stage, r.Seq}] = true
	}
	now := db.storedNow()
	for i := range revs {
		r := &revs[i]
		k := stageKey{r.Stage, r.Seq}
		if frozen[k] {
			return &cra.Error{Code: cra.ECONFLICT, Message: "A submitted stage cannot change: the " + stageName(r.Stage, r.Seq) +
				" already has a frozen revision.", Fields: map[string]string{"stage": "Submitted stages cannot change."}}
		}
		if r.CaseID == 0 {
			r.CaseID = c.ID
		}
		rep := c.Report(r.Stage, r.Seq)
		if r.CaseID != c.ID || rep == nil || !rep.Submitted() {
			return cra.Errorf(cra.EINTERNAL, "Case %d: a revision of the %s, which is not submitted in case %d.", c.ID, stageName(r.Stage, r.Seq), r.CaseID)
		}
		if r.SubmittedAt.IsZero() {
			r.SubmittedAt = *rep.SubmittedAt
		}
		r.SubmittedBy = cmp.Or(r.SubmittedBy, rep.SubmittedBy)
		r.SRPID = cmp.Or(r.SRPID, rep.SRPID)
		r.Receipt = cmp.Or(r.Receipt, rep.ReceiptSHA256)
		if r.RecordedAt.IsZero() {
			r.RecordedAt = now
		}
		sum := sha256.Sum256(r.Content)
		why := revisionMismatch(c, r)
		if len(r.Content) == 0 || hex.EncodeToString(sum[:]) != r.Revision {
			why = "the content does not hash to the revision"
		}
		if why != "" {
			return cra.Errorf(cra.EINTERNAL, "Case %d: the revision of the %s does not match it: %s.", c.ID, stageName(r.Stage, r.Seq), why)
		}
		frozen[k] = true
	}
	for _, s := range c.Stages {
		if s.Submitted() && !frozen[stageKey{s.Stage, s.Seq}] {
			return cra.Errorf(cra.EINTERNAL, "Case %d: the %s is submitted without a frozen revision.", c.ID, stageName(s.Stage, s.Seq))
		}
	}
	return nil
}

// revisionMismatch says how c's report of r's stage differs from r, ""
// when it matches: still submitted, with the same content (recomputed
// revision) and submission data. Times compare at the stored precision.
func revisionMismatch(c *cra.Case, r *cra.StageRevision) string {
	rep := c.Report(r.Stage, r.Seq)
	switch {
	case rep == nil:
		return "the stage was removed"
	case !rep.Submitted() || rep.Status != cra.StageSubmitted:
		return "the stage is no longer submitted"
	case rep.Revision != r.Revision:
		return "its revision changed"
	case rep.ComputeRevision(c.Kind) != r.Revision:
		return "its fields changed"
	case dbTime(*rep.SubmittedAt) != dbTime(r.SubmittedAt), rep.SubmittedBy != r.SubmittedBy, rep.SRPID != r.SRPID,
		rep.ReceiptSHA256 != r.Receipt:
		return "its submission data changed"
	}
	return ""
}
