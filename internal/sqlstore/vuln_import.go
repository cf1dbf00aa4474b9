package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"cyra/internal/cra"
)

// ImportAdvisories stores advisories in one transaction (see
// cra.VulnStore). A full OSV sync brings thousands of records at once, so
// the import does not talk to the database record by record: it reads
// the stored digests and the known aliases of the whole batch in a few
// IN (…) queries, resolves identities in memory, and writes new rows in
// multi-row INSERTs. audit may be nil for an unaudited import.
func (db *DB) ImportAdvisories(ctx context.Context, recs []cra.Advisory, audit cra.AuditFunc) (cra.ImportStats, error) {
	var stats cra.ImportStats
	err := db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockVulns); err != nil {
			return err
		}
		// The import's IN (…) lists run as prepared statements, and a
		// generic plan of "source_id IN ($2, …, $501)" compares each row
		// with every value instead of hashing them: forty times slower.
		if tx.dialect == postgres {
			if _, err := tx.exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
				return err
			}
		}
		im := &importer{tx: tx, now: dbTime(db.now()), stored: map[advKey]storedAdv{}, alias: map[string]int64{},
			redirect: map[int64]int64{}, dirty: map[int64]bool{}, pendVulns: map[int64]*vulnAgg{}, pendingAdv: map[int64]bool{},
			stmts: map[string]*sql.Stmt{}, vulnIDs: idAlloc{table: "vulnerabilities"}, advIDs: idAlloc{table: "advisories"}}
		defer im.close()
		if err := im.run(ctx, recs); err != nil {
			return err
		}
		stats = im.stats
		if !stats.Wrote() {
			return nil
		}
		// Matchers in every process compare the generation to know their
		// cache of compiled advisories is current.
		if _, err := tx.exec(ctx, `UPDATE advisory_generation SET n = n + 1`); err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		return db.appendAudit(ctx, tx, audit(stats))
	})
	if err != nil {
		return cra.ImportStats{}, err
	}
	return stats, nil
}

type advKey struct {
	source cra.VulnSource
	id     string
}

type storedAdv struct {
	id     int64
	digest string
}

// vulnAgg is what the importer knows of an identity it created and has
// not written yet: all its aliases and its newest date, so that its key
// and sort time are written right the first time.
type vulnAgg struct {
	aliases []string
	latest  time.Time
}

type pendingAlias struct {
	alias string
	vuln  int64
}

type pendingAdv struct {
	id, vuln int64
	a        *cra.Advisory
	fields   []any
}

type pendingAffected struct {
	advisory, vuln int64
	af             *cra.Affected
}

// importer is the state of one ImportAdvisories transaction.
type importer struct {
	tx    *Tx
	now   string
	stats cra.ImportStats

	// stored maps the (source, id) of this import's records to their rows.
	stored map[advKey]storedAdv
	// alias maps every id of this import's changed records that is known
	// to its identity; an id that is absent is unknown. Values may name
	// an identity merged away since: resolve them with find.
	alias    map[string]int64
	redirect map[int64]int64
	// dirty are the written identities whose key and sort time finish
	// recomputes from the database.
	dirty map[int64]bool

	vulnIDs, advIDs idAlloc

	// Rows not yet written; flush writes them, parents first.
	pendVulns    map[int64]*vulnAgg
	pendAliases  []pendingAlias
	pendAdvs     []pendingAdv
	pendAffected []pendingAffected
	pendingAdv   map[int64]bool

	stmts map[string]*sql.Stmt
}

func (im *importer) run(ctx context.Context, recs []cra.Advisory) error {
	var valid []*cra.Advisory
	for i := range recs {
		a := &recs[i]
		if a.Source == "" || strings.TrimSpace(a.ID) == "" {
			im.stats.Skipped++
			im.stats.Problem(fmt.Sprintf("advisory %q of source %q: the source or the id is missing", a.ID, a.Source))
			continue
		}
		valid = append(valid, a)
	}
	if err := im.loadStored(ctx, valid); err != nil {
		return err
	}
	var changed []*cra.Advisory
	var digests []string
	for _, a := range valid {
		d := advisoryDigest(a)
		if s, ok := im.stored[advKey{a.Source, a.ID}]; ok && s.digest == d {
			im.stats.Unchanged++
			continue
		}
		changed, digests = append(changed, a), append(digests, d)
	}
	if len(changed) == 0 {
		return nil
	}
	im.vulnIDs.batch, im.advIDs.batch = min(len(changed), 1000), min(len(changed), 1000)
	if err := im.loadAliases(ctx, changed); err != nil {
		return err
	}
	for i, a := range changed {
		if err := im.store(ctx, a, digests[i]); err != nil {
			return err
		}
	}
	if err := im.flush(ctx); err != nil {
		return err
	}
	return im.finish(ctx)
}

// loadStored reads the row ids and digests of the records already stored.
func (im *importer) loadStored(ctx context.Context, recs []*cra.Advisory) error {
	bySource := map[cra.VulnSource][]string{}
	for _, a := range recs {
		bySource[a.Source] = append(bySource[a.Source], a.ID)
	}
	for src, ids := range bySource {
		for chunk := range slices.Chunk(ids, inBatch) {
			err := queryEach(ctx, im.tx, `SELECT source_id, id, digest FROM advisories WHERE source = ? AND source_id IN (`+placeholders(len(chunk))+`)`,
				append([]any{string(src)}, anys(chunk)...), func(rows *sql.Rows) error {
					var sid string
					var s storedAdv
					err := rows.Scan(&sid, &s.id, &s.digest)
					im.stored[advKey{src, sid}] = s
					return err
				})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// identityIDs returns the ids that name a record's vulnerability: its own
// and its aliases (related ids are not merged), without duplicates.
func identityIDs(a *cra.Advisory) []string {
	ids := make([]string, 0, 1+len(a.Aliases))
	for _, id := range append([]string{a.ID}, a.Aliases...) {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// loadAliases fills the alias cache with the identity of every id of the
// changed records that is already known.
func (im *importer) loadAliases(ctx context.Context, recs []*cra.Advisory) error {
	seen := map[string]bool{}
	var all []string
	for _, a := range recs {
		for _, id := range identityIDs(a) {
			if !seen[id] {
				seen[id] = true
				all = append(all, id)
			}
		}
	}
	for chunk := range slices.Chunk(all, inBatch) {
		err := queryEach(ctx, im.tx, `SELECT alias, vuln_id FROM vuln_aliases WHERE alias IN (`+placeholders(len(chunk))+`)`, anys(chunk),
			func(rows *sql.Rows) error {
				var alias string
				var vuln int64
				err := rows.Scan(&alias, &vuln)
				im.alias[alias] = vuln
				return err
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// advisoryUpdate rewrites a changed record's row.
var advisoryUpdate = `UPDATE advisories SET vuln_id = ?, ` + setList(advisoryFieldColumns) + `, updated_at = ? WHERE id = ?`

// flushAdvisories is how many new records the importer holds before it
// writes them: enough for few, large INSERTs, few enough to bound memory.
const flushAdvisories = 2000

// store writes one new or changed record (queued for the next flush when
// it is new).
func (im *importer) store(ctx context.Context, a *cra.Advisory, digest string) error {
	k := advKey{a.Source, a.ID}
	prev, known := im.stored[k]
	if known && prev.digest == digest {
		// The same record twice in one import.
		im.stats.Unchanged++
		return nil
	}
	vuln, err := im.identity(ctx, identityIDs(a))
	if err != nil {
		return err
	}
	fields, err := advisoryFields(a, digest)
	if err != nil {
		return err
	}
	id := prev.id
	if known {
		// The UPDATE needs its identity's row, and a record seen earlier
		// in this import its own.
		if im.pendingAdv[id] || im.pendVulns[vuln] != nil {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
		if err := im.exec(ctx, advisoryUpdate, append(append([]any{vuln}, fields...), im.now, id)...); err != nil {
			return err
		}
		if err := im.exec(ctx, `DELETE FROM advisory_affected WHERE advisory_id = ?`, id); err != nil {
			return err
		}
		im.stats.Changed++
	} else {
		if id, err = im.advIDs.take(ctx, im.tx); err != nil {
			return err
		}
		im.pendAdvs = append(im.pendAdvs, pendingAdv{id: id, vuln: vuln, a: a, fields: fields})
		im.pendingAdv[id] = true
		im.stats.Added++
	}
	if agg := im.pendVulns[vuln]; agg != nil {
		for _, t := range []*time.Time{a.Published, a.Modified} {
			if t != nil && t.After(agg.latest) {
				agg.latest = *t
			}
		}
	}
	im.stored[k] = storedAdv{id: id, digest: digest}
	for i := range a.Affected {
		im.pendAffected = append(im.pendAffected, pendingAffected{advisory: id, vuln: vuln, af: &a.Affected[i]})
	}
	if len(im.pendAdvs) >= flushAdvisories {
		return im.flush(ctx)
	}
	return nil
}

// identity returns the identity that ids belong to, creating or merging
// identities as needed, and records the ids that are new to it.
func (im *importer) identity(ctx context.Context, ids []string) (int64, error) {
	var found []int64
	for _, id := range ids {
		if v, ok := im.alias[id]; ok {
			if v = im.find(v); !slices.Contains(found, v) {
				found = append(found, v)
			}
		}
	}
	var vuln int64
	var err error
	switch len(found) {
	case 0:
		if vuln, err = im.vulnIDs.take(ctx, im.tx); err != nil {
			return 0, err
		}
		im.pendVulns[vuln] = &vulnAgg{}
	case 1:
		vuln = found[0]
	default:
		if vuln, err = im.merge(ctx, found); err != nil {
			return 0, err
		}
	}
	agg := im.pendVulns[vuln]
	for _, id := range ids {
		if _, ok := im.alias[id]; !ok {
			im.alias[id] = vuln
			im.pendAliases = append(im.pendAliases, pendingAlias{alias: id, vuln: vuln})
			if agg != nil {
				agg.aliases = append(agg.aliases, id)
			}
		}
	}
	if agg == nil {
		im.dirty[vuln] = true
	}
	return vuln, nil
}

// merge makes several identities one: the lowest id, the oldest, takes
// the others' aliases, advisories, affected rows, findings and triage
// decisions, and the others are deleted. Identities not written yet just vanish: their pending rows
// follow find to the survivor when they are written.
func (im *importer) merge(ctx context.Context, found []int64) (int64, error) {
	slices.Sort(found)
	keep, gone := found[0], found[1:]
	keepAgg := im.pendVulns[keep]
	var written []int64
	for _, g := range gone {
		im.redirect[g] = keep
		delete(im.dirty, g)
		agg := im.pendVulns[g]
		if agg == nil {
			written = append(written, g)
			continue
		}
		if keepAgg != nil {
			keepAgg.aliases = append(keepAgg.aliases, agg.aliases...)
			if agg.latest.After(keepAgg.latest) {
				keepAgg.latest = agg.latest
			}
		}
		delete(im.pendVulns, g)
	}
	if len(written) > 0 && keepAgg != nil {
		// Ids only grow, so a written identity merging into a pending one
		// does not happen; should it, write everything and move rows.
		if err := im.flush(ctx); err != nil {
			return 0, err
		}
		im.dirty[keep] = true
	}
	if len(written) > 0 {
		in := placeholders(len(written))
		for _, table := range []string{"vuln_aliases", "advisories", "advisory_affected"} {
			if _, err := im.tx.exec(ctx, `UPDATE `+table+` SET vuln_id = ? WHERE vuln_id IN (`+in+`)`, append([]any{keep}, anys(written)...)...); err != nil {
				return 0, err
			}
		}
		if err := repointFindings(ctx, im.tx, keep, written); err != nil {
			return 0, err
		}
		if _, err := im.tx.exec(ctx, `DELETE FROM vulnerabilities WHERE id IN (`+in+`)`, anys(written)...); err != nil {
			return 0, err
		}
	}
	im.stats.Merged += len(gone)
	return keep, nil
}

// find follows merges to the identity an id now belongs to.
func (im *importer) find(v int64) int64 {
	for {
		to, ok := im.redirect[v]
		if !ok {
			return v
		}
		v = to
	}
}
