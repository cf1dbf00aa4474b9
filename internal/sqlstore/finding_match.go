package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"cyra/internal/cra"
)

// matchComponentColumns are what MatchComponents reads, from components c
// joined with releases r.
const matchComponentColumns = `c.id, c.release_id, r.product_id, c.sbom_id, c.ref, c.name, c.version, c.purl, c.direct, c.match_key, c.match_key_alt, c.dep_path`

// MatchComponents returns the components of the releases' current SBOMs
// (the components table holds only those: SaveSBOM replaces a release's
// rows) that have a match key, selected by release and/or by match key
// (either of a component's two), in id order.
func (db *DB) MatchComponents(ctx context.Context, f cra.MatchComponentFilter) ([]cra.MatchComponent, error) {
	if len(f.ReleaseIDs) == 0 && len(f.MatchKeys) == 0 {
		return nil, cra.Errorf(cra.EINVALID, "Select the components to match by release or by match key.")
	}
	releases, keys := dedupe(f.ReleaseIDs), dedupe(f.MatchKeys)
	seen := map[int64]bool{}
	var out []cra.MatchComponent
	err := db.view(ctx, func(tx *Tx) error {
		read := func(where string, args []any) error {
			return queryEach(ctx, tx, `SELECT `+matchComponentColumns+` FROM components c JOIN releases r ON r.id = c.release_id
				WHERE c.match_key <> '' AND `+where+` ORDER BY c.id`, args, func(rows *sql.Rows) error {
				var c cra.MatchComponent
				var direct int
				var key, alt, path sql.NullString
				if err := rows.Scan(&c.ComponentID, &c.ReleaseID, &c.ProductID, &c.SBOMID, &c.Ref, &c.Name, &c.Version, &c.PURL,
					&direct, &key, &alt, &path); err != nil {
					return err
				}
				if path.Valid {
					c.PathKnown = true
					if path.String != "" {
						if err := json.Unmarshal([]byte(path.String), &c.Path); err != nil {
							return fmt.Errorf("component %d: dep_path: %w", c.ComponentID, err)
						}
					}
				}
				if seen[c.ComponentID] {
					return nil
				}
				seen[c.ComponentID] = true
				c.Direct, c.MatchKeys = direct == 1, matchKeyList(key, alt)
				out = append(out, c)
				return nil
			})
		}
		byKey := func(ks []string) (string, []any) {
			in := placeholders(len(ks))
			return `(c.match_key IN (` + in + `) OR c.match_key_alt IN (` + in + `))`, append(anys(ks), anys(ks)...)
		}
		switch {
		case len(keys) == 0:
			for rs := range slices.Chunk(releases, inBatch) {
				if err := read(`c.release_id IN (`+placeholders(len(rs))+`)`, anys(rs)); err != nil {
					return err
				}
			}
		case len(releases) == 0:
			for ks := range slices.Chunk(keys, inBatch/2) {
				if err := read(byKey(ks)); err != nil {
					return err
				}
			}
		default:
			for rs := range slices.Chunk(releases, inBatch/2) {
				for ks := range slices.Chunk(keys, inBatch/2) {
					cond, args := byKey(ks)
					if err := read(`c.release_id IN (`+placeholders(len(rs))+`) AND `+cond, append(anys(rs), args...)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Chunks each come in id order; the whole should too.
	slices.SortFunc(out, func(a, b cra.MatchComponent) int { return cmp.Compare(a.ComponentID, b.ComponentID) })
	return out, nil
}

// matchKeyList returns the non-empty keys of a component.
func matchKeyList(key, alt sql.NullString) []string {
	var out []string
	for _, k := range []sql.NullString{key, alt} {
		if k.Valid && k.String != "" {
			out = append(out, k.String)
		}
	}
	return out
}

// dedupe returns xs sorted without repeats.
func dedupe[T int64 | string](xs []T) []T {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// AffectedEntries returns every affected package of a stored advisory
// whose match key is one of keys, withdrawn advisories included (flagged),
// with ranges and versions as published, in row order.
func (db *DB) AffectedEntries(ctx context.Context, keys []string) ([]cra.AffectedEntry, error) {
	var out []cra.AffectedEntry
	err := db.view(ctx, func(tx *Tx) error {
		for ks := range slices.Chunk(dedupe(keys), inBatch) {
			err := queryEach(ctx, tx, `SELECT af.vuln_id, af.advisory_id, a.source, a.source_id, CASE WHEN a.withdrawn IS NULL THEN 0 ELSE 1 END,
				af.match_key, af.ecosystem, af.name, af.purl, af.ranges_json, af.versions_json, af.symbols_json
				FROM advisory_affected af JOIN advisories a ON a.id = af.advisory_id
				WHERE af.match_key IN (`+placeholders(len(ks))+`) ORDER BY af.id`, anys(ks), func(rows *sql.Rows) error {
				var e cra.AffectedEntry
				var withdrawn int
				var ranges, versions, symbols string
				if err := rows.Scan(&e.VulnID, &e.AdvisoryID, &e.Source, &e.SourceID, &withdrawn, &e.MatchKey, &e.Affected.Ecosystem,
					&e.Affected.Name, &e.Affected.PURL, &ranges, &versions, &symbols); err != nil {
					return err
				}
				e.Withdrawn = withdrawn == 1
				for _, err := range []error{decodeList(ranges, &e.Affected.Ranges), decodeList(versions, &e.Affected.Versions),
					decodeList(symbols, &e.Affected.Symbols)} {
					if err != nil {
						return err
					}
				}
				out = append(out, e)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VulnSummaries returns the summaries of the given identities in the
// order given, without repeats, leaving out those that no longer exist
// (merged away since the caller read them).
func (db *DB) VulnSummaries(ctx context.Context, ids []int64) ([]cra.VulnSummary, error) {
	var out []cra.VulnSummary
	err := db.view(ctx, func(tx *Tx) error {
		exists := map[int64]bool{}
		for chunk := range slices.Chunk(dedupe(ids), inBatch) {
			err := queryEach(ctx, tx, `SELECT id FROM vulnerabilities WHERE id IN (`+placeholders(len(chunk))+`)`, anys(chunk),
				func(rows *sql.Rows) error {
					var id int64
					err := rows.Scan(&id)
					exists[id] = true
					return err
				})
			if err != nil {
				return err
			}
		}
		var keep []int64
		for _, id := range ids {
			if exists[id] {
				keep = append(keep, id)
				delete(exists, id)
			}
		}
		for chunk := range slices.Chunk(keep, inBatch) {
			s, err := loadSummaries(ctx, tx, chunk, false) // findings carry no package list
			if err != nil {
				return err
			}
			out = append(out, s...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
