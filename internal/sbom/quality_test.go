package sbom_test

import (
	"fmt"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sbom"
)

// completeSBOM meets every check.
func completeSBOM() *cra.SBOM {
	created := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	comp := func(name string) cra.Component {
		return cra.Component{
			Ref: "pkg:npm/" + name + "@1.0.0", Type: "library", Name: name, Version: "1.0.0",
			PURL: "pkg:npm/" + name + "@1.0.0", Supplier: "Example Org", Licenses: []string{"MIT"},
			Hashes: []cra.Hash{{Algorithm: "SHA-512", Value: fmt.Sprintf("%0128x", len(name))}},
		}
	}
	s := &cra.SBOM{
		Format: cra.FormatCycloneDXJSON, SpecVersion: "1.6", Created: &created,
		Tools:   []string{"syft 1.0"},
		Subject: &cra.Component{Ref: "app", Type: "application", Name: "app", Version: "2.0"},
	}
	for _, n := range []string{"a", "b", "c"} {
		s.Components = append(s.Components, comp(n))
	}
	s.Components[0].Direct = true
	s.Dependencies = []cra.Dependency{
		{Ref: "app", DependsOn: []string{s.Components[0].Ref}},
		{Ref: s.Components[0].Ref, DependsOn: []string{s.Components[1].Ref, s.Components[2].Ref}},
	}
	return s
}

func checkByID(t *testing.T, r cra.QualityReport, id string) cra.QualityCheck {
	t.Helper()
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %q", id)
	return cra.QualityCheck{}
}

func TestCheck(t *testing.T) {
	full := sbom.Check(completeSBOM())
	if full.Score != 100 {
		t.Fatalf("complete SBOM scores %d: %+v", full.Score, full.Checks)
	}
	total := 0
	for _, c := range full.Checks {
		total += c.Weight
		if c.Source == "" || c.Title == "" || c.Weight <= 0 {
			t.Errorf("check %s lacks a title, source or weight: %+v", c.ID, c)
		}
		if c.Passed != c.Total {
			t.Errorf("check %s: %d of %d", c.ID, c.Passed, c.Total)
		}
	}
	if total != 100 {
		t.Errorf("weights add up to %d", total)
	}

	tests := []struct {
		check  string
		mutate func(s *cra.SBOM)
		also   string // a check that must fail with it
	}{
		{sbom.CheckCreator, func(s *cra.SBOM) { s.Tools, s.Authors = nil, nil }, ""},
		{sbom.CheckTimestamp, func(s *cra.SBOM) { s.Created = nil }, ""},
		{sbom.CheckSubject, func(s *cra.SBOM) { s.Subject.Version = "" }, ""},
		{sbom.CheckDependencies, func(s *cra.SBOM) { s.Dependencies = nil }, sbom.CheckTopLevel},
		{sbom.CheckTopLevel, func(s *cra.SBOM) { s.Dependencies = s.Dependencies[1:] }, ""},
		{sbom.CheckComponentName, func(s *cra.SBOM) { s.Components[1].Name = "" }, ""},
		{sbom.CheckVersion, func(s *cra.SBOM) { s.Components[1].Version = "" }, ""},
		{sbom.CheckComponentAuthor, func(s *cra.SBOM) { s.Components[1].Supplier = "" }, ""},
		{sbom.CheckIdentifier, func(s *cra.SBOM) { s.Components[1].PURL, s.Components[1].RawPURL = "", "npm/b" }, ""},
		{sbom.CheckHash, func(s *cra.SBOM) {
			s.Components[1].Hashes = []cra.Hash{{Algorithm: "SHA-1", Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709"}}
		}, ""},
		{sbom.CheckLicence, func(s *cra.SBOM) { s.Components[1].Licenses = nil }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.check, func(t *testing.T) {
			s := completeSBOM()
			tc.mutate(s)
			r := sbom.Check(s)
			if r.Score >= 100 {
				t.Fatalf("score %d after removing what %s checks", r.Score, tc.check)
			}
			for _, c := range r.Checks {
				failed := c.Passed < c.Total
				if failed != (c.ID == tc.check || c.ID == tc.also) {
					t.Errorf("check %s: %d of %d passed", c.ID, c.Passed, c.Total)
				}
			}
			c := checkByID(t, r, tc.check)
			// A failing item lowers the score by its share of its check.
			want := 100 - float64(c.Weight)*float64(c.Total-c.Passed)/float64(c.Total)
			if tc.also != "" {
				want -= float64(checkByID(t, r, tc.also).Weight)
			}
			if float64(r.Score) < want-0.5 || float64(r.Score) > want+0.5 {
				t.Errorf("score %d, want %.1f rounded", r.Score, want)
			}
			if c.Total == 3 && (len(c.Examples) != 1 || (c.Examples[0] != "b@1.0.0" && c.Examples[0] != "b" && c.Examples[0] != "pkg:npm/b@1.0.0")) {
				t.Errorf("examples %q, want component b", c.Examples)
			}
		})
	}

	t.Run("alternatives pass", func(t *testing.T) {
		s := completeSBOM()
		s.Tools, s.Authors = nil, []string{"Alice"}
		s.Components[0].Supplier, s.Components[0].Author = "", "Jane"
		s.Components[1].PURL, s.Components[1].CPE = "", "cpe:2.3:a:x:b:1.0.0:*:*:*:*:*:*:*"
		s.Components[2].Hashes = []cra.Hash{{Algorithm: "SHA3-256", Value: fmt.Sprintf("%064x", 1)}}
		if r := sbom.Check(s); r.Score != 100 {
			t.Fatalf("score %d: %+v", r.Score, r.Checks)
		}
	})

	t.Run("examples are capped", func(t *testing.T) {
		s := completeSBOM()
		for i := range 20 {
			s.Components = append(s.Components, cra.Component{Ref: fmt.Sprint("x", i), Name: fmt.Sprint("x", i)})
		}
		c := checkByID(t, sbom.Check(s), sbom.CheckVersion)
		if c.Total != 23 || c.Passed != 3 || len(c.Examples) != 5 || c.Examples[0] != "x0" {
			t.Fatalf("%+v", c)
		}
	})

	t.Run("zero components: document checks only", func(t *testing.T) {
		s := completeSBOM()
		s.Components = nil
		s.Dependencies = []cra.Dependency{{Ref: "app"}}
		r := sbom.Check(s)
		if r.Score != 100 {
			t.Fatalf("score %d: %+v", r.Score, r.Checks)
		}
		if c := checkByID(t, r, sbom.CheckHash); c.Total != 0 || c.Passed != 0 {
			t.Fatalf("hash check on no components: %+v", c)
		}
		s.Dependencies = nil
		// creator 5 + timestamp 5 + subject 10 of the 45 document points.
		if r := sbom.Check(s); r.Score != 44 {
			t.Fatalf("score %d without a graph, want 44", r.Score)
		}
	})

	t.Run("nil and empty", func(t *testing.T) {
		if r := sbom.Check(nil); r.Score != 0 || len(r.Checks) != 11 {
			t.Fatalf("%+v", r)
		}
		if r := sbom.Check(&cra.SBOM{}); r.Score != 0 {
			t.Fatalf("%+v", r)
		}
	})
}
