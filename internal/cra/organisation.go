package cra

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Organisation is the manufacturer this cyra instance belongs to (one per
// instance). Its details appear on the EU declaration of conformity (Annex
// V item 2) and its main establishment decides the CSIRT coordinator that
// receives Art. 14 notifications (Art. 14(7)).
type Organisation struct {
	LegalName     string
	PostalAddress string
	ContactEmail  string
	Website       string
	// MemberState is the ISO 3166-1 alpha-2 code (EL for Greece, as the EU
	// uses) of the Member State of the main establishment.
	MemberState string
	UpdatedAt   time.Time
}

// MemberState is an EU Member State.
type MemberState struct {
	Code string // EU country code (ISO 3166-1 alpha-2, but EL for Greece)
	Name string
}

// MemberStates lists the 27 EU Member States in protocol order.
var MemberStates = []MemberState{
	{"BE", "Belgium"}, {"BG", "Bulgaria"}, {"CZ", "Czechia"}, {"DK", "Denmark"},
	{"DE", "Germany"}, {"EE", "Estonia"}, {"IE", "Ireland"}, {"EL", "Greece"},
	{"ES", "Spain"}, {"FR", "France"}, {"HR", "Croatia"}, {"IT", "Italy"},
	{"CY", "Cyprus"}, {"LV", "Latvia"}, {"LT", "Lithuania"}, {"LU", "Luxembourg"},
	{"HU", "Hungary"}, {"MT", "Malta"}, {"NL", "Netherlands"}, {"AT", "Austria"},
	{"PL", "Poland"}, {"PT", "Portugal"}, {"RO", "Romania"}, {"SI", "Slovenia"},
	{"SK", "Slovakia"}, {"FI", "Finland"}, {"SE", "Sweden"},
}

// LookupMemberState returns the Member State with the given code. "GR" is
// accepted for Greece and returned as "EL".
func LookupMemberState(code string) (MemberState, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "GR" {
		code = "EL"
	}
	for _, m := range MemberStates {
		if m.Code == code {
			return m, true
		}
	}
	return MemberState{}, false
}

// Normalize trims every field and canonicalises the e-mail and Member State.
func (o *Organisation) Normalize() {
	o.LegalName = strings.TrimSpace(o.LegalName)
	// Browsers submit textarea line breaks as CRLF; store plain LF.
	o.PostalAddress = strings.TrimSpace(strings.ReplaceAll(o.PostalAddress, "\r\n", "\n"))
	o.ContactEmail = NormalizeEmail(o.ContactEmail)
	o.Website = strings.TrimSpace(o.Website)
	if m, ok := LookupMemberState(o.MemberState); ok {
		o.MemberState = m.Code
	}
}

// Validate normalises o and returns EINVALID with per-field problems.
func (o *Organisation) Validate() error {
	o.Normalize()
	p := map[string]string{}
	switch {
	case o.LegalName == "":
		p["legal_name"] = "Legal name is required."
	case utf8.RuneCountInString(o.LegalName) > 300:
		p["legal_name"] = "Legal name must be at most 300 characters."
	}
	switch {
	case o.PostalAddress == "":
		p["postal_address"] = "Postal address is required (it appears on the EU declaration of conformity)."
	case utf8.RuneCountInString(o.PostalAddress) > 1000:
		p["postal_address"] = "Postal address must be at most 1000 characters."
	}
	if msg := ValidateEmail(o.ContactEmail); msg != "" {
		p["contact_email"] = msg
	}
	if o.Website != "" {
		u, err := url.Parse(o.Website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || utf8.RuneCountInString(o.Website) > 500 {
			p["website"] = "Website must be an http(s) address such as https://example.com."
		}
	}
	if _, ok := LookupMemberState(o.MemberState); !ok {
		p["member_state"] = "Choose the EU Member State of the main establishment (a code such as DE or FR)."
	}
	return Invalid(p)
}
