package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// syntheticFindings returns n matches in one release, over n identities
// (ids need not exist: findings do not reference identities), with facts
// spread over the severities, KEV and EPSS.
func syntheticFindings(release int64, n int) ([]cra.FindingMatch, map[int64]cra.VulnFacts) {
	found := make([]cra.FindingMatch, n)
	facts := make(map[int64]cra.VulnFacts, n)
	kev := date("2025-01-01")
	for i := range found {
		vuln := int64(i + 1)
		pkg := fmt.Sprintf("pkg:pypi/pkg-%d", i%400)
		found[i] = cra.FindingMatch{ReleaseID: release, Package: pkg, PURL: pkg + "@1.0", Component: fmt.Sprintf("pkg-%d", i%400), Version: "1.0",
			MatchKey: fmt.Sprintf("PyPI/pkg-%d", i%400), VulnID: vuln, Advisory: []string{fmt.Sprintf("GHSA-%04d", i)}, Fixed: []string{"1.1"}, Fix: "1.1"}
		f := cra.VulnFacts{VulnID: vuln, Key: fmt.Sprintf("CVE-2025-%05d", i), Aliases: []string{fmt.Sprintf("CVE-2025-%05d", i)},
			Summary: "A flaw", Score: float64(i%100) / 10, Rating: cra.Severities[i%5], EPSS: float64(i%1000) / 1000}
		if i%50 == 0 {
			f.KEVAdded = &kev
		}
		facts[vuln] = f
	}
	return found, facts
}

func benchRelease(b *testing.B, db *sqlstore.DB, productID int64, version string) int64 {
	r := &cra.Release{ProductID: productID, Version: version, PlacedOnMarket: date("2026-02-01"), SupportEnd: cra.YearMonth{Year: 2031, Month: 2},
		Status: cra.ReleaseReleased, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateRelease(context.Background(), r, rec("release.create", "release", "")); err != nil {
		b.Fatal(err)
	}
	return r.ID
}

func benchProduct(b *testing.B, db *sqlstore.DB, name string) int64 {
	p := &cra.Product{Name: name, OperatorRole: cra.RoleManufacturer, Licensing: cra.LicensingProprietary, Lifecycle: cra.LifecycleOnMarket,
		CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateProduct(context.Background(), p, rec("product.create", "product", "")); err != nil {
		b.Fatal(err)
	}
	return p.ID
}

// BenchmarkSaveFindings measures merging a match of 1,000 findings into
// a release: opening them all in a new release, and seeing them again
// (the steady state of a re-match: every one updated).
func BenchmarkSaveFindings(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	for _, d := range testutil.Dialects() {
		db := testutil.MustOpenDB(b, d, nil)
		product := benchProduct(b, db, "Gateway")
		b.Run(d+"/open", func(b *testing.B) {
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				release := benchRelease(b, db, product, fmt.Sprint("open-", i))
				found, facts := syntheticFindings(release, n)
				b.StartTimer()
				ch, err := db.SaveFindings(ctx, cra.FindingScope{ReleaseIDs: []int64{release}}, found, facts, t0)
				if err != nil || ch.Opened != n {
					b.Fatal(ch.Opened, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
		})
		b.Run(d+"/update", func(b *testing.B) {
			release := benchRelease(b, db, product, "update")
			found, facts := syntheticFindings(release, n)
			scope := cra.FindingScope{ReleaseIDs: []int64{release}}
			if _, err := db.SaveFindings(ctx, scope, found, facts, t0); err != nil {
				b.Fatal(err)
			}
			at := t0
			for b.Loop() {
				at = at.Add(time.Minute)
				if ch, err := db.SaveFindings(ctx, scope, found, facts, at); err != nil || ch.Updated != n {
					b.Fatal(ch.Updated, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
		})
	}
}

// BenchmarkMatchComponentsByKey measures what a re-match after a feed
// update asks: the components, across a portfolio of 100 releases of 500
// components each, of 100 packages whose advisories changed; and one
// release's components, as a new SBOM's match asks.
func BenchmarkMatchComponentsByKey(b *testing.B) {
	const releases, perRelease, keys = 100, 500, 100
	ctx := context.Background()
	for _, d := range testutil.Dialects() {
		db := testutil.MustOpenDB(b, d, nil)
		product := benchProduct(b, db, "Portfolio")
		var first int64
		for r := range releases {
			release := benchRelease(b, db, product, fmt.Sprint("r", r))
			if first == 0 {
				first = release
			}
			s := &cra.SBOM{Format: cra.FormatCycloneDXJSON, SpecVersion: "1.6"}
			for c := range perRelease {
				pkg := (c*37 + r*11) % 5000
				s.Components = append(s.Components, cra.Component{Ref: fmt.Sprint("c", c), Name: fmt.Sprint("pkg_", pkg), Version: "1.0",
					PURL: fmt.Sprintf("pkg:pypi/Pkg_%d@1.0", pkg)})
			}
			rec := &cra.SBOMRecord{ReleaseID: release, Format: s.Format, SHA256: "ab", Size: 2, ComponentCount: perRelease, UploadedBy: "a", UploadedAt: t0}
			if err := db.SaveSBOM(ctx, rec, []byte("{}"), s, rec0("sbom.import")); err != nil {
				b.Fatal(err)
			}
		}
		ks := make([]string, keys)
		for i := range ks {
			ks[i] = fmt.Sprintf("PyPI/pkg-%d", i*50)
		}
		b.Run(d+"/keys", func(b *testing.B) {
			for b.Loop() {
				if cs, err := db.MatchComponents(ctx, cra.MatchComponentFilter{MatchKeys: ks}); err != nil || len(cs) == 0 {
					b.Fatal(len(cs), err)
				}
			}
		})
		b.Run(d+"/release", func(b *testing.B) {
			for b.Loop() {
				if cs, err := db.MatchComponents(ctx, cra.MatchComponentFilter{ReleaseIDs: []int64{first}}); err != nil || len(cs) != perRelease {
					b.Fatal(len(cs), err)
				}
			}
		})
	}
}

// BenchmarkFindFindings measures the findings list over a portfolio of
// 100,000 open findings (CYRA_BENCH_FINDINGS sizes it): the default first
// page (riskiest first, with the total), a release's page and a filtered
// one.
func BenchmarkFindFindings(b *testing.B) {
	n := 100000
	if s := os.Getenv("CYRA_BENCH_FINDINGS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const perRelease = 2000
	ctx := context.Background()
	for _, d := range testutil.Dialects() {
		db := testutil.MustOpenDB(b, d, nil)
		product := benchProduct(b, db, "Portfolio")
		var some int64
		for r := range max(n/perRelease, 1) {
			release := benchRelease(b, db, product, fmt.Sprint("r", r))
			some = release
			found, facts := syntheticFindings(release, min(n, perRelease))
			if _, err := db.SaveFindings(ctx, cra.FindingScope{ReleaseIDs: []int64{release}}, found, facts, t0); err != nil {
				b.Fatal(err)
			}
		}
		if d == "postgres" {
			// What autovacuum does soon after a bulk write: statistics for
			// the planner, the visibility map for index-only counts.
			if err := db.ExecForTest(ctx, `VACUUM ANALYZE findings, releases, products, triage_decisions`); err != nil {
				b.Fatal(err)
			}
		}
		for name, f := range map[string]cra.FindingFilter{
			"page":     {},
			"release":  {ReleaseID: some},
			"critical": {MinSeverity: "CRITICAL", Sort: cra.FindingSortSeverity},
			"market":   {OnMarket: t0, KEV: true},
		} {
			b.Run(d+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if fs, _, err := db.FindFindings(ctx, f); err != nil || len(fs) == 0 {
						b.Fatal(len(fs), err)
					}
				}
			})
		}
		b.Run(d+"/exposure", func(b *testing.B) {
			for b.Loop() {
				if e, err := db.ExposureAt(ctx, t0); err != nil || e.Counts.Total() == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}
