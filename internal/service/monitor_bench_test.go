package service

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds"
	"cyra/internal/matching"
	"cyra/internal/testutil"
)

// purlTypes maps the OSV ecosystems of the shared data to purl types.
var purlTypes = map[string]string{"npm": "npm", "PyPI": "pypi", "Go": "golang", "crates.io": "cargo", "Maven": "maven",
	"RubyGems": "gem", "NuGet": "nuget", "Packagist": "composer"}

// realComponents picks n distinct packages that the stored advisories
// name, each at a version one of them lists as affected (or the first
// introduced version), so that matching does real work.
func realComponents(b testing.TB, ctx context.Context, s cra.Store, n int) []cra.MatchComponent {
	b.Helper()
	seen := map[string]bool{}
	var out []cra.MatchComponent
	err := s.WalkAdvisories(ctx, func(a cra.Advisory) error {
		for _, af := range a.Affected {
			typ, ok := purlTypes[af.Ecosystem]
			if !ok || len(out) >= n {
				continue
			}
			version := ""
			if len(af.Versions) > 0 {
				version = af.Versions[len(af.Versions)/2]
			}
			for _, r := range af.Ranges {
				for _, e := range r.Events {
					if version == "" && e.Introduced != "" && e.Introduced != "0" {
						version = e.Introduced
					}
				}
			}
			if version == "" {
				version = "0.0.1"
			}
			name := af.Name
			if af.Ecosystem == "Maven" {
				name = strings.Replace(name, ":", "/", 1)
			}
			purl := "pkg:" + typ + "/" + name + "@" + version
			pkg, err := matching.ParsePURL(purl)
			if err != nil || seen[pkg.Keys()[0]] {
				continue
			}
			seen[pkg.Keys()[0]] = true
			out = append(out, cra.MatchComponent{Ref: purl, Name: af.Name, Version: version, PURL: purl, MatchKeys: pkg.Keys()})
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// loadSharedOSV opens a SQLite database holding every advisory of
// ../shared/data/osv.
func loadSharedOSV(b testing.TB) (cra.Store, cra.Services, context.Context) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "osv")
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("../shared/data/osv not found (%v): the benchmark needs the shared OSV data", err)
	}
	db := testutil.MustOpenDB(b, "sqlite", time.Now)
	svcs := New(db, Options{})
	ctx := cra.WithActor(context.Background(), cra.SystemActor("bench"))
	if _, _, err := feeds.ImportPath(ctx, dir, svcs.Vulns); err != nil {
		b.Fatal(err)
	}
	return db, svcs, ctx
}

// BenchmarkWarmMatch1000 matches a 1,000-component release against all of
// the shared OSV data with the advisory cache warm: what re-matching a
// release costs once its packages have been seen.
func BenchmarkWarmMatch1000(b *testing.B) {
	db, svcs, ctx := loadSharedOSV(b)
	comps := realComponents(b, ctx, db, 1000)
	if len(comps) < 1000 {
		b.Fatalf("only %d packages in the shared data", len(comps))
	}
	m := svcs.Findings.(*FindingService).mon
	m.mu.Lock()
	defer m.mu.Unlock()
	hits, _, err := m.match(ctx, comps)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := m.match(ctx, comps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(hits)), "findings")
}

// BenchmarkColdMatch1000 is the same match with an empty cache: every
// package's advisories are read from the database and compiled.
func BenchmarkColdMatch1000(b *testing.B) {
	db, svcs, ctx := loadSharedOSV(b)
	comps := realComponents(b, ctx, db, 1000)
	m := svcs.Findings.(*FindingService).mon
	m.mu.Lock()
	defer m.mu.Unlock()
	for b.Loop() {
		clear(m.cache)
		if _, _, err := m.match(ctx, comps); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWriteBenchSBOMs writes the SBOMs the cyra scan figures of
// docs/benchmarks.md are measured with, when CYRA_BENCH_OUT names a
// directory: a CycloneDX SBOM of 1,000 packages the shared OSV data
// names, and an SPDX 2.3 SBOM of about 10 MB.
func TestWriteBenchSBOMs(t *testing.T) {
	out := os.Getenv("CYRA_BENCH_OUT")
	if out == "" {
		t.Skip("set CYRA_BENCH_OUT to a directory to write the benchmark SBOMs")
	}
	db, _, ctx := loadSharedOSV(t)
	comps := realComponents(t, ctx, db, 1000)
	type cdxComp struct {
		Ref     string `json:"bom-ref"`
		Type    string `json:"type"`
		Name    string `json:"name"`
		Version string `json:"version"`
		PURL    string `json:"purl"`
	}
	var cs []cdxComp
	for _, c := range comps {
		cs = append(cs, cdxComp{c.Ref, "library", c.Name, c.Version, c.PURL})
	}
	doc, _ := json.Marshal(map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": cs})
	if err := os.WriteFile(filepath.Join(out, "bench-1000.cdx.json"), doc, 0o644); err != nil {
		t.Fatal(err)
	}
	// SPDX: the same packages, repeated under distinct SPDX ids and file
	// entries until the document passes 10 MB.
	type pkg struct {
		ID       string           `json:"SPDXID"`
		Name     string           `json:"name"`
		Version  string           `json:"versionInfo"`
		Download string           `json:"downloadLocation"`
		Refs     []map[string]any `json:"externalRefs"`
	}
	var pkgs []pkg
	var rels []map[string]string
	size := 0
	for i := 0; size < 11<<20; i++ {
		c := comps[i%len(comps)]
		id := fmt.Sprintf("SPDXRef-Package-%d", i)
		pkgs = append(pkgs, pkg{ID: id, Name: c.Name, Version: c.Version, Download: "NOASSERTION",
			Refs: []map[string]any{{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": c.PURL}}})
		rels = append(rels, map[string]string{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": id})
		size += 330 + len(c.PURL) + len(c.Name)*2
	}
	spdx, _ := json.Marshal(map[string]any{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
		"name": "bench", "documentNamespace": "https://example.com/bench", "creationInfo": map[string]any{"created": "2026-11-26T00:00:00Z", "creators": []string{"Tool: cyra-bench"}},
		"packages": pkgs, "relationships": rels})
	if err := os.WriteFile(filepath.Join(out, "bench-10mb.spdx.json"), spdx, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d components and an SPDX document of %d bytes", len(comps), len(spdx))
}

// BenchmarkScanCold scans the benchmark SBOM written by TestWriteBenchSBOMs
// (CYRA_BENCH_OUT) with fresh services each time, as cyra scan does.
func BenchmarkScanCold(b *testing.B) {
	out := os.Getenv("CYRA_BENCH_OUT")
	if out == "" {
		b.Skip("set CYRA_BENCH_OUT to the directory TestWriteBenchSBOMs wrote")
	}
	doc, err := os.ReadFile(filepath.Join(out, "bench-1000.cdx.json"))
	if err != nil {
		b.Fatal(err)
	}
	db, _, ctx := loadSharedOSV(b)
	for b.Loop() {
		svcs := New(db, Options{})
		if _, err := svcs.Findings.Scan(ctx, "bench.json", doc, ""); err != nil {
			b.Fatal(err)
		}
	}
}
