package cra

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Requirement is one essential cybersecurity requirement of Annex I. Part I
// lists properties of the product; Part II lists the vulnerability-handling
// duties of the manufacturer.
type Requirement struct {
	// ID is cyra's stable identifier: "I.1", "I.2.a" to "I.2.m", "II.1" to
	// "II.8".
	ID string
	// Part is 1 or 2.
	Part int
	// Title is a short name for lists and matrices.
	Title string
	// Text is the requirement in short form. Part I point 2 items continue
	// "On the basis of the cybersecurity risk assessment … and where
	// applicable, products with digital elements shall:"; Part II items
	// continue "Manufacturers of products with digital elements shall:".
	Text string
	// Ref is the citation, such as "Annex I, Part I, point 2(a)".
	Ref string
}

// NotApplicableAllowed reports whether the requirement may be marked not
// applicable. Only the items of Annex I, Part I, point 2 apply "where
// applicable"; point 1 (an appropriate level of cybersecurity) and every
// vulnerability-handling duty of Part II apply to every product (Art. 13(3),
// 13(4)).
func (r Requirement) NotApplicableAllowed() bool {
	return r.Part == 1 && strings.HasPrefix(r.ID, "I.2.")
}

// AnnexIRequirements lists the 22 requirements of Annex I in the order of
// the annex: Part I point 1, Part I point 2(a)-(m), Part II points 1-8.
var AnnexIRequirements = []Requirement{
	{"I.1", 1, "Appropriate level of cybersecurity", "Products with digital elements shall be designed, developed and produced in such a way that they ensure an appropriate level of cybersecurity based on the risks.", "Annex I, Part I, point 1"},
	{"I.2.a", 1, "No known exploitable vulnerabilities", "Be made available on the market without known exploitable vulnerabilities.", "Annex I, Part I, point 2(a)"},
	{"I.2.b", 1, "Secure by default configuration", "Secure by default configuration (unless otherwise agreed with a business user for a tailor-made product), including the possibility to reset to original state.", "Annex I, Part I, point 2(b)"},
	{"I.2.c", 1, "Security updates", "Vulnerabilities can be addressed through security updates, including, where applicable, automatic security updates installed within an appropriate timeframe enabled by default, with a clear and easy opt-out, notification of available updates, and an option to temporarily postpone them.", "Annex I, Part I, point 2(c)"},
	{"I.2.d", 1, "Protection from unauthorised access", "Protection from unauthorised access by appropriate control mechanisms (authentication, identity or access management), and report on possible unauthorised access.", "Annex I, Part I, point 2(d)"},
	{"I.2.e", 1, "Confidentiality of data", "Protect confidentiality of stored, transmitted or processed data (personal or other), e.g. encryption at rest and in transit by state-of-the-art mechanisms.", "Annex I, Part I, point 2(e)"},
	{"I.2.f", 1, "Integrity of data, commands, programs and configuration", "Protect integrity of stored, transmitted or processed data, commands, programs and configuration against unauthorised manipulation, and report on corruptions.", "Annex I, Part I, point 2(f)"},
	{"I.2.g", 1, "Data minimisation", "Data minimisation: process only data that are adequate, relevant and limited to the intended purpose.", "Annex I, Part I, point 2(g)"},
	{"I.2.h", 1, "Availability of essential functions", "Protect availability of essential and basic functions, also after an incident, including resilience and DoS mitigation.", "Annex I, Part I, point 2(h)"},
	{"I.2.i", 1, "Minimal impact on other devices and networks", "Minimise negative impact on the availability of services provided by other devices or networks.", "Annex I, Part I, point 2(i)"},
	{"I.2.j", 1, "Limited attack surfaces", "Limit attack surfaces, including external interfaces.", "Annex I, Part I, point 2(j)"},
	{"I.2.k", 1, "Reduced impact of incidents", "Reduce the impact of an incident using appropriate exploitation mitigation mechanisms and techniques.", "Annex I, Part I, point 2(k)"},
	{"I.2.l", 1, "Security logging and monitoring", "Provide security-related information by recording and monitoring relevant internal activity (access to or modification of data, services or functions), with a user opt-out.", "Annex I, Part I, point 2(l)"},
	{"I.2.m", 1, "Secure removal and transfer of data", "Let users securely and easily remove all data and settings permanently and, where data can be transferred to other products or systems, ensure this is done securely.", "Annex I, Part I, point 2(m)"},
	{"II.1", 2, "Identify and document vulnerabilities and components (SBOM)", "Identify and document vulnerabilities and components, including by drawing up a software bill of materials in a commonly used and machine-readable format covering at the very least the top-level dependencies.", "Annex I, Part II, point 1"},
	{"II.2", 2, "Remediate vulnerabilities without delay", "In relation to the risks, address and remediate vulnerabilities without delay, including by providing security updates; where technically feasible, security updates separate from functionality updates.", "Annex I, Part II, point 2"},
	{"II.3", 2, "Regular security tests and reviews", "Apply effective and regular tests and reviews of the product's security.", "Annex I, Part II, point 3"},
	{"II.4", 2, "Disclose fixed vulnerabilities", "Once a security update is available, share and publicly disclose information about fixed vulnerabilities: description, information to identify the affected product, impacts, severity, and clear remediation information. In duly justified cases publication may be delayed until users have had the possibility to patch.", "Annex I, Part II, point 4"},
	{"II.5", 2, "Coordinated vulnerability disclosure policy", "Put in place and enforce a policy on coordinated vulnerability disclosure (CVD).", "Annex I, Part II, point 5"},
	{"II.6", 2, "Vulnerability information sharing and contact address", "Facilitate sharing of information about potential vulnerabilities in the product and in third-party components, including by providing a contact address for reporting vulnerabilities.", "Annex I, Part II, point 6"},
	{"II.7", 2, "Secure distribution of updates", "Provide mechanisms to securely distribute updates, so vulnerabilities are fixed or mitigated in a timely manner and, where applicable for security updates, automatically.", "Annex I, Part II, point 7"},
	{"II.8", 2, "Security updates without delay, free of charge, with advisories", "Security updates are disseminated without delay and, unless otherwise agreed with a business user for a tailor-made product, free of charge, accompanied by advisory messages with relevant information, including actions to take.", "Annex I, Part II, point 8"},
}

// LookupRequirement returns the requirement with the given ID. The match
// ignores case and surrounding spaces ("i.2.a" finds "I.2.a"); the
// returned requirement carries the canonical ID.
func LookupRequirement(id string) (Requirement, bool) {
	id = strings.TrimSpace(id)
	for _, r := range AnnexIRequirements {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return Requirement{}, false
}

// RequirementStatus is how far a product meets one requirement.
type RequirementStatus string

// Requirement states.
const (
	StatusNotStarted    RequirementStatus = "not-started"
	StatusInProgress    RequirementStatus = "in-progress"
	StatusMet           RequirementStatus = "met"
	StatusNotApplicable RequirementStatus = "not-applicable" // needs a justification (Art. 13(4))
)

// RequirementStatuses lists the states in the order forms offer them.
var RequirementStatuses = []RequirementStatus{StatusNotStarted, StatusInProgress, StatusMet, StatusNotApplicable}

// Valid reports whether s is one of RequirementStatuses.
func (s RequirementStatus) Valid() bool {
	switch s {
	case StatusNotStarted, StatusInProgress, StatusMet, StatusNotApplicable:
		return true
	}
	return false
}

// Label is the state's human name.
func (s RequirementStatus) Label() string {
	switch s {
	case StatusNotStarted:
		return "Not started"
	case StatusInProgress:
		return "In progress"
	case StatusMet:
		return "Met"
	case StatusNotApplicable:
		return "Not applicable"
	}
	return string(s)
}

// Length limits of requirement-state text fields, in characters.
const (
	// MaxJustificationLength bounds the justification of a
	// not-applicable requirement: a clear justification, not an essay.
	MaxJustificationLength = 5000
	// MaxRequirementTextLength bounds every other text field of a
	// requirement state.
	MaxRequirementTextLength = 20000
)

// RequirementState is one row of the requirement matrix: the status of one
// Annex I requirement for a product and how it is met. The technical
// documentation must state whether and how each requirement applies (Art.
// 13(3)) and give a clear justification for those that do not (Art.
// 13(4)).
type RequirementState struct {
	RequirementID string
	Status        RequirementStatus
	// Justification says why the requirement does not apply; it is
	// required when Status is StatusNotApplicable (Art. 13(4)).
	Justification string
	// HowMet describes the design or process that meets the requirement.
	HowMet string
	// TestRefs points to the tests or reviews that show it is met.
	TestRefs string
	// StandardClause names the harmonised standard or common specification
	// clause applied, if any (Art. 27).
	StandardClause string
}

// Normalize trims the text fields, turns CRLF line breaks into LF,
// canonicalises the requirement ID and makes an empty status not started.
func (s *RequirementState) Normalize() {
	s.RequirementID = strings.TrimSpace(s.RequirementID)
	if r, ok := LookupRequirement(s.RequirementID); ok {
		s.RequirementID = r.ID
	}
	for _, p := range []*string{&s.Justification, &s.HowMet, &s.TestRefs, &s.StandardClause} {
		*p = strings.TrimSpace(strings.ReplaceAll(*p, "\r\n", "\n"))
	}
	if s.Status == "" {
		s.Status = StatusNotStarted
	}
}

// Validate normalises s and returns EINVALID with per-field problems. A
// not-applicable requirement needs a justification (Art. 13(4)), and only
// the items of Annex I, Part I, point 2 may be not applicable: they apply
// "where applicable", while point 1 and Part II bind every product.
func (s *RequirementState) Validate() error {
	s.Normalize()
	f := map[string]string{}
	req, known := LookupRequirement(s.RequirementID)
	if !known {
		f["requirement_id"] = fmt.Sprintf("Unknown Annex I requirement %q; use an ID such as I.2.a or II.1.", s.RequirementID)
	}
	switch {
	case !s.Status.Valid():
		f["status"] = "Choose not-started, in-progress, met or not-applicable."
	case s.Status == StatusNotApplicable && known && !req.NotApplicableAllowed():
		f["status"] = req.ID + " cannot be marked not applicable: only the requirements of Annex I, Part I(2) apply where applicable; Part I(1) and Part II apply to every product (Art. 13(3)-(4))."
	}
	if s.Status == StatusNotApplicable {
		switch {
		case s.Justification == "":
			f["justification"] = "Give a clear justification why the requirement does not apply (Art. 13(4))."
		case utf8.RuneCountInString(s.Justification) > MaxJustificationLength:
			f["justification"] = fmt.Sprintf("Must be at most %d characters.", MaxJustificationLength)
		}
	}
	for field, v := range map[string]string{"justification": s.Justification, "how_met": s.HowMet, "test_refs": s.TestRefs, "standard_clause": s.StandardClause} {
		if utf8.RuneCountInString(v) > MaxRequirementTextLength {
			f[field] = fmt.Sprintf("Must be at most %d characters.", MaxRequirementTextLength)
		}
	}
	return Invalid(f)
}

// Readiness counts the requirement matrix by status.
type Readiness struct {
	Total, Met, NotApplicable, InProgress, NotStarted int
	// Percent is the share of requirements met or justified as not
	// applicable, rounded to the nearest whole percent.
	Percent int
}

// ComputeReadiness counts states against the full Annex I catalogue: Total
// is always len(AnnexIRequirements), and requirements without a state count
// as not started. States for unknown IDs are ignored; for a repeated ID the
// last state wins. A state that would not pass Validate (an unknown status,
// or not applicable without a justification or on a requirement that binds
// every product) counts as not started, so that readiness cannot be
// overstated.
func ComputeReadiness(states []RequirementState) Readiness {
	byID := make(map[string]RequirementState, len(states))
	for _, s := range states {
		if r, ok := LookupRequirement(s.RequirementID); ok {
			byID[r.ID] = s
		}
	}
	var rd Readiness
	for _, r := range AnnexIRequirements {
		rd.Total++
		s := byID[r.ID]
		switch s.Status {
		case StatusMet:
			rd.Met++
		case StatusInProgress:
			rd.InProgress++
		case StatusNotApplicable:
			if r.NotApplicableAllowed() && strings.TrimSpace(s.Justification) != "" {
				rd.NotApplicable++
			} else {
				rd.NotStarted++
			}
		default:
			rd.NotStarted++
		}
	}
	if rd.Total > 0 {
		rd.Percent = int(math.Round(100 * float64(rd.Met+rd.NotApplicable) / float64(rd.Total)))
	}
	return rd
}
