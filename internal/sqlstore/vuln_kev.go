package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"cyra/internal/cra"
)

// kevFieldColumns are the published fields of a KEV entry, in the order
// kevFields returns them.
const kevFieldColumns = `vendor_project, product, name, date_added, due_date, ransomware_use, required_action, short_description, notes, cwes_json`

func kevFields(e *cra.KEVEntry) ([]any, error) {
	cwes, err := jsonList(e.CWEs)
	return []any{e.VendorProject, e.Product, e.Name, e.DateAdded.String(), e.DueDate.String(), e.RansomwareUse,
		e.RequiredAction, e.ShortDescription, e.Notes, cwes}, err
}

// kevDigest is the SHA-256 of an entry's published fields: a change of
// any of them is a change of the entry, while cyra's own FirstSeen and
// Removed are not.
func kevDigest(e *cra.KEVEntry) string {
	var cwes []string // nil and empty alike
	if len(e.CWEs) > 0 {
		cwes = e.CWEs
	}
	b, _ := json.Marshal([]any{e.CVE, e.VendorProject, e.Product, e.Name, e.DateAdded.String(), e.DueDate.String(), e.RansomwareUse,
		e.RequiredAction, e.ShortDescription, e.Notes, cwes})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SaveKEVCatalog stores a whole KEV catalog (see cra.VulnStore). An entry
// counts as Added when it is new or listed again after a removal
// (history "added" or "relisted"), Changed when a published field
// differs, Removed when the catalog no longer lists it. A catalog without
// entries is refused while entries are listed: it is far likelier a broken
// download than CISA emptying the catalog.
func (db *DB) SaveKEVCatalog(ctx context.Context, cat cra.KEVCatalog, at time.Time, audit cra.AuditFunc) (cra.ImportStats, error) {
	var stats cra.ImportStats
	err := db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockKEV); err != nil {
			return err
		}
		type state struct {
			digest, dateAdded, dueDate, ransomware string
			removed                                int
		}
		stored := map[string]state{}
		listed := 0
		err := queryEach(ctx, tx, `SELECT cve, digest, date_added, due_date, ransomware_use, CASE WHEN removed_at IS NULL THEN 0 ELSE 1 END
			FROM kev_entries`, nil, func(rows *sql.Rows) error {
			var cve string
			var s state
			err := rows.Scan(&cve, &s.digest, &s.dateAdded, &s.dueDate, &s.ransomware, &s.removed)
			stored[cve] = s
			listed += 1 - s.removed
			return err
		})
		if err != nil {
			return err
		}
		if len(cat.Entries) == 0 && listed > 0 {
			return cra.Errorf(cra.EINVALID, "The KEV catalog has no entries; the %d stored entries are kept.", listed)
		}
		now := dbTime(at)
		var inserts, history []any
		addHistory := func(cve, change, dateAdded, dueDate, ransomware string) {
			history = append(history, cve, now, change, cat.Version, dateAdded, dueDate, ransomware)
		}
		seen := map[string]bool{}
		for _, e := range cat.Entries {
			e.CVE = cra.NormalizeVulnID(e.CVE)
			if !cra.IsCVE(e.CVE) || seen[e.CVE] {
				stats.Skipped++
				stats.Problem(fmt.Sprintf("KEV entry %q: not a CVE id, or listed twice", e.CVE))
				continue
			}
			seen[e.CVE] = true
			digest := kevDigest(&e)
			fields, err := kevFields(&e)
			if err != nil {
				return err
			}
			s, ok := stored[e.CVE]
			change := "added"
			switch {
			case !ok:
				inserts = append(append(append(inserts, e.CVE), fields...), now, digest, cat.Version, now)
				stats.Added++
			case s.removed == 1:
				change = "relisted"
				stats.Added++
			case s.digest != digest:
				change = "changed"
				stats.Changed++
			default:
				stats.Unchanged++
				continue
			}
			if ok {
				if _, err := tx.exec(ctx, `UPDATE kev_entries SET `+setList(kevFieldColumns)+`, removed_at = NULL, digest = ?, catalog_version = ?,
					updated_at = ? WHERE cve = ?`, append(fields, digest, cat.Version, now, e.CVE)...); err != nil {
					return err
				}
			}
			addHistory(e.CVE, change, e.DateAdded.String(), e.DueDate.String(), e.RansomwareUse)
		}
		var gone []string
		for cve, s := range stored {
			if s.removed == 0 && !seen[cve] {
				gone = append(gone, cve)
			}
		}
		slices.Sort(gone)
		for _, cve := range gone {
			if _, err := tx.exec(ctx, `UPDATE kev_entries SET removed_at = ?, updated_at = ? WHERE cve = ?`, now, now, cve); err != nil {
				return err
			}
			s := stored[cve]
			addHistory(cve, "removed", s.dateAdded, s.dueDate, s.ransomware)
			stats.Removed++
		}
		if err := insertRows(ctx, tx, "kev_entries", "cve, "+kevFieldColumns+", first_seen, digest, catalog_version, updated_at", 15, inserts); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, "kev_history", "cve, at, change, catalog_version, date_added, due_date, ransomware", 7, history); err != nil {
			return err
		}
		if !stats.Wrote() || audit == nil {
			return nil
		}
		return db.appendAudit(ctx, tx, audit(stats))
	})
	if err != nil {
		return cra.ImportStats{}, err
	}
	return stats, nil
}

// insertRows writes flattened rows of ncols values in multi-row INSERTs.
func insertRows(ctx context.Context, tx *Tx, table, cols string, ncols int, values []any) error {
	for chunk := range slices.Chunk(values, batchRows*ncols) {
		if _, err := tx.exec(ctx, `INSERT INTO `+table+` (`+cols+`) VALUES `+valuesRows(len(chunk)/ncols, ncols), chunk...); err != nil {
			return err
		}
	}
	return nil
}

const kevColumns = `cve, ` + kevFieldColumns + `, first_seen, removed_at`

// queryKEV returns the KEV entries selected by the rest of a query
// ("WHERE … ORDER BY …").
func queryKEV(ctx context.Context, tx *Tx, rest string, args ...any) ([]cra.KEVEntry, error) {
	var out []cra.KEVEntry
	err := queryEach(ctx, tx, `SELECT `+kevColumns+` FROM kev_entries `+rest, args, func(rows *sql.Rows) error {
		var e cra.KEVEntry
		var added, due, cwes string
		var first, removed scanTime
		if err := rows.Scan(&e.CVE, &e.VendorProject, &e.Product, &e.Name, &added, &due, &e.RansomwareUse, &e.RequiredAction,
			&e.ShortDescription, &e.Notes, &cwes, &first, &removed); err != nil {
			return err
		}
		var err error
		if added != "" {
			if e.DateAdded, err = cra.ParseDate(added); err != nil {
				return err
			}
		}
		if due != "" {
			if e.DueDate, err = cra.ParseDate(due); err != nil {
				return err
			}
		}
		e.FirstSeen, e.Removed = first.T, removed.Ptr()
		out = append(out, e)
		return decodeList(cwes, &out[len(out)-1].CWEs)
	})
	return out, err
}

// KEVEntries returns every KEV entry ever seen, removed ones included, by
// CVE.
func (db *DB) KEVEntries(ctx context.Context) ([]cra.KEVEntry, error) {
	var out []cra.KEVEntry
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = queryKEV(ctx, tx, `ORDER BY cve`)
		return err
	})
	return out, err
}

// epssBatch is how many scores one INSERT carries: a daily EPSS file has
// a few hundred thousand.
const epssBatch = 500

// SaveEPSS stores scores, keeping every day's; a (CVE, date) already
// stored, or twice in scores, is Unchanged. Scores that are not a
// probability, of no date or of no CVE are Skipped.
func (db *DB) SaveEPSS(ctx context.Context, scores []cra.EPSSScore, audit cra.AuditFunc) (cra.ImportStats, error) {
	var stats cra.ImportStats
	err := db.update(ctx, func(tx *Tx) error {
		var args []any
		flush := func() error {
			n := len(args) / 4
			if n == 0 {
				return nil
			}
			res, err := tx.exec(ctx, `INSERT INTO epss_scores (cve, score_date, score, percentile) VALUES `+valuesRows(n, 4)+`
				ON CONFLICT (cve, score_date) DO NOTHING`, args...)
			if err != nil {
				return err
			}
			added, err := res.RowsAffected()
			stats.Added += int(added)
			stats.Unchanged += n - int(added)
			args = args[:0]
			return err
		}
		for _, s := range scores {
			cve := cra.NormalizeVulnID(s.CVE)
			if !cra.IsCVE(cve) || s.Date.IsZero() || !probability(s.Score) || !probability(s.Percentile) {
				stats.Skipped++
				stats.Problem(fmt.Sprintf("EPSS score of %q on %s: not a CVE, no date, or not between 0 and 1", s.CVE, s.Date))
				continue
			}
			args = append(args, cve, s.Date.String(), s.Score, s.Percentile)
			if len(args) == 4*epssBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if !stats.Wrote() || audit == nil {
			return nil
		}
		return db.appendAudit(ctx, tx, audit(stats))
	})
	if err != nil {
		return cra.ImportStats{}, err
	}
	return stats, nil
}

func probability(f float64) bool { return !math.IsNaN(f) && f >= 0 && f <= 1 }

// scanEPSS reads cve, score_date, score, percentile after the extra
// destinations.
func scanEPSS(rows *sql.Rows, extra ...any) (cra.EPSSScore, error) {
	var s cra.EPSSScore
	var date string
	if err := rows.Scan(append(extra, &s.CVE, &date, &s.Score, &s.Percentile)...); err != nil {
		return s, err
	}
	var err error
	s.Date, err = cra.ParseDate(date)
	return s, err
}

// queryEPSS returns the scores selected by the rest of a query.
func queryEPSS(ctx context.Context, tx *Tx, rest string, args ...any) ([]cra.EPSSScore, error) {
	var out []cra.EPSSScore
	err := queryEach(ctx, tx, `SELECT cve, score_date, score, percentile FROM epss_scores `+rest, args, func(rows *sql.Rows) error {
		s, err := scanEPSS(rows)
		out = append(out, s)
		return err
	})
	return out, err
}

// epssPage is how many scores WalkEPSS reads per transaction.
const epssPage = 5000

// WalkEPSS calls fn for every stored score in (CVE, date) order, a page
// per short transaction.
func (db *DB) WalkEPSS(ctx context.Context, fn func(cra.EPSSScore) error) error {
	var cve, date string
	for {
		var page []cra.EPSSScore
		err := db.view(ctx, func(tx *Tx) error {
			var err error
			page, err = queryEPSS(ctx, tx, `WHERE (cve, score_date) > (?, ?) ORDER BY cve, score_date LIMIT ?`, cve, date, epssPage)
			return err
		})
		if err != nil {
			return err
		}
		for _, s := range page {
			if err := fn(s); err != nil {
				return err
			}
		}
		if len(page) < epssPage {
			return nil
		}
		cve, date = page[len(page)-1].CVE, page[len(page)-1].Date.String()
	}
}
