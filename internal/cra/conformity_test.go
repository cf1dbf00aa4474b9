package cra_test

import (
	"strings"
	"testing"

	"cyra/internal/cra"
)

func TestConformityRoutes(t *testing.T) {
	t.Parallel()
	// allowed and article are given per module, in the order A, B+C, H, EUCS.
	for _, tc := range []struct {
		name    string
		in      cra.ConformityInput
		allowed [4]bool
		article [4]string
		ruleA   string // a phrase the module A rule must contain
	}{
		{"DefaultAllRoutes", cra.ConformityInput{Category: "default"},
			[4]bool{true, true, true, true},
			[4]string{"Art. 32(1)(a)", "Art. 32(1)(b)", "Art. 32(1)(c)", "Art. 32(1)(d)"}, ""},
		{"DefaultFOSSUnchanged", cra.ConformityInput{Category: "default", FOSS: true},
			[4]bool{true, true, true, true},
			[4]string{"Art. 32(1)(a)", "Art. 32(1)(b)", "Art. 32(1)(c)", "Art. 32(1)(d)"}, ""},
		{"ClassIStandardsFull", cra.ConformityInput{Category: "I-11", Standards: cra.StandardsFull},
			[4]bool{true, true, true, true},
			[4]string{"Art. 32(2)", "Art. 32(2)(a)", "Art. 32(2)(b)", "Art. 32(2)"}, "applied in full"},
		{"ClassIStandardsPartial", cra.ConformityInput{Category: "I-11", Standards: cra.StandardsPartial},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(2)", "Art. 32(2)(a)", "Art. 32(2)(b)", "Art. 32(2)"}, "modules B and C or module H"},
		{"ClassIStandardsNone", cra.ConformityInput{Category: "I-3", Standards: cra.StandardsNone},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(2)", "Art. 32(2)(a)", "Art. 32(2)(b)", "Art. 32(2)"}, "modules B and C or module H"},
		{"ClassIStandardsEmptyIsNone", cra.ConformityInput{Category: "i-3"},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(2)", "Art. 32(2)(a)", "Art. 32(2)(b)", "Art. 32(2)"}, ""},
		{"ClassIPublicDocsWithoutFOSS", cra.ConformityInput{Category: "I-3", TechDocPublic: true},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(2)", "Art. 32(2)(a)", "Art. 32(2)(b)", "Art. 32(2)"}, ""},
		{"ClassII", cra.ConformityInput{Category: "II-2", Standards: cra.StandardsFull},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(3)", "Art. 32(3)(a)", "Art. 32(3)(b)", "Art. 32(3)(c)"}, "may not"},
		{"Critical", cra.ConformityInput{Category: "C-3", Standards: cra.StandardsFull},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(4)", "Art. 32(4)(b)", "Art. 32(4)(b)", "Art. 32(4)"}, "may not"},
		{"FOSSClassIPublicDocs", cra.ConformityInput{Category: "I-2", FOSS: true, TechDocPublic: true},
			[4]bool{true, true, true, true},
			[4]string{"Art. 32(5)", "Art. 32(2)(a)", "Art. 32(2)(b)", "Art. 32(2)"}, "made public"},
		{"FOSSClassIPrivateDocs", cra.ConformityInput{Category: "I-2", FOSS: true},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(2)", "Art. 32(2)(a)", "Art. 32(2)(b)", "Art. 32(2)"}, "under Art. 32(5) if its technical documentation were made public"},
		{"FOSSClassIIPublicDocs", cra.ConformityInput{Category: "II-1", FOSS: true, TechDocPublic: true},
			[4]bool{true, true, true, true},
			[4]string{"Art. 32(5)", "Art. 32(3)(a)", "Art. 32(3)(b)", "Art. 32(3)(c)"}, "Art. 32(1) procedure"},
		{"FOSSClassIIPrivateDocs", cra.ConformityInput{Category: "II-1", FOSS: true, Standards: cra.StandardsFull},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(3)", "Art. 32(3)(a)", "Art. 32(3)(b)", "Art. 32(3)(c)"}, "under Art. 32(5) if its technical documentation were made public"},
		{"FOSSCriticalNoException", cra.ConformityInput{Category: "C-1", FOSS: true, TechDocPublic: true, Standards: cra.StandardsFull},
			[4]bool{false, true, true, true},
			[4]string{"Art. 32(4)", "Art. 32(4)(b)", "Art. 32(4)(b)", "Art. 32(4)"}, "Annex III products only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			routes, err := cra.ConformityRoutes(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(routes) != 4 {
				t.Fatalf("got %d routes; want 4", len(routes))
			}
			for i, m := range []cra.ConformityModule{cra.ModuleA, cra.ModuleBC, cra.ModuleH, cra.ModuleEUCS} {
				r := routes[i]
				if r.Module != m {
					t.Errorf("routes[%d].Module = %s; want %s", i, r.Module, m)
				}
				if r.Allowed != tc.allowed[i] {
					t.Errorf("%s allowed = %v; want %v (rule: %s)", m, r.Allowed, tc.allowed[i], r.Rule)
				}
				if r.Article != tc.article[i] {
					t.Errorf("%s article = %q; want %q", m, r.Article, tc.article[i])
				}
				if r.Rule == "" || !strings.HasSuffix(r.Rule, ".") {
					t.Errorf("%s rule %q is not a sentence", m, r.Rule)
				}
			}
			if !strings.Contains(routes[0].Rule, tc.ruleA) {
				t.Errorf("module A rule %q does not contain %q", routes[0].Rule, tc.ruleA)
			}
		})
	}
}

func TestConformityRoutesCriticalMentionsDelegatedAct(t *testing.T) {
	t.Parallel()
	routes, err := cra.ConformityRoutes(cra.ConformityInput{Category: "C-2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes[1:] {
		if !strings.Contains(r.Rule, "Art. 8(1)") {
			t.Errorf("%s rule %q does not mention the Art. 8(1) delegated act", r.Module, r.Rule)
		}
	}
}

func TestConformityRoutesInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		in    cra.ConformityInput
		field string
	}{
		{"UnknownCategory", cra.ConformityInput{Category: "I-20"}, "category"},
		{"EmptyCategory", cra.ConformityInput{}, "category"},
		{"UnknownStandards", cra.ConformityInput{Category: "I-1", Standards: "most"}, "standards"},
		{"StandardsWrongCase", cra.ConformityInput{Category: "I-1", Standards: "Full"}, "standards"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			routes, err := cra.ConformityRoutes(tc.in)
			if cra.ErrorCode(err) != cra.EINVALID {
				t.Fatalf("err = %v; want EINVALID", err)
			}
			if routes != nil {
				t.Errorf("routes = %v; want nil", routes)
			}
			if cra.ErrorFields(err)[tc.field] == "" {
				t.Errorf("fields = %v; want a problem on %q", cra.ErrorFields(err), tc.field)
			}
		})
	}
}

func TestConformityModuleLabel(t *testing.T) {
	t.Parallel()
	for m, want := range map[cra.ConformityModule]string{
		cra.ModuleA:    "Module A (internal control)",
		cra.ModuleBC:   "Modules B and C (EU-type examination + internal production control)",
		cra.ModuleH:    "Module H (full quality assurance)",
		cra.ModuleEUCS: "European cybersecurity certification (e.g. EUCC, at least 'substantial')",
	} {
		if got := m.Label(); got != want {
			t.Errorf("%s.Label() = %q; want %q", m, got, want)
		}
	}
}
