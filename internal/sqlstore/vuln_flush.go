package sqlstore

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"time"

	"cyra/internal/cra"
)

// flush writes the importer's pending rows in multi-row INSERTs, parents
// first. New identities get their final key and sort time from what the
// importer gathered, so they need no UPDATE afterwards.
func (im *importer) flush(ctx context.Context) error {
	var err error
	insert := func(table, cols string, ncols int, args []any) {
		if err == nil && len(args) > 0 {
			_, err = im.tx.exec(ctx, `INSERT INTO `+table+` (`+cols+`) VALUES `+valuesRows(len(args)/ncols, ncols), args...)
		}
	}
	for chunk := range slices.Chunk(slices.Sorted(maps.Keys(im.pendVulns)), batchRows) {
		args := make([]any, 0, 5*len(chunk))
		for _, id := range chunk {
			agg := im.pendVulns[id]
			args = append(args, id, cra.VulnKey(agg.aliases), dbTime(agg.latest), im.now, im.now)
		}
		insert("vulnerabilities", "id, vuln_key, sort_at, created_at, updated_at", 5, args)
	}
	for chunk := range slices.Chunk(im.pendAliases, batchRows) {
		args := make([]any, 0, 2*len(chunk))
		for _, a := range chunk {
			args = append(args, a.alias, im.find(a.vuln))
		}
		insert("vuln_aliases", "alias, vuln_id", 2, args)
	}
	// Advisories carry their Raw documents: fewer to a statement.
	for chunk := range slices.Chunk(im.pendAdvs, 50) {
		args := make([]any, 0, 21*len(chunk))
		for _, p := range chunk {
			args = append(append(append(args, p.id, string(p.a.Source), p.a.ID, im.find(p.vuln)), p.fields...), im.now, im.now)
		}
		insert("advisories", "id, source, source_id, vuln_id, "+advisoryFieldColumns+", imported_at, updated_at", 21, args)
	}
	for chunk := range slices.Chunk(im.pendAffected, batchRows) {
		args := make([]any, 0, affectedColumnCount*len(chunk))
		for _, p := range chunk {
			vals, verr := affectedValues(p.advisory, im.find(p.vuln), p.af)
			if verr != nil {
				return verr
			}
			args = append(args, vals...)
		}
		insert("advisory_affected", affectedColumns, affectedColumnCount, args)
	}
	clear(im.pendVulns)
	clear(im.pendingAdv)
	im.pendAliases, im.pendAdvs, im.pendAffected = im.pendAliases[:0], im.pendAdvs[:0], im.pendAffected[:0]
	return err
}

// finish recomputes the key (cra.VulnKey over all its aliases) and sort
// time of every written identity that the import changed, and updates
// their updated_at: one UPDATE per chunk of identities, plus one per
// identity whose key or sort time moved.
func (im *importer) finish(ctx context.Context) error {
	ids := make([]int64, 0, len(im.dirty))
	for v := range im.dirty {
		ids = append(ids, im.find(v))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for chunk := range slices.Chunk(ids, inBatch) {
		in, args := placeholders(len(chunk)), anys(chunk)
		type state struct {
			key, sortAt string
			aliases     []string
			latest      time.Time
		}
		cur := map[int64]*state{}
		for _, v := range chunk {
			cur[v] = &state{}
		}
		err := queryEach(ctx, im.tx, `SELECT id, vuln_key, sort_at FROM vulnerabilities WHERE id IN (`+in+`)`, args, func(rows *sql.Rows) error {
			var v int64
			var key string
			var sortAt scanTime
			err := rows.Scan(&v, &key, &sortAt)
			cur[v].key, cur[v].sortAt = key, dbTime(sortAt.T)
			return err
		})
		if err != nil {
			return err
		}
		err = queryEach(ctx, im.tx, `SELECT vuln_id, alias FROM vuln_aliases WHERE vuln_id IN (`+in+`)`, args, func(rows *sql.Rows) error {
			var v int64
			var a string
			err := rows.Scan(&v, &a)
			cur[v].aliases = append(cur[v].aliases, a)
			return err
		})
		if err != nil {
			return err
		}
		err = queryEach(ctx, im.tx, `SELECT vuln_id, published, modified FROM advisories WHERE vuln_id IN (`+in+`)`, args, func(rows *sql.Rows) error {
			var v int64
			var published, modified scanTime
			if err := rows.Scan(&v, &published, &modified); err != nil {
				return err
			}
			for _, t := range []scanTime{published, modified} {
				if t.Valid && t.T.After(cur[v].latest) {
					cur[v].latest = t.T
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, v := range chunk {
			s := cur[v]
			key, sortAt := cra.VulnKey(s.aliases), dbTime(s.latest)
			if key == s.key && sortAt == s.sortAt {
				continue
			}
			if err := im.exec(ctx, `UPDATE vulnerabilities SET vuln_key = ?, sort_at = ? WHERE id = ?`, key, sortAt, v); err != nil {
				return err
			}
		}
		if _, err := im.tx.exec(ctx, `UPDATE vulnerabilities SET updated_at = ? WHERE id IN (`+in+`)`, append([]any{im.now}, args...)...); err != nil {
			return err
		}
	}
	return nil
}

// exec runs a statement that the import repeats, prepared once.
func (im *importer) exec(ctx context.Context, q string, args ...any) error {
	st, ok := im.stmts[q]
	if !ok {
		var err error
		if st, err = im.tx.tx.PrepareContext(ctx, im.tx.dialect.rebind(q)); err != nil {
			return err
		}
		im.stmts[q] = st
	}
	_, err := st.ExecContext(ctx, args...)
	return err
}

func (im *importer) close() {
	for _, st := range im.stmts {
		st.Close()
	}
}

// idAlloc hands out row ids for a table whose rows the importer writes in
// multi-row INSERTs. PostgreSQL takes them from the table's sequence, a
// batch per round trip; SQLite continues after the highest id, which is
// safe because its single writer holds the lock for the transaction.
// Either way ids only grow, which merge relies on.
type idAlloc struct {
	table string
	batch int
	free  []int64
	next  int64
}

func (a *idAlloc) take(ctx context.Context, tx *Tx) (int64, error) {
	if tx.dialect == postgres {
		if len(a.free) == 0 {
			err := queryEach(ctx, tx, `SELECT nextval(pg_get_serial_sequence('`+a.table+`', 'id')) FROM generate_series(1, ?)`,
				[]any{max(a.batch, 1)}, func(rows *sql.Rows) error {
					var id int64
					err := rows.Scan(&id)
					a.free = append(a.free, id)
					return err
				})
			if err != nil {
				return 0, err
			}
			slices.Sort(a.free)
		}
		id := a.free[0]
		a.free = a.free[1:]
		return id, nil
	}
	if a.next == 0 {
		var top int64
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+a.table).Scan(&top); err != nil {
			return 0, err
		}
		a.next = top + 1
	}
	a.next++
	return a.next - 1, nil
}
