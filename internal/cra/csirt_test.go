package cra_test

import (
	"strings"
	"testing"

	"cyra/internal/cra"
)

func TestCoordinatorMemberState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		facts cra.RoutingFacts
		state string
		rule  string // a phrase of the rule sentence
	}{
		{"MainEstablishment", cra.RoutingFacts{MainEstablishment: "de",
			Establishments: []cra.Presence{{MemberState: "FR", Count: 900}}}, "DE", "predominantly taken in Germany (Art. 14(7))"},
		{"MainEstablishmentGreece", cra.RoutingFacts{MainEstablishment: "GR"}, "EL", "Greece"},
		{"MostEmployees", cra.RoutingFacts{Establishments: []cra.Presence{
			{MemberState: "AT", Name: "Acme Wien", Count: 120}, {MemberState: "DE", Name: "Acme Berlin", Count: 80}, {MemberState: "DE", Name: "Acme München", Count: 70}}},
			"AT", "establishment with the most employees in the Union (Acme Wien, 120 employees), in Austria (Art. 14(7))"},
		{"AuthorisedRepresentative", cra.RoutingFacts{
			AuthorisedRepresentatives: []cra.Presence{{MemberState: "IE", Name: "EU Rep Ltd", Count: 12}, {MemberState: "NL", Count: 3}},
			Importers:                 []cra.Presence{{MemberState: "FR", Count: 50}}},
			"IE", "authorised representative acting for the most products (EU Rep Ltd, 12 products) is established in Ireland (Art. 14(7)(a))"},
		{"Importer", cra.RoutingFacts{
			Importers:    []cra.Presence{{MemberState: "BE", Count: 4}, {MemberState: "PL", Name: "Import Sp.", Count: 9}},
			Distributors: []cra.Presence{{MemberState: "FR", Count: 50}}},
			"PL", "importer placing the most products on the market (Import Sp., 9 products) is established in Poland (Art. 14(7)(b))"},
		{"ImporterPerOperatorNotPerCountry", cra.RoutingFacts{
			Importers: []cra.Presence{{MemberState: "BE", Count: 5}, {MemberState: "BE", Count: 5}, {MemberState: "PL", Count: 9}}},
			"PL", "Poland"},
		{"Distributor", cra.RoutingFacts{
			AuthorisedRepresentatives: []cra.Presence{{MemberState: "IE", Count: 0}},
			Distributors:              []cra.Presence{{MemberState: "IT", Count: 30}},
			Users:                     []cra.Presence{{MemberState: "ES", Count: 100000}}},
			"IT", "distributor making the most products available (30 products) is established in Italy (Art. 14(7)(c))"},
		{"Users", cra.RoutingFacts{Users: []cra.Presence{{MemberState: "ES", Count: 400}, {MemberState: "FR", Count: 300}, {MemberState: "FR", Count: 200}}},
			"FR", "most users (500 users) are located in France (Art. 14(7)(d)); later notifications may go to the same CSIRT"},
		{"TieInSameStateIsNoTie", cra.RoutingFacts{Distributors: []cra.Presence{{MemberState: "SE", Count: 7}, {MemberState: "SE", Count: 7}, {MemberState: "FI", Count: 2}}},
			"SE", "Sweden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state, rule, err := cra.CoordinatorMemberState(tc.facts)
			if err != nil {
				t.Fatal(err)
			}
			if state != tc.state || !strings.Contains(rule, tc.rule) {
				t.Errorf("= %s, %q; want %s, %q", state, rule, tc.state, tc.rule)
			}
		})
	}
}

func TestCoordinatorMemberStateRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		facts  cra.RoutingFacts
		field  string
		phrase string
	}{
		{"NothingKnown", cra.RoutingFacts{}, "main_establishment", "Nothing is known"},
		{"OnlyZeroCounts", cra.RoutingFacts{Importers: []cra.Presence{{MemberState: "DE"}}}, "main_establishment", "Nothing is known"},
		{"MainOutsideEU", cra.RoutingFacts{MainEstablishment: "CH"}, "main_establishment", "Unknown Member State CH"},
		{"ImporterOutsideEU", cra.RoutingFacts{Importers: []cra.Presence{{MemberState: "UK", Count: 3}}}, "importers", "UK"},
		{"NegativeCount", cra.RoutingFacts{Users: []cra.Presence{{MemberState: "DE", Count: -1}}}, "users", "negative"},
		{"TieBetweenStates", cra.RoutingFacts{Importers: []cra.Presence{{MemberState: "FR", Count: 9}, {MemberState: "DE", Count: 9}}}, "importers", "France and Germany"},
		{"EstablishmentsWithoutCounts", cra.RoutingFacts{Establishments: []cra.Presence{{MemberState: "DE"}}, Users: []cra.Presence{{MemberState: "FR", Count: 5}}},
			"establishments", "employees"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := cra.CoordinatorMemberState(tc.facts)
			mustField(t, err, tc.field, tc.phrase)
		})
	}
}

func TestRoutingFactsFor(t *testing.T) {
	t.Parallel()
	state, _, err := cra.CoordinatorMemberState(cra.RoutingFactsFor(&cra.Organisation{MemberState: "AT"}))
	if err != nil || state != "AT" {
		t.Errorf("= %s, %v", state, err)
	}
}
