package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

func keys(hits []cra.VulnSummary) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Key)
	}
	return out
}

func TestSearchVulnerabilities(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		// Twelve plain identities, CVE-2025-0000 the oldest, published an
		// hour apart.
		var recs []cra.Advisory
		for i := range 12 {
			a := advisory(cra.SourceNVD, fmt.Sprintf("CVE-2025-%04d", i))
			pub := t0.Add(time.Duration(i-100) * time.Hour)
			a.Published, a.Modified, a.Affected = &pub, nil, []cra.Affected{{Ecosystem: "npm", Name: fmt.Sprintf("lib%d", i)}}
			recs = append(recs, seal(a))
		}
		// One rich identity: OSV, EUVD (exploited) and NVD records.
		newest := t0.Add(-time.Hour)
		osv := advisory(cra.SourceOSV, "GHSA-rich-rich-rich", "CVE-2024-7777")
		osv.Summary, osv.Modified = "Request smuggling in the HTTP parser", &newest
		osv.Affected = append(osv.Affected, cra.Affected{Ecosystem: "Debian:12", Name: "python-requests"})
		for i := range 6 {
			osv.Affected = append(osv.Affected, cra.Affected{Ecosystem: "PyPI", Name: fmt.Sprintf("z-extra-%d", i)})
		}
		exploited := t0.Add(-30 * time.Hour)
		euvd := advisory(cra.SourceEUVD, "EUVD-2024-7777", "CVE-2024-7777")
		euvd.Summary, euvd.ExploitedSince, euvd.Affected = "", &exploited, nil
		euvd.Severity = []cra.Severity{{Type: "CVSS_V4", Score: 9.9, Rating: "CRITICAL"}}
		nvd := advisory(cra.SourceNVD, "CVE-2024-7777")
		nvd.Summary, nvd.Affected = "NVD says something else", nil
		// A withdrawn OSV record, and one without any summary.
		gone := advisory(cra.SourceOSV, "GO-2024-0001")
		wd := t0.Add(-2 * time.Hour)
		gone.Withdrawn = &wd
		bare := advisory(cra.SourceNVD, "CVE-2023-0001")
		bare.Summary, bare.Details, bare.Published, bare.Modified, bare.Severity, bare.Affected = "", "Only   details\nhere.", nil, nil, nil, nil
		recs = append(recs, seal(osv), seal(euvd), seal(nvd), seal(gone), seal(bare))
		mustImport(t, db, recs...)

		// Newest first, paginated, with the total.
		all, total, err := db.SearchVulnerabilities(ctx, cra.VulnFilter{})
		if err != nil || total != 15 || len(all) != 15 {
			t.Fatalf("all: %d of %d, %v", len(all), total, err)
		}
		if got := keys(all); got[0] != "CVE-2024-7777" || got[1] != "GO-2024-0001" || got[2] != "CVE-2025-0011" || got[14] != "CVE-2023-0001" {
			t.Fatalf("order %v", got)
		}
		page, total, _ := db.SearchVulnerabilities(ctx, cra.VulnFilter{Limit: 5, Offset: 5})
		if total != 15 || !slices.Equal(keys(page), keys(all)[5:10]) {
			t.Fatalf("page %v of %d", keys(page), total)
		}

		// The rich summary.
		r := all[0]
		if !slices.Equal(r.Aliases, []string{"CVE-2024-7777", "EUVD-2024-7777", "GHSA-rich-rich-rich"}) ||
			r.Summary != "Request smuggling in the HTTP parser" || r.Severity == nil || r.Severity.Score != 9.9 ||
			r.Modified == nil || !r.Modified.Equal(newest) || r.Published == nil || !r.Published.Equal(*osv.Published) ||
			r.Withdrawn != nil || r.ExploitedSince == nil || !r.ExploitedSince.Equal(exploited) ||
			!slices.Equal(r.Sources, []cra.VulnSource{cra.SourceOSV, cra.SourceEUVD, cra.SourceNVD}) ||
			!slices.Equal(r.Packages, []string{"Debian:12/python-requests", "PyPI/Requests", "PyPI/z-extra-0", "PyPI/z-extra-1", "PyPI/z-extra-2"}) {
			t.Fatalf("summary %+v", r)
		}
		if w := all[1]; w.Withdrawn == nil || !w.Withdrawn.Equal(wd) {
			t.Fatalf("withdrawn %+v", w)
		}
		if b := all[14]; b.Summary != "Only details here." || b.Severity != nil || b.Published != nil {
			t.Fatalf("bare %+v", b)
		}

		search := func(f cra.VulnFilter, want ...string) {
			t.Helper()
			hits, total, err := db.SearchVulnerabilities(ctx, f)
			if err != nil || total != len(want) || !slices.Equal(keys(hits), want) {
				t.Errorf("%+v: %v (%d), want %v; %v", f, keys(hits), total, want, err)
			}
		}
		search(cra.VulnFilter{Query: "euvd-2024-7777"}, "CVE-2024-7777")
		search(cra.VulnFilter{Query: " ghsa-RICH-rich-rich "}, "CVE-2024-7777")
		search(cra.VulnFilter{Query: "SMUGGLING"}, "CVE-2024-7777")
		search(cra.VulnFilter{Query: "python-req"}, "CVE-2024-7777")
		search(cra.VulnFilter{Query: "lib1"}, "CVE-2025-0011", "CVE-2025-0010", "CVE-2025-0001")
		search(cra.VulnFilter{Query: "100%"})
		search(cra.VulnFilter{Package: "REQUESTS"}, "CVE-2024-7777", "GO-2024-0001")
		search(cra.VulnFilter{Package: "requests", Ecosystem: "pypi"}, "CVE-2024-7777", "GO-2024-0001")
		search(cra.VulnFilter{Package: "requests", Ecosystem: "npm"})
		search(cra.VulnFilter{Ecosystem: "Debian"}, "CVE-2024-7777")
		search(cra.VulnFilter{Exploited: true}, "CVE-2024-7777")
		search(cra.VulnFilter{KEV: true})
		if _, err := db.SaveKEVCatalog(ctx, cra.KEVCatalog{Entries: []cra.KEVEntry{kevEntry("CVE-2025-0003", "2026-02-01")}}, t0, nil); err != nil {
			t.Fatal(err)
		}
		search(cra.VulnFilter{KEV: true}, "CVE-2025-0003")
		search(cra.VulnFilter{Exploited: true}, "CVE-2024-7777", "CVE-2025-0003")
		search(cra.VulnFilter{Exploited: true, Query: "lib3"}, "CVE-2025-0003")
		if hits, _, _ := db.SearchVulnerabilities(ctx, cra.VulnFilter{KEV: true}); hits[0].KEVAdded == nil || hits[0].KEVAdded.String() != "2026-01-05" {
			t.Fatalf("KEV added %+v", hits[0])
		}
		// Removed from KEV: no longer listed.
		if _, err := db.SaveKEVCatalog(ctx, cra.KEVCatalog{Entries: []cra.KEVEntry{kevEntry("CVE-2025-0004", "2026-02-01")}}, t0, nil); err != nil {
			t.Fatal(err)
		}
		search(cra.VulnFilter{KEV: true}, "CVE-2025-0004")
	})
}

func TestVulnListings(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if cves, err := db.KnownCVEs(ctx); err != nil || len(cves) != 0 {
			t.Fatalf("empty: %v %v", cves, err)
		}
		// More advisories than one page of WalkAdvisories, of two sources.
		var recs []cra.Advisory
		for i := range 450 {
			recs = append(recs, advisory(cra.SourceOSV, fmt.Sprintf("GHSA-%04d-walk-walk", 449-i), fmt.Sprintf("CVE-2024-%04d", i%200)))
		}
		recs = append(recs, advisory(cra.SourceNVD, "CVE-2024-0001"), advisory(cra.SourceEUVD, "EUVD-2024-0001", "CVE-2023-0002"))
		mustImport(t, db, recs...)
		cves, err := db.KnownCVEs(ctx)
		if err != nil || len(cves) != 201 || cves[0] != "CVE-2023-0002" || cves[200] != "CVE-2024-0199" || !slices.IsSorted(cves) {
			t.Fatalf("known CVEs %d %v", len(cves), err)
		}
		var walked []cra.Advisory
		err = db.WalkAdvisories(ctx, func(a cra.Advisory) error { walked = append(walked, a); return nil })
		if err != nil || len(walked) != 452 {
			t.Fatalf("walked %d %v", len(walked), err)
		}
		if walked[0].ID != "EUVD-2024-0001" || walked[1].ID != "CVE-2024-0001" || walked[2].ID != "GHSA-0000-walk-walk" || walked[451].ID != "GHSA-0449-walk-walk" {
			t.Fatalf("walk order %s %s %s … %s", walked[0].ID, walked[1].ID, walked[2].ID, walked[451].ID)
		}
		if w := walked[300]; len(w.Raw) == 0 || len(w.Affected) != 1 || w.Affected[0].Ranges[0].Events[1].Fixed != "2.31.0" {
			t.Fatalf("walked advisory %+v", w)
		}

		// The purl types of the current SBOMs' components only.
		if types, err := db.ComponentPURLTypes(ctx); err != nil || len(types) != 0 {
			t.Fatalf("no components: %v %v", types, err)
		}
		p := mustProduct(t, db, "Gateway")
		r1, r2 := mustRelease(t, db, p.ID, "1.0"), mustRelease(t, db, p.ID, "2.0")
		saveSBOM(t, db, r1.ID, sbomOf(3, "pkg:maven/org.example/lib%d@1.%d"))
		saveSBOM(t, db, r1.ID, sbomOf(3, "pkg:npm/lib%d@1.%d"))
		saveSBOM(t, db, r2.ID, sbomOf(2, "pkg:PyPI/lib%d@1.%d"))
		saveSBOM(t, db, r2.ID, sbomOf(2, "pkg:golang/example.com/lib%d@v1.%d"))
		saveSBOM(t, db, mustRelease(t, db, p.ID, "3.0").ID, sbomOf(2, ""))
		types, err := db.ComponentPURLTypes(ctx)
		if err != nil || !slices.Equal(types, []string{"golang", "npm"}) {
			t.Fatalf("purl types %v %v", types, err)
		}
	})
}
