package cra

import (
	"slices"
	"strconv"
	"strings"
)

// Presence is one establishment or economic operator in a Member State,
// with the number Art. 14(7) compares: employees of an establishment,
// products an authorised representative acts for, products an importer
// places on the market or a distributor makes available, or users.
type Presence struct {
	MemberState string // EU code (EL for Greece; GR is accepted)
	Name        string // the establishment's or operator's name, for the rule sentence
	Count       int
}

// RoutingFacts are what Art. 14(7) needs to decide which Member State's
// CSIRT designated as coordinator receives a manufacturer's notifications.
// Each list holds one entry per establishment or operator (two importers
// in one Member State are two entries: the law compares operators, not
// countries), except Users, which is per Member State.
type RoutingFacts struct {
	// MainEstablishment is the Member State where decisions related to
	// the cybersecurity of the products are predominantly taken; "" when
	// it cannot be determined or the manufacturer has no establishment in
	// the Union.
	MainEstablishment string
	// Establishments are the manufacturer's establishments in the Union
	// (Count: employees).
	Establishments []Presence
	// For a manufacturer without an establishment in the Union:
	AuthorisedRepresentatives []Presence // Count: products it acts for
	Importers                 []Presence // Count: products it places on the market
	Distributors              []Presence // Count: products it makes available
	Users                     []Presence // Count: users located there
}

// RoutingFactsFor returns the routing facts cyra's organisation record
// holds: the Member State of its main establishment.
func RoutingFactsFor(o *Organisation) RoutingFacts {
	return RoutingFacts{MainEstablishment: o.MemberState}
}

// CoordinatorMemberState applies Art. 14(7) in its order and returns the
// Member State whose CSIRT designated as coordinator receives the
// notifications, with the rule applied as a sentence citing the article:
//
//  1. the main establishment, where cybersecurity decisions about the
//     products are predominantly taken;
//  2. otherwise, the establishment with the most employees in the Union;
//  3. without an establishment in the Union, the first that applies: the
//     authorised representative acting for the most products (a), the
//     importer placing the most products on the market (b), the
//     distributor making the most available (c), the Member State with the
//     most users (d).
//
// It returns EINVALID naming the field when a Member State is not one of
// the 27, a count is negative, the largest count is shared by operators in
// different Member States (the article breaks no tie: the manufacturer
// chooses, and the SRP lets it), or nothing is known.
func CoordinatorMemberState(f RoutingFacts) (state string, rule string, err error) {
	if err := f.validate(); err != nil {
		return "", "", err
	}
	if f.MainEstablishment != "" {
		ms, _ := LookupMemberState(f.MainEstablishment)
		return ms.Code, "Main establishment: cybersecurity decisions about the products are predominantly taken in " +
			ms.Name + " (Art. 14(7)).", nil
	}
	steps := []struct {
		field string
		list  []Presence
		rule  func(p Presence, ms MemberState) string
	}{
		{"establishments", f.Establishments, func(p Presence, ms MemberState) string {
			return "No Member State of predominant cybersecurity decisions is known, so the main establishment is the establishment with the most employees in the Union" +
				named(p, "employees") + ", in " + ms.Name + " (Art. 14(7))."
		}},
		{"authorised_representatives", f.AuthorisedRepresentatives, func(p Presence, ms MemberState) string {
			return "No establishment in the Union: the authorised representative acting for the most products" + named(p, "products") +
				" is established in " + ms.Name + " (Art. 14(7)(a))."
		}},
		{"importers", f.Importers, func(p Presence, ms MemberState) string {
			return "No establishment in the Union and no authorised representative known: the importer placing the most products on the market" +
				named(p, "products") + " is established in " + ms.Name + " (Art. 14(7)(b))."
		}},
		{"distributors", f.Distributors, func(p Presence, ms MemberState) string {
			return "No establishment in the Union and no authorised representative or importer known: the distributor making the most products available" +
				named(p, "products") + " is established in " + ms.Name + " (Art. 14(7)(c))."
		}},
		{"users", sumByState(f.Users), func(p Presence, ms MemberState) string {
			return "No establishment in the Union and no authorised representative, importer or distributor known: most users" + named(p, "users") +
				" are located in " + ms.Name + " (Art. 14(7)(d)); later notifications may go to the same CSIRT."
		}},
	}
	for _, s := range steps {
		best, tied := largest(s.list)
		if best == nil && s.field == "establishments" && len(s.list) > 0 {
			// With an establishment in the Union the manufacturer has a
			// main establishment there; the rules for manufacturers without
			// one do not apply.
			return "", "", Invalid(map[string]string{s.field: "Give the number of employees of each establishment in the Union, " +
				"or say where cybersecurity decisions are predominantly taken (Art. 14(7))."})
		}
		if best == nil {
			continue
		}
		if len(tied) > 1 {
			return "", "", Invalid(map[string]string{s.field: "The largest count (" + strconv.Itoa(best.Count) + ") is shared by " +
				strings.Join(tied, " and ") + "; Art. 14(7) does not break the tie, so choose the coordinator yourself and record why."})
		}
		ms, _ := LookupMemberState(best.MemberState)
		return ms.Code, s.rule(*best, ms), nil
	}
	return "", "", Invalid(map[string]string{"main_establishment": "Nothing is known to route notifications by: say where decisions on the " +
		"cybersecurity of the products are predominantly taken, or, without an establishment in the Union, name the authorised " +
		"representative, importers, distributors or where the users are (Art. 14(7))."})
}

// validate names the first unknown Member State or negative count.
func (f RoutingFacts) validate() error {
	p := map[string]string{}
	if f.MainEstablishment != "" {
		if _, ok := LookupMemberState(f.MainEstablishment); !ok {
			p["main_establishment"] = "Unknown Member State " + f.MainEstablishment + "; use an EU code such as DE or FR."
		}
	}
	for field, list := range map[string][]Presence{"establishments": f.Establishments, "authorised_representatives": f.AuthorisedRepresentatives,
		"importers": f.Importers, "distributors": f.Distributors, "users": f.Users} {
		for _, e := range list {
			if _, ok := LookupMemberState(e.MemberState); !ok {
				p[field] = "Unknown Member State " + e.MemberState + "; use an EU code such as DE or FR."
				break
			}
			if e.Count < 0 {
				p[field] = "Counts cannot be negative."
				break
			}
		}
	}
	return Invalid(p)
}

// largest returns the entry with the largest positive count and the names
// of the Member States sharing that count (more than one is a tie).
func largest(list []Presence) (*Presence, []string) {
	var best *Presence
	for i := range list {
		if list[i].Count > 0 && (best == nil || list[i].Count > best.Count) {
			best = &list[i]
		}
	}
	if best == nil {
		return nil, nil
	}
	var states []string
	for _, e := range list {
		if e.Count == best.Count {
			ms, _ := LookupMemberState(e.MemberState)
			if !slices.Contains(states, ms.Name) {
				states = append(states, ms.Name)
			}
		}
	}
	slices.Sort(states)
	return best, states
}

// sumByState adds up counts per Member State.
func sumByState(list []Presence) []Presence {
	var out []Presence
	for _, e := range list {
		ms, _ := LookupMemberState(e.MemberState)
		i := slices.IndexFunc(out, func(p Presence) bool { return p.MemberState == ms.Code })
		if i < 0 {
			out = append(out, Presence{MemberState: ms.Code})
			i = len(out) - 1
		}
		out[i].Count += e.Count
	}
	return out
}

func named(p Presence, unit string) string {
	s := strconv.Itoa(p.Count) + " " + unit
	if p.Name != "" {
		s = p.Name + ", " + s
	}
	return " (" + s + ")"
}
