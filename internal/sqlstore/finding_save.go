package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
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
	id                       int64
	open                     bool
	matchDigest, factsDigest string
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

// findingRow is a match ready to write: its key, its values and their
// digests (facts nil when the caller gave none for its identity).
type findingRow struct {
	key          findingKey
	match, facts []any
	matchDigest  string
	factsDigest  string
}

// digest hashes the values a finding's columns were written from, so
// that a write that would change nothing can be told without comparing
// every column.
func digest(values []any) string {
	b, _ := json.Marshal(values)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// SaveFindings merges a match into the stored findings in one
// transaction (see cra.FindingStore). It reads the findings in scope (and
// any other the match names) once, with digests of what they hold; a
// found finding that is open and would not change only has last_seen
// moved (one UPDATE for all), the others are written in multi-row upserts
// on (release, package, identity), new ones with the decision in force.
// Then the open findings in scope that were not found are resolved. A
// found one whose identity has no facts in facts keeps the facts it has
// (none when new). An empty scope resolves nothing.
func (db *DB) SaveFindings(ctx context.Context, scope cra.FindingScope, found []cra.FindingMatch, facts map[int64]cra.VulnFacts, at time.Time) (cra.FindingChanges, error) {
	var ch cra.FindingChanges
	found = dedupeFound(found)
	rows := make([]findingRow, len(found))
	for i := range found {
		m := &found[i]
		if m.ReleaseID == 0 || m.VulnID == 0 || m.Package == "" {
			return ch, cra.Errorf(cra.EINVALID, "A finding needs its release, package and vulnerability.")
		}
		r := &rows[i]
		r.key = findingKey{m.ReleaseID, m.Package, m.VulnID}
		var err error
		if r.match, err = matchValues(m); err != nil {
			return ch, err
		}
		r.matchDigest = digest(r.match)
		if f, ok := facts[m.VulnID]; ok {
			if r.facts, err = factValues(&f); err != nil {
				return ch, err
			}
			r.factsDigest = digest(r.facts)
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
		known, err := loadFindingKeys(ctx, tx, rows, inScope)
		if err != nil {
			return err
		}
		products, err := releaseProducts(ctx, tx, rows)
		if err != nil {
			return err
		}
		// Open findings that the match and facts would not change are
		// only touched; the others are written.
		var write []*findingRow
		var fresh []findingKey
		var touch []int64
		for i := range rows {
			r := &rows[i]
			s, ok := known[r.key]
			switch {
			case !ok:
				write, fresh = append(write, r), append(fresh, r.key)
			case s.open && s.matchDigest == r.matchDigest && (r.facts == nil || s.factsDigest == r.factsDigest):
				touch = append(touch, s.id)
			default:
				write = append(write, r)
			}
		}
		ch.Updated += len(touch)
		decisions, err := decisionsInForce(ctx, tx, fresh, products)
		if err != nil {
			return err
		}
		now := dbTime(at)
		record := func(k findingKey, id int64) {
			switch s, ok := known[k]; {
			case !ok:
				ch.Opened++
				ch.New = append(ch.New, id)
			case s.open:
				ch.Updated++
			default:
				ch.Reopened++
				ch.New = append(ch.New, id)
			}
		}
		if err := upsertFindings(ctx, tx, write, products, decisions, now, record); err != nil {
			return err
		}
		slices.Sort(touch)
		for chunk := range slices.Chunk(touch, inBatch) {
			if _, err := tx.exec(ctx, `UPDATE findings SET last_seen = ? WHERE id IN (`+placeholders(len(chunk))+`)`,
				append([]any{now}, anys(chunk)...)...); err != nil {
				return err
			}
		}
		seen := make(map[findingKey]bool, len(rows))
		for _, r := range rows {
			seen[r.key] = true
		}
		for _, u := range scope.Undecided {
			seen[findingKey{u.ReleaseID, u.Package, u.VulnID}] = true
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

// upsertFindings writes findings in multi-row INSERT … ON CONFLICT DO
// UPDATE statements: a new finding is inserted first and last seen at
// now, with the decision in force; a stored one (open or resolved) gets
// the match's fields, last seen now, and is open again. Rows with facts
// write them too; rows without keep the stored ones. record is called
// with the key and id of every row written.
func upsertFindings(ctx context.Context, tx *Tx, rows []*findingRow, products map[int64]int64, decisions map[findingKey]decision,
	now string, record func(findingKey, int64)) error {
	var withFacts, without []*findingRow
	for _, r := range rows {
		if r.facts != nil {
			withFacts = append(withFacts, r)
		} else {
			without = append(without, r)
		}
	}
	cols := `product_id, release_id, package, vuln_id, ` + findingMatchColumns + `, match_digest, ` + findingFactColumns +
		`, facts_digest, status, triage_id, first_seen, last_seen`
	ncols := len(strings.Split(cols, ","))
	noFacts, err := factValues(&cra.VulnFacts{})
	if err != nil {
		return err
	}
	for _, group := range []struct {
		rows  []*findingRow
		facts bool
	}{{withFacts, true}, {without, false}} {
		set := slices.Concat(strings.Split(findingMatchColumns, ","), []string{"match_digest"})
		if group.facts {
			set = slices.Concat(set, strings.Split(findingFactColumns, ","), []string{"facts_digest"})
		}
		set = append(set, "last_seen")
		for i, c := range set {
			c = strings.TrimSpace(c)
			set[i] = c + " = excluded." + c
		}
		upsert := ` ON CONFLICT (release_id, package, vuln_id) DO UPDATE SET ` + strings.Join(set, ", ") +
			`, resolved_at = NULL RETURNING id, release_id, package, vuln_id`
		for chunk := range slices.Chunk(group.rows, batchRows) {
			args := make([]any, 0, ncols*len(chunk))
			for _, r := range chunk {
				fv := r.facts
				if fv == nil {
					fv = noFacts
				}
				d := decisions[r.key]
				status, triageID := string(cra.StatusUntriaged), any(nil)
				if d.id != 0 {
					status, triageID = d.status, d.id
				}
				args = append(append(append(append(args, products[r.key.release], r.key.release, r.key.pkg, r.key.vuln), r.match...),
					r.matchDigest), fv...)
				args = append(args, r.factsDigest, status, triageID, now, now)
			}
			err := queryEach(ctx, tx, `INSERT INTO findings (`+cols+`) VALUES `+valuesRows(len(chunk), ncols)+upsert, args,
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
	}
	return nil
}

// decision is a triage decision as a finding carries it.
type decision struct {
	id     int64
	status string
}

// decisionsInForce returns the decision in force for each of the new
// findings keys that has one, by the rule of recomputeTriage: the newest
// of the release's decisions, else the newest product-scoped one.
func decisionsInForce(ctx context.Context, tx *Tx, keys []findingKey, products map[int64]int64) (map[findingKey]decision, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	vulns := make([]int64, len(keys))
	for i, k := range keys {
		vulns[i] = k.vuln
	}
	// byRelease is keyed by (release, package, identity), byProduct by
	// (product, package, identity).
	byRelease, byProduct := map[findingKey]decision{}, map[findingKey]decision{}
	for chunk := range slices.Chunk(dedupe(vulns), inBatch) {
		err := queryEach(ctx, tx, `SELECT id, product_id, release_id, package, vuln_id, status FROM triage_decisions
			WHERE vuln_id IN (`+placeholders(len(chunk))+`)`, anys(chunk), func(rows *sql.Rows) error {
			var d decision
			var product, release, vuln int64
			var pkg string
			if err := rows.Scan(&d.id, &product, &release, &pkg, &vuln, &d.status); err != nil {
				return err
			}
			m, k := byRelease, findingKey{release, pkg, vuln}
			if release == 0 {
				m, k = byProduct, findingKey{product, pkg, vuln}
			}
			if d.id > m[k].id {
				m[k] = d
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := map[findingKey]decision{}
	for _, k := range keys {
		if d, ok := byRelease[k]; ok {
			out[k] = d
		} else if d, ok := byProduct[findingKey{products[k.release], k.pkg, k.vuln}]; ok {
			out[k] = d
		}
	}
	return out, nil
}

// storedFindingColumns are what scanStoredFinding reads.
const storedFindingColumns = `id, release_id, package, vuln_id, CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END, match_digest, facts_digest`

func scanStoredFinding(rows *sql.Rows) (findingKey, storedFinding, error) {
	var k findingKey
	var s storedFinding
	var open int
	err := rows.Scan(&s.id, &k.release, &k.pkg, &k.vuln, &open, &s.matchDigest, &s.factsDigest)
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
func loadFindingKeys(ctx context.Context, tx *Tx, found []findingRow, inScope map[findingKey]storedFinding) (map[findingKey]storedFinding, error) {
	known := make(map[findingKey]storedFinding, len(found))
	missing := map[findingKey]bool{}
	var releases, vulns []int64
	for _, r := range found {
		k := r.key
		if s, ok := inScope[k]; ok {
			known[k] = s
			continue
		}
		missing[k] = true
		releases, vulns = append(releases, k.release), append(vulns, k.vuln)
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
func releaseProducts(ctx context.Context, tx *Tx, found []findingRow) (map[int64]int64, error) {
	ids := make([]int64, len(found))
	for i, r := range found {
		ids[i] = r.key.release
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
// whose facts are already these (same digest) is not rewritten.
func (db *DB) RefreshFindingFacts(ctx context.Context, facts []cra.VulnFacts) (int, error) {
	var n int64
	err := db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockFindings); err != nil {
			return err
		}
		st, err := tx.tx.PrepareContext(ctx, tx.dialect.rebind(`UPDATE findings SET `+setList(findingFactColumns)+`, facts_digest = ?
			WHERE vuln_id = ? AND facts_digest <> ?`))
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range facts {
			v, err := factValues(&facts[i])
			if err != nil {
				return err
			}
			d := digest(v)
			res, err := st.ExecContext(ctx, append(v, d, facts[i].VulnID, d)...)
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
