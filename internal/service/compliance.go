package service

import (
	"context"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// ComplianceService implements cra.ComplianceService.
type ComplianceService struct{ *deps }

var _ cra.ComplianceService = (*ComplianceService)(nil)

// releaseOf checks that a release belongs to a product (0 means none).
func (s *ComplianceService) releaseOf(ctx context.Context, productID, releaseID int64) error {
	if _, err := s.store.FindProductByID(ctx, productID); err != nil {
		return err
	}
	if releaseID == 0 {
		return nil
	}
	r, err := s.store.FindReleaseByID(ctx, releaseID)
	if err != nil {
		return err
	}
	if r.ProductID != productID {
		return cra.Errorf(cra.ENOTFOUND, "Release %d is not a release of product %d.", releaseID, productID)
	}
	return nil
}

// Matrix returns the effective matrix of a product or of a release (the
// product's rows with the release's overrides).
func (s *ComplianceService) Matrix(ctx context.Context, productID, releaseID int64) (*cra.MatrixView, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	if err := s.releaseOf(ctx, productID, releaseID); err != nil {
		return nil, err
	}
	product, err := s.store.FindMatrix(ctx, productID, 0)
	if err != nil {
		return nil, err
	}
	v := &cra.MatrixView{ProductID: productID, ReleaseID: releaseID, Overridden: map[string]bool{}}
	// A release overrides a requirement only where it has a stated
	// state; evidence attached to the release without one (or left after
	// the override was cleared) is shown on the product's row instead of
	// hiding it.
	var overrides []cra.MatrixEntry
	loose := map[string][]cra.Evidence{}
	if releaseID != 0 {
		release, err := s.store.FindMatrix(ctx, productID, releaseID)
		if err != nil {
			return nil, err
		}
		for _, e := range release {
			if e.UpdatedBy != "" {
				v.Overridden[e.RequirementID] = true
				overrides = append(overrides, e)
			} else {
				loose[e.RequirementID] = e.Evidence
			}
		}
	}
	v.Rows = cra.EffectiveMatrix(product, overrides)
	for i := range v.Rows {
		if ev := loose[v.Rows[i].RequirementID]; len(ev) > 0 {
			v.Rows[i].Evidence = append(slices.Clip(v.Rows[i].Evidence), ev...)
		}
	}
	v.Readiness = cra.ComputeReadiness(cra.States(v.Rows))
	return v, nil
}

func stateSummary(st cra.RequirementState) map[string]any {
	return map[string]any{"status": string(st.Status), "justification": st.Justification, "how_met": st.HowMet,
		"test_refs": st.TestRefs, "standard_clause": st.StandardClause}
}

// SetRequirement records the state of one Annex I requirement for a
// product, or as a release's override.
func (s *ComplianceService) SetRequirement(ctx context.Context, productID, releaseID int64, st cra.RequirementState) (*cra.MatrixEntry, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	st.Justification, st.HowMet = strings.TrimSpace(st.Justification), strings.TrimSpace(st.HowMet)
	st.TestRefs, st.StandardClause = strings.TrimSpace(st.TestRefs), strings.TrimSpace(st.StandardClause)
	if err := st.Validate(); err != nil {
		return nil, err
	}
	if err := s.releaseOf(ctx, productID, releaseID); err != nil {
		return nil, err
	}
	a := cra.ActorFrom(ctx)
	e := &cra.MatrixEntry{ProductID: productID, ReleaseID: releaseID, RequirementState: st, UpdatedBy: a.Label(), UpdatedAt: s.now()}
	objType, objID := "product", itoa(productID)
	if releaseID != 0 {
		objType, objID = "release", itoa(releaseID)
	}
	after := stateSummary(st)
	after["requirement"] = st.RequirementID
	if err := s.store.SaveMatrixEntry(ctx, e, s.record(a, "requirement.update", objType, objID, nil, after)); err != nil {
		return nil, err
	}
	return e, nil
}

// ClearOverride makes a release follow the product's row again.
func (s *ComplianceService) ClearOverride(ctx context.Context, releaseID int64, requirementID string) error {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return err
	}
	req, ok := cra.LookupRequirement(requirementID)
	if !ok {
		return cra.Errorf(cra.ENOTFOUND, "Unknown Annex I requirement %q.", requirementID)
	}
	requirementID = req.ID
	return s.store.DeleteMatrixEntry(ctx, releaseID, requirementID, s.record(cra.ActorFrom(ctx), "requirement.clear_override", "release",
		itoa(releaseID), nil, map[string]any{"requirement": requirementID}))
}

// AddEvidence attaches a link or a file to a requirement.
func (s *ComplianceService) AddEvidence(ctx context.Context, productID int64, n cra.NewEvidence) (*cra.Evidence, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := s.releaseOf(ctx, productID, n.ReleaseID); err != nil {
		return nil, err
	}
	a := cra.ActorFrom(ctx)
	e := &cra.Evidence{ProductID: productID, ReleaseID: n.ReleaseID, RequirementID: n.RequirementID, Kind: cra.EvidenceLink,
		URL: n.URL, Note: n.Note, AddedBy: a.Label(), AddedAt: s.now()}
	if n.Data != nil {
		e.Kind, e.FileName, e.ContentType = cra.EvidenceFile, n.FileName, n.ContentType
		if e.ContentType == "" {
			e.ContentType = "application/octet-stream"
		}
	}
	after := map[string]any{"requirement": n.RequirementID, "kind": string(e.Kind), "url": e.URL, "file": e.FileName, "note": e.Note}
	rec := s.record(a, "evidence.add", "evidence", "", nil, after)
	if err := s.store.AddEvidence(ctx, e, n.Data, rec); err != nil {
		return nil, err
	}
	return e, nil
}

// Evidence returns one piece of evidence without its content.
func (s *ComplianceService) Evidence(ctx context.Context, id int64) (*cra.Evidence, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	return s.store.FindEvidence(ctx, id)
}

// EvidenceFile returns an evidence file's metadata and content.
func (s *ComplianceService) EvidenceFile(ctx context.Context, id int64) (*cra.Evidence, []byte, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, nil, err
	}
	e, err := s.store.FindEvidence(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if e.Kind != cra.EvidenceFile {
		return e, nil, nil
	}
	data, err := s.store.EvidenceData(ctx, e.SHA256)
	return e, data, err
}

// DeleteEvidence removes evidence added by mistake; the audit log keeps
// its hash.
func (s *ComplianceService) DeleteEvidence(ctx context.Context, id int64) error {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return err
	}
	e, err := s.store.FindEvidence(ctx, id)
	if err != nil {
		return err
	}
	return s.store.DeleteEvidence(ctx, id, s.record(cra.ActorFrom(ctx), "evidence.delete", "evidence", itoa(id),
		map[string]any{"requirement": e.RequirementID, "kind": string(e.Kind), "url": e.URL, "file": e.FileName, "sha256": e.SHA256}, nil))
}

// SaveRiskAssessment stores a new version of a product's risk assessment.
func (s *ComplianceService) SaveRiskAssessment(ctx context.Context, productID int64, ra cra.RiskAssessment) (*cra.RiskAssessment, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	if err := ra.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.store.FindProductByID(ctx, productID); err != nil {
		return nil, err
	}
	a := cra.ActorFrom(ctx)
	ra.ProductID, ra.CreatedBy, ra.CreatedAt = productID, a.Label(), s.now()
	high := 0
	for _, t := range ra.Threats {
		if t.RiskLevel() == "high" {
			high++
		}
	}
	rec := s.record(a, "risk_assessment.create", "product", itoa(productID), nil, map[string]any{"assets": len(ra.Assets),
		"threats": len(ra.Threats), "high_risks": high, "reviewed_on": ra.ReviewedOn.String(), "review_due": ra.ReviewDue.String()})
	if err := s.store.SaveRiskAssessment(ctx, &ra, rec); err != nil {
		return nil, err
	}
	return &ra, nil
}

// RiskAssessments returns a product's assessment versions, newest first.
func (s *ComplianceService) RiskAssessments(ctx context.Context, productID int64) ([]*cra.RiskAssessment, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	if _, err := s.store.FindProductByID(ctx, productID); err != nil {
		return nil, err
	}
	return s.store.FindRiskAssessments(ctx, productID)
}
