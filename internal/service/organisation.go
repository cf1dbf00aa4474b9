package service

import (
	"context"

	"cyra/internal/cra"
)

// OrganisationService implements cra.OrganisationService.
type OrganisationService struct{ *deps }

var _ cra.OrganisationService = (*OrganisationService)(nil)

func orgSummary(o *cra.Organisation) map[string]any {
	return map[string]any{"legal_name": o.LegalName, "postal_address": o.PostalAddress, "contact_email": o.ContactEmail,
		"website": o.Website, "member_state": o.MemberState}
}

// GetOrganisation returns the organisation.
func (s *OrganisationService) GetOrganisation(ctx context.Context) (*cra.Organisation, error) {
	if err := cra.Authorize(ctx, cra.PermOrgRead); err != nil {
		return nil, err
	}
	return s.store.FindOrganisation(ctx)
}

// UpdateOrganisation replaces the organisation's details.
func (s *OrganisationService) UpdateOrganisation(ctx context.Context, o cra.Organisation) (*cra.Organisation, error) {
	if err := cra.Authorize(ctx, cra.PermOrgWrite); err != nil {
		return nil, err
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var saved *cra.Organisation
	err := s.store.UpdateOrganisation(ctx, func(cur *cra.Organisation) (*cra.Organisation, cra.AuditRecord, error) {
		before, action := map[string]any{}, "organisation.create"
		if cur != nil {
			before, action = orgSummary(cur), "organisation.update"
		}
		b, a := diff(before, orgSummary(&o))
		if len(a) == 0 {
			saved = cur
			return cur, cra.AuditRecord{}, nil // nothing changed: no write, no entry
		}
		o.UpdatedAt = s.now()
		saved = &o
		return &o, s.record(cra.ActorFrom(ctx), action, "organisation", "1", b, a), nil
	})
	if err != nil {
		return nil, err
	}
	return saved, nil
}
