package sqlstore

import (
	"context"
	"errors"
	"time"

	"cyra/internal/cra"
)

// The case store is being written; these stubs keep the tree building.

var errCasesPending = errors.New("case store not implemented yet")

func (db *DB) CreateReviews(ctx context.Context, rs []cra.Review, audit func(cra.Review) cra.AuditRecord) ([]cra.Review, error) {
	return nil, errCasesPending
}
func (db *DB) FindReviews(ctx context.Context, f cra.ReviewFilter) ([]cra.Review, error) {
	return nil, errCasesPending
}
func (db *DB) FindReview(ctx context.Context, id int64) (*cra.Review, error) {
	return nil, errCasesPending
}
func (db *DB) UpdateReview(ctx context.Context, id int64, fn func(r *cra.Review) (cra.AuditRecord, error)) (*cra.Review, error) {
	return nil, errCasesPending
}
func (db *DB) CreateCase(ctx context.Context, c *cra.Case, rec cra.AuditRecord) error {
	return errCasesPending
}
func (db *DB) FindCases(ctx context.Context, f cra.CaseFilter) ([]*cra.Case, error) {
	return nil, errCasesPending
}
func (db *DB) FindCase(ctx context.Context, id int64) (*cra.Case, error) { return nil, errCasesPending }
func (db *DB) UpdateCase(ctx context.Context, id int64, fn func(c *cra.Case) (cra.AuditRecord, []cra.StageRevision, error)) (*cra.Case, error) {
	return nil, errCasesPending
}
func (db *DB) StageRevisions(ctx context.Context, caseID int64) ([]cra.StageRevision, error) {
	return nil, errCasesPending
}
func (db *DB) SaveReceipt(ctx context.Context, r *cra.Receipt, data []byte) error {
	return errCasesPending
}
func (db *DB) FindReceipt(ctx context.Context, sha string) (*cra.Receipt, []byte, error) {
	return nil, nil, errCasesPending
}
func (db *DB) SaveNotice(ctx context.Context, n *cra.UserNotice, rec cra.AuditRecord) error {
	return errCasesPending
}
func (db *DB) FindNotice(ctx context.Context, caseID int64) (*cra.UserNotice, error) {
	return nil, errCasesPending
}
func (db *DB) FindReportingProfile(ctx context.Context) (*cra.ReportingProfile, error) {
	return nil, errCasesPending
}
func (db *DB) SaveReportingProfile(ctx context.Context, p *cra.ReportingProfile, rec cra.AuditRecord) error {
	return errCasesPending
}
func (db *DB) MarkReminder(ctx context.Context, key string, at time.Time) (bool, error) {
	return false, errCasesPending
}
