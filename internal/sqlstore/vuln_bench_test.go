package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/testutil"
)

// syntheticAdvisories returns n OSV-like records shaped like a PyPI or
// npm ecosystem export: a CVE alias each (every tenth shared with the
// previous record, so identities merge as in real data), one to three
// affected packages with ranges and a version list, and a Raw document of
// a few kilobytes.
func syntheticAdvisories(n int) []cra.Advisory {
	out := make([]cra.Advisory, n)
	details := strings.Repeat("A crafted request makes the parser read past the end of its buffer. ", 30)
	for i := range out {
		pub := t0.Add(-time.Duration(i) * time.Hour)
		cve := fmt.Sprintf("CVE-2024-%05d", i)
		if i%10 == 9 {
			cve = fmt.Sprintf("CVE-2024-%05d", i-1)
		}
		a := cra.Advisory{Source: cra.SourceOSV, ID: fmt.Sprintf("GHSA-%04x-%04x-bench", i/65536, i%65536), Aliases: []string{cve},
			Summary: fmt.Sprintf("Buffer over-read in package %d", i), Details: details, Published: &pub, Modified: &pub,
			Severity:   []cra.Severity{{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Score: 7.5}},
			References: []cra.Reference{{Type: "ADVISORY", URL: "https://github.com/advisories/" + cve}, {Type: "FIX", URL: "https://example.com/fix"}}}
		for j := range 1 + i%3 {
			var versions []string
			for v := range 20 {
				versions = append(versions, fmt.Sprintf("1.%d.%d", j, v))
			}
			a.Affected = append(a.Affected, cra.Affected{Ecosystem: "PyPI", Name: fmt.Sprintf("pkg-%d-%d", i, j),
				PURL: fmt.Sprintf("pkg:pypi/pkg-%d-%d", i, j), Versions: versions,
				Ranges: []cra.Range{{Type: "ECOSYSTEM", Events: []cra.RangeEvent{{Introduced: "0"}, {Fixed: fmt.Sprintf("1.%d.20", j)}}}}})
		}
		out[i] = seal(a)
	}
	return out
}

// BenchmarkImportAdvisories measures a first sync: importing a few
// thousand advisories with affected ranges into an empty database in one
// call, and re-importing them unchanged (the steady state of a sync that
// finds nothing new). CYRA_BENCH_ADVISORIES=9400 sizes it like a full
// OSV ecosystem export.
func BenchmarkImportAdvisories(b *testing.B) {
	n := 3000
	if s := os.Getenv("CYRA_BENCH_ADVISORIES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	recs := syntheticAdvisories(n)
	ctx := context.Background()
	for _, d := range testutil.Dialects() {
		b.Run(d+"/new", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testutil.MustOpenDB(b, d, nil)
				b.StartTimer()
				st, err := db.ImportAdvisories(ctx, recs, nil)
				if err != nil || st.Added != n {
					b.Fatal(st, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
		b.Run(d+"/unchanged", func(b *testing.B) {
			db := testutil.MustOpenDB(b, d, nil)
			if _, err := db.ImportAdvisories(ctx, recs, nil); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if st, err := db.ImportAdvisories(ctx, recs, nil); err != nil || st.Unchanged != n {
					b.Fatal(st, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkSearchVulnerabilities measures the vulnerability list over
// 10,000 identities: the first page unfiltered and a substring query.
func BenchmarkSearchVulnerabilities(b *testing.B) {
	ctx := context.Background()
	for _, d := range testutil.Dialects() {
		db := testutil.MustOpenDB(b, d, nil)
		if _, err := db.ImportAdvisories(ctx, syntheticAdvisories(10000), nil); err != nil {
			b.Fatal(err)
		}
		for name, f := range map[string]cra.VulnFilter{"page": {Limit: 50}, "query": {Query: "over-read in package 12"}} {
			b.Run(d+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if hits, _, err := db.SearchVulnerabilities(ctx, f); err != nil || len(hits) == 0 {
						b.Fatal(len(hits), err)
					}
				}
			})
		}
	}
}

// BenchmarkSaveEPSS measures storing a day of EPSS scores: 300,000 new
// (CVE, date) pairs in one call.
func BenchmarkSaveEPSS(b *testing.B) {
	const n = 300000
	scores := make([]cra.EPSSScore, n)
	for i := range scores {
		scores[i] = cra.EPSSScore{CVE: fmt.Sprintf("CVE-%d-%05d", 2000+i/50000, i%50000), Date: date("2026-02-01"), Score: 0.01, Percentile: 0.5}
	}
	ctx := context.Background()
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testutil.MustOpenDB(b, d, nil)
				b.StartTimer()
				if st, err := db.SaveEPSS(ctx, scores, nil); err != nil || st.Added != n {
					b.Fatal(st, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "scores/s")
		})
	}
}
