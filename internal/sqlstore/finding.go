package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"cyra/internal/cra"
)

// The findings store is split by concern: finding_match.go gives the
// matcher what it evaluates, finding_save.go merges a match into the
// stored findings, finding_triage.go keeps decisions and the status in
// force, exposure.go counts the portfolio's exposure. This file reads
// findings back.

// lockFindings makes writes of findings take turns on PostgreSQL: two
// matches over overlapping scopes would otherwise both resolve or open
// the same findings from stale reads.
const lockFindings int64 = 0x63797261_0201

// findingColumns are what scanFinding reads, from findings f joined with
// releases r and products p.
const findingColumns = `f.id, f.product_id, p.name, f.release_id, r.version, f.package, f.purl, f.component, f.version, f.match_key,
	f.vuln_id, f.vuln_key, f.aliases_json, f.summary, f.advisories_json, f.score, f.rating, f.kev_added, f.exploited_since,
	f.epss, f.epss_percentile, f.fixed_json, f.fix, f.uncertain, f.direct, f.path_json, f.first_seen, f.last_seen, f.resolved_at,
	f.triage_id`

// findingFrom joins what findingColumns name.
const findingFrom = ` FROM findings f JOIN releases r ON r.id = f.release_id JOIN products p ON p.id = f.product_id`

// scanFinding reads a row of findingColumns; it returns the id of the
// decision in force (0 for none), which the caller loads.
func scanFinding(row interface{ Scan(...any) error }) (cra.Finding, int64, error) {
	var f cra.Finding
	var aliases, advisories, fixed, path string
	var kevAdded sql.NullString
	var exploited, first, last, resolved scanTime
	var uncertain, direct int
	var triageID sql.NullInt64
	err := row.Scan(&f.ID, &f.ProductID, &f.ProductName, &f.ReleaseID, &f.Release, &f.Package, &f.PURL, &f.Component, &f.Version, &f.MatchKey,
		&f.VulnID, &f.VulnKey, &aliases, &f.Summary, &advisories, &f.Score, &f.Rating, &kevAdded, &exploited,
		&f.EPSS, &f.EPSSPercentile, &fixed, &f.Fix, &uncertain, &direct, &path, &first, &last, &resolved, &triageID)
	if err != nil {
		return f, 0, err
	}
	for _, err := range []error{decodeList(aliases, &f.Aliases), decodeList(advisories, &f.Advisory), decodeList(fixed, &f.FixedVersions),
		decodeList(path, &f.Path)} {
		if err != nil {
			return f, 0, err
		}
	}
	if kevAdded.Valid && kevAdded.String != "" {
		d, err := cra.ParseDate(kevAdded.String)
		if err != nil {
			return f, 0, err
		}
		f.KEVAdded = &d
	}
	f.ExploitedSince, f.Resolved = exploited.Ptr(), resolved.Ptr()
	f.FirstSeen, f.LastSeen = first.T, last.T
	f.Uncertain, f.Direct = uncertain == 1, direct == 1
	return f, triageID.Int64, nil
}

// findingOrders are the ORDER BY clauses of the list's sorts. risk is
// cra.CompareFindings in indexed columns (kev, then exploited, which
// includes KEV, so that EUVD-only comes second), with the id last so that
// pages are stable.
var findingOrders = map[cra.FindingSort]string{
	cra.FindingSortRisk:      `f.kev DESC, f.exploited DESC, f.epss DESC, f.score DESC, f.id`,
	cra.FindingSortSeverity:  `f.severity_rank DESC, f.score DESC, f.id`,
	cra.FindingSortEPSS:      `f.epss DESC, f.score DESC, f.id`,
	cra.FindingSortFirstSeen: `f.first_seen DESC, f.id DESC`,
	cra.FindingSortComponent: `f.component, f.version, f.id`,
}

// onMarketWhere is the condition of cra.Release.OnMarket and Supported at
// now on releases r: not withdrawn, placed on the market on or before
// now's day (UTC) and supported until now's month or later.
func onMarketWhere(now time.Time) (string, []any) {
	u := now.UTC()
	return `(r.status <> ? AND r.placed_on_market <> '' AND r.placed_on_market <= ? AND r.support_end <> '' AND r.support_end >= ?)`,
		[]any{string(cra.ReleaseWithdrawn), u.Format(time.DateOnly), u.Format("2006-01")}
}

// findingWhere turns a filter into a condition on findings f (and
// releases r, which the caller must join when it says so).
func findingWhere(f *cra.FindingFilter) (where string, args []any, joinReleases bool) {
	conds := []string{}
	switch {
	case f.All:
	case f.Resolved:
		conds = append(conds, "f.resolved_at IS NOT NULL")
	default:
		conds = append(conds, "f.resolved_at IS NULL")
	}
	if f.ProductID != 0 {
		conds, args = append(conds, "f.product_id = ?"), append(args, f.ProductID)
	}
	if f.ReleaseID != 0 {
		conds, args = append(conds, "f.release_id = ?"), append(args, f.ReleaseID)
	}
	if !f.OnMarket.IsZero() {
		cond, a := onMarketWhere(f.OnMarket)
		conds, args, joinReleases = append(conds, cond), append(args, a...), true
	}
	if q := strings.TrimSpace(f.Component); q != "" {
		like := likePattern(q)
		conds = append(conds, `(lower(f.component) LIKE ? ESCAPE '\' OR lower(f.purl) LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	if v := strings.TrimSpace(f.Vuln); v != "" {
		cands := aliasCandidates(v)
		conds = append(conds, `f.vuln_id IN (SELECT vuln_id FROM vuln_aliases WHERE alias IN (`+placeholders(len(cands))+`))`)
		args = append(args, anys(cands)...)
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, `f.status IN (`+placeholders(len(f.Statuses))+`)`)
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	if f.MinSeverity != "" {
		conds, args = append(conds, "f.severity_rank >= ?"), append(args, cra.SeverityRank(f.MinSeverity))
	}
	if f.MinEPSS > 0 {
		conds, args = append(conds, "f.epss >= ?"), append(args, f.MinEPSS)
	}
	if f.KEV {
		conds = append(conds, "f.kev = 1")
	}
	if f.Exploited {
		conds = append(conds, "f.exploited = 1")
	}
	if len(conds) == 0 {
		return "1 = 1", args, joinReleases
	}
	return strings.Join(conds, " AND "), args, joinReleases
}

// FindFindings returns a page of findings and the total that match. The
// default is the open findings, riskiest first, 50 to a page (at most
// 500).
func (db *DB) FindFindings(ctx context.Context, f cra.FindingFilter) ([]cra.Finding, int, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	where, args, joinReleases := findingWhere(&f)
	var out []cra.Finding
	var total int
	err := db.view(ctx, func(tx *Tx) error {
		from := ` FROM findings f`
		if joinReleases {
			from += ` JOIN releases r ON r.id = f.release_id`
		}
		if err := tx.queryRow(ctx, `SELECT count(*)`+from+` WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		var err error
		out, err = queryFindings(ctx, tx, `WHERE `+where+` ORDER BY `+findingOrders[f.Sort]+` LIMIT ? OFFSET ?`,
			append(args, limit, max(f.Offset, 0))...)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// FindFinding returns one finding; ENOTFOUND when there is none.
func (db *DB) FindFinding(ctx context.Context, id int64) (*cra.Finding, error) {
	var out []cra.Finding
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = queryFindings(ctx, tx, `WHERE f.id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "Finding %d not found.", id)
	}
	return &out[0], nil
}

// queryFindings reads findings with the decisions in force: the findings
// in one query, their decisions in one more.
func queryFindings(ctx context.Context, tx *Tx, tail string, args ...any) ([]cra.Finding, error) {
	var out []cra.Finding
	var triageIDs []int64
	err := queryEach(ctx, tx, `SELECT `+findingColumns+findingFrom+` `+tail, args, func(rows *sql.Rows) error {
		f, tid, err := scanFinding(rows)
		out, triageIDs = append(out, f), append(triageIDs, tid)
		return err
	})
	if err != nil {
		return nil, err
	}
	ids := slices.DeleteFunc(slices.Clone(triageIDs), func(id int64) bool { return id == 0 })
	if len(ids) == 0 {
		return out, nil
	}
	slices.Sort(ids)
	decisions := map[int64]*cra.Triage{}
	for chunk := range slices.Chunk(slices.Compact(ids), inBatch) {
		err := queryEach(ctx, tx, `SELECT `+triageColumns+` FROM triage_decisions WHERE id IN (`+placeholders(len(chunk))+`)`, anys(chunk),
			func(rows *sql.Rows) error {
				t, err := scanTriage(rows)
				decisions[t.ID] = &t
				return err
			})
		if err != nil {
			return nil, err
		}
	}
	for i, tid := range triageIDs {
		if t := decisions[tid]; t != nil {
			c := *t
			out[i].Triage = &c
		}
	}
	return out, nil
}

// FindingVulnIDs returns the identities that have open findings, in id
// order.
func (db *DB) FindingVulnIDs(ctx context.Context) ([]int64, error) {
	var out []int64
	err := db.view(ctx, func(tx *Tx) error {
		return queryEach(ctx, tx, `SELECT DISTINCT vuln_id FROM findings WHERE resolved_at IS NULL ORDER BY vuln_id`, nil, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			out = append(out, id)
			return err
		})
	})
	return out, err
}
