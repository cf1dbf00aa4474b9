package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"cyra/internal/cra"
)

const caseColumns = `id, kind, product_id, title, awareness_at, member_states_json, release_ids_json, awareness_changes_json,
	fix_available_at, vuln_id, vuln_key, review_id, stages_json, final_submitted, created_by, created_at, updated_at,
	closed_at, closed_by, closed_reason`

// stageJSON is the stored form of a cra.StageReport. Its own tags keep the
// stored documents stable when the domain type's fields are renamed.
// Fields is never omitted, so nil and empty maps read back as written.
type stageJSON struct {
	Stage          cra.Stage         `json:"stage"`
	Seq            int               `json:"seq"`
	ModelVersion   string            `json:"model_version"`
	Fields         map[string]string `json:"fields"`
	Status         cra.StageState    `json:"status"`
	UpdatedBy      string            `json:"updated_by,omitempty"`
	UpdatedAt      time.Time         `json:"updated_at"`
	RequestedDueAt *time.Time        `json:"requested_due_at,omitempty"`
	SubmittedAt    *time.Time        `json:"submitted_at,omitempty"`
	SubmittedBy    string            `json:"submitted_by,omitempty"`
	SRPID          string            `json:"srp_id,omitempty"`
	ReceiptSHA256  string            `json:"receipt_sha256,omitempty"`
	Revision       string            `json:"revision,omitempty"`
}

// awarenessChangeJSON is the stored form of a cra.AwarenessChange.
type awarenessChangeJSON struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func encodeStages(ss []cra.StageReport) (string, error) {
	out := make([]stageJSON, len(ss))
	for i, s := range ss {
		out[i] = stageJSON{Stage: s.Stage, Seq: s.Seq, ModelVersion: s.ModelVersion, Fields: s.Fields, Status: s.Status,
			UpdatedBy: s.UpdatedBy, UpdatedAt: s.UpdatedAt.UTC(), RequestedDueAt: utcPtr(s.RequestedDueAt),
			SubmittedAt: utcPtr(s.SubmittedAt), SubmittedBy: s.SubmittedBy, SRPID: s.SRPID, ReceiptSHA256: s.ReceiptSHA256,
			Revision: s.Revision}
	}
	return jsonList(out)
}

func decodeStages(s string) ([]cra.StageReport, error) {
	var in []stageJSON
	if err := decodeList(s, &in); err != nil {
		return nil, err
	}
	var out []cra.StageReport
	for _, s := range in {
		out = append(out, cra.StageReport{Stage: s.Stage, Seq: s.Seq, ModelVersion: s.ModelVersion, Fields: s.Fields, Status: s.Status,
			UpdatedBy: s.UpdatedBy, UpdatedAt: s.UpdatedAt, RequestedDueAt: s.RequestedDueAt, SubmittedAt: s.SubmittedAt,
			SubmittedBy: s.SubmittedBy, SRPID: s.SRPID, ReceiptSHA256: s.ReceiptSHA256, Revision: s.Revision})
	}
	return out, nil
}

func scanCase(row interface{ Scan(...any) error }) (*cra.Case, error) {
	var c cra.Case
	var states, releases, changes, stages string
	var final int
	var aware, fix, created, updated, closed scanTime
	err := row.Scan(&c.ID, &c.Kind, &c.ProductID, &c.Title, &aware, &states, &releases, &changes, &fix, &c.VulnID, &c.VulnKey,
		&c.ReviewID, &stages, &final, &c.CreatedBy, &created, &updated, &closed, &c.ClosedBy, &c.ClosedReason)
	if err != nil {
		return nil, err
	}
	c.AwarenessAt, c.FixAvailableAt, c.CreatedAt, c.UpdatedAt, c.ClosedAt = aware.T, fix.Ptr(), created.T, updated.T, closed.Ptr()
	if err := decodeList(states, &c.MemberStates); err != nil {
		return nil, err
	}
	if err := decodeList(releases, &c.ReleaseIDs); err != nil {
		return nil, err
	}
	var ch []awarenessChangeJSON
	if err := decodeList(changes, &ch); err != nil {
		return nil, err
	}
	for _, a := range ch {
		c.AwarenessChanges = append(c.AwarenessChanges, cra.AwarenessChange{From: a.From, To: a.To, Reason: a.Reason, By: a.By, At: a.At})
	}
	if c.Stages, err = decodeStages(stages); err != nil {
		return nil, err
	}
	return &c, nil
}

// caseValues returns the column values of c after id, in caseColumns
// order. final_submitted is derived from the stages.
func caseValues(c *cra.Case) ([]any, error) {
	states, err := jsonList(c.MemberStates)
	if err != nil {
		return nil, err
	}
	releases, err := jsonList(c.ReleaseIDs)
	if err != nil {
		return nil, err
	}
	var ch []awarenessChangeJSON
	for _, a := range c.AwarenessChanges {
		ch = append(ch, awarenessChangeJSON{From: a.From.UTC(), To: a.To.UTC(), Reason: a.Reason, By: a.By, At: a.At.UTC()})
	}
	changes, err := jsonList(ch)
	if err != nil {
		return nil, err
	}
	stages, err := encodeStages(c.Stages)
	if err != nil {
		return nil, err
	}
	return []any{string(c.Kind), c.ProductID, c.Title, dbTime(c.AwarenessAt), states, releases, changes, dbTimePtr(c.FixAvailableAt),
		c.VulnID, c.VulnKey, c.ReviewID, stages, boolInt(c.Submitted(cra.StageFinalReport) != nil), c.CreatedBy, dbTime(c.CreatedAt),
		dbTime(c.UpdatedAt), dbTimePtr(c.ClosedAt), c.ClosedBy, c.ClosedReason}, nil
}

// caseWriteError names what a failed write of c ran into: its product
// gone (foreign key) or its review already having opened a case.
func caseWriteError(err error, c *cra.Case) error {
	switch cra.ErrorCode(formatError(err)) {
	case cra.EINVALID:
		return cra.Errorf(cra.ENOTFOUND, "Product %d not found.", c.ProductID)
	case cra.ECONFLICT:
		return cra.Errorf(cra.ECONFLICT, "Review %d already opened a case.", c.ReviewID)
	}
	return err
}

// CreateCase inserts c with its stages and sets its ID; CreatedAt and
// UpdatedAt default to now. A new case has no submitted stage: a
// submission is recorded with UpdateCase, which keeps its revision. The
// audit record's object id defaults to the case's.
func (db *DB) CreateCase(ctx context.Context, c *cra.Case, rec cra.AuditRecord) error {
	for _, s := range c.Stages {
		if s.Submitted() {
			return cra.Errorf(cra.EINVALID, "A new case has no submitted stage; record the submission of the %s once the case exists.",
				strings.ToLower(s.Stage.Label()))
		}
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = db.storedNow()
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	vals, err := caseValues(c)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO cases (`+strings.TrimPrefix(caseColumns, "id, ")+`)
			VALUES (`+placeholders(len(vals))+`)`, vals...)
		if err != nil {
			return caseWriteError(err, c)
		}
		c.ID = id
		if rec.ObjectID == "" {
			rec.ObjectID = itoa(id)
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

// FindCases returns the cases f selects, newest first. OpenOnly keeps
// those neither closed nor with a submitted final report.
func (db *DB) FindCases(ctx context.Context, f cra.CaseFilter) ([]*cra.Case, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ProductID != 0 {
		where, args = append(where, "product_id = ?"), append(args, f.ProductID)
	}
	if f.OpenOnly {
		where = append(where, "closed_at IS NULL AND final_submitted = 0")
	}
	var out []*cra.Case
	err := db.view(ctx, func(tx *Tx) error {
		return queryEach(ctx, tx, `SELECT `+caseColumns+` FROM cases WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC`, args,
			func(rows *sql.Rows) error {
				c, err := scanCase(rows)
				if err != nil {
					return err
				}
				out = append(out, c)
				return nil
			})
	})
	return out, err
}

// FindCase returns one case.
func (db *DB) FindCase(ctx context.Context, id int64) (*cra.Case, error) {
	var c *cra.Case
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		c, err = findCase(ctx, tx, id, false)
		return err
	})
	return c, err
}

// findCase reads a case; lock locks its row until the transaction
// ends on PostgreSQL (SQLite's single writer needs no lock).
func findCase(ctx context.Context, tx *Tx, id int64, lock bool) (*cra.Case, error) {
	q := `SELECT ` + caseColumns + ` FROM cases WHERE id = ?`
	if lock {
		q += forUpdate(tx)
	}
	c, err := scanCase(tx.queryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "Case "+itoa(id)+" not found.")
	}
	return c, nil
}

// UpdateCase loads a case, lets fn change it and return the audit record
// and the revisions it froze, and writes all of it in one transaction.
// Before writing, it checks that every stage with a stored revision is
// unchanged and refuses (ECONFLICT) otherwise; that each new revision is
// the hash of its content and of its now submitted stage; and that every
// submitted stage has a revision. A zero audit record with no revisions
// writes nothing.
func (db *DB) UpdateCase(ctx context.Context, id int64, fn func(c *cra.Case) (cra.AuditRecord, []cra.StageRevision, error)) (*cra.Case, error) {
	var out *cra.Case
	err := db.update(ctx, func(tx *Tx) error {
		c, err := findCase(ctx, tx, id, true)
		if err != nil {
			return err
		}
		stored, err := stageRevisions(ctx, tx, id)
		if err != nil {
			return err
		}
		rec, revs, err := fn(c)
		if err != nil {
			return err
		}
		out = c
		if rec.Action == "" && len(revs) == 0 {
			return nil
		}
		if rec.Action == "" {
			return cra.Errorf(cra.EINTERNAL, "Case %d: revisions frozen without an audit record.", id)
		}
		c.ID = id
		if err := db.checkRevisions(c, stored, revs); err != nil {
			return err
		}
		for i := range revs {
			if err := insertRevision(ctx, tx, &revs[i]); err != nil {
				return err
			}
		}
		vals, err := caseValues(c)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE cases SET `+setList(strings.TrimPrefix(caseColumns, "id, "))+` WHERE id = ?`,
			append(vals, id)...); err != nil {
			return caseWriteError(err, c)
		}
		return db.appendAudit(ctx, tx, rec)
	})
	return out, err
}
