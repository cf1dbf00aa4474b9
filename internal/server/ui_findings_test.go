package server_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// pypiAdvisory is an OSV record of a PyPI package fixed in fixed, rated
// by vector.
func pypiAdvisory(id, pkg, fixed, vector string, score float64, rating string) cra.Advisory {
	a := osvAdvisory(id, "A flaw in "+pkg, nil, nil)
	a.Affected = []cra.Affected{{Ecosystem: "PyPI", Name: pkg, Ranges: []cra.Range{{Type: "ECOSYSTEM", Events: []cra.RangeEvent{{Introduced: "0"}, {Fixed: fixed}}}}}}
	a.Severity = []cra.Severity{{Type: "CVSS_V3", Vector: vector, Score: score, Rating: rating}}
	a.Digest = fmt.Sprintf("%064x", len(id)*31+len(pkg))
	return a
}

func TestFindingPages(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		s := newFeedSite(t, db)
		admin := s.browser(t)
		admin.post("/setup?token="+s.setup, "/setup", setupValues(s.setup))
		people := map[string]*browser{}
		for _, role := range []string{"member", "auditor"} {
			email := role + "@acme.example"
			if resp, _ := admin.post("/settings/users", "/settings/users", url.Values{"email": {email}, "role": {role}, "kind": {"person"}, "password": {"quartz-meadow-kiln-44"}}); resp.StatusCode != 303 {
				t.Fatalf("create %s: %d", role, resp.StatusCode)
			}
			b := s.browser(t)
			b.post("/login", "/login", url.Values{"email": {email}, "password": {"quartz-meadow-kiln-44"}})
			people[role] = b
		}
		member, auditor := people["member"], people["auditor"]
		ctx := adminContext(t, s)
		mustContain := func(what, body string, wants ...string) {
			t.Helper()
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", what, w)
				}
			}
		}

		// A product with a release on the market and a planned one.
		resp, body := admin.post("/products/new", "/products", productValues("Nordlicht App", cra.LicensingProprietary))
		prod := "/products/" + created(t, resp, body)
		resp, body = admin.post(prod+"/releases/new", prod+"/releases", url.Values{"version": {"1.0"}, "status": {"released"},
			"release_date": {"2026-01-10"}, "placed_on_market": {"2026-01-15"}, "support_end": {"2031-12"}})
		rel1ID := created(t, resp, body)
		rel1 := "/releases/" + rel1ID
		resp, body = admin.post(prod+"/releases/new", prod+"/releases", url.Values{"version": {"0.9"}, "status": {"planned"}})
		rel2ID := created(t, resp, body)
		rel2 := "/releases/" + rel2ID

		// Advisories: acme-lib (critical, KEV-listed), beta-lib (medium),
		// and 50 of paging-lib to fill more than a page.
		const cve = "CVE-2024-12345"
		advs := []cra.Advisory{osvAdvisory("GHSA-abcd-efgh-ijkl", "Acme lib path traversal", []string{cve}, nil),
			pypiAdvisory("GHSA-beta-beta-beta", "beta-lib", "1.2.0", "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N", 4.2, "MEDIUM")}
		for i := range 50 {
			advs = append(advs, pypiAdvisory(fmt.Sprintf("GHSA-pg%02d-pgpg-pgpg", i), "paging-lib", "9.0", "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 2.0, "LOW"))
		}
		if _, err := s.svc.Vulns.ImportAdvisories(ctx, "test", advs); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.svc.Vulns.ImportFile(ctx, "kev.json", []byte(kevCatalog)); err != nil {
			t.Fatal(err)
		}

		// SBOMs through the release pages: 1.0 uses acme-lib directly and
		// beta-lib through it; 0.9 an older acme-lib and paging-lib.
		for rel, sbom := range map[string][]byte{
			rel1: cdxSBOM("1.0.0", []cdxComponent{{"acme-lib", "2.3.0", "pkg:pypi/acme-lib@2.3.0", true}, {"beta-lib", "1.0.0", "pkg:pypi/beta-lib@1.0.0", false}}),
			rel2: cdxSBOM("0.9.0", []cdxComponent{{"acme-lib", "2.0.0", "pkg:pypi/acme-lib@2.0.0", true}, {"paging-lib", "1.0", "pkg:pypi/paging-lib@1.0", true}}),
		} {
			if resp, body := admin.uploadSBOM(rel, rel+"/sbom", "bom.json", sbom, ""); resp.StatusCode != 303 {
				t.Fatalf("upload to %s: %d %s", rel, resp.StatusCode, body)
			}
		}
		findingOf := func(relID, vuln string) int64 {
			t.Helper()
			list, _, err := s.svc.Findings.Findings(ctx, cra.FindingFilter{ReleaseID: mustID(t, relID), Vuln: vuln})
			if err != nil || len(list) != 1 {
				t.Fatalf("finding of %s in release %s: %v %v", vuln, relID, list, err)
			}
			return list[0].ID
		}
		kevID, betaID := findingOf(rel1ID, cve), findingOf(rel1ID, "GHSA-beta-beta-beta")
		kevPage := fmt.Sprintf("/findings/%d", kevID)

		// The nav bar and the release page lead to the findings.
		_, body = member.get(rel1)
		mustContain("release page", body, `<a href="/findings" >Findings</a>`, `<p data-testid="release-findings"><a href="/findings?release=`+rel1ID+`">Findings: 2 open</a>`)

		// The list, riskiest first: the KEV-listed finding leads.
		resp, body = member.get("/findings?release=" + rel1ID)
		if resp.StatusCode != 200 {
			t.Fatalf("findings: %d %s", resp.StatusCode, body)
		}
		rows := regexp.MustCompile(`<tr data-finding="(\d+)">`).FindAllStringSubmatch(body, -1)
		if len(rows) != 2 || rows[0][1] != fmt.Sprint(kevID) || rows[1][1] != fmt.Sprint(betaID) {
			t.Fatalf("rows %v, want %d then %d", rows, kevID, betaID)
		}
		mustContain("findings of 1.0", body, `<a href="`+kevPage+`">`+cve+`</a>`, `<span class="badge off">Critical 9.8</span>`,
			`<span class="badge off" data-testid="kev">KEV 2024-07-01</span>`, "acme-lib@2.3.0", "<td>2.4.1</td>", `<span class="badge neutral">Untriaged</span>`,
			`<span class="badge warn">Medium 4.2</span>`, "beta-lib@1.0.0", `data-testid="findings-summary">Showing 1–2 of 2 findings.`,
			`<option value="`+rel1ID+`" selected>Nordlicht App 1.0</option>`, `<a href="/releases/`+rel1ID+`">Nordlicht App 1.0</a>`,
			`aria-sort="descending"><a href="/findings?release=`+rel1ID+`">Exploited</a>`, `<a href="/findings?release=`+rel1ID+`&amp;sort=epss">EPSS</a>`)

		// Filters.
		for q, want := range map[string]int{
			"?severity=critical":                       2,
			"?kev=on&release=" + rel1ID:                1,
			"?exploited=on&release=" + rel2ID:          1,
			"?component=BETA":                          1,
			"?vuln=" + strings.ToLower(cve):            2,
			"?on_market=on":                            2,
			"?status=untriaged&release=" + rel1ID:      2,
			"?status=affected":                         0,
			"?state=resolved":                          0,
			"?epss=50%25":                              0,
			"?severity=medium&sort=severity&state=all": 3,
		} {
			_, body := member.get("/findings" + q)
			if n := strings.Count(body, "<tr data-finding="); n != want {
				t.Errorf("findings%s: %d rows, want %d", q, n, want)
			}
		}
		_, body = member.get("/findings?status=affected")
		mustContain("no match", body, "No finding matches these filters.", `<a href="/findings">Clear filters</a>`)
		// Bad filters are shown next to their fields.
		resp, body = member.get("/findings?severity=extreme&epss=2&release=abc&state=gone")
		if resp.StatusCode != 400 {
			t.Fatalf("bad filters: %d", resp.StatusCode)
		}
		for _, field := range []string{"severity", "epss", "release", "state"} {
			if !strings.Contains(body, `<p class="field-error" id="err-`+field+`">`) {
				t.Errorf("bad filters: no error for %s", field)
			}
		}
		if strings.Contains(body, "<tr data-finding=") {
			t.Error("bad filters still list findings")
		}

		// 51 findings of 0.9: two pages of 50.
		_, body = member.get("/findings?release=" + rel2ID)
		mustContain("page 1", body, "Showing 1–50 of 51 findings.", `<a href="/findings?page=2&amp;release=`+rel2ID+`" rel="next">`)
		_, body = member.get("/findings?page=2&release=" + rel2ID)
		mustContain("page 2", body, "Showing 51–51 of 51 findings.", `rel="prev"`)
		if n := strings.Count(body, "<tr data-finding="); n != 1 {
			t.Errorf("page 2: %d rows", n)
		}

		// The finding's page: everything about it, and the triage form.
		resp, body = member.get(kevPage)
		if resp.StatusCode != 200 {
			t.Fatalf("finding page: %d %s", resp.StatusCode, body)
		}
		mustContain("finding page", body, "<h1>"+cve+" in acme-lib 2.3.0</h1>", "Acme lib path traversal",
			`<a href="/vulnerabilities/`+cve+`" data-testid="vuln-link">`+cve+`</a>`, `data-testid="kev-badge">CISA KEV since 2024-07-01<`,
			`data-testid="finding-path">Direct: Nordlicht App → acme-lib</dd>`, "<strong>Upgrade to 2.4.1</strong>", `<code class="purl">pkg:pypi/acme-lib@2.3.0</code>`,
			`<form method="post" action="`+kevPage+`/triage" class="stack triage"`, `<select id="t-status" name="status" required`,
			`<input type="radio" name="scope" value="release" checked> This release (Nordlicht App 1.0)`,
			`<input type="radio" name="scope" value="product" > All versions of the product, now and future`,
			`<option value="vulnerable_code_not_in_execute_path" >Vulnerable code not in execute path</option>`,
			`<input type="checkbox" name="responses" value="workaround_available" > Workaround available`,
			`data-testid="no-history">No decisions recorded.`, "No decision yet: the finding is untriaged.")
		_, body = member.get(fmt.Sprintf("/findings/%d", betaID))
		mustContain("transitive finding", body, `data-testid="finding-path">Transitive: Nordlicht App → acme-lib → beta-lib</dd>`)

		// An auditor reads but sees no form, and is refused.
		_, body = auditor.get(kevPage)
		mustContain("auditor's finding page", body, "Your role can read findings but not triage them.")
		if strings.Contains(body, `action="`+kevPage+`/triage"`) {
			t.Error("the auditor sees the triage form")
		}
		resp, body = auditor.post(kevPage, kevPage+"/triage", url.Values{"status": {"affected"}, "scope": {"release"}})
		if resp.StatusCode != 403 || !strings.Contains(body, `class="error-summary" role="alert"`) {
			t.Fatalf("auditor triage: %d %s", resp.StatusCode, body)
		}

		// Without the CSRF token the decision is refused.
		if resp, _ = member.send("POST", kevPage+"/triage", url.Values{"status": {"affected"}}); resp.StatusCode != 403 {
			t.Fatalf("triage without CSRF token: %d", resp.StatusCode)
		}

		// An incomplete not_affected decision is shown again with its
		// problems next to the fields.
		resp, body = member.post(kevPage, kevPage+"/triage", url.Values{"status": {"not_affected"}, "scope": {"product"}, "comment": {"Looked at it."}})
		if resp.StatusCode != 400 {
			t.Fatalf("incomplete decision: %d", resp.StatusCode)
		}
		mustContain("incomplete decision", body, `<p class="field-error" id="err-justification">`, `<p class="field-error" id="err-impact">`,
			`<option value="not_affected" selected>`, `<input type="radio" name="scope" value="product" checked>`, ">Looked at it.</textarea>",
			`<select id="t-justification" name="justification" aria-invalid="true"`)
		if f, hist, _ := s.svc.Findings.Finding(ctx, kevID); f.Triage != nil || len(hist) != 0 {
			t.Fatal("a refused decision was recorded")
		}

		// The dashboard's exposure before the decision: 1.0 is on the
		// market with one critical (KEV-listed) and one medium finding.
		_, body = admin.get("/")
		mustContain("dashboard", body, `<h2 id="exposure">Exposure</h2>`, `<strong data-testid="exposure-releases">1</strong> release on the market`,
			`<strong data-testid="exposure-total">2</strong> actionable findings`, `<strong data-testid="exposure-exploited">1</strong> of them known exploited`,
			`<td data-sev="critical">1</td><td data-sev="high">0</td><td data-sev="medium">1</td>`, `<td data-sev="kev">1</td>`,
			`data-testid="exposure-trend"`, `<polyline class="sev-critical"`, `<polyline class="sev-medium"`,
			`<tr data-release="`+rel1ID+`">`, `<a href="/findings?release=`+rel1ID+`">2 actionable</a>`)
		if strings.Contains(body, `<tr data-release="`+rel2ID+`">`) {
			t.Error("a planned release is at risk on the dashboard")
		}

		// A complete decision for every version of the product.
		resp, _ = member.post(kevPage, kevPage+"/triage", url.Values{"status": {"not_affected"}, "scope": {"product"},
			"justification": {"vulnerable_code_not_in_execute_path"}, "impact": {"Nordlicht App never extracts archives."}, "comment": {"Reviewed by Mo."},
			"responses": {"update"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != kevPage+"?done=triaged#history" {
			t.Fatalf("triage: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = member.get(kevPage + "?done=triaged")
		mustContain("triaged finding", body, "Decision recorded.", `data-testid="finding-status">Not affected</span>`,
			"<dt>Applies to</dt><dd>All versions of the product</dd>", "<dd>Vulnerable code not in execute path</dd>",
			`<table class="history" data-testid="triage-history">`, "<td class=\"wrap\">member@acme.example</td>",
			"Vulnerable code not in execute path. Nordlicht App never extracts archives.", "<td class=\"wrap\">Reviewed by Mo.</td>",
			`<option value="not_affected" selected>`, "Change the decision")
		// It reaches the older release too, and the filters follow it.
		_, body = member.get(fmt.Sprintf("/findings/%d", findingOf(rel2ID, cve)))
		mustContain("0.9's finding", body, `data-testid="finding-status">Not affected</span>`)
		_, body = member.get("/findings?status=not_affected")
		if n := strings.Count(body, "<tr data-finding="); n != 2 {
			t.Errorf("not_affected filter: %d rows", n)
		}

		// The dashboard now counts only the medium finding.
		_, body = admin.get("/")
		mustContain("dashboard after triage", body, `<strong data-testid="exposure-total">1</strong> actionable finding.`,
			`<td data-sev="critical">0</td><td data-sev="high">0</td><td data-sev="medium">1</td>`, `<td data-sev="kev">0</td>`,
			`<a href="/findings?release=`+rel1ID+`">1 actionable</a>`)

		// Unknown findings, and visitors who are not signed in.
		if resp, _ = member.get("/findings/99999"); resp.StatusCode != 404 {
			t.Errorf("unknown finding: %d", resp.StatusCode)
		}
		if resp, _ = member.get("/findings/abc"); resp.StatusCode != 404 {
			t.Errorf("bad finding id: %d", resp.StatusCode)
		}
		anon := s.browser(t)
		for _, p := range []string{"/findings", kevPage} {
			if resp, _ = anon.get(p); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
				t.Errorf("anonymous %s: %d %q", p, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})
}
