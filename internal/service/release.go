package service

import (
	"context"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// releaseSummary is what the audit log records of a release.
func releaseSummary(r *cra.Release) map[string]any {
	var comps []string
	for _, c := range r.Components {
		comps = append(comps, itoa(c.ReleaseID))
	}
	return map[string]any{"version": r.Version, "release_date": r.ReleaseDate.String(), "placed_on_market": r.PlacedOnMarket.String(),
		"substantial_modification": r.SubstantialModification, "modification_reason": r.ModificationReason, "security_update": r.SecurityUpdate,
		"support_end": r.SupportEnd.String(), "short_support_justification": r.ShortSupportJustification, "status": string(r.Status),
		"components": strings.Join(comps, ",")}
}

// ListReleases lists a product's releases, newest first.
func (s *ProductService) ListReleases(ctx context.Context, productID int64) ([]*cra.Release, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	if _, err := s.store.FindProductByID(ctx, productID); err != nil {
		return nil, err
	}
	return s.store.FindReleases(ctx, cra.ReleaseFilter{ProductID: &productID})
}

// GetRelease returns one release.
func (s *ProductService) GetRelease(ctx context.Context, id int64) (*cra.Release, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	return s.store.FindReleaseByID(ctx, id)
}

// componentIDs returns the component release ids, deduplicated in order.
func componentIDs(refs []cra.ReleaseRef) []cra.ReleaseRef {
	var out []cra.ReleaseRef
	var seen []int64
	for _, c := range refs {
		if !slices.Contains(seen, c.ReleaseID) {
			seen = append(seen, c.ReleaseID)
			out = append(out, cra.ReleaseRef{ReleaseID: c.ReleaseID})
		}
	}
	return out
}

// CreateRelease adds a version to a product.
func (s *ProductService) CreateRelease(ctx context.Context, productID int64, r cra.Release) (*cra.Release, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	p, err := s.store.FindProductByID(ctx, productID)
	if err != nil {
		return nil, err
	}
	r.ID, r.ProductID, r.ProductName = 0, p.ID, p.Name
	r.Components = componentIDs(r.Components)
	r.CreatedAt, r.UpdatedAt = s.now(), s.now()
	rec := s.record(cra.ActorFrom(ctx), "release.create", "release", "", nil, releaseSummary(&r))
	rec.After["product"] = p.Name
	if err := s.store.CreateRelease(ctx, &r, rec); err != nil {
		return nil, err
	}
	return &r, nil
}

// UpdateRelease replaces a release's fields and components.
func (s *ProductService) UpdateRelease(ctx context.Context, id int64, in cra.Release) (*cra.Release, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	in.Components = componentIDs(in.Components)
	return s.store.UpdateRelease(ctx, id, func(r *cra.Release) (cra.AuditRecord, error) {
		before, loaded := releaseSummary(r), r.Components
		r.Version, r.ReleaseDate, r.PlacedOnMarket, r.Status = in.Version, in.ReleaseDate, in.PlacedOnMarket, in.Status
		r.SubstantialModification, r.ModificationReason, r.SecurityUpdate = in.SubstantialModification, in.ModificationReason, in.SecurityUpdate
		r.SupportEnd, r.ShortSupportJustification, r.Components = in.SupportEnd, in.ShortSupportJustification, in.Components
		b, a := diff(before, releaseSummary(r))
		if len(a) == 0 {
			r.Components = loaded // unchanged: keep the names the store loaded
			return cra.AuditRecord{}, nil
		}
		r.UpdatedAt = s.now()
		a["product"] = r.ProductName
		return s.record(cra.ActorFrom(ctx), "release.update", "release", itoa(r.ID), b, a), nil
	})
}
