package sqlstore

import "context"

// OpenFindingKeys returns the distinct match keys of open findings.
func (db *DB) OpenFindingKeys(ctx context.Context) ([]string, error) {
	return db.queryStrings(ctx, `SELECT DISTINCT match_key FROM findings WHERE resolved_at IS NULL ORDER BY match_key`)
}

// AdvisoryGeneration returns when an advisory was last written (an
// indexed MAX), "" when none is stored.
func (db *DB) AdvisoryGeneration(ctx context.Context) (string, error) {
	var t scanTime
	err := db.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT MAX(updated_at) FROM advisories`).Scan(&t)
	})
	if err != nil || !t.Valid {
		return "", err
	}
	return dbTime(t.T), nil
}
