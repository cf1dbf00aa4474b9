package sqlstore

import (
	"context"
	"time"

	"cyra/internal/cra"
)

// The findings store is being written; until then its methods refuse, so
// that the rest of the tree builds against the new cra.FindingStore.

func notYet() error { return cra.Errorf(cra.ENOTIMPLEMENTED, "Findings are not stored yet.") }

// MatchComponents is not implemented yet.
func (db *DB) MatchComponents(ctx context.Context, f cra.MatchComponentFilter) ([]cra.MatchComponent, error) {
	return nil, notYet()
}

// AffectedEntries is not implemented yet.
func (db *DB) AffectedEntries(ctx context.Context, keys []string) ([]cra.AffectedEntry, error) {
	return nil, notYet()
}

// VulnSummaries is not implemented yet.
func (db *DB) VulnSummaries(ctx context.Context, ids []int64) ([]cra.VulnSummary, error) {
	return nil, notYet()
}

// SaveFindings is not implemented yet.
func (db *DB) SaveFindings(ctx context.Context, scope cra.FindingScope, found []cra.FindingMatch, facts map[int64]cra.VulnFacts, at time.Time) (cra.FindingChanges, error) {
	return cra.FindingChanges{}, notYet()
}

// RefreshFindingFacts is not implemented yet.
func (db *DB) RefreshFindingFacts(ctx context.Context, facts []cra.VulnFacts) (int, error) {
	return 0, notYet()
}

// FindingVulnIDs is not implemented yet.
func (db *DB) FindingVulnIDs(ctx context.Context) ([]int64, error) { return nil, notYet() }

// FindFindings is not implemented yet.
func (db *DB) FindFindings(ctx context.Context, f cra.FindingFilter) ([]cra.Finding, int, error) {
	return nil, 0, notYet()
}

// FindFinding is not implemented yet.
func (db *DB) FindFinding(ctx context.Context, id int64) (*cra.Finding, error) { return nil, notYet() }

// SaveTriage is not implemented yet.
func (db *DB) SaveTriage(ctx context.Context, t *cra.Triage, rec cra.AuditRecord) error { return notYet() }

// TriageHistory is not implemented yet.
func (db *DB) TriageHistory(ctx context.Context, findingID int64) ([]cra.Triage, error) {
	return nil, notYet()
}

// ExposureAt is not implemented yet.
func (db *DB) ExposureAt(ctx context.Context, now time.Time) (*cra.Exposure, error) { return nil, notYet() }

// SaveExposurePoint is not implemented yet.
func (db *DB) SaveExposurePoint(ctx context.Context, p cra.ExposurePoint) error { return notYet() }

// ExposureTrend is not implemented yet.
func (db *DB) ExposureTrend(ctx context.Context, since cra.Date) ([]cra.ExposurePoint, error) {
	return nil, notYet()
}
