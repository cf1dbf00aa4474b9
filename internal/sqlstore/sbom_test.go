package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

func sbomOf(n int, purlFmt string) *cra.SBOM {
	s := &cra.SBOM{Format: cra.FormatCycloneDXJSON, SpecVersion: "1.6", Subject: &cra.Component{Ref: "app", Name: "app", Version: "1"}}
	var deps []string
	for i := range n {
		c := cra.Component{Ref: fmt.Sprint("c", i), Name: fmt.Sprint("pkg", i), Version: "1.0." + fmt.Sprint(i), Direct: i < 3,
			Hashes: []cra.Hash{{Algorithm: "SHA-256", Value: fmt.Sprintf("%064x", i)}}, Licenses: []string{"MIT"}}
		if purlFmt != "" {
			c.PURL = fmt.Sprintf(purlFmt, i, i)
		}
		if i < 3 {
			deps = append(deps, c.Ref)
		}
		s.Components = append(s.Components, c)
	}
	s.Dependencies = []cra.Dependency{{Ref: "app", DependsOn: deps}, {Ref: "c0", DependsOn: []string{"c3"}}}
	return s
}

func saveSBOM(t *testing.T, db *sqlstore.DB, releaseID int64, s *cra.SBOM) *cra.SBOMRecord {
	t.Helper()
	rec := &cra.SBOMRecord{ReleaseID: releaseID, Format: s.Format, SpecVersion: s.SpecVersion, FileName: "bom.json", SHA256: "ab", Size: 2,
		Subject: s.Subject, ComponentCount: len(s.Components), Quality: cra.QualityReport{Score: 80, Checks: []cra.QualityCheck{{ID: "creator", Passed: 1, Total: 1}}},
		Warnings: []string{"w"}, UploadedBy: "a", UploadedAt: t0}
	if err := db.SaveSBOM(context.Background(), rec, []byte("{original}"), s, rec0("sbom.import")); err != nil {
		t.Fatal(err)
	}
	return rec
}

func rec0(action string) cra.AuditRecord { return rec(action, "sbom", "") }

func TestSBOMStore(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		p := mustProduct(t, db, "Gateway")
		r1, r2 := mustRelease(t, db, p.ID, "1.0"), mustRelease(t, db, p.ID, "1.1")
		first := saveSBOM(t, db, r1.ID, sbomOf(450, "pkg:npm/%%40scope/pkg%d@1.0.%d"))
		if first.ID == 0 || !first.Current {
			t.Fatalf("record %+v", first)
		}
		cs, total, err := db.FindComponents(ctx, cra.ComponentFilter{ReleaseID: r1.ID, Limit: 10, Offset: 440})
		if err != nil || total != 450 || len(cs) != 10 || cs[0].Hashes[0].Algorithm != "SHA-256" || cs[0].Licenses[0] != "MIT" {
			t.Fatalf("page: %d %d %v", total, len(cs), err)
		}
		if _, total, _ := db.FindComponents(ctx, cra.ComponentFilter{ReleaseID: r1.ID, DirectOnly: true}); total != 3 {
			t.Fatalf("direct: %d", total)
		}
		// The LIKE query treats % and _ literally.
		if _, total, _ := db.FindComponents(ctx, cra.ComponentFilter{ReleaseID: r1.ID, Query: "PKG44"}); total != 11 {
			t.Fatalf("query pkg44: %d", total)
		}
		if _, total, _ := db.FindComponents(ctx, cra.ComponentFilter{ReleaseID: r1.ID, Query: "pkg_4"}); total != 0 {
			t.Fatalf("query with _ matched %d", total)
		}
		graph, err := db.SBOMGraph(ctx, first.ID)
		if err != nil || len(graph) != 2 || graph[0].Ref != "app" || len(graph[0].DependsOn) != 3 {
			t.Fatalf("graph: %+v %v", graph, err)
		}
		// A second upload replaces the components and keeps the history.
		second := saveSBOM(t, db, r1.ID, sbomOf(5, ""))
		recs, _ := db.FindSBOMs(ctx, r1.ID)
		if len(recs) != 2 || recs[0].ID != second.ID || !recs[0].Current || recs[1].Current || recs[1].Subject == nil || recs[1].Quality.Score != 80 {
			t.Fatalf("history: %+v", recs)
		}
		if _, total, _ := db.FindComponents(ctx, cra.ComponentFilter{ReleaseID: r1.ID}); total != 5 {
			t.Fatalf("components after replace: %d", total)
		}
		if _, total, _ := db.FindComponents(ctx, cra.ComponentFilter{ReleaseID: r1.ID, WithoutPURL: true}); total != 5 {
			t.Fatalf("without purl: %d", total)
		}
		if data, err := db.SBOMContent(ctx, first.ID); err != nil || string(data) != "{original}" {
			t.Fatalf("original: %q %v", data, err)
		}
		// Search across releases by package, any version or one.
		saveSBOM(t, db, r2.ID, sbomOf(3, "pkg:npm/lodash@4.17.%d%.0d"))
		hits, err := db.SearchComponents(ctx, cra.PackageKey{Type: "npm", Name: "lodash"}, "")
		if err != nil || len(hits) != 3 || hits[0].ProductName != "Gateway" || hits[0].Release != "1.1" {
			t.Fatalf("search: %+v %v", hits, err)
		}
		if hits, _ := db.SearchComponents(ctx, cra.PackageKey{Type: "npm", Name: "lodash"}, "4.17.1"); len(hits) != 0 {
			t.Fatalf("version search matched %d (component versions are 1.0.N)", len(hits))
		}
		if hits, _ := db.SearchComponents(ctx, cra.PackageKey{Type: "npm", Name: "lodash"}, "1.0.1"); len(hits) != 1 {
			t.Fatalf("version search: %d", len(hits))
		}
		if err := db.SaveSBOM(ctx, &cra.SBOMRecord{ReleaseID: 999, Format: cra.FormatSPDXJSON, SHA256: "x", UploadedAt: t0}, []byte("x"), &cra.SBOM{}, rec0("sbom.import")); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("missing release: %v", err)
		}
	})
}
