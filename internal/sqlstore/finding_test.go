package sqlstore_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// Purls of the findings tests and their match keys.
const (
	jinjaPURL = "pkg:pypi/Jinja2@2.10"
	jinjaPkg  = "pkg:pypi/Jinja2"
	jinjaKey  = "PyPI/jinja2"
	netPURL   = "pkg:golang/golang.org/x/net@v0.1.0"
	netPkg    = "pkg:golang/golang.org/x/net"
	netKey    = "Go/golang.org/x/net"
	// A Red Hat binary RPM built from the openssl source package: looked
	// up by both names.
	rpmPURL = "pkg:rpm/redhat/openssl-libs@1.1.1k-7.el8?arch=x86_64&distro=rhel-8.6&upstream=openssl-1.1.1k-7.el8.src.rpm"
	rpmKey  = "Red Hat/openssl"
	rpmAlt  = "Red Hat/openssl-libs"
)

// portfolioSBOM has a matchable PyPI, Go and Red Hat component, one
// without purl and one of a type no OSV ecosystem covers.
func portfolioSBOM() *cra.SBOM {
	return &cra.SBOM{Format: cra.FormatCycloneDXJSON, SpecVersion: "1.6", Subject: &cra.Component{Ref: "app", Name: "app", Version: "1"},
		Components: []cra.Component{
			{Ref: "jinja", Name: "Jinja2", Version: "2.10", PURL: jinjaPURL, Direct: true},
			{Ref: "net", Name: "net", Version: "v0.1.0", PURL: netPURL},
			{Ref: "ssl", Name: "openssl-libs", Version: "1.1.1k-7.el8", PURL: rpmPURL},
			{Ref: "blob", Name: "vendored-blob", Version: "3"},
			{Ref: "gen", Name: "thing", Version: "1", PURL: "pkg:generic/thing@1"},
		}}
}

// jinjaAdvisory is an OSV record affecting Jinja2 (spelt as PyPI's
// advisories spell it) below 2.10.1.
func jinjaAdvisory(id string, aliases ...string) cra.Advisory {
	a := advisory(cra.SourceOSV, id, aliases...)
	a.Affected = []cra.Affected{{Ecosystem: "PyPI", Name: "jinja2", PURL: "pkg:pypi/jinja2",
		Ranges:   []cra.Range{{Type: "ECOSYSTEM", Events: []cra.RangeEvent{{Introduced: "0"}, {Fixed: "2.10.1"}}}},
		Versions: []string{"2.10"}}}
	return seal(a)
}

func TestMatchKeys(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		p := mustProduct(t, db, "Gateway")
		r1, r2 := mustRelease(t, db, p.ID, "1.0"), mustRelease(t, db, p.ID, "2.0")
		sb := saveSBOM(t, db, r1.ID, portfolioSBOM())
		saveSBOM(t, db, r2.ID, sbomOf(3, "pkg:npm/pkg%d@1.0.%d"))
		adv := jinjaAdvisory("GHSA-jjjj-jjjj-jjjj", "CVE-2019-10906")
		mustImport(t, db, adv)
		v := mustFind(t, db, "CVE-2019-10906")

		entries, err := db.AffectedEntries(ctx, []string{jinjaKey, "PyPI/nothing"})
		if err != nil || len(entries) != 1 {
			t.Fatalf("affected entries: %+v %v", entries, err)
		}
		e := entries[0]
		if e.VulnID != v.ID || e.AdvisoryID == 0 || e.Source != cra.SourceOSV || e.SourceID != adv.ID || e.Withdrawn || e.MatchKey != jinjaKey ||
			!reflect.DeepEqual(e.Affected, adv.Affected[0]) {
			t.Fatalf("affected entry %+v", e)
		}

		cs, err := db.MatchComponents(ctx, cra.MatchComponentFilter{MatchKeys: []string{jinjaKey}})
		if err != nil || len(cs) != 1 {
			t.Fatalf("by key: %+v %v", cs, err)
		}
		want := cra.MatchComponent{ComponentID: cs[0].ComponentID, ReleaseID: r1.ID, ProductID: p.ID, SBOMID: sb.ID, Ref: "jinja", Name: "Jinja2",
			Version: "2.10", PURL: jinjaPURL, Direct: true, MatchKeys: []string{jinjaKey}, PathKnown: true}
		if !reflect.DeepEqual(cs[0], want) {
			t.Fatalf("component\n got %+v\nwant %+v", cs[0], want)
		}
		// The binary's own name finds it too, with both keys.
		cs, err = db.MatchComponents(ctx, cra.MatchComponentFilter{MatchKeys: []string{rpmAlt}})
		if err != nil || len(cs) != 1 || !slices.Equal(cs[0].MatchKeys, []string{rpmKey, rpmAlt}) {
			t.Fatalf("by binary name: %+v %v", cs, err)
		}
		// By release: only the matchable components of the current SBOM.
		cs, err = db.MatchComponents(ctx, cra.MatchComponentFilter{ReleaseIDs: []int64{r1.ID}})
		if err != nil || len(cs) != 3 || cs[0].Ref != "jinja" || cs[1].Ref != "net" || cs[1].MatchKeys[0] != netKey || cs[2].Ref != "ssl" {
			t.Fatalf("by release: %+v %v", cs, err)
		}
		cs, err = db.MatchComponents(ctx, cra.MatchComponentFilter{ReleaseIDs: []int64{r1.ID, r2.ID}, MatchKeys: []string{netKey, "npm/pkg1"}})
		if err != nil || len(cs) != 2 || cs[0].Ref != "net" || cs[1].ReleaseID != r2.ID || cs[1].Ref != "c1" {
			t.Fatalf("by release and key: %+v %v", cs, err)
		}
		if _, err := db.MatchComponents(ctx, cra.MatchComponentFilter{}); cra.ErrorCode(err) != cra.EINVALID {
			t.Fatalf("empty filter: %v", err)
		}
		if n := query(t, db, `SELECT count(*) FROM components WHERE match_key = '' AND match_key_alt = ''`); n != "2" {
			t.Fatalf("%s unmatchable components, want 2", n)
		}

		// Rows written before the keys existed are filled in by Migrate,
		// in batches (r3 has more components than one batch).
		r3 := mustRelease(t, db, p.ID, "3.0")
		saveSBOM(t, db, r3.ID, sbomOf(1205, "pkg:pypi/Pkg_%d@1.0.%d"))
		keys := func() string {
			return query(t, db, `SELECT count(*) || ' ' || min(match_key) || ' ' || max(match_key) || ' ' || sum(length(match_key_alt)) FROM components`)
		}
		affected := func() string { return query(t, db, `SELECT min(match_key) FROM advisory_affected`) }
		before, beforeAffected := keys(), affected()
		if err := db.ExecForTest(ctx, `UPDATE components SET match_key = NULL, match_key_alt = NULL`); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(ctx, `UPDATE advisory_affected SET match_key = NULL`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if after := keys(); after != before || query(t, db, `SELECT count(*) FROM components WHERE match_key IS NULL`) != "0" {
			t.Fatalf("backfilled components %q, want %q", after, before)
		}
		if got := affected(); got != beforeAffected || got != jinjaKey {
			t.Fatalf("backfilled affected %q, want %q", got, beforeAffected)
		}
		if k := query(t, db, fmt.Sprintf(`SELECT match_key FROM components WHERE release_id = %d AND ref = 'c7'`, r3.ID)); k != "PyPI/pkg-7" {
			t.Fatalf("backfilled key %q", k)
		}
	})
}

// findingsFixture is a product with two releases whose SBOMs hold Jinja2
// and x/net, and three identities to find in them.
type findingsFixture struct {
	db         *sqlstore.DB
	p          *cra.Product
	r1, r2     *cra.Release
	v1, v2, v3 int64 // KEV-listed critical; EUVD-exploited high; medium
	facts      map[int64]cra.VulnFacts
}

func newFindingsFixture(t *testing.T, db *sqlstore.DB) *findingsFixture {
	t.Helper()
	x := &findingsFixture{db: db, p: mustProduct(t, db, "Gateway")}
	x.r1, x.r2 = mustRelease(t, db, x.p.ID, "1.0"), mustRelease(t, db, x.p.ID, "2.0")
	saveSBOM(t, db, x.r1.ID, portfolioSBOM())
	saveSBOM(t, db, x.r2.ID, portfolioSBOM())
	mustImport(t, db, jinjaAdvisory("GHSA-1111-1111-1111", "CVE-2024-0001"), jinjaAdvisory("GHSA-2222-2222-2222", "CVE-2024-0002"),
		advisory(cra.SourceOSV, "GO-2024-0003", "CVE-2024-0003"))
	x.v1, x.v2, x.v3 = mustFind(t, db, "CVE-2024-0001").ID, mustFind(t, db, "CVE-2024-0002").ID, mustFind(t, db, "CVE-2024-0003").ID
	kev := date("2025-03-01")
	since := t0.Add(-48 * time.Hour)
	x.facts = map[int64]cra.VulnFacts{
		x.v1: {VulnID: x.v1, Key: "CVE-2024-0001", Aliases: []string{"CVE-2024-0001", "GHSA-1111-1111-1111"}, Summary: "one", Score: 9.8,
			Rating: "critical", KEVAdded: &kev, EPSS: 0.5, EPSSPercentile: 0.9},
		x.v2: {VulnID: x.v2, Key: "CVE-2024-0002", Aliases: []string{"CVE-2024-0002"}, Summary: "two", Score: 7.5, Rating: "HIGH",
			ExploitedSince: &since, EPSS: 0.9, EPSSPercentile: 0.99},
		x.v3: {VulnID: x.v3, Key: "CVE-2024-0003", Aliases: []string{"CVE-2024-0003"}, Summary: "three", Score: 5, Rating: "MEDIUM", EPSS: 0.1},
	}
	return x
}

func jinjaMatch(release, vuln int64) cra.FindingMatch {
	return cra.FindingMatch{ReleaseID: release, Package: jinjaPkg, PURL: jinjaPURL, Component: "Jinja2", Version: "2.10", MatchKey: jinjaKey,
		VulnID: vuln, Advisory: []string{"GHSA-x"}, Fixed: []string{"2.10.1", "3.0"}, Fix: "2.10.1", Direct: true}
}

func netMatch(release, vuln int64) cra.FindingMatch {
	return cra.FindingMatch{ReleaseID: release, Package: netPkg, PURL: netPURL, Component: "net", Version: "v0.1.0", MatchKey: netKey,
		VulnID: vuln, Advisory: []string{"GO-2024-0003"}, Path: []string{"jinja"}}
}

func (x *findingsFixture) save(t *testing.T, scope cra.FindingScope, at time.Time, found ...cra.FindingMatch) cra.FindingChanges {
	t.Helper()
	ch, err := x.db.SaveFindings(context.Background(), scope, found, x.facts, at)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func counts(ch cra.FindingChanges) string {
	return fmt.Sprintf("opened %d reopened %d updated %d resolved %d new %d", ch.Opened, ch.Reopened, ch.Updated, ch.Resolved, len(ch.New))
}

func (x *findingsFixture) find(t *testing.T, f cra.FindingFilter) ([]cra.Finding, int) {
	t.Helper()
	out, total, err := x.db.FindFindings(context.Background(), f)
	if err != nil {
		t.Fatalf("%+v: %v", f, err)
	}
	return out, total
}

// vulnKeys lists the findings as "release/vuln key".
func vulnKeys(fs []cra.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Release+"/"+f.VulnKey)
	}
	return out
}

func TestSaveFindings(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		x := newFindingsFixture(t, db)
		both := cra.FindingScope{ReleaseIDs: []int64{x.r1.ID, x.r2.ID}}
		all := []cra.FindingMatch{jinjaMatch(x.r1.ID, x.v1), jinjaMatch(x.r1.ID, x.v2), netMatch(x.r1.ID, x.v3), jinjaMatch(x.r2.ID, x.v1)}
		t1, t2, t3, t4 := t0, t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)

		ch := x.save(t, both, t1, all...)
		if counts(ch) != "opened 4 reopened 0 updated 0 resolved 0 new 4" {
			t.Fatalf("first: %s", counts(ch))
		}
		netID := ch.New[2]
		f, err := db.FindFinding(ctx, netID)
		if err != nil {
			t.Fatal(err)
		}
		want := cra.Finding{ID: netID, ProductID: x.p.ID, ProductName: "Gateway", ReleaseID: x.r1.ID, Release: "1.0", Package: netPkg, PURL: netPURL,
			Component: "net", Version: "v0.1.0", MatchKey: netKey, VulnID: x.v3, VulnKey: "CVE-2024-0003", Aliases: []string{"CVE-2024-0003"},
			Summary: "three", Advisory: []string{"GO-2024-0003"}, Score: 5, Rating: "MEDIUM", EPSS: 0.1, Path: []string{"jinja"},
			FirstSeen: t1, LastSeen: t1}
		if !reflect.DeepEqual(*f, want) {
			t.Fatalf("finding\n got %+v\nwant %+v", *f, want)
		}
		if _, err := db.FindFinding(ctx, 99999); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("missing finding: %v", err)
		}

		// Seen again: updated, last seen moves, first seen stays.
		m := all[0]
		m.Version, m.PURL, m.Fix = "2.10.0", "pkg:pypi/Jinja2@2.10.0", ""
		if ch := x.save(t, both, t2, m, all[1], all[2], all[3]); counts(ch) != "opened 0 reopened 0 updated 4 resolved 0 new 0" {
			t.Fatalf("again: %s", counts(ch))
		}
		fs, total := x.find(t, cra.FindingFilter{ReleaseID: x.r1.ID, Vuln: "cve-2024-0001"})
		if total != 1 || fs[0].Version != "2.10.0" || fs[0].Fix != "" || !fs[0].FirstSeen.Equal(t1) || !fs[0].LastSeen.Equal(t2) ||
			fs[0].KEVAdded == nil || fs[0].KEVAdded.String() != "2025-03-01" || fs[0].Rating != "CRITICAL" || !fs[0].Direct ||
			!slices.Equal(fs[0].FixedVersions, []string{"2.10.1", "3.0"}) {
			t.Fatalf("updated finding %+v", fs)
		}

		// Gone from the match: resolved; back: reopened.
		if ch := x.save(t, both, t3, all[0], all[1], all[3]); counts(ch) != "opened 0 reopened 0 updated 3 resolved 1 new 0" {
			t.Fatalf("resolve: %s", counts(ch))
		}
		if f, _ := db.FindFinding(ctx, netID); f.Open() || !f.Resolved.Equal(t3) || !f.LastSeen.Equal(t2) {
			t.Fatalf("resolved finding %+v", f)
		}
		if fs, total := x.find(t, cra.FindingFilter{Resolved: true}); total != 1 || fs[0].ID != netID {
			t.Fatalf("resolved list %v", vulnKeys(fs))
		}
		ids, err := db.FindingVulnIDs(ctx)
		if err != nil || !slices.Equal(ids, []int64{x.v1, x.v2}) {
			t.Fatalf("vuln ids %v %v", ids, err)
		}
		if ch := x.save(t, both, t4, all...); counts(ch) != "opened 0 reopened 1 updated 3 resolved 0 new 1" || ch.New[0] != netID {
			t.Fatalf("reopen: %s %v", counts(ch), ch.New)
		}
		if f, _ := db.FindFinding(ctx, netID); !f.Open() || !f.FirstSeen.Equal(t1) || !f.LastSeen.Equal(t4) {
			t.Fatalf("reopened finding %+v", f)
		}

		// A scope of match keys covers those packages in every release;
		// x/net is out of scope and stays open. A found one without facts
		// keeps those it has.
		facts := x.facts
		x.facts = map[int64]cra.VulnFacts{}
		ch = x.save(t, cra.FindingScope{MatchKeys: []string{jinjaKey}}, t4, all[0])
		x.facts = facts
		if counts(ch) != "opened 0 reopened 0 updated 1 resolved 2 new 0" {
			t.Fatalf("by key: %s", counts(ch))
		}
		if fs, total := x.find(t, cra.FindingFilter{}); total != 2 || !slices.Equal(vulnKeys(fs), []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0003"}) ||
			fs[0].Score != 9.8 || fs[0].KEVAdded == nil {
			t.Fatalf("after key scope: %v %+v", vulnKeys(fs), fs)
		}
		// New facts are written by a match too.
		f1 := x.facts[x.v1]
		f1.EPSS = 0.75
		x.facts[x.v1] = f1
		if ch := x.save(t, cra.FindingScope{MatchKeys: []string{jinjaKey}}, t4, all[0]); counts(ch) != "opened 0 reopened 0 updated 1 resolved 0 new 0" {
			t.Fatalf("new facts: %s", counts(ch))
		}
		if fs, _ := x.find(t, cra.FindingFilter{Vuln: "CVE-2024-0001"}); len(fs) != 1 || fs[0].EPSS != 0.75 {
			t.Fatalf("new facts not written: %+v", fs)
		}
		// Both: those packages of those releases.
		ch = x.save(t, cra.FindingScope{ReleaseIDs: []int64{x.r2.ID}, MatchKeys: []string{jinjaKey, netKey}}, t4, jinjaMatch(x.r2.ID, x.v2))
		if counts(ch) != "opened 1 reopened 0 updated 0 resolved 0 new 1" {
			t.Fatalf("release and key: %s", counts(ch))
		}
		// A finding outside the scope is still recognised as stored, and
		// duplicates in one match are one finding.
		ch = x.save(t, cra.FindingScope{ReleaseIDs: []int64{x.r2.ID}}, t4, jinjaMatch(x.r1.ID, x.v1), jinjaMatch(x.r2.ID, x.v2), jinjaMatch(x.r2.ID, x.v2))
		if counts(ch) != "opened 0 reopened 0 updated 2 resolved 0 new 0" {
			t.Fatalf("outside scope: %s", counts(ch))
		}
		if _, err := db.SaveFindings(ctx, both, []cra.FindingMatch{jinjaMatch(99999, x.v1)}, x.facts, t4); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown release: %v", err)
		}

		// Facts change: only the findings whose facts differ are written,
		// resolved ones too (x/net's, and release 2.0's of v1, resolved
		// before v1's EPSS changed).
		f3 := x.facts[x.v3]
		f3.Score, f3.Rating = 8.1, "HIGH"
		if n, err := db.RefreshFindingFacts(ctx, []cra.VulnFacts{f3, x.facts[x.v1]}); err != nil || n != 2 {
			t.Fatalf("refresh changed %d, %v; want 2", n, err)
		}
		if n, err := db.RefreshFindingFacts(ctx, []cra.VulnFacts{f3, x.facts[x.v1]}); err != nil || n != 0 {
			t.Fatalf("second refresh changed %d, %v; want 0", n, err)
		}
		if f, _ := db.FindFinding(ctx, netID); f.Score != 8.1 || f.Rating != "HIGH" {
			t.Fatalf("refreshed %+v", f)
		}

		sums, err := db.VulnSummaries(ctx, []int64{x.v2, 99999, x.v1, x.v2})
		if err != nil || len(sums) != 2 || sums[0].ID != x.v2 || sums[1].Key != "CVE-2024-0001" || sums[1].Summary == "" {
			t.Fatalf("summaries %+v %v", sums, err)
		}
	})
}

func TestFindFindings(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		x := newFindingsFixture(t, db)
		all := []cra.FindingMatch{jinjaMatch(x.r1.ID, x.v1), jinjaMatch(x.r1.ID, x.v2), netMatch(x.r1.ID, x.v3), jinjaMatch(x.r2.ID, x.v2)}
		x.save(t, cra.FindingScope{ReleaseIDs: []int64{x.r1.ID}}, t0, all[:3]...)
		x.save(t, cra.FindingScope{ReleaseIDs: []int64{x.r2.ID}}, t0.Add(time.Hour), all[3])

		for _, c := range []struct {
			name string
			f    cra.FindingFilter
			want []string
		}{
			{"risk: KEV, then exploited, then EPSS", cra.FindingFilter{}, []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0002", "2.0/CVE-2024-0002", "1.0/CVE-2024-0003"}},
			{"severity", cra.FindingFilter{Sort: cra.FindingSortSeverity}, []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0002", "2.0/CVE-2024-0002", "1.0/CVE-2024-0003"}},
			{"epss", cra.FindingFilter{Sort: cra.FindingSortEPSS}, []string{"1.0/CVE-2024-0002", "2.0/CVE-2024-0002", "1.0/CVE-2024-0001", "1.0/CVE-2024-0003"}},
			{"first seen", cra.FindingFilter{Sort: cra.FindingSortFirstSeen}, []string{"2.0/CVE-2024-0002", "1.0/CVE-2024-0003", "1.0/CVE-2024-0002", "1.0/CVE-2024-0001"}},
			{"component", cra.FindingFilter{Sort: cra.FindingSortComponent}, []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0002", "2.0/CVE-2024-0002", "1.0/CVE-2024-0003"}},
			{"release", cra.FindingFilter{ReleaseID: x.r2.ID}, []string{"2.0/CVE-2024-0002"}},
			{"product", cra.FindingFilter{ProductID: x.p.ID, Limit: 2, Offset: 1}, []string{"1.0/CVE-2024-0002", "2.0/CVE-2024-0002"}},
			{"other product", cra.FindingFilter{ProductID: x.p.ID + 1}, nil},
			{"KEV", cra.FindingFilter{KEV: true}, []string{"1.0/CVE-2024-0001"}},
			{"exploited", cra.FindingFilter{Exploited: true}, []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0002", "2.0/CVE-2024-0002"}},
			{"EPSS", cra.FindingFilter{MinEPSS: 0.5}, []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0002", "2.0/CVE-2024-0002"}},
			{"severity at least high", cra.FindingFilter{MinSeverity: "high"}, []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0002", "2.0/CVE-2024-0002"}},
			{"severity critical", cra.FindingFilter{MinSeverity: "CRITICAL"}, []string{"1.0/CVE-2024-0001"}},
			{"component name", cra.FindingFilter{Component: "JINJA"}, []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0002", "2.0/CVE-2024-0002"}},
			{"component purl", cra.FindingFilter{Component: "x/net"}, []string{"1.0/CVE-2024-0003"}},
			{"component literal %", cra.FindingFilter{Component: "j%a"}, nil},
			{"vuln by alias", cra.FindingFilter{Vuln: "GHSA-1111-1111-1111"}, []string{"1.0/CVE-2024-0001"}},
			{"vuln by lower-case id", cra.FindingFilter{Vuln: "cve-2024-0002"}, []string{"1.0/CVE-2024-0002", "2.0/CVE-2024-0002"}},
			{"unknown vuln", cra.FindingFilter{Vuln: "CVE-1999-0001"}, nil},
			{"untriaged", cra.FindingFilter{Statuses: []cra.TriageStatus{cra.StatusUntriaged}}, []string{"1.0/CVE-2024-0001", "1.0/CVE-2024-0002", "2.0/CVE-2024-0002", "1.0/CVE-2024-0003"}},
			{"affected", cra.FindingFilter{Statuses: []cra.TriageStatus{cra.StatusAffected}}, nil},
			{"on the market", cra.FindingFilter{OnMarket: t0, KEV: true}, []string{"1.0/CVE-2024-0001"}},
			{"before the market", cra.FindingFilter{OnMarket: time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)}, nil},
			{"last day of support", cra.FindingFilter{OnMarket: time.Date(2031, 2, 28, 23, 0, 0, 0, time.UTC), KEV: true}, []string{"1.0/CVE-2024-0001"}},
			{"after support", cra.FindingFilter{OnMarket: time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC)}, nil},
			{"resolved", cra.FindingFilter{Resolved: true}, nil},
			{"all", cra.FindingFilter{All: true, ReleaseID: x.r2.ID}, []string{"2.0/CVE-2024-0002"}},
		} {
			fs, total := x.find(t, c.f)
			if got := vulnKeys(fs); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
			if c.f.Limit == 0 && total != len(c.want) {
				t.Errorf("%s: total %d, want %d", c.name, total, len(c.want))
			}
			if c.f.Limit != 0 && total != 4 {
				t.Errorf("%s: total %d, want 4", c.name, total)
			}
		}
		for _, f := range []cra.FindingFilter{{Sort: "newest"}, {MinSeverity: "bad"}, {MinEPSS: 2}, {Statuses: []cra.TriageStatus{"wontfix"}}, {Limit: -1}} {
			if _, _, err := db.FindFindings(context.Background(), f); cra.ErrorCode(err) != cra.EINVALID {
				t.Errorf("%+v: %v, want EINVALID", f, err)
			}
		}
		// A withdrawn release is off the market.
		if _, err := db.UpdateRelease(context.Background(), x.r1.ID, func(r *cra.Release) (cra.AuditRecord, error) {
			r.Status = cra.ReleaseWithdrawn
			return rec("release.update", "release", itoa(r.ID)), nil
		}); err != nil {
			t.Fatal(err)
		}
		if fs, _ := x.find(t, cra.FindingFilter{OnMarket: t0}); !slices.Equal(vulnKeys(fs), []string{"2.0/CVE-2024-0002"}) {
			t.Fatalf("withdrawn release on the market: %v", vulnKeys(fs))
		}
	})
}

func itoa(n int64) string { return fmt.Sprint(n) }

func triage(x *findingsFixture, release int64, scope cra.TriageScope, status cra.TriageStatus) *cra.Triage {
	t := &cra.Triage{ProductID: x.p.ID, ReleaseID: release, Package: jinjaPkg, VulnID: x.v1, Scope: scope, Status: status,
		By: "officer@example.com", At: t0, Responses: []string{"update"}, Comment: string(status)}
	if status == cra.StatusNotAffected {
		t.Justification, t.Impact, t.Responses = "vulnerable_code_not_present", "Templates are not rendered from user input.", nil
	}
	return t
}

func (x *findingsFixture) mustTriage(t *testing.T, d *cra.Triage) {
	t.Helper()
	if err := x.db.SaveTriage(context.Background(), d, rec("finding.triage", "finding", "")); err != nil {
		t.Fatal(err)
	}
	if d.ID == 0 {
		t.Fatal("no id")
	}
}

// statuses returns the status in force of each release's Jinja2 finding
// of v1, "release:status".
func (x *findingsFixture) statuses(t *testing.T) []string {
	t.Helper()
	fs, _ := x.find(t, cra.FindingFilter{All: true, Vuln: "CVE-2024-0001", Sort: cra.FindingSortFirstSeen})
	var out []string
	for _, f := range slices.Backward(fs) {
		s := f.Release + ":" + string(f.Status())
		if f.Triage != nil && f.Triage.Status != f.Status() {
			s += "!"
		}
		out = append(out, s)
	}
	return out
}

func TestTriage(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		x := newFindingsFixture(t, db)
		scope := cra.FindingScope{ReleaseIDs: []int64{x.r1.ID, x.r2.ID}}
		ch := x.save(t, scope, t0, jinjaMatch(x.r1.ID, x.v1), jinjaMatch(x.r2.ID, x.v1))
		f1, f2 := ch.New[0], ch.New[1]

		// A product decision covers every release; a release's own wins
		// over it, older or newer.
		notAffected := triage(x, 0, cra.ScopeProduct, cra.StatusNotAffected)
		x.mustTriage(t, notAffected)
		if got := x.statuses(t); !slices.Equal(got, []string{"1.0:not_affected", "2.0:not_affected"}) {
			t.Fatalf("after product decision: %v", got)
		}
		affected := triage(x, x.r1.ID, cra.ScopeRelease, cra.StatusAffected)
		x.mustTriage(t, affected)
		if got := x.statuses(t); !slices.Equal(got, []string{"1.0:affected", "2.0:not_affected"}) {
			t.Fatalf("after release decision: %v", got)
		}
		fixed := triage(x, 0, cra.ScopeProduct, cra.StatusFixed)
		x.mustTriage(t, fixed)
		if got := x.statuses(t); !slices.Equal(got, []string{"1.0:affected", "2.0:fixed"}) {
			t.Fatalf("after newer product decision: %v", got)
		}
		f, _ := db.FindFinding(ctx, f2)
		if f.Triage == nil || f.Triage.ID != fixed.ID || f.Triage.Scope != cra.ScopeProduct || f.Triage.ReleaseID != 0 || f.Triage.By != "officer@example.com" ||
			!f.Triage.At.Equal(t0) || !slices.Equal(f.Triage.Responses, []string{"update"}) {
			t.Fatalf("decision in force %+v", f.Triage)
		}
		if fs, _ := x.find(t, cra.FindingFilter{Statuses: []cra.TriageStatus{cra.StatusAffected, cra.StatusUnderInvestigation}}); len(fs) != 1 || fs[0].ID != f1 {
			t.Fatalf("status filter %v", vulnKeys(fs))
		}

		// A release created later inherits the product's decision when
		// its finding opens, and a resolved finding keeps its decision.
		r3 := mustRelease(t, db, x.p.ID, "3.0")
		x.save(t, cra.FindingScope{ReleaseIDs: []int64{r3.ID}}, t0.Add(time.Hour), jinjaMatch(r3.ID, x.v1))
		x.save(t, cra.FindingScope{ReleaseIDs: []int64{x.r2.ID}}, t0.Add(time.Hour))
		if got := x.statuses(t); !slices.Equal(got, []string{"1.0:affected", "2.0:fixed", "3.0:fixed"}) {
			t.Fatalf("new release: %v", got)
		}

		hist, err := db.TriageHistory(ctx, f1)
		if err != nil || len(hist) != 3 || hist[0].ID != fixed.ID || hist[1].ID != affected.ID || hist[2].ID != notAffected.ID ||
			hist[2].Justification != "vulnerable_code_not_present" || hist[2].Impact == "" || hist[1].ReleaseID != x.r1.ID {
			t.Fatalf("history of release 1: %+v %v", hist, err)
		}
		if hist, err := db.TriageHistory(ctx, f2); err != nil || len(hist) != 2 || hist[0].ID != fixed.ID || hist[1].ID != notAffected.ID {
			t.Fatalf("history of release 2: %+v %v", hist, err)
		}
		if _, err := db.TriageHistory(ctx, 99999); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("history of nothing: %v", err)
		}
		entries, err := db.FindAuditEntries(ctx, cra.AuditFilter{Action: "finding.triage"})
		if err != nil || len(entries) != 3 || entries[0].ObjectID != itoa(fixed.ID) {
			t.Fatalf("audit %+v %v", entries, err)
		}
		if err := db.SaveTriage(ctx, &cra.Triage{ProductID: 99999, Package: jinjaPkg, VulnID: x.v1, Scope: cra.ScopeProduct, Status: cra.StatusAffected, By: "a"},
			rec("finding.triage", "finding", "")); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown product: %v", err)
		}
		if err := db.SaveTriage(ctx, &cra.Triage{ProductID: x.p.ID, Package: jinjaPkg, VulnID: x.v1, Scope: cra.ScopeRelease, Status: cra.StatusAffected, By: "a"},
			rec("finding.triage", "finding", "")); cra.ErrorCode(err) != cra.EINVALID {
			t.Fatalf("release scope without release: %v", err)
		}
	})
}

func TestFindingsSurviveIdentityMerge(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		x := newFindingsFixture(t, db)
		mustImport(t, db, advisory(cra.SourceOSV, "GHSA-aaaa-aaaa-aaaa", "CVE-2025-0001"))
		mustImport(t, db, advisory(cra.SourceNVD, "CVE-2025-0002"))
		a, b := mustFind(t, db, "CVE-2025-0001").ID, mustFind(t, db, "CVE-2025-0002").ID
		// B has a finding of its own and one that collides with A's.
		scope := cra.FindingScope{ReleaseIDs: []int64{x.r1.ID}}
		ch := x.save(t, scope, t0, jinjaMatch(x.r1.ID, b), netMatch(x.r1.ID, b), netMatch(x.r1.ID, a))
		onlyB := ch.New[0]
		d := triage(x, x.r1.ID, cra.ScopeRelease, cra.StatusAffected)
		d.VulnID = b
		x.mustTriage(t, d)

		if st := mustImport(t, db, advisory(cra.SourceEUVD, "EUVD-2025-0001", "CVE-2025-0001", "CVE-2025-0002")); st.Merged != 1 {
			t.Fatalf("merge %+v", st)
		}
		f, err := db.FindFinding(ctx, onlyB)
		if err != nil || f.VulnID != a || f.Status() != cra.StatusAffected || f.Triage.ID != d.ID || f.Triage.VulnID != a {
			t.Fatalf("finding of the merged identity: %+v %v", f, err)
		}
		if hist, err := db.TriageHistory(ctx, onlyB); err != nil || len(hist) != 1 || hist[0].VulnID != a {
			t.Fatalf("history after merge %+v %v", hist, err)
		}
		fs, total := x.find(t, cra.FindingFilter{Vuln: "CVE-2025-0002", All: true})
		if total != 2 || fs[0].VulnID != a || fs[1].VulnID != a {
			t.Fatalf("findings after merge %+v", fs)
		}
		if n := query(t, db, fmt.Sprintf(`SELECT count(*) FROM findings WHERE vuln_id = %d`, b)); n != "0" {
			t.Fatalf("%s findings left on the merged-away identity", n)
		}
	})
}

func TestExposure(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		x := newFindingsFixture(t, db)
		other := mustProduct(t, db, "Sensor")
		r3 := mustRelease(t, db, other.ID, "1.0")
		saveSBOM(t, db, r3.ID, portfolioSBOM())
		// r4 is placed on the market after now: not counted.
		r4 := &cra.Release{ProductID: other.ID, Version: "2.0", PlacedOnMarket: date("2027-01-01"), SupportEnd: cra.YearMonth{Year: 2032, Month: 1},
			Status: cra.ReleasePlanned, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateRelease(ctx, r4, rec("release.create", "release", "")); err != nil {
			t.Fatal(err)
		}
		saveSBOM(t, db, r4.ID, portfolioSBOM())
		x.save(t, cra.FindingScope{ReleaseIDs: []int64{x.r1.ID, x.r2.ID, r3.ID, r4.ID}}, t0,
			jinjaMatch(x.r1.ID, x.v1), jinjaMatch(x.r1.ID, x.v2), netMatch(x.r1.ID, x.v3), // critical KEV, high exploited, medium
			jinjaMatch(x.r2.ID, x.v2), netMatch(x.r2.ID, x.v3), // high exploited, medium (resolved below)
			netMatch(r3.ID, x.v3), jinjaMatch(r3.ID, x.v1), // medium, critical KEV triaged not_affected
			jinjaMatch(r4.ID, x.v1))
		x.save(t, cra.FindingScope{ReleaseIDs: []int64{x.r2.ID}}, t0, jinjaMatch(x.r2.ID, x.v2))
		d := triage(x, r3.ID, cra.ScopeRelease, cra.StatusNotAffected)
		d.ProductID = other.ID
		x.mustTriage(t, d)
		// A finding with no rating counts as none.
		noRating := x.facts[x.v3]
		noRating.Rating, noRating.Score = "", 0
		if _, err := db.RefreshFindingFacts(ctx, []cra.VulnFacts{noRating}); err != nil {
			t.Fatal(err)
		}

		e, err := db.ExposureAt(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		want := cra.SeverityCounts{Critical: 1, High: 2, None: 2, KEV: 1, Exploited: 3}
		if e.Releases != 3 || e.Counts != want || e.NotMatchable != 6 || !e.At.Equal(t0) {
			t.Fatalf("exposure %d releases, %+v, %d not matchable", e.Releases, e.Counts, e.NotMatchable)
		}
		if len(e.AtRisk) != 3 || e.AtRisk[0].ReleaseID != x.r1.ID || e.AtRisk[1].ReleaseID != x.r2.ID || e.AtRisk[2].ReleaseID != r3.ID ||
			e.AtRisk[0].ProductName != "Gateway" || e.AtRisk[0].Release != "1.0" ||
			e.AtRisk[0].Counts != (cra.SeverityCounts{Critical: 1, High: 1, None: 1, KEV: 1, Exploited: 2}) ||
			e.AtRisk[0].Risk != cra.RiskScore(e.AtRisk[0].Counts) || e.AtRisk[2].Counts != (cra.SeverityCounts{None: 1}) {
			t.Fatalf("at risk %+v", e.AtRisk)
		}
		if e, err := db.ExposureAt(ctx, time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || e.Releases != 0 || e.Counts.Total() != 0 || len(e.AtRisk) != 0 {
			t.Fatalf("exposure after support: %+v %v", e, err)
		}

		for _, p := range []cra.ExposurePoint{{Day: date("2026-11-24"), Counts: cra.SeverityCounts{High: 9}}, {Day: date("2026-11-25"), Counts: want},
			{Day: date("2026-11-26"), Counts: cra.SeverityCounts{Low: 1}}, {Day: date("2026-11-26"), Counts: want}} {
			if err := db.SaveExposurePoint(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		trend, err := db.ExposureTrend(ctx, date("2026-11-25"))
		if err != nil || len(trend) != 2 || trend[0].Day.String() != "2026-11-25" || trend[1].Counts != want {
			t.Fatalf("trend %+v %v", trend, err)
		}
		if err := db.SaveExposurePoint(ctx, cra.ExposurePoint{}); cra.ErrorCode(err) != cra.EINVALID {
			t.Fatalf("point without day: %v", err)
		}
	})
}
