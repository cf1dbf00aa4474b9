package sqlstore

import (
	"context"
	"strconv"
)

// OpenFindingKeys returns the distinct match keys of open findings.
func (db *DB) OpenFindingKeys(ctx context.Context) ([]string, error) {
	return db.queryStrings(ctx, `SELECT DISTINCT match_key FROM findings WHERE resolved_at IS NULL ORDER BY match_key`)
}

// AdvisoryGeneration returns the advisory generation: a counter every
// import that writes advisories increments in its transaction.
func (db *DB) AdvisoryGeneration(ctx context.Context) (string, error) {
	var n int64
	err := db.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT n FROM advisory_generation`).Scan(&n)
	})
	return strconv.FormatInt(n, 10), err
}
