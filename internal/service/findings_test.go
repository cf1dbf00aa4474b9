package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/service"
)

// npmAdv builds an OSV advisory of one npm package affected from
// introduced up to fixed; its digest follows from all of its content, so
// a changed range is a changed record.
func npmAdv(id, cve, pkg, introduced, fixed string) cra.Advisory {
	a := cra.Advisory{Source: cra.SourceOSV, ID: id, Summary: "flaw in " + pkg,
		Severity: []cra.Severity{{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Rating: "CRITICAL"}},
		Affected: []cra.Affected{{Ecosystem: "npm", Name: pkg, Ranges: []cra.Range{{Type: "SEMVER", Events: []cra.RangeEvent{{Introduced: introduced}, {Fixed: fixed}}}}}}}
	if cve != "" {
		a.Aliases = []string{cve}
	}
	raw, _ := json.Marshal(a)
	sum := sha256.Sum256(raw)
	a.Raw, a.Digest = raw, hex.EncodeToString(sum[:])
	return a
}

// onMarket is a release placed on the market in 2026 and supported to 2031.
func onMarket(version string) cra.Release {
	return cra.Release{Version: version, ReleaseDate: mustDate("2026-01-01"), PlacedOnMarket: mustDate("2026-02-01"),
		SupportEnd: cra.YearMonth{Year: 2031, Month: 12}, Status: cra.ReleaseReleased}
}

func openFindings(t *testing.T, ctx context.Context, e *env, f cra.FindingFilter) []cra.Finding {
	t.Helper()
	fs, total, err := e.svc.Findings.Findings(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(fs) {
		t.Fatalf("total %d for %d findings", total, len(fs))
	}
	return fs
}

func TestFindingsFollowUploadsFeedsAndTriage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		if _, err := e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{
			npmAdv("GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", "lodash", "0", "4.17.21"),
		}); err != nil {
			t.Fatal(err)
		}
		p, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Gateway"})
		r1, err := e.svc.Products.CreateRelease(ctx, p.ID, onMarket("1.0"))
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := e.svc.Products.CreateRelease(ctx, p.ID, onMarket("1.1"))

		// An upload is matched at once.
		if _, err := e.svc.SBOMs.ImportSBOM(ctx, r1.ID, "bom.json", cdx("lodash@4.17.20", "express@4.18.0", "debug@2.6.9"), ""); err != nil {
			t.Fatal(err)
		}
		fs := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: r1.ID})
		if len(fs) != 1 {
			t.Fatalf("findings of 1.0: %+v", fs)
		}
		f := fs[0]
		if f.VulnKey != "CVE-2021-23337" || f.Package != "pkg:npm/lodash" || f.Version != "4.17.20" || f.Fix != "4.17.21" ||
			!slices.Equal(f.FixedVersions, []string{"4.17.21"}) || !f.Direct || f.Rating != "CRITICAL" || f.Score != 9.8 ||
			f.Status() != cra.StatusUntriaged || f.ProductName != "Gateway" || f.Release != "1.0" || !f.FirstSeen.Equal(e.clock.Now()) {
			t.Fatalf("finding: %+v", f)
		}
		if _, err := e.svc.SBOMs.ImportSBOM(ctx, r2.ID, "bom.json", cdx("lodash@4.17.20", "express@4.18.0"), ""); err != nil {
			t.Fatal(err)
		}
		f2 := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: r2.ID})
		if len(f2) != 1 {
			t.Fatalf("findings of 1.1: %+v", f2)
		}

		// An auditor may look but not decide; a bad decision names its field.
		auditor := e.mustUser(t, "auditor@example.com", cra.RoleAuditor)
		rctx := cra.WithActor(context.Background(), &cra.Actor{Kind: cra.ActorSession, UserID: auditor.ID, Email: auditor.Email, Role: cra.RoleAuditor})
		if _, err := e.svc.Findings.Triage(rctx, f.ID, cra.TriageInput{Status: cra.StatusAffected}); code(err) != cra.EFORBIDDEN {
			t.Fatalf("reader triage: %v", err)
		}
		_, err = e.svc.Findings.Triage(ctx, f.ID, cra.TriageInput{Status: cra.StatusNotAffected, Scope: cra.ScopeProduct})
		if code(err) != cra.EINVALID || cra.ErrorFields(err)["justification"] == "" {
			t.Fatalf("not_affected without justification: %v", err)
		}

		// "All versions": the decision reaches 1.1 and a release made later.
		e.clock.Advance(time.Hour)
		got, err := e.svc.Findings.Triage(ctx, f.ID, cra.TriageInput{Status: cra.StatusNotAffected, Scope: cra.ScopeProduct,
			Justification: "vulnerable_code_not_in_execute_path", Impact: "template() is never called"})
		if err != nil || got.Status() != cra.StatusNotAffected || got.Triage.Scope != cra.ScopeProduct {
			t.Fatalf("triage: %+v %v", got, err)
		}
		if f2 := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: r2.ID}); f2[0].Status() != cra.StatusNotAffected {
			t.Fatalf("product decision not applied to 1.1: %+v", f2[0].Triage)
		}
		r3, _ := e.svc.Products.CreateRelease(ctx, p.ID, onMarket("1.2"))
		e.svc.SBOMs.ImportSBOM(ctx, r3.ID, "bom.json", cdx("lodash@4.17.19"), "")
		if f3 := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: r3.ID}); len(f3) != 1 || f3[0].Status() != cra.StatusNotAffected {
			t.Fatalf("product decision not applied to a later release: %+v", f3)
		}
		// A release's own decision overrides the product's for it alone.
		e.clock.Advance(time.Hour)
		if _, err := e.svc.Findings.Triage(ctx, f2[0].ID, cra.TriageInput{Status: cra.StatusAffected, Action: "upgrade lodash", Responses: []string{"update"}}); err != nil {
			t.Fatal(err)
		}
		if got := openFindings(t, ctx, e, cra.FindingFilter{Statuses: []cra.TriageStatus{cra.StatusAffected}}); len(got) != 1 || got[0].ReleaseID != r2.ID {
			t.Fatalf("affected: %+v", got)
		}
		if got := openFindings(t, ctx, e, cra.FindingFilter{Statuses: []cra.TriageStatus{cra.StatusNotAffected}}); len(got) != 2 {
			t.Fatalf("not_affected: %+v", got)
		}
		_, hist, err := e.svc.Findings.Finding(ctx, f2[0].ID)
		if err != nil || len(hist) != 2 || hist[0].Status != cra.StatusAffected || hist[1].Scope != cra.ScopeProduct || hist[1].By != e.admin.Email {
			t.Fatalf("history: %+v %v", hist, err)
		}

		// A new SBOM keeps the finding (and its triage) while the package
		// stays affected, and resolves it when the package is upgraded.
		e.clock.Advance(time.Hour)
		e.svc.SBOMs.ImportSBOM(ctx, r1.ID, "bom2.json", cdx("lodash@4.17.19", "express@4.18.0", "debug@2.6.9"), "")
		again := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: r1.ID})
		if len(again) != 1 || again[0].ID != f.ID || again[0].Version != "4.17.19" || again[0].Status() != cra.StatusNotAffected ||
			!again[0].FirstSeen.Equal(f.FirstSeen) || !again[0].LastSeen.Equal(e.clock.Now()) {
			t.Fatalf("after a new SBOM: %+v", again)
		}
		e.svc.SBOMs.ImportSBOM(ctx, r1.ID, "bom3.json", cdx("lodash@4.17.21", "express@4.18.0", "debug@2.6.9"), "")
		if got := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: r1.ID}); len(got) != 0 {
			t.Fatalf("upgraded package still open: %+v", got)
		}
		res := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: r1.ID, Resolved: true})
		if len(res) != 1 || res[0].Resolved == nil || !res[0].Resolved.Equal(e.clock.Now()) {
			t.Fatalf("resolved: %+v", res)
		}

		// A new advisory reaches the releases that hold the package without
		// any upload; a withdrawn one does not.
		e.clock.Advance(time.Hour)
		debugAdv := npmAdv("GHSA-gxpj-cx7g-858c", "CVE-2017-16137", "debug", "2.0.0", "2.6.9")
		expressAdv := npmAdv("GHSA-0000-0000-0001", "CVE-2099-0001", "express", "0", "5.0.0")
		withdrawn := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		expressAdv.Withdrawn = &withdrawn
		lodashAll := npmAdv("GHSA-p6mc-m468-83gw", "CVE-2020-8203", "lodash", "0", "4.17.22")
		if _, err := e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{debugAdv, expressAdv, lodashAll}); err != nil {
			t.Fatal(err)
		}
		// debug 2.6.9 is the fix: not affected. lodash 4.17.21 < 4.17.22 is.
		if got := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: r1.ID}); len(got) != 1 || got[0].VulnKey != "CVE-2020-8203" || got[0].Fix != "4.17.22" {
			t.Fatalf("after new advisories: %+v", got)
		}
		all := openFindings(t, ctx, e, cra.FindingFilter{ProductID: p.ID})
		if len(all) != 5 { // 1.0: 8203; 1.1 and 1.2: 23337 and 8203
			t.Fatalf("product findings: %d %+v", len(all), all)
		}

		// KEV makes a finding exploited and first in the risk order.
		if _, err := e.svc.Vulns.ImportKEV(ctx, "kev.json", cra.KEVCatalog{Version: "1", Entries: []cra.KEVEntry{{CVE: "CVE-2020-8203", DateAdded: day("2026-11-20")}}}); err != nil {
			t.Fatal(err)
		}
		all = openFindings(t, ctx, e, cra.FindingFilter{ProductID: p.ID})
		if all[0].VulnKey != "CVE-2020-8203" || all[0].KEVAdded == nil || !all[0].Exploited() {
			t.Fatalf("risk order: %+v", all[0])
		}
		if kev := openFindings(t, ctx, e, cra.FindingFilter{KEV: true}); len(kev) != 3 {
			t.Fatalf("KEV findings: %d", len(kev))
		}

		// A changed advisory that no longer covers a version resolves it.
		e.clock.Advance(time.Hour)
		narrowed := npmAdv("GHSA-p6mc-m468-83gw", "CVE-2020-8203", "lodash", "0", "4.17.20")
		if _, err := e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{narrowed}); err != nil {
			t.Fatal(err)
		}
		// 1.0 has 4.17.21 and 1.1 4.17.20, now unaffected; 1.2 has 4.17.19.
		if got := openFindings(t, ctx, e, cra.FindingFilter{Vuln: "CVE-2020-8203"}); len(got) != 1 || got[0].ReleaseID != r3.ID {
			t.Fatalf("after narrowing: %+v", got)
		}

		// The dashboard counts actionable findings of releases on the market.
		x, err := e.svc.Findings.Exposure(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		// Actionable: 1.1's affected CVE-2021-23337 and 1.2's CVE-2020-8203
		// (its CVE-2021-23337 is not_affected for all versions).
		if x.Releases != 3 || x.Counts.Total() != 2 || x.Counts.Critical != 2 || x.Counts.KEV != 1 || len(x.AtRisk) != 2 ||
			x.AtRisk[0].ReleaseID != r3.ID || len(x.Trend) != 1 {
			t.Fatalf("exposure: %+v", x)
		}
	})
}

func TestScanMatchesWithoutStoring(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{npmAdv("GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", "lodash", "0", "4.17.21")})
		doc := cdx("lodash@4.17.20", "express@4.18.0")
		res, err := e.svc.Findings.Scan(ctx, "ci.json", doc, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Components != 2 || len(res.Findings) != 1 || res.Advisories != 1 {
			t.Fatalf("scan: %+v", res)
		}
		sf := res.Findings[0]
		if sf.PURL != "pkg:npm/lodash@4.17.20" || sf.VulnID != "CVE-2021-23337" || !slices.Contains(sf.Aliases, "GHSA-35jh-r3h4-6jhm") ||
			sf.Rating != "CRITICAL" || sf.Fix != "4.17.21" || !sf.Direct || sf.Ecosystem != "npm" {
			t.Fatalf("scan finding: %+v", sf)
		}
		if fs, _, _ := e.svc.Findings.Findings(ctx, cra.FindingFilter{All: true}); len(fs) != 0 {
			t.Fatalf("a scan stored findings: %+v", fs)
		}
		// An advisory whose ecosystem cyra cannot order makes its package
		// not matchable, never silently clean.
		gha := npmAdv("GHSA-0000-0000-0002", "", "actions/checkout", "0", "4.0.0")
		gha.Affected[0].Ecosystem, gha.Affected[0].Ranges[0].Type = "GitHub Actions", "ECOSYSTEM"
		gha.Digest = "gha"
		if _, err := e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{gha}); err != nil {
			t.Fatal(err)
		}
		doc = []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
			{"bom-ref":"a","type":"library","name":"actions/checkout","version":"2.0.0","purl":"pkg:githubactions/actions/checkout@2.0.0"},
			{"bom-ref":"b","type":"library","name":"tool","version":"1"}]}`)
		res, err = e.svc.Findings.Scan(ctx, "gha.json", doc, "")
		if err != nil || len(res.Findings) != 0 || len(res.NotMatchable) != 2 || res.NotMatchable[0].NotMatchable != "no purl" ||
			!strings.Contains(res.NotMatchable[1].NotMatchable, "GitHub Actions") {
			t.Fatalf("unorderable ecosystem: %+v %v", res, err)
		}
		if _, err := e.svc.Findings.Scan(ctx, "bad.json", []byte(`{"bomFormat":`), ""); code(err) != cra.EINVALID {
			t.Fatalf("bad SBOM: %v", err)
		}
	})
}

// TestFindingPathThroughGraph checks the dependency path of a transitive
// component, computed at upload.
func TestFindingPathThroughGraph(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{npmAdv("GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", "lodash", "0", "4.17.21")})
		p, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Gateway"})
		rel, _ := e.svc.Products.CreateRelease(ctx, p.ID, onMarket("1.0"))
		doc := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
			"metadata":{"component":{"bom-ref":"app","type":"application","name":"gateway","version":"1"}},
			"components":[
				{"bom-ref":"express","type":"library","name":"express","version":"4.18.0","purl":"pkg:npm/express@4.18.0"},
				{"bom-ref":"body-parser","type":"library","name":"body-parser","version":"1.20.0","purl":"pkg:npm/body-parser@1.20.0"},
				{"bom-ref":"lodash","type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}],
			"dependencies":[{"ref":"app","dependsOn":["express"]},{"ref":"express","dependsOn":["body-parser"]},{"ref":"body-parser","dependsOn":["lodash"]}]}`)
		if _, err := e.svc.SBOMs.ImportSBOM(ctx, rel.ID, "bom.json", doc, ""); err != nil {
			t.Fatal(err)
		}
		fs := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: rel.ID})
		if len(fs) != 1 || fs[0].Direct || strings.Join(fs[0].Path, " > ") != "express > body-parser" {
			t.Fatalf("path: %+v", fs)
		}
		// Re-matching (a new advisory) keeps it.
		e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{npmAdv("GHSA-p6mc-m468-83gw", "CVE-2020-8203", "lodash", "0", "4.17.22")})
		fs = openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: rel.ID, Vuln: "CVE-2020-8203"})
		if len(fs) != 1 || strings.Join(fs[0].Path, " > ") != "express > body-parser" {
			t.Fatalf("path after a new advisory: %+v", fs)
		}
	})
}

// TestUndecidableAdvisoryKeepsFinding checks that an advisory re-published
// with a range cyra cannot evaluate leaves its finding open instead of
// resolving it silently.
func TestUndecidableAdvisoryKeepsFinding(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		a := npmAdv("GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", "lodash", "0", "4.17.21")
		e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{a})
		p, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Gateway"})
		rel, _ := e.svc.Products.CreateRelease(ctx, p.ID, onMarket("1.0"))
		e.svc.SBOMs.ImportSBOM(ctx, rel.ID, "bom.json", cdx("lodash@4.17.20"), "")
		if fs := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: rel.ID}); len(fs) != 1 {
			t.Fatalf("findings: %+v", fs)
		}
		e.clock.Advance(time.Hour)
		a.Affected[0].Ranges[0].Type = "SEMVER2" // not a range type cyra knows
		a.Digest = "changed"
		if st, err := e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{a}); err != nil || st.Changed != 1 {
			t.Fatalf("import: %+v %v", st, err)
		}
		if fs := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: rel.ID}); len(fs) != 1 {
			t.Fatalf("an advisory that cannot decide resolved the finding: %+v", fs)
		}
		// Re-uploading the SBOM keeps it too.
		e.svc.SBOMs.ImportSBOM(ctx, rel.ID, "bom2.json", cdx("lodash@4.17.20"), "")
		if fs := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: rel.ID}); len(fs) != 1 {
			t.Fatalf("after a new SBOM: %+v", fs)
		}
	})
}

// TestCacheFollowsOtherProcesses checks that a server's advisory cache
// notices an import made by another process on the same database (the
// CLI, a replica): a later upload must not resolve what that import found.
func TestCacheFollowsOtherProcesses(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		p, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Gateway"})
		rel, _ := e.svc.Products.CreateRelease(ctx, p.ID, onMarket("1.0"))
		// The server matches the release: lodash has no advisory yet, and
		// its cache now says so.
		e.svc.SBOMs.ImportSBOM(ctx, rel.ID, "bom.json", cdx("lodash@4.17.20"), "")
		// Another process imports an advisory and finds the release.
		cli := service.New(e.db, service.Options{Now: e.clock.Now})
		if _, err := cli.Vulns.ImportAdvisories(ctx, "cli", []cra.Advisory{npmAdv("GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", "lodash", "0", "4.17.21")}); err != nil {
			t.Fatal(err)
		}
		if fs := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: rel.ID}); len(fs) != 1 {
			t.Fatalf("the importing process found nothing: %+v", fs)
		}
		// The server re-matches the release after a new upload.
		e.svc.SBOMs.ImportSBOM(ctx, rel.ID, "bom2.json", cdx("lodash@4.17.20"), "")
		if fs := openFindings(t, ctx, e, cra.FindingFilter{ReleaseID: rel.ID}); len(fs) != 1 {
			t.Fatalf("the server's stale cache resolved the finding: %+v", fs)
		}
		if res, err := e.svc.Findings.Scan(ctx, "ci.json", cdx("lodash@4.17.20"), ""); err != nil || len(res.Findings) != 1 {
			t.Fatalf("the server's scan missed it: %+v %v", res, err)
		}
	})
}
