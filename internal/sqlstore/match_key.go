package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"cyra/internal/matching"
)

// Match keys are how the matcher finds the advisories of a component:
// matching.IndexKey of the OSV ecosystem and the normalised package name
// ("PyPI/jinja2"), computed in Go when components and affected packages
// are written and indexed on both sides. NULL means not computed yet,
// '' that the row cannot be matched.

// componentMatchKeys returns the match keys of a component's purl: the key
// of its package name and, for a Red Hat binary RPM built from a source
// package of another name, the key of the binary's name. Both are "" when
// the purl is missing, invalid or of a type no OSV ecosystem covers
// (pkg:generic, pkg:github, …).
func componentMatchKeys(purl string) (key, alt string) {
	if strings.TrimSpace(purl) == "" {
		return "", ""
	}
	p, err := matching.ParsePURL(purl)
	if err != nil || p.Ecosystem == "" || p.Name == "" {
		return "", ""
	}
	names := p.Names()
	key = matching.IndexKey(p.Ecosystem, names[0])
	if len(names) > 1 && names[1] != "" {
		alt = matching.IndexKey(p.Ecosystem, names[1])
	}
	return key, alt
}

// affectedMatchKey returns the match key of an advisory's affected
// package, "" when it names no ecosystem or no package.
func affectedMatchKey(eco, name string) string {
	if strings.TrimSpace(eco) == "" || strings.TrimSpace(name) == "" {
		return ""
	}
	return matching.IndexKey(eco, name)
}

// backfillBatch is how many rows one backfill transaction fills in.
const backfillBatch = 1000

// backfillMatchKeys computes the match keys of the components and affected
// packages written before migration 0005 (SQL cannot compute them). It
// works in batches, each in its own transaction, and only on rows whose
// key is NULL, so it is idempotent and resumes where an interrupted run
// stopped.
func (db *DB) backfillMatchKeys(ctx context.Context) error {
	for {
		n, err := db.backfillComponents(ctx)
		if err != nil {
			return err
		}
		if n < backfillBatch {
			break
		}
	}
	for {
		n, err := db.backfillAffected(ctx)
		if err != nil {
			return err
		}
		if n < backfillBatch {
			return nil
		}
	}
}

// backfillComponents fills one batch of components; it returns how many.
func (db *DB) backfillComponents(ctx context.Context) (int, error) {
	var n int
	err := db.update(ctx, func(tx *Tx) error {
		// Replicas migrating together take turns (they would write the
		// same values anyway).
		if err := tx.lock(ctx, lockMigrate); err != nil {
			return err
		}
		var rows []any
		err := queryEach(ctx, tx, `SELECT id, purl FROM components WHERE match_key IS NULL ORDER BY id LIMIT ?`, []any{backfillBatch},
			func(r *sql.Rows) error {
				var id int64
				var purl string
				if err := r.Scan(&id, &purl); err != nil {
					return err
				}
				key, alt := componentMatchKeys(purl)
				rows = append(rows, id, key, alt)
				return nil
			})
		if err != nil {
			return err
		}
		n = len(rows) / 3
		return updateByID(ctx, tx, "components", []string{"match_key", "match_key_alt"}, rows)
	})
	return n, err
}

// backfillAffected fills one batch of affected packages; it returns how
// many.
func (db *DB) backfillAffected(ctx context.Context) (int, error) {
	var n int
	err := db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockMigrate); err != nil {
			return err
		}
		var rows []any
		err := queryEach(ctx, tx, `SELECT id, ecosystem, name FROM advisory_affected WHERE match_key IS NULL ORDER BY id LIMIT ?`, []any{backfillBatch},
			func(r *sql.Rows) error {
				var id int64
				var eco, name string
				if err := r.Scan(&id, &eco, &name); err != nil {
					return err
				}
				rows = append(rows, id, affectedMatchKey(eco, name))
				return nil
			})
		if err != nil {
			return err
		}
		n = len(rows) / 2
		return updateByID(ctx, tx, "advisory_affected", []string{"match_key"}, rows)
	})
	return n, err
}

// updateByID sets text columns of many rows in few statements. rows holds
// an id and then a value per column for each row, flattened. It runs
// "WITH v (id, …) AS (VALUES …) UPDATE t SET … FROM v WHERE t.id = v.id",
// which both databases understand (SQLite since 3.33); the id is cast so
// that PostgreSQL compares it as a number.
func updateByID(ctx context.Context, tx *Tx, table string, cols []string, rows []any) error {
	width := 1 + len(cols)
	row := "(CAST(? AS BIGINT)" + strings.Repeat(", ?", len(cols)) + ")"
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = v." + c
	}
	per := batchRows
	for start := 0; start < len(rows); start += per * width {
		chunk := rows[start:min(start+per*width, len(rows))]
		q := `WITH v (id, ` + strings.Join(cols, ", ") + `) AS (VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)/width), ", ") +
			`) UPDATE ` + table + ` SET ` + strings.Join(set, ", ") + ` FROM v WHERE ` + table + `.id = v.id`
		if _, err := tx.exec(ctx, q, chunk...); err != nil {
			return err
		}
	}
	return nil
}
