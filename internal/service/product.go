package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"cyra/internal/cra"
)

// ProductService implements cra.ProductService.
type ProductService struct{ *deps }

var _ cra.ProductService = (*ProductService)(nil)

// productSummary is what the audit log records of a product's description.
func productSummary(p *cra.Product) map[string]any {
	return map[string]any{"name": p.Name, "model": p.Model, "sku": p.SKU, "description": p.Description,
		"intended_purpose": p.IntendedPurpose, "foreseeable_use": p.ForeseeableUse, "foreseeable_misuse": p.ForeseeableMisuse,
		"operating_environment": p.OperatingEnvironment, "remote_data_processing": p.RemoteDataProcessing, "rdp_description": p.RDPDescription,
		"operator_role": string(p.OperatorRole), "licensing": string(p.Licensing), "member_states": strings.Join(p.MemberStates, ","),
		"team": p.Team, "lifecycle": string(p.Lifecycle)}
}

// Portfolio returns every product with its overview, the portfolio's
// readiness and the obligations calendar.
func (s *ProductService) Portfolio(ctx context.Context) (*cra.Portfolio, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	products, err := s.store.FindProducts(ctx, cra.ProductFilter{})
	if err != nil {
		return nil, err
	}
	releases, err := s.store.FindReleases(ctx, cra.ReleaseFilter{})
	if err != nil {
		return nil, err
	}
	matrices, err := s.store.FindProductMatrices(ctx)
	if err != nil {
		return nil, err
	}
	risks, err := s.store.LatestRiskAssessments(ctx)
	if err != nil {
		return nil, err
	}
	byProduct := map[int64][]*cra.Release{}
	for _, r := range releases {
		byProduct[r.ProductID] = append(byProduct[r.ProductID], r)
	}
	riskOf := map[int64]*cra.RiskAssessment{}
	for _, ra := range risks {
		riskOf[ra.ProductID] = ra
	}
	out := &cra.Portfolio{Calendar: cra.ObligationsCalendar(s.now(), products, releases, risks)}
	var sum cra.Readiness
	for _, p := range products {
		o := s.overview(p, byProduct[p.ID], matrices[p.ID], riskOf[p.ID])
		out.Products = append(out.Products, o)
		if p.Scope != nil && !p.Scope.InScope {
			continue // excluded products do not count toward readiness
		}
		sum.Total += o.Readiness.Total
		sum.Met += o.Readiness.Met
		sum.NotApplicable += o.Readiness.NotApplicable
		sum.InProgress += o.Readiness.InProgress
		sum.NotStarted += o.Readiness.NotStarted
	}
	if sum.Total > 0 {
		sum.Percent = (200*(sum.Met+sum.NotApplicable) + sum.Total) / (2 * sum.Total)
	}
	out.Readiness = sum
	return out, nil
}

// overview assembles what the pages show about one product.
func (s *ProductService) overview(p *cra.Product, releases []*cra.Release, matrix []cra.MatrixEntry, risk *cra.RiskAssessment) cra.ProductOverview {
	now := s.now()
	o := cra.ProductOverview{Product: p, Releases: releases, Readiness: cra.ComputeReadiness(cra.States(matrix)), LatestRisk: risk}
	if c := p.Classification; c != nil {
		if cat, ok := cra.LookupCategory(c.Category); ok {
			o.Category = &cat
			o.Routes, _ = cra.ConformityRoutes(cra.ConformityInput{Category: c.Category, Standards: c.Standards, FOSS: p.Licensing.FOSS(), TechDocPublic: c.TechDocPublic})
		}
	}
	if p.ReviewReason != "" {
		o.Warnings = append(o.Warnings, "Review the scope and classification: "+p.ReviewReason)
	}
	if p.Scope == nil {
		o.Warnings = append(o.Warnings, "The scope check (Art. 2) has not been done.")
	}
	if p.Classification == nil && (p.Scope == nil || p.Scope.InScope) {
		o.Warnings = append(o.Warnings, "The product has not been classified (Annex III/IV).")
	}
	if p.Scope == nil || p.Scope.InScope {
		switch {
		case risk == nil:
			o.Warnings = append(o.Warnings, "There is no risk assessment (Art. 13(2)).")
		case risk.ReviewOverdue(now):
			o.Warnings = append(o.Warnings, "The risk assessment review was due on "+risk.ReviewDue.String()+".")
		}
	}
	o.Warnings = append(o.Warnings, cra.SupportWarnings(now, p, releases)...)
	return o
}

// GetProduct returns one product's overview.
func (s *ProductService) GetProduct(ctx context.Context, id int64) (*cra.ProductOverview, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	p, err := s.store.FindProductByID(ctx, id)
	if err != nil {
		return nil, err
	}
	releases, err := s.store.FindReleases(ctx, cra.ReleaseFilter{ProductID: &id})
	if err != nil {
		return nil, err
	}
	matrix, err := s.store.FindMatrix(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	risks, err := s.store.FindRiskAssessments(ctx, id)
	if err != nil {
		return nil, err
	}
	var risk *cra.RiskAssessment
	if len(risks) > 0 {
		risk = risks[0]
	}
	o := s.overview(p, releases, matrix, risk)
	return &o, nil
}

// ProductByName finds a product by its exact name.
func (s *ProductService) ProductByName(ctx context.Context, name string) (*cra.Product, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	ps, err := s.store.FindProducts(ctx, cra.ProductFilter{Name: &name})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "No product named %q.", name)
	}
	return ps[0], nil
}

// CreateProduct adds a product.
func (s *ProductService) CreateProduct(ctx context.Context, p cra.Product) (*cra.Product, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.ID, p.Scope, p.Classification, p.ReviewReason = 0, nil, nil, ""
	p.CreatedAt, p.UpdatedAt = s.now(), s.now()
	rec := s.record(cra.ActorFrom(ctx), "product.create", "product", "", nil, productSummary(&p))
	if err := s.store.CreateProduct(ctx, &p, rec); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateProduct replaces the descriptive fields of a product.
func (s *ProductService) UpdateProduct(ctx context.Context, id int64, in cra.Product) (*cra.Product, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.store.UpdateProduct(ctx, id, func(p *cra.Product) (cra.AuditRecord, error) {
		old := *p
		before := productSummary(p)
		p.Name, p.Model, p.SKU, p.Description = in.Name, in.Model, in.SKU, in.Description
		p.IntendedPurpose, p.ForeseeableUse, p.ForeseeableMisuse, p.OperatingEnvironment = in.IntendedPurpose, in.ForeseeableUse, in.ForeseeableMisuse, in.OperatingEnvironment
		p.RemoteDataProcessing, p.RDPDescription = in.RemoteDataProcessing, in.RDPDescription
		p.OperatorRole, p.Licensing, p.MemberStates, p.Team, p.Lifecycle = in.OperatorRole, in.Licensing, in.MemberStates, in.Team, in.Lifecycle
		b, a := diff(before, productSummary(p))
		if len(a) == 0 {
			return cra.AuditRecord{}, nil
		}
		if why := p.ReviewTrigger(&old); why != "" {
			p.ReviewReason = why
			a["review_reason"] = why
		}
		p.UpdatedAt = s.now()
		return s.record(cra.ActorFrom(ctx), "product.update", "product", itoa(p.ID), b, a), nil
	})
}

// DecideScope records the scope questionnaire's answers and outcome.
func (s *ProductService) DecideScope(ctx context.Context, id int64, answers cra.ScopeAnswers) (*cra.Product, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	res, err := cra.EvaluateScope(answers)
	if err != nil {
		return nil, prefixFields(err, "answers")
	}
	if !res.Complete {
		f := map[string]string{}
		for _, id := range res.Unanswered {
			f["answers."+id] = "Answer this question."
		}
		return nil, &cra.Error{Code: cra.EINVALID, Message: "Answer every scope question.", Fields: f}
	}
	a := cra.ActorFrom(ctx)
	return s.store.UpdateProduct(ctx, id, func(p *cra.Product) (cra.AuditRecord, error) {
		var before map[string]any
		if p.Scope != nil {
			before = map[string]any{"in_scope": p.Scope.InScope, "summary": p.Scope.Summary}
		}
		p.Scope = &cra.ScopeDecision{Answers: maps.Clone(answers), InScope: res.InScope, Summary: res.Summary, DecidedBy: a.Label(), DecidedAt: s.now()}
		p.ReviewReason, p.UpdatedAt = "", s.now()
		return s.record(a, "product.scope", "product", itoa(p.ID), before, map[string]any{"in_scope": res.InScope, "summary": res.Summary, "answers": answerWords(answers)}), nil
	})
}

// answerWords renders answers for the audit log in question order.
func answerWords(a cra.ScopeAnswers) string {
	var parts []string
	for _, q := range cra.ScopeQuestions {
		parts = append(parts, fmt.Sprintf("%s=%s", q.ID, yesNo(a[q.ID])))
	}
	return strings.Join(parts, " ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Classify records the product's category and conformity inputs.
func (s *ProductService) Classify(ctx context.Context, id int64, c cra.Classification) (*cra.Product, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	f := map[string]string{}
	cat, ok := cra.LookupCategory(c.Category)
	if !ok {
		f["category"] = fmt.Sprintf("Unknown category %q; use default or an Annex III/IV code such as I-12, II-2 or C-3.", c.Category)
	}
	c.Rationale = strings.TrimSpace(c.Rationale)
	switch {
	case c.Rationale == "":
		f["rationale"] = "Explain why the product does (or does not) have the core functionality of the category (Art. 7(1), Reg. (EU) 2025/2392)."
	case utf8.RuneCountInString(c.Rationale) > 20000:
		f["rationale"] = "Must be at most 20000 characters."
	}
	if c.Standards == "" {
		c.Standards = cra.StandardsNone
	}
	if !slices.Contains([]cra.StandardsApplication{cra.StandardsFull, cra.StandardsPartial, cra.StandardsNone}, c.Standards) {
		f["standards"] = "Choose full, partial or none."
	}
	if err := cra.Invalid(f); err != nil {
		return nil, err
	}
	c.Category = cat.Code
	a := cra.ActorFrom(ctx)
	return s.store.UpdateProduct(ctx, id, func(p *cra.Product) (cra.AuditRecord, error) {
		if c.TechDocPublic && !p.Licensing.FOSS() {
			return cra.AuditRecord{}, &cra.Error{Code: cra.EINVALID, Message: "The public-documentation route (Art. 32(5)) is for free and open-source products only.",
				Fields: map[string]string{"tech_doc_public": "Only for free and open-source products."}}
		}
		var before map[string]any
		if old := p.Classification; old != nil {
			before = map[string]any{"category": old.Category, "standards": string(old.Standards), "tech_doc_public": old.TechDocPublic}
		}
		c.DecidedBy, c.DecidedAt = a.Label(), s.now()
		cc := c
		p.Classification, p.ReviewReason, p.UpdatedAt = &cc, "", s.now()
		return s.record(a, "product.classify", "product", itoa(p.ID), before, map[string]any{"category": c.Category, "class": string(cat.Class),
			"standards": string(c.Standards), "tech_doc_public": c.TechDocPublic, "rationale": c.Rationale}), nil
	})
}
