package api

import (
	"time"

	"cyra/internal/cra"
)

// ProductInput is the descriptive part of a product, as clients send it.
type ProductInput struct {
	Name                 string           `json:"name"`
	Model                string           `json:"model"`
	SKU                  string           `json:"sku"`
	Description          string           `json:"description"`
	IntendedPurpose      string           `json:"intended_purpose"`
	ForeseeableUse       string           `json:"foreseeable_use"`
	ForeseeableMisuse    string           `json:"foreseeable_misuse"`
	OperatingEnvironment string           `json:"operating_environment"`
	RemoteDataProcessing bool             `json:"remote_data_processing"`
	RDPDescription       string           `json:"rdp_description"`
	OperatorRole         cra.OperatorRole `json:"operator_role"`
	Licensing            cra.Licensing    `json:"licensing"`
	MemberStates         []string         `json:"member_states"`
	Team                 string           `json:"team"`
	Lifecycle            cra.Lifecycle    `json:"lifecycle"`
}

// Product returns the domain product.
func (in ProductInput) Product() cra.Product {
	return cra.Product{Name: in.Name, Model: in.Model, SKU: in.SKU, Description: in.Description, IntendedPurpose: in.IntendedPurpose,
		ForeseeableUse: in.ForeseeableUse, ForeseeableMisuse: in.ForeseeableMisuse, OperatingEnvironment: in.OperatingEnvironment,
		RemoteDataProcessing: in.RemoteDataProcessing, RDPDescription: in.RDPDescription, OperatorRole: in.OperatorRole,
		Licensing: in.Licensing, MemberStates: in.MemberStates, Team: in.Team, Lifecycle: in.Lifecycle}
}

// Product is the JSON form of a product.
type Product struct {
	ID int64 `json:"id"`
	ProductInput
	Scope          *Scope          `json:"scope"`
	Classification *Classification `json:"classification"`
	NeedsReview    bool            `json:"needs_review"`
	ReviewReason   string          `json:"review_reason"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// Scope is the JSON form of a scope decision.
type Scope struct {
	Answers   cra.ScopeAnswers `json:"answers"`
	InScope   bool             `json:"in_scope"`
	Summary   string           `json:"summary"`
	DecidedBy string           `json:"decided_by"`
	DecidedAt time.Time        `json:"decided_at"`
}

// Classification is the JSON form of a classification with the conformity
// routes it allows.
type Classification struct {
	Category      string                   `json:"category"`
	CategoryName  string                   `json:"category_name"`
	Class         cra.ProductClass         `json:"class"`
	Rationale     string                   `json:"rationale"`
	Standards     cra.StandardsApplication `json:"standards"`
	TechDocPublic bool                     `json:"tech_doc_public"`
	DecidedBy     string                   `json:"decided_by"`
	DecidedAt     time.Time                `json:"decided_at"`
	Routes        []ConformityRoute        `json:"conformity_routes"`
}

// ConformityRoute is one conformity-assessment procedure and whether it is allowed.
type ConformityRoute struct {
	Module  cra.ConformityModule `json:"module"`
	Label   string               `json:"label"`
	Allowed bool                 `json:"allowed"`
	Rule    string               `json:"rule"`
	Article string               `json:"article"`
}

func productJSON(p *cra.Product) Product {
	out := Product{ID: p.ID, ProductInput: ProductInput{Name: p.Name, Model: p.Model, SKU: p.SKU, Description: p.Description,
		IntendedPurpose: p.IntendedPurpose, ForeseeableUse: p.ForeseeableUse, ForeseeableMisuse: p.ForeseeableMisuse,
		OperatingEnvironment: p.OperatingEnvironment, RemoteDataProcessing: p.RemoteDataProcessing, RDPDescription: p.RDPDescription,
		OperatorRole: p.OperatorRole, Licensing: p.Licensing, MemberStates: p.MemberStates, Team: p.Team, Lifecycle: p.Lifecycle},
		NeedsReview: p.NeedsReview(), ReviewReason: p.ReviewReason, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	if out.MemberStates == nil {
		out.MemberStates = []string{}
	}
	if s := p.Scope; s != nil {
		out.Scope = &Scope{Answers: s.Answers, InScope: s.InScope, Summary: s.Summary, DecidedBy: s.DecidedBy, DecidedAt: s.DecidedAt.UTC()}
	}
	if c := p.Classification; c != nil {
		cl := &Classification{Category: c.Category, Rationale: c.Rationale, Standards: c.Standards, TechDocPublic: c.TechDocPublic,
			DecidedBy: c.DecidedBy, DecidedAt: c.DecidedAt.UTC(), Routes: []ConformityRoute{}}
		if cat, ok := cra.LookupCategory(c.Category); ok {
			cl.CategoryName, cl.Class = cat.Name, cat.Class
		}
		routes, _ := cra.ConformityRoutes(cra.ConformityInput{Category: c.Category, Standards: c.Standards, FOSS: p.Licensing.FOSS(), TechDocPublic: c.TechDocPublic})
		for _, r := range routes {
			cl.Routes = append(cl.Routes, ConformityRoute{Module: r.Module, Label: r.Module.Label(), Allowed: r.Allowed, Rule: r.Rule, Article: r.Article})
		}
		out.Classification = cl
	}
	return out
}

// Readiness is the JSON form of a readiness count.
type Readiness struct {
	Total         int `json:"total"`
	Met           int `json:"met"`
	NotApplicable int `json:"not_applicable"`
	InProgress    int `json:"in_progress"`
	NotStarted    int `json:"not_started"`
	Percent       int `json:"percent"`
}

func readinessJSON(r cra.Readiness) Readiness {
	return Readiness{Total: r.Total, Met: r.Met, NotApplicable: r.NotApplicable, InProgress: r.InProgress, NotStarted: r.NotStarted, Percent: r.Percent}
}

// RiskSummary tells when a product's risk assessment was last reviewed.
type RiskSummary struct {
	Version    int    `json:"version"`
	ReviewedOn string `json:"reviewed_on"`
	ReviewDue  string `json:"review_due"`
	Overdue    bool   `json:"overdue"`
}

// ProductOverview is a product with its readiness, warnings and releases.
type ProductOverview struct {
	Product
	Readiness      Readiness    `json:"readiness"`
	Warnings       []string     `json:"warnings"`
	Releases       []Release    `json:"releases"`
	RiskAssessment *RiskSummary `json:"risk_assessment"`
}

func overviewJSON(o cra.ProductOverview, now time.Time) ProductOverview {
	out := ProductOverview{Product: productJSON(o.Product), Readiness: readinessJSON(o.Readiness), Warnings: o.Warnings, Releases: []Release{}}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	for _, r := range o.Releases {
		out.Releases = append(out.Releases, releaseJSON(r, now))
	}
	if ra := o.LatestRisk; ra != nil {
		out.RiskAssessment = &RiskSummary{Version: ra.Version, ReviewedOn: ra.ReviewedOn.String(), ReviewDue: ra.ReviewDue.String(), Overdue: ra.ReviewOverdue(now)}
	}
	return out
}

// ReleaseInput is a release as clients send it.
type ReleaseInput struct {
	Version                   string            `json:"version"`
	ReleaseDate               string            `json:"release_date"`
	PlacedOnMarket            string            `json:"placed_on_market"`
	SubstantialModification   bool              `json:"substantial_modification"`
	ModificationReason        string            `json:"modification_reason"`
	SecurityUpdate            bool              `json:"security_update"`
	SupportEnd                string            `json:"support_end"`
	ShortSupportJustification string            `json:"short_support_justification"`
	Status                    cra.ReleaseStatus `json:"status"`
	// Components are the ids of releases of other products this release contains.
	Components []int64 `json:"components"`
}

// Release converts the input, naming each unparseable field.
func (in ReleaseInput) Release() (cra.Release, error) {
	r := cra.Release{Version: in.Version, SubstantialModification: in.SubstantialModification, ModificationReason: in.ModificationReason,
		SecurityUpdate: in.SecurityUpdate, ShortSupportJustification: in.ShortSupportJustification, Status: in.Status}
	f := map[string]string{}
	var err error
	if in.ReleaseDate != "" {
		if r.ReleaseDate, err = cra.ParseDate(in.ReleaseDate); err != nil {
			f["release_date"] = cra.ErrorMessage(err)
		}
	}
	if in.PlacedOnMarket != "" {
		if r.PlacedOnMarket, err = cra.ParseDate(in.PlacedOnMarket); err != nil {
			f["placed_on_market"] = cra.ErrorMessage(err)
		}
	}
	if in.SupportEnd != "" {
		if r.SupportEnd, err = cra.ParseYearMonth(in.SupportEnd); err != nil {
			f["support_end"] = cra.ErrorMessage(err)
		}
	}
	for _, id := range in.Components {
		r.Components = append(r.Components, cra.ReleaseRef{ReleaseID: id})
	}
	return r, cra.Invalid(f)
}

// Release is the JSON form of a release.
type Release struct {
	ID          int64  `json:"id"`
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	ReleaseInput
	Components           []ReleaseRef `json:"components"`
	OnMarket             bool         `json:"on_market"`
	Supported            bool         `json:"supported"`
	UpdateRetentionUntil *string      `json:"update_retention_until"`
	CreatedAt            time.Time    `json:"created_at"`
	UpdatedAt            time.Time    `json:"updated_at"`
}

// ReleaseRef names a component release.
type ReleaseRef struct {
	ReleaseID   int64  `json:"release_id"`
	ProductID   int64  `json:"product_id"`
	ProductName string `json:"product_name"`
	Version     string `json:"version"`
}

func releaseJSON(r *cra.Release, now time.Time) Release {
	out := Release{ID: r.ID, ProductID: r.ProductID, ProductName: r.ProductName, ReleaseInput: ReleaseInput{Version: r.Version,
		ReleaseDate: r.ReleaseDate.String(), PlacedOnMarket: r.PlacedOnMarket.String(), SubstantialModification: r.SubstantialModification,
		ModificationReason: r.ModificationReason, SecurityUpdate: r.SecurityUpdate, SupportEnd: r.SupportEnd.String(),
		ShortSupportJustification: r.ShortSupportJustification, Status: r.Status},
		Components: []ReleaseRef{}, OnMarket: r.OnMarket(now), Supported: r.Supported(now), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, c := range r.Components {
		out.Components = append(out.Components, ReleaseRef{ReleaseID: c.ReleaseID, ProductID: c.ProductID, ProductName: c.ProductName, Version: c.Version})
	}
	if t := r.UpdateRetention(); !t.IsZero() {
		s := t.UTC().Format(time.DateOnly)
		out.UpdateRetentionUntil = &s
	}
	return out
}
