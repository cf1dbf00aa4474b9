package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"cyra/internal/cra"
)

// findingKey identifies a finding: release, package and identity.
type findingKey struct {
	release int64
	pkg     string
	vuln    int64
}

// storedFinding is what SaveFindings needs to know of a stored finding.
type storedFinding struct {
	id   int64
	open bool
}

// findingMatchColumns are the columns a match sets, in matchValues order.
const findingMatchColumns = `purl, component, version, match_key, advisories_json, fixed_json, fix, uncertain, direct, path_json`

// findingFactColumns are the identity's facts a finding carries, in
// factValues order.
const findingFactColumns = `vuln_key, aliases_json, summary, score, rating, severity_rank, kev_added, exploited_since, kev, exploited,
	epss, epss_percentile`

// matchValues returns the values of findingMatchColumns.
func matchValues(m *cra.FindingMatch) ([]any, error) {
	advisories, err := jsonList(m.Advisory)
	if err != nil {
		return nil, err
	}
	fixed, err := jsonList(m.Fixed)
	if err != nil {
		return nil, err
	}
	path, err := jsonList(m.Path)
	if err != nil {
		return nil, err
	}
	return []any{m.PURL, m.Component, m.Version, m.MatchKey, advisories, fixed, m.Fix, boolInt(m.Uncertain), boolInt(m.Direct), path}, nil
}

// factValues returns the values of findingFactColumns. kev and exploited
// (KEV-listed or EUVD-exploited) are derived flags, severity_rank the
// rating's cra.SeverityRank, so that filters and sorts use indexes.
func factValues(f *cra.VulnFacts) ([]any, error) {
	aliases, err := jsonList(f.Aliases)
	if err != nil {
		return nil, err
	}
	var kevAdded any
	if f.KEVAdded != nil {
		kevAdded = f.KEVAdded.String()
	}
	rating := strings.ToUpper(f.Rating)
	return []any{f.Key, aliases, f.Summary, f.Score, rating, cra.SeverityRank(rating), kevAdded, dbTimePtr(f.ExploitedSince),
		boolInt(f.KEVAdded != nil), boolInt(f.KEVAdded != nil || f.ExploitedSince != nil), f.EPSS, f.EPSSPercentile}, nil
}

// findingPackage is a match's package: as the caller gave it, else its
// purl without version.
func findingPackage(m *cra.FindingMatch) string {
	if m.Package != "" {
		return m.Package
	}
	if key, _, ok := cra.SplitPURL(m.PURL); ok {
		return key.String()
	}
	return m.PURL
}

// dedupeFound merges matches of the same finding (one statement may not
// upsert a row twice): the first wins, with the advisories and fixed
// versions of all.
func dedupeFound(found []cra.FindingMatch) []cra.FindingMatch {
	at := make(map[findingKey]int, len(found))
	out := make([]cra.FindingMatch, 0, len(found))
	for _, m := range found {
		m.Package = findingPackage(&m)
		k := findingKey{m.ReleaseID, m.Package, m.VulnID}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, m)
			continue
		}
		first := &out[i]
		for _, a := range m.Advisory {
			if !slices.Contains(first.Advisory, a) {
				first.Advisory = append(slices.Clip(first.Advisory), a)
			}
		}
		for _, v := range m.Fixed {
			if !slices.Contains(first.Fixed, v) {
				first.Fixed = append(slices.Clip(first.Fixed), v)
			}
		}
	}
	return out
}

// SaveFindings merges a match into the stored findings in one
// transaction (see cra.FindingStore). It reads the findings in scope (and
// any other the match names) once, writes every found one in multi-row
// upserts on (release, package, identity), sets the decision in force on
// the new ones, and resolves the open findings in scope that were not
// found. A found one whose identity has no facts in facts keeps the facts
// it has (zero ones when new). An empty scope resolves nothing.
func (db *DB) SaveFindings(ctx context.Context, scope cra.FindingScope, found []cra.FindingMatch, facts map[int64]cra.VulnFacts, at time.Time) (cra.FindingChanges, error) {
	var ch cra.FindingChanges
	found = dedupeFound(found)
	for _, m := range found {
		if m.ReleaseID == 0 || m.VulnID == 0 || m.Package == "" {
			return ch, cra.Errorf(cra.EINVALID, "A finding needs its release, package and vulnerability.")
		}
	}
	err := db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockFindings); err != nil {
			return err
		}
		if tx.dialect == postgres {
			// As in ImportAdvisories: IN lists want custom plans.
			if _, err := tx.exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
				return err
			}
		}
		inScope, err := loadFindingScope(ctx, tx, scope)
		if err != nil {
			return err
		}
		known, err := loadFindingKeys(ctx, tx, found, inScope)
		if err != nil {
			return err
		}
		products, err := releaseProducts(ctx, tx, found)
		if err != nil {
			return err
		}
		var withFacts, without []*cra.FindingMatch
		for i := range found {
			if _, ok := facts[found[i].VulnID]; ok {
				withFacts = append(withFacts, &found[i])
			} else {
				without = append(without, &found[i])
			}
		}
		var opened []int64
		record := func(k findingKey, id int64) {
			switch s, ok := known[k]; {
			case !ok:
				ch.Opened++
				ch.New, opened = append(ch.New, id), append(opened, id)
			case s.open:
				ch.Updated++
			default:
				ch.Reopened++
				ch.New = append(ch.New, id)
			}
		}
		now := dbTime(at)
		for _, group := range []struct {
			ms    []*cra.FindingMatch
			facts bool
		}{{withFacts, true}, {without, false}} {
			if err := upsertFindings(ctx, tx, group.ms, group.facts, facts, products, now, record); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(opened, inBatch) {
			if err := recomputeTriage(ctx, tx, `id IN (`+placeholders(len(chunk))+`)`, anys(chunk)...); err != nil {
				return err
			}
		}
		seen := make(map[findingKey]bool, len(found))
		for _, m := range found {
			seen[findingKey{m.ReleaseID, m.Package, m.VulnID}] = true
		}
		var resolve []int64
		for k, s := range inScope {
			if s.open && !seen[k] {
				resolve = append(resolve, s.id)
			}
		}
		slices.Sort(resolve)
		for chunk := range slices.Chunk(resolve, inBatch) {
			if _, err := tx.exec(ctx, `UPDATE findings SET resolved_at = ? WHERE resolved_at IS NULL AND id IN (`+placeholders(len(chunk))+`)`,
				append([]any{now}, anys(chunk)...)...); err != nil {
				return err
			}
		}
		ch.Resolved = len(resolve)
		return nil
	})
	if err != nil {
		return cra.FindingChanges{}, err
	}
	return ch, nil
}

// upsertFindings writes matches in multi-row INSERT … ON CONFLICT DO
// UPDATE statements: a new finding is inserted first and last seen at
// now; a stored one (open or resolved) gets the match's fields, last seen
// now, and is open again. With withFacts the identity's facts are written
// too; without, a stored finding keeps its own. record is called with the
// id of every row written.
func upsertFindings(ctx context.Context, tx *Tx, ms []*cra.FindingMatch, withFacts bool, facts map[int64]cra.VulnFacts,
	products map[int64]int64, now string, record func(findingKey, int64)) error {
	if len(ms) == 0 {
		return nil
	}
	cols := `product_id, release_id, package, vuln_id, ` + findingMatchColumns + `, ` + findingFactColumns + `, first_seen, last_seen`
	ncols := len(strings.Split(cols, ","))
	set := strings.Split(findingMatchColumns, ",")
	if withFacts {
		set = append(set, strings.Split(findingFactColumns, ",")...)
	}
	set = append(set, "last_seen")
	for i, c := range set {
		c = strings.TrimSpace(c)
		set[i] = c + " = excluded." + c
	}
	conflict := ` ON CONFLICT (release_id, package, vuln_id) DO UPDATE SET ` + strings.Join(set, ", ") +
		`, resolved_at = NULL RETURNING id, release_id, package, vuln_id`
	zero := cra.VulnFacts{}
	for chunk := range slices.Chunk(ms, batchRows) {
		args := make([]any, 0, ncols*len(chunk))
		for _, m := range chunk {
			mv, err := matchValues(m)
			if err != nil {
				return err
			}
			f, ok := facts[m.VulnID]
			if !ok {
				f = zero
			}
			fv, err := factValues(&f)
			if err != nil {
				return err
			}
			args = append(append(append(append(args, products[m.ReleaseID], m.ReleaseID, m.Package, m.VulnID), mv...), fv...), now, now)
		}
		err := queryEach(ctx, tx, `INSERT INTO findings (`+cols+`) VALUES `+valuesRows(len(chunk), ncols)+conflict, args,
			func(rows *sql.Rows) error {
				var id int64
				var k findingKey
				if err := rows.Scan(&id, &k.release, &k.pkg, &k.vuln); err != nil {
					return err
				}
				record(k, id)
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// scanStoredFinding reads id, release_id, package, vuln_id and whether
// the finding is open.
const storedFindingColumns = `id, release_id, package, vuln_id, CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END`

func scanStoredFinding(rows *sql.Rows) (findingKey, storedFinding, error) {
	var k findingKey
	var s storedFinding
	var open int
	err := rows.Scan(&s.id, &k.release, &k.pkg, &k.vuln, &open)
	s.open = open == 1
	return k, s, err
}

// loadFindingScope reads the findings, open and resolved, that a scope
// covers.
func loadFindingScope(ctx context.Context, tx *Tx, scope cra.FindingScope) (map[findingKey]storedFinding, error) {
	out := map[findingKey]storedFinding{}
	read := func(where string, args []any) error {
		return queryEach(ctx, tx, `SELECT `+storedFindingColumns+` FROM findings WHERE `+where, args, func(rows *sql.Rows) error {
			k, s, err := scanStoredFinding(rows)
			out[k] = s
			return err
		})
	}
	releases, keys := dedupe(scope.ReleaseIDs), dedupe(scope.MatchKeys)
	switch {
	case len(releases) == 0 && len(keys) == 0:
	case len(keys) == 0:
		for rs := range slices.Chunk(releases, inBatch) {
			if err := read(`release_id IN (`+placeholders(len(rs))+`)`, anys(rs)); err != nil {
				return nil, err
			}
		}
	case len(releases) == 0:
		for ks := range slices.Chunk(keys, inBatch) {
			if err := read(`match_key IN (`+placeholders(len(ks))+`)`, anys(ks)); err != nil {
				return nil, err
			}
		}
	default:
		for rs := range slices.Chunk(releases, inBatch/2) {
			for ks := range slices.Chunk(keys, inBatch/2) {
				if err := read(`release_id IN (`+placeholders(len(rs))+`) AND match_key IN (`+placeholders(len(ks))+`)`,
					append(anys(rs), anys(ks)...)); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// loadFindingKeys returns the stored findings among those found: the ones
// in scope, and the others read by their releases and identities.
func loadFindingKeys(ctx context.Context, tx *Tx, found []cra.FindingMatch, inScope map[findingKey]storedFinding) (map[findingKey]storedFinding, error) {
	known := make(map[findingKey]storedFinding, len(found))
	missing := map[findingKey]bool{}
	var releases, vulns []int64
	for _, m := range found {
		k := findingKey{m.ReleaseID, m.Package, m.VulnID}
		if s, ok := inScope[k]; ok {
			known[k] = s
			continue
		}
		missing[k] = true
		releases, vulns = append(releases, m.ReleaseID), append(vulns, m.VulnID)
	}
	if len(missing) == 0 {
		return known, nil
	}
	for rs := range slices.Chunk(dedupe(releases), inBatch/2) {
		for vs := range slices.Chunk(dedupe(vulns), inBatch/2) {
			err := queryEach(ctx, tx, `SELECT `+storedFindingColumns+` FROM findings WHERE release_id IN (`+placeholders(len(rs))+`)
				AND vuln_id IN (`+placeholders(len(vs))+`)`, append(anys(rs), anys(vs)...), func(rows *sql.Rows) error {
				k, s, err := scanStoredFinding(rows)
				if missing[k] {
					known[k] = s
				}
				return err
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return known, nil
}

// releaseProducts maps the releases of the matches to their products;
// ENOTFOUND names a release that does not exist.
func releaseProducts(ctx context.Context, tx *Tx, found []cra.FindingMatch) (map[int64]int64, error) {
	ids := make([]int64, len(found))
	for i, m := range found {
		ids[i] = m.ReleaseID
	}
	ids = dedupe(ids)
	out := make(map[int64]int64, len(ids))
	for chunk := range slices.Chunk(ids, inBatch) {
		err := queryEach(ctx, tx, `SELECT id, product_id FROM releases WHERE id IN (`+placeholders(len(chunk))+`)`, anys(chunk),
			func(rows *sql.Rows) error {
				var id, product int64
				err := rows.Scan(&id, &product)
				out[id] = product
				return err
			})
		if err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, cra.Errorf(cra.ENOTFOUND, "Release %d not found.", id)
		}
	}
	return out, nil
}

// RefreshFindingFacts writes the facts of identities into their findings,
// open and resolved, and returns how many findings changed: a finding
// whose facts are already these is not rewritten.
func (db *DB) RefreshFindingFacts(ctx context.Context, facts []cra.VulnFacts) (int, error) {
	var n int64
	err := db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockFindings); err != nil {
			return err
		}
		st, err := tx.tx.PrepareContext(ctx, tx.dialect.rebind(`UPDATE findings SET `+setList(findingFactColumns)+` WHERE vuln_id = ?
			AND (vuln_key <> ? OR aliases_json <> ? OR summary <> ? OR score <> ? OR rating <> ? OR kev_added IS DISTINCT FROM ?
				OR exploited_since IS DISTINCT FROM ? OR epss <> ? OR epss_percentile <> ?)`))
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range facts {
			v, err := factValues(&facts[i])
			if err != nil {
				return err
			}
			// The comparison's values: every fact but the derived ones
			// (severity_rank, kev, exploited), which follow from the rest.
			cmp := []any{v[0], v[1], v[2], v[3], v[4], v[6], v[7], v[10], v[11]}
			res, err := st.ExecContext(ctx, append(append(v, facts[i].VulnID), cmp...)...)
			if err != nil {
				return err
			}
			rows, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += rows
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
