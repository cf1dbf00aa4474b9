package cli

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds"
	"cyra/internal/service"
)

// runBench builds a synthetic portfolio and measures the figures
// docs/benchmarks.md records: SBOM upload with matching, re-matching a
// release, and how long a new advisory or KEV entry takes to reach the
// findings of every release that holds its package.
func runBench(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "bench", "bench [--releases N] [--components N] [--packages N] [--osv PATH] [--data DIR | --database-url URL]")
	releases := f.Int("releases", 10000, "releases in the synthetic portfolio")
	perRelease := f.Int("components", 500, "components per release")
	packages := f.Int("packages", 20000, "distinct packages the components are drawn from")
	advisories := f.Int("advisories", 20, "new advisories to time")
	osvPath := f.String("osv", "", "also import OSV data from this directory or zip first (e.g. ../shared/data/osv)")
	seed := f.Uint64("seed", 1, "random seed")
	cpuProfile := f.String("cpuprofile", "", "write a CPU profile of the propagation measurements to this file")
	db := dbFlags{data: f.String("data", "", "directory for the SQLite database (default: a temporary one, removed afterwards)"),
		url: f.String("database-url", "", "PostgreSQL URL of an empty database (default: SQLite)")}
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *releases < 1 || *perRelease < 1 || *packages < *perRelease || *advisories < 1 {
		return usagef("--releases, --components and --advisories must be positive and --packages at least --components")
	}
	if *db.url == "" && *db.data == "" {
		dir, err := os.MkdirTemp("", "cyra-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*db.data = dir
	}
	store, err := db.open(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	svcs := service.New(store, service.Options{Version: Version()})
	sys := cra.WithActor(ctx, cra.SystemActor("bench"))
	if ps, err := svcs.Products.Portfolio(sys); err != nil {
		return err
	} else if len(ps.Products) > 0 {
		return usagef("the database already holds products: run cyra bench on an empty database (the default is a temporary one)")
	}
	out := e.stdout
	fmt.Fprintf(out, "cyra bench: %d releases × %d components from %d packages; %s, %d CPUs\n", *releases, *perRelease, *packages, runtime.GOARCH, runtime.NumCPU())

	if *osvPath != "" {
		start := time.Now()
		if _, _, err := feeds.ImportPath(sys, *osvPath, svcs.Vulns); err != nil {
			return err
		}
		fmt.Fprintf(out, "OSV import of %s: %s\n", *osvPath, time.Since(start).Round(time.Millisecond))
	}

	rng := rand.New(rand.NewPCG(*seed, 2))
	// Every package has ten versions 1.0.0–1.0.9; an advisory affects
	// versions below 1.0.5.
	pkgName := func(i int) string { return fmt.Sprintf("bench-pkg-%05d", i) }
	p, err := svcs.Products.CreateProduct(sys, cra.Product{Name: "Bench product"})
	if err != nil {
		return err
	}
	// Seed advisories on 2% of the packages, so uploads produce findings.
	var seeded []cra.Advisory
	for i := 0; i < *packages; i += 50 {
		seeded = append(seeded, benchAdvisory(fmt.Sprintf("BENCH-SEED-%05d", i), pkgName(i)))
	}
	if _, err := svcs.Vulns.ImportAdvisories(sys, "bench", seeded); err != nil {
		return err
	}

	upload := make([]time.Duration, 0, *releases)
	var releaseIDs []int64
	start := time.Now()
	for r := range *releases {
		rel, err := svcs.Products.CreateRelease(sys, p.ID, cra.Release{Version: fmt.Sprintf("1.%d", r), ReleaseDate: cra.Date{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
			PlacedOnMarket: cra.Date{Time: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, SupportEnd: cra.YearMonth{Year: 2031, Month: 12}, Status: cra.ReleaseReleased})
		if err != nil {
			return err
		}
		doc := benchSBOM(rng, *perRelease, *packages, pkgName)
		t := time.Now()
		if _, err := svcs.SBOMs.ImportSBOM(sys, rel.ID, "bench.json", doc, cra.FormatCycloneDXJSON); err != nil {
			return err
		}
		upload = append(upload, time.Since(t))
		releaseIDs = append(releaseIDs, rel.ID)
		if (r+1)%1000 == 0 {
			fmt.Fprintf(e.stderr, "  %d releases loaded (%s)\n", r+1, time.Since(start).Round(time.Second))
		}
	}
	fmt.Fprintf(out, "portfolio built in %s\n", time.Since(start).Round(time.Second))
	fmt.Fprintf(out, "SBOM upload (%d components, parse + store + match): %s\n", *perRelease, quantiles(upload))

	var rematch []time.Duration
	for i := range min(50, len(releaseIDs)) {
		t := time.Now()
		if _, err := svcs.Findings.Rematch(sys, []int64{releaseIDs[i*len(releaseIDs)/min(50, len(releaseIDs))]}); err != nil {
			return err
		}
		rematch = append(rematch, time.Since(t))
	}
	fmt.Fprintf(out, "re-match of one release (read, match, save, exposure): %s\n", quantiles(rematch))

	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var newAdv, kev []time.Duration
	affected := 0
	for i := range *advisories {
		// Packages that no advisory covers yet.
		pkg := pkgName(1 + i*(*packages / *advisories))
		if (1+i*(*packages / *advisories))%50 == 0 {
			pkg = pkgName(2 + i*(*packages / *advisories))
		}
		a := benchAdvisory(fmt.Sprintf("BENCH-NEW-%05d", i), pkg)
		a.Aliases = []string{fmt.Sprintf("CVE-2099-%05d", i+1)}
		a.Digest = benchDigest(a)
		t := time.Now()
		if _, err := svcs.Vulns.ImportAdvisories(sys, "bench", []cra.Advisory{a}); err != nil {
			return err
		}
		newAdv = append(newAdv, time.Since(t))
		_, n, err := svcs.Findings.Findings(sys, cra.FindingFilter{Vuln: a.ID, Limit: 1})
		if err != nil {
			return err
		}
		affected += n
		t = time.Now()
		var entries []cra.KEVEntry
		for j := 0; j <= i; j++ {
			entries = append(entries, cra.KEVEntry{CVE: fmt.Sprintf("CVE-2099-%05d", j+1), DateAdded: cra.Date{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}})
		}
		if _, err := svcs.Vulns.ImportKEV(sys, "bench", cra.KEVCatalog{Version: fmt.Sprint(i), Entries: entries}); err != nil {
			return err
		}
		kev = append(kev, time.Since(t))
	}
	fmt.Fprintf(out, "new advisory → findings in every affected release (%.0f releases each on average): %s\n", float64(affected)/float64(*advisories), quantiles(newAdv))
	fmt.Fprintf(out, "new KEV entry → findings' KEV flags refreshed: %s\n", quantiles(kev))
	_, total, err := svcs.Findings.Findings(sys, cra.FindingFilter{Limit: 1})
	if err != nil {
		return err
	}
	t := time.Now()
	if _, _, err := svcs.Findings.Findings(sys, cra.FindingFilter{KEV: true, Limit: 50}); err != nil {
		return err
	}
	fmt.Fprintf(out, "findings list (KEV filter, first page of %d open findings): %s\n", total, time.Since(t).Round(time.Microsecond))
	t = time.Now()
	if _, err := svcs.Findings.Exposure(sys, 90); err != nil {
		return err
	}
	fmt.Fprintf(out, "dashboard exposure: %s\n", time.Since(t).Round(time.Microsecond))
	if rss := peakRSS(); rss != "" {
		fmt.Fprintf(out, "peak RSS: %s\n", rss)
	}
	return nil
}

// benchAdvisory is an OSV advisory affecting versions of an npm package
// below 1.0.5.
func benchAdvisory(id, pkg string) cra.Advisory {
	a := cra.Advisory{Source: cra.SourceOSV, ID: id, Summary: "synthetic flaw in " + pkg,
		Severity: []cra.Severity{{Type: "CVSS_V3", Score: 7.5, Rating: "HIGH"}},
		Affected: []cra.Affected{{Ecosystem: "npm", Name: pkg, Ranges: []cra.Range{{Type: "SEMVER", Events: []cra.RangeEvent{{Introduced: "0"}, {Fixed: "1.0.5"}}}}}}}
	a.Digest = benchDigest(a)
	a.Raw = []byte(`{"id":"` + id + `"}`)
	return a
}

func benchDigest(a cra.Advisory) string {
	b, _ := json.Marshal(a)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// benchSBOM is a CycloneDX SBOM of n distinct packages of the pool, the
// first ten direct and the rest below them.
func benchSBOM(rng *rand.Rand, n, pool int, name func(int) string) []byte {
	picked := map[int]bool{}
	var b strings.Builder
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"bom-ref":"app","type":"application","name":"bench","version":"1"}},"components":[`)
	refs := make([]string, 0, n)
	for len(refs) < n {
		i := rng.IntN(pool)
		if picked[i] {
			continue
		}
		picked[i] = true
		ref := fmt.Sprintf("%s@1.0.%d", name(i), rng.IntN(10))
		if len(refs) > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"bom-ref":%q,"type":"library","name":%q,"version":%q,"purl":"pkg:npm/%s"}`, ref, name(i), ref[strings.IndexByte(ref, '@')+1:], ref)
		refs = append(refs, ref)
	}
	b.WriteString(`],"dependencies":[`)
	direct := refs[:min(10, len(refs))]
	dj, _ := json.Marshal(direct)
	fmt.Fprintf(&b, `{"ref":"app","dependsOn":%s}`, dj)
	for i, r := range direct {
		var below []string
		for j := len(direct) + i; j < len(refs); j += len(direct) {
			below = append(below, refs[j])
		}
		bj, _ := json.Marshal(below)
		fmt.Fprintf(&b, `,{"ref":%q,"dependsOn":%s}`, r, bj)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// quantiles formats the median, 95th percentile and maximum.
func quantiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("p50 %s, p95 %s, max %s (n=%d)", q(0.5).Round(10*time.Microsecond), q(0.95).Round(10*time.Microsecond), s[len(s)-1].Round(10*time.Microsecond), len(s))
}

// peakRSS reads the process's peak resident set size on Linux.
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
