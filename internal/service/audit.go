package service

import (
	"context"
	"errors"

	"cyra/internal/cra"
)

// AuditService implements cra.AuditService.
type AuditService struct{ *deps }

var _ cra.AuditService = (*AuditService)(nil)

// ListAudit returns audit entries, newest first.
func (s *AuditService) ListAudit(ctx context.Context, f cra.AuditFilter) ([]cra.AuditEntry, error) {
	if err := cra.Authorize(ctx, cra.PermAuditRead); err != nil {
		return nil, err
	}
	return s.store.FindAuditEntries(ctx, f)
}

// VerifyAudit recomputes the whole hash chain and reports the first entry
// that does not hold.
func (s *AuditService) VerifyAudit(ctx context.Context) (*cra.AuditVerification, error) {
	if err := cra.Authorize(ctx, cra.PermAuditRead); err != nil {
		return nil, err
	}
	var v cra.AuditVerifier
	err := s.store.WalkAudit(ctx, v.Next)
	res := &cra.AuditVerification{Entries: v.Count()}
	if h := v.Head(); h != nil {
		res.HeadHash = h.Hash
	}
	var br *cra.AuditBreak
	switch {
	case errors.As(err, &br):
		res.Broken = br
	case err != nil:
		return nil, err
	default:
		res.Intact = true
	}
	return res, nil
}
