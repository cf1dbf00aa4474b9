package sqlstore

import "context"

// OpenFindingKeys returns the distinct match keys of open findings.
func (db *DB) OpenFindingKeys(ctx context.Context) ([]string, error) {
	return db.queryStrings(ctx, `SELECT DISTINCT match_key FROM findings WHERE resolved_at IS NULL ORDER BY match_key`)
}
