package cra

import "fmt"

// ConformityModule is a conformity-assessment procedure of Art. 32(1) and
// Annex VIII.
type ConformityModule string

// The procedures of Art. 32(1), in the order of that paragraph.
const (
	// ModuleA is internal control (Art. 32(1)(a); Annex VIII, Part I).
	ModuleA ConformityModule = "A"
	// ModuleBC is EU-type examination by a notified body followed by
	// conformity to type based on internal production control (Art.
	// 32(1)(b); Annex VIII, Parts II and III).
	ModuleBC ConformityModule = "B+C"
	// ModuleH is conformity based on full quality assurance, approved and
	// surveilled by a notified body (Art. 32(1)(c); Annex VIII, Part IV).
	ModuleH ConformityModule = "H"
	// ModuleEUCS is a European cybersecurity certification scheme under
	// Art. 27(9), such as EUCC (Art. 32(1)(d)).
	ModuleEUCS ConformityModule = "EUCS"
)

// ConformityModules lists the procedures in the order ConformityRoutes
// returns them.
var ConformityModules = []ConformityModule{ModuleA, ModuleBC, ModuleH, ModuleEUCS}

// Label is the procedure's human name.
func (m ConformityModule) Label() string {
	switch m {
	case ModuleA:
		return "Module A (internal control)"
	case ModuleBC:
		return "Modules B and C (EU-type examination + internal production control)"
	case ModuleH:
		return "Module H (full quality assurance)"
	case ModuleEUCS:
		return "European cybersecurity certification (e.g. EUCC, at least 'substantial')"
	}
	return string(m)
}

// StandardsApplication says how far the manufacturer applied harmonised
// standards, common specifications or a European cybersecurity
// certification scheme at assurance level at least "substantial" (Art. 27)
// to the essential cybersecurity requirements. For class I products it
// decides whether internal control is allowed (Art. 32(2)).
type StandardsApplication string

// The ways standards can have been applied. The empty value counts as
// StandardsNone.
const (
	// StandardsFull: applied in full for every requirement.
	StandardsFull StandardsApplication = "full"
	// StandardsPartial: applied only in part.
	StandardsPartial StandardsApplication = "partial"
	// StandardsNone: not applied, or none exist yet. Until harmonised
	// standards are cited in the Official Journal this is the usual case.
	StandardsNone StandardsApplication = "none"
)

// StandardsApplications lists the values in the order forms offer them.
var StandardsApplications = []StandardsApplication{StandardsFull, StandardsPartial, StandardsNone}

// Valid reports whether s is one of StandardsApplications or empty (which
// counts as StandardsNone).
func (s StandardsApplication) Valid() bool {
	switch s {
	case "", StandardsFull, StandardsPartial, StandardsNone:
		return true
	}
	return false
}

// Label is the value's human name.
func (s StandardsApplication) Label() string {
	switch s {
	case StandardsFull:
		return "Applied in full"
	case StandardsPartial:
		return "Applied in part"
	case StandardsNone, "":
		return "Not applied, or none exist"
	}
	return string(s)
}

// ConformityInput is what decides the conformity-assessment procedures
// open to a product.
type ConformityInput struct {
	Category  string               // a Categories code
	Standards StandardsApplication // "" counts as none
	// FOSS: the product is free and open-source software (Art. 3(48)).
	FOSS bool
	// TechDocPublic: the technical documentation (Art. 31) is made public
	// when the product is placed on the market (Art. 32(5)).
	TechDocPublic bool
}

// ConformityRoute says whether one procedure is open to a product, and
// why.
type ConformityRoute struct {
	Module  ConformityModule
	Allowed bool
	// Rule explains, in one or two sentences, why the procedure is or is
	// not open to this product.
	Rule string
	// Article is the provision the decision rests on, such as "Art. 32(2)".
	Article string
}

// ConformityRoutes returns one route per procedure (A, B+C, H, EUCS, in
// that order) for the input, or EINVALID for an unknown category or
// standards value. The rules are those of Art. 32:
//
//   - default products may use any procedure of Art. 32(1), the scheme
//     "where available and applicable" (Art. 32(1)(d), 27(9));
//   - class I products may use internal control only where harmonised
//     standards, common specifications or a scheme at least "substantial"
//     were applied in full; otherwise the requirements not covered go
//     through B+C or H (Art. 32(2));
//   - class II products may not use internal control (Art. 32(3));
//   - critical products may not use internal control and follow the class
//     II procedures until a delegated act under Art. 8(1) makes
//     certification mandatory (Art. 32(4)); no such act has been adopted;
//   - free and open-source software in Annex III (class I or II, not Annex
//     IV) may use any Art. 32(1) procedure, internal control included, if
//     its technical documentation is made public when it is placed on the
//     market (Art. 32(5)).
//
// The EHR-system procedure that Reg. (EU) 2025/327 inserts as Art. 32(5a)
// from 26 March 2027 is not modelled.
func ConformityRoutes(in ConformityInput) ([]ConformityRoute, error) {
	cat, ok := LookupCategory(in.Category)
	if !ok {
		return nil, &Error{Code: EINVALID,
			Message: fmt.Sprintf("Unknown product category %q; use a code such as default, I-11, II-2 or C-1.", in.Category),
			Fields:  map[string]string{"category": "Choose a category from Annex III or IV, or default."}}
	}
	if !in.Standards.Valid() {
		return nil, &Error{Code: EINVALID,
			Message: fmt.Sprintf("Unknown standards application %q; use full, partial or none.", in.Standards),
			Fields:  map[string]string{"standards": "Choose full, partial or none."}}
	}
	full := in.Standards == StandardsFull
	// Art. 32(5) covers products "set out in Annex III" only: critical
	// (Annex IV) open source gets no exception.
	annexIII := cat.Class == ClassImportantI || cat.Class == ClassImportantII
	// fossHint tells open-source manufacturers what would open module A.
	fossHint := ""
	if in.FOSS && annexIII && !in.TechDocPublic {
		fossHint = " As free and open-source software, the product could use internal control under Art. 32(5) if its technical documentation were made public when it is placed on the market."
	}

	a := ConformityRoute{Module: ModuleA}
	bc := ConformityRoute{Module: ModuleBC, Allowed: true}
	h := ConformityRoute{Module: ModuleH, Allowed: true}
	eucs := ConformityRoute{Module: ModuleEUCS, Allowed: true}
	switch cat.Class {
	case ClassDefault:
		a.Allowed, a.Article = true, "Art. 32(1)(a)"
		a.Rule = "Products in the default category may be assessed by the manufacturer alone (internal control)."
		bc.Article = "Art. 32(1)(b)"
		bc.Rule = "Any procedure of Art. 32(1) is open to default products, including EU-type examination by a notified body."
		h.Article = "Art. 32(1)(c)"
		h.Rule = "Any procedure of Art. 32(1) is open to default products, including full quality assurance."
		eucs.Article = "Art. 32(1)(d)"
		eucs.Rule = "A European cybersecurity certification scheme may be used where one is available and applicable to the product (Art. 27(9))."
	case ClassImportantI:
		a.Article = "Art. 32(2)"
		if full {
			a.Allowed = true
			a.Rule = "Class I products may use internal control because harmonised standards, common specifications or a certification scheme at level 'substantial' or higher were applied in full."
		} else {
			a.Rule = "Class I products may use internal control only where harmonised standards, common specifications or a certification scheme at level 'substantial' or higher were applied in full; the requirements they do not cover must go through modules B and C or module H." + fossHint
		}
		bc.Article = "Art. 32(2)(a)"
		bc.Rule = "EU-type examination by a notified body is open to class I products and covers requirements that standards do not."
		h.Article = "Art. 32(2)(b)"
		h.Rule = "Full quality assurance approved by a notified body is open to class I products and covers requirements that standards do not."
		eucs.Article = "Art. 32(2)"
		eucs.Rule = "A European cybersecurity certification scheme at assurance level 'substantial' or higher may be used, and counts as applying standards for the requirements it covers (Art. 27(9))."
	case ClassImportantII:
		a.Article = "Art. 32(3)"
		a.Rule = "Class II products may not be assessed by internal control; a notified body or a certification scheme must be involved." + fossHint
		bc.Article = "Art. 32(3)(a)"
		bc.Rule = "EU-type examination by a notified body followed by internal production control is open to class II products."
		h.Article = "Art. 32(3)(b)"
		h.Rule = "Full quality assurance approved by a notified body is open to class II products."
		eucs.Article = "Art. 32(3)(c)"
		eucs.Rule = "A European cybersecurity certification scheme at assurance level 'substantial' or higher may be used where available and applicable."
	case ClassCritical:
		a.Article = "Art. 32(4)"
		a.Rule = "Critical products (Annex IV) may not be assessed by internal control."
		if in.FOSS {
			a.Rule += " The open-source exception of Art. 32(5) covers Annex III products only, not Annex IV."
		}
		bc.Article = "Art. 32(4)(b)"
		bc.Rule = "EU-type examination is open to critical products as for class II, until a delegated act under Art. 8(1) requires certification."
		h.Article = "Art. 32(4)(b)"
		h.Rule = "Full quality assurance is open to critical products as for class II, until a delegated act under Art. 8(1) requires certification."
		eucs.Article = "Art. 32(4)"
		eucs.Rule = "A European cybersecurity certification scheme at assurance level 'substantial' or higher may be used; it becomes mandatory once a delegated act under Art. 8(1) requires it, and none has been adopted yet."
	}
	if in.FOSS && in.TechDocPublic && annexIII {
		// Art. 32(5) opens every Art. 32(1) procedure, whatever standards
		// were applied, so it decides module A even where Art. 32(2) would
		// also allow it.
		a.Allowed, a.Article = true, "Art. 32(5)"
		a.Rule = "Free and open-source software in Annex III whose technical documentation is made public when placed on the market may use any Art. 32(1) procedure, internal control included."
	}
	return []ConformityRoute{a, bc, h, eucs}, nil
}
