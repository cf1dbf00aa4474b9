package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cyra/internal/testutil"
)

// kevNordlicht is a KEV catalog listing the CVE of osvRecord.
const kevNordlicht = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2024.06.03","dateReleased":"2024-06-03T15:00:00.000Z","count":1,
"vulnerabilities":[{"cveID":"CVE-2024-35195","vendorProject":"Nordlicht","product":"nordlicht-parser","vulnerabilityName":"Nordlicht parser link following",
"dateAdded":"2024-06-03","shortDescription":"Nordlicht parser follows symbolic links outside its root.","requiredAction":"Apply updates.",
"dueDate":"2024-06-24","knownRansomwareCampaignUse":"Unknown","notes":"","cwes":["CWE-59"]}]}`

// sensorHubSBOM is a CycloneDX SBOM of a product using nordlicht-parser
// 3.1.0 (affected by osvRecord, fixed in 3.2.0) directly.
const sensorHubSBOM = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
 "metadata":{"timestamp":"2026-03-01T10:00:00Z","component":{"bom-ref":"hub","type":"application","name":"sensor-hub","version":"2.1.0"}},
 "components":[
  {"bom-ref":"parser","type":"library","name":"nordlicht-parser","version":"3.1.0","purl":"pkg:pypi/nordlicht-parser@3.1.0"},
  {"bom-ref":"requests","type":"library","name":"requests","version":"2.32.3","purl":"pkg:pypi/requests@2.32.3"}],
 "dependencies":[{"ref":"hub","dependsOn":["parser","requests"]}]}`

// TestBrowserFindingTriage imports an advisory and a KEV catalog through
// the feeds page and an SBOM through a release page, finds the finding in
// the findings list, triages it not affected for every version of the
// product and checks its history and the dashboard's exposure.
func TestBrowserFindingTriage(t *testing.T) {
	testutil.RequireBrowser(t)
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"GHSA-j8r2-6x86-q33q.json": osvRecord, "kev.json": kevNordlicht, "sensor-hub.cdx.json": sensorHubSBOM}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			u, _ := startBrowser(t, d, true)
			s := u.s
			display := func(css string) string {
				t.Helper()
				out, err := s.ExecuteScript(`return getComputedStyle(document.querySelector(arguments[0])).display;`, css)
				u.must(err)
				return strings.Trim(string(out), `"`)
			}

			// A product with a release on the market.
			u.open("/products/new")
			u.fill("#name", "Nordlicht Sensor Hub")
			u.fill("#intended_purpose", "Collects readings from building sensors.")
			u.click("form.stack button[type=submit]")
			u.waitPath("/products/1")
			u.click(`a[href="/products/1/releases/new"]`)
			u.waitPath("/products/1/releases/new")
			u.fill("#version", "2.1.0")
			u.click(`#status option[value="released"]`)
			for id, v := range map[string]string{"release_date": "2026-03-01", "placed_on_market": "2026-03-15", "support_end": "2031-12"} {
				_, err := s.ExecuteScript(`document.getElementById(arguments[0]).value = arguments[1]; return true;`, id, v)
				u.must(err)
			}
			u.click("form.stack button[type=submit]")
			u.waitURL("done=release-created")
			cur, err := s.CurrentURL()
			u.must(err)
			release := regexp.MustCompile(`/releases/\d+`).FindString(cur)
			if release == "" {
				u.fail("release URL %q", cur)
			}

			// The advisory and the KEV catalog through the feeds page.
			for _, name := range []string{"GHSA-j8r2-6x86-q33q.json", "kev.json"} {
				u.open("/feeds")
				u.must(mustFind(u, "#file").SendKeys(filepath.Join(dir, name)))
				u.click(`form[action="/feeds/import"] button[type=submit]`)
				u.waitPath("/feeds/import")
				if got := u.text(`[data-testid="import-result"]`); !strings.Contains(got, "1 added") {
					u.fail("import of %s: %q", name, got)
				}
			}

			// The SBOM through the release page; the release now has a finding.
			u.open(release)
			if got := u.text(`[data-testid="release-findings"]`); !strings.HasPrefix(got, "Findings: 0 open") {
				u.fail("release without SBOM: %q", got)
			}
			u.must(mustFind(u, "#sbom-file").SendKeys(filepath.Join(dir, "sensor-hub.cdx.json")))
			u.click(`form[action="` + release + `/sbom"] button[type=submit]`)
			u.waitURL("done=sbom-imported")
			if got := u.text(`[data-testid="release-findings"]`); got != "Findings: 1 open" {
				u.fail("release findings %q", got)
			}
			u.snap("release")

			// The dashboard shows the exposure: one release on the market
			// with one high, KEV-listed finding, and the trend.
			u.open("/")
			if got := u.text(`[data-testid="exposure-summary"]`); !strings.HasPrefix(got, "1 release on the market, with 1 actionable finding, 1 of them known exploited.") {
				u.fail("exposure summary %q", got)
			}
			for sev, want := range map[string]string{"critical": "0", "high": "1", "kev": "1", "exploited": "1"} {
				if got := u.text(`[data-testid="exposure-counts"] td[data-sev="` + sev + `"]`); got != want {
					u.fail("exposure %s %q, want %s", sev, got, want)
				}
			}
			if lines, err := s.FindAll(`[data-testid="exposure-trend"] polyline`); err != nil || len(lines) != 4 {
				u.fail("trend lines: %d %v", len(lines), err)
			}
			if got := u.text(`[data-testid="at-risk"] tbody tr`); !strings.Contains(got, "Nordlicht Sensor Hub 2.1.0") || !strings.Contains(got, "1 actionable") {
				u.fail("at-risk row %q", got)
			}
			_, err = s.ExecuteScript(`document.getElementById("exposure").scrollIntoView(); return true;`)
			u.must(err)
			u.snap("dashboard-exposed")

			// The findings list, from the nav bar.
			u.click(`nav a[href="/findings"]`)
			u.waitPath("/findings")
			rows, err := s.FindAll("table.findings tbody tr")
			if err != nil || len(rows) != 1 {
				u.fail("%d finding rows, %v", len(rows), err)
			}
			row, err := rows[0].Text()
			u.must(err)
			for _, want := range []string{"CVE-2024-35195", "High 8.1", "KEV 2024-06-03", "nordlicht-parser@3.1.0", "3.2.0", "Nordlicht Sensor Hub 2.1.0", "Untriaged"} {
				if !strings.Contains(row, want) {
					u.fail("finding row %q lacks %q", row, want)
				}
			}
			u.snap("findings")
			link := mustFind(u, "table.findings tbody tr td a")
			href, err := link.Attribute("href")
			u.must(err)
			u.must(link.Click())
			u.waitPath(href)
			if h := u.text("h1"); h != "CVE-2024-35195 in nordlicht-parser 3.1.0" {
				u.fail("finding heading %q", h)
			}
			if got := u.text(`[data-testid="finding-path"]`); got != "Direct: Nordlicht Sensor Hub → nordlicht-parser" {
				u.fail("dependency path %q", got)
			}
			if got := u.text(`[data-testid="finding-fixed"]`); got != "3.2.0 Upgrade to 3.2.0" {
				u.fail("fixed versions %q", got)
			}

			// The justification shows only for "not affected".
			if got := display(".if-not-affected"); got != "none" {
				u.fail("justification shown before choosing a status: %q", got)
			}
			u.click(`#t-status option[value="not_affected"]`)
			if got := display(".if-not-affected"); got == "none" {
				u.fail("justification hidden for not affected")
			}
			// Without a justification and an impact statement the decision
			// is refused, with the reasons next to the fields.
			u.click(`input[name="scope"][value="product"]`)
			u.fill("#t-comment", "Checked the archive code path.")
			u.click("form.triage button[type=submit]")
			u.waitPath(href + "/triage")
			if msg := u.text("#err-justification"); !strings.Contains(msg, "justification") {
				u.fail("justification message %q", msg)
			}
			if msg := u.text("#err-impact"); msg == "" {
				u.fail("no impact message")
			}
			if checked, _ := mustFind(u, `input[name="scope"][value="product"]`).Attribute("checked"); checked != "true" {
				u.fail("the scope choice was lost: %q", checked)
			}
			u.snap("triage-invalid")
			u.click(`#t-justification option[value="vulnerable_code_not_in_execute_path"]`)
			u.fill("#t-impact", "The Sensor Hub never extracts archives with nordlicht-parser.")
			u.click("form.triage button[type=submit]")
			u.waitURL("done=triaged")
			if f := u.text(".flash"); f != "Decision recorded." {
				u.fail("flash %q", f)
			}
			if got := u.text(`[data-testid="finding-status"]`); got != "Not affected" {
				u.fail("status %q", got)
			}
			decision := u.text(`[data-testid="finding-decision"]`)
			for _, want := range []string{"All versions of the product", "Vulnerable code not in execute path", "never extracts archives", "greta@nordlicht.example"} {
				if !strings.Contains(decision, want) {
					u.fail("decision %q lacks %q", decision, want)
				}
			}
			hist, err := s.FindAll(`[data-testid="triage-history"] tbody tr`)
			if err != nil || len(hist) != 1 {
				u.fail("%d history rows, %v", len(hist), err)
			}
			if txt, _ := hist[0].Text(); !strings.Contains(txt, "greta@nordlicht.example") || !strings.Contains(txt, "Not affected") ||
				!strings.Contains(txt, "All versions of the product") || !strings.Contains(txt, "Checked the archive code path.") {
				u.fail("history row %q", txt)
			}
			u.snap("triaged")

			// The list and the dashboard follow the decision.
			u.open("/findings?status=not_affected")
			if rows, _ := s.FindAll("table.findings tbody tr"); len(rows) != 1 {
				u.fail("%d not-affected rows", len(rows))
			}
			u.open("/")
			if got := u.text(`[data-testid="exposure-summary"]`); !strings.HasPrefix(got, "1 release on the market, with 0 actionable findings.") {
				u.fail("exposure after triage %q", got)
			}
			if got := u.text(`[data-testid="at-risk-none"]`); got == "" {
				u.fail("a release is still at risk")
			}
			u.snap("dashboard-triaged")

			// On a phone-sized screen no page scrolls sideways.
			u.must(s.SetWindowSize(400, 800))
			for _, p := range []string{"/", "/findings", href, "/findings?severity=extreme"} {
				u.noSidewaysScroll(p)
			}
			u.must(s.SetWindowSize(1280, 900))
		})
	}
}
