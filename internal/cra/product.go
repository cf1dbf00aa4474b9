package cra

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// OperatorRole is what the organisation is for a product (Art. 3(13)-(17)).
type OperatorRole string

// Economic-operator roles.
const (
	RoleManufacturer      OperatorRole = "manufacturer"
	RoleImporter          OperatorRole = "importer"
	RoleDistributor       OperatorRole = "distributor"
	RoleAuthorisedRep     OperatorRole = "authorised-representative"
	RoleOpenSourceSteward OperatorRole = "open-source-steward"
)

// OperatorRoles lists the roles in the order forms offer them.
var OperatorRoles = []OperatorRole{RoleManufacturer, RoleImporter, RoleDistributor, RoleAuthorisedRep, RoleOpenSourceSteward}

// Label is the role's human name.
func (r OperatorRole) Label() string {
	switch r {
	case RoleManufacturer:
		return "Manufacturer"
	case RoleImporter:
		return "Importer"
	case RoleDistributor:
		return "Distributor"
	case RoleAuthorisedRep:
		return "Authorised representative"
	case RoleOpenSourceSteward:
		return "Open-source software steward"
	}
	return string(r)
}

// Licensing says whether a product is proprietary or free and open-source,
// and if open source, whether it is made available in the course of a
// commercial activity (Recitals 15-20).
type Licensing string

// Licensing values.
const (
	LicensingProprietary       Licensing = "proprietary"
	LicensingFOSSCommercial    Licensing = "foss-commercial"
	LicensingFOSSNonCommercial Licensing = "foss-non-commercial"
)

// Licensings lists the values in the order forms offer them.
var Licensings = []Licensing{LicensingProprietary, LicensingFOSSCommercial, LicensingFOSSNonCommercial}

// Label is the value's human name.
func (l Licensing) Label() string {
	switch l {
	case LicensingProprietary:
		return "Proprietary"
	case LicensingFOSSCommercial:
		return "Free and open source, commercial activity"
	case LicensingFOSSNonCommercial:
		return "Free and open source, non-commercial"
	}
	return string(l)
}

// FOSS reports whether the product is free and open-source software.
func (l Licensing) FOSS() bool {
	return l == LicensingFOSSCommercial || l == LicensingFOSSNonCommercial
}

// Lifecycle is where a product is in its life.
type Lifecycle string

// Lifecycle states.
const (
	LifecycleDevelopment  Lifecycle = "in-development"
	LifecycleOnMarket     Lifecycle = "on-market"
	LifecycleEndOfSupport Lifecycle = "end-of-support"
	LifecycleWithdrawn    Lifecycle = "withdrawn"
)

// Lifecycles lists the states in order.
var Lifecycles = []Lifecycle{LifecycleDevelopment, LifecycleOnMarket, LifecycleEndOfSupport, LifecycleWithdrawn}

// Label is the state's human name.
func (l Lifecycle) Label() string {
	switch l {
	case LifecycleDevelopment:
		return "In development"
	case LifecycleOnMarket:
		return "On the market"
	case LifecycleEndOfSupport:
		return "End of support"
	case LifecycleWithdrawn:
		return "Withdrawn"
	}
	return string(l)
}

// Product is a product with digital elements (Art. 3(1)).
type Product struct {
	ID          int64
	Name        string
	Model       string // model or type designation
	SKU         string
	Description string
	// IntendedPurpose, ForeseeableUse and ForeseeableMisuse feed the risk
	// assessment (Art. 13(3)) and the user information (Annex II).
	IntendedPurpose      string
	ForeseeableUse       string
	ForeseeableMisuse    string
	OperatingEnvironment string
	// RemoteDataProcessing says whether the product has remote data
	// processing solutions (Art. 3(2)), described in RDPDescription.
	RemoteDataProcessing bool
	RDPDescription       string
	OperatorRole         OperatorRole
	Licensing            Licensing
	MemberStates         []string // where it is made available
	Team                 string   // owner or team
	Lifecycle            Lifecycle

	Scope          *ScopeDecision
	Classification *Classification
	// ReviewReason is set when answers that decided the scope or the
	// classification changed after the decision; a new decision clears it.
	ReviewReason string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// NeedsReview reports whether the product's decisions must be reviewed.
func (p *Product) NeedsReview() bool { return p.ReviewReason != "" }

// ScopeDecision is a recorded answer to "is this product in scope?".
type ScopeDecision struct {
	Answers   ScopeAnswers
	InScope   bool
	Summary   string
	DecidedBy string
	DecidedAt time.Time
}

// Classification is a recorded risk-class decision (Art. 7, 8).
type Classification struct {
	Category  string // a Categories code
	Rationale string // why the product does or does not have the category's core functionality
	Standards StandardsApplication
	// TechDocPublic: the technical documentation is made public when the
	// product is placed on the market (Art. 32(5), open source only).
	TechDocPublic bool
	DecidedBy     string
	DecidedAt     time.Time
}

// ProductFilter selects products.
type ProductFilter struct {
	ID   *int64
	Name *string
}

// Max lengths of product text fields, in characters.
const (
	maxShortText = 300
	maxLongText  = 20000
)

// Normalize trims every field and canonicalises the Member States.
func (p *Product) Normalize() {
	for _, s := range []*string{&p.Name, &p.Model, &p.SKU, &p.Description, &p.IntendedPurpose, &p.ForeseeableUse,
		&p.ForeseeableMisuse, &p.OperatingEnvironment, &p.RDPDescription, &p.Team} {
		*s = strings.TrimSpace(strings.ReplaceAll(*s, "\r\n", "\n"))
	}
	var ms []string
	for _, c := range p.MemberStates {
		if m, ok := LookupMemberState(c); ok && !slices.Contains(ms, m.Code) {
			ms = append(ms, m.Code)
		} else if !ok {
			ms = append(ms, strings.ToUpper(strings.TrimSpace(c)))
		}
	}
	slices.Sort(ms)
	p.MemberStates = ms
	if p.OperatorRole == "" {
		p.OperatorRole = RoleManufacturer
	}
	if p.Licensing == "" {
		p.Licensing = LicensingProprietary
	}
	if p.Lifecycle == "" {
		p.Lifecycle = LifecycleDevelopment
	}
}

// Validate normalises p and returns EINVALID naming each bad field.
func (p *Product) Validate() error {
	p.Normalize()
	f := map[string]string{}
	if p.Name == "" {
		f["name"] = "Name is required."
	}
	for field, v := range map[string]string{"name": p.Name, "model": p.Model, "sku": p.SKU, "team": p.Team} {
		if utf8.RuneCountInString(v) > maxShortText && f[field] == "" {
			f[field] = "Must be at most 300 characters."
		}
	}
	for field, v := range map[string]string{"description": p.Description, "intended_purpose": p.IntendedPurpose, "foreseeable_use": p.ForeseeableUse,
		"foreseeable_misuse": p.ForeseeableMisuse, "operating_environment": p.OperatingEnvironment, "rdp_description": p.RDPDescription} {
		if utf8.RuneCountInString(v) > maxLongText {
			f[field] = "Must be at most 20000 characters."
		}
	}
	if p.RemoteDataProcessing && p.RDPDescription == "" {
		f["rdp_description"] = "Describe the remote data processing (which back-end services the product needs to perform its functions)."
	}
	if !slices.Contains(OperatorRoles, p.OperatorRole) {
		f["operator_role"] = "Choose manufacturer, importer, distributor, authorised-representative or open-source-steward."
	}
	if !slices.Contains(Licensings, p.Licensing) {
		f["licensing"] = "Choose proprietary, foss-commercial or foss-non-commercial."
	}
	if !slices.Contains(Lifecycles, p.Lifecycle) {
		f["lifecycle"] = "Choose in-development, on-market, end-of-support or withdrawn."
	}
	for _, c := range p.MemberStates {
		if _, ok := LookupMemberState(c); !ok {
			f["member_states"] = "Unknown Member State " + c + "; use EU country codes such as DE, FR, EL."
			break
		}
	}
	return Invalid(f)
}

// scopeInputs are the product fields the scope decision rests on; a change
// to one of them after the decision marks the product for review.
func (p *Product) scopeInputs() string {
	return strings.Join([]string{p.IntendedPurpose, p.ForeseeableUse, p.OperatingEnvironment, boolWord(p.RemoteDataProcessing), p.RDPDescription, string(p.Licensing)}, "\x00")
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// ReviewTrigger returns why a change from old to p invalidates earlier
// decisions ("" when it does not): the intended purpose, use, environment,
// remote processing or licensing changed while a scope or classification
// decision stands.
func (p *Product) ReviewTrigger(old *Product) string {
	if old == nil || (old.Scope == nil && old.Classification == nil) {
		return ""
	}
	if old.scopeInputs() != p.scopeInputs() {
		return "The product's purpose, use, environment, remote data processing or licensing changed after its scope or classification was decided."
	}
	return ""
}

// ValidateURL checks an evidence link.
func ValidateURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2000 {
		return "Must be an http(s) address."
	}
	return ""
}
