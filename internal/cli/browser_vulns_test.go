package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cyra/internal/testutil"
)

// osvRecord is an OSV record of a PyPI package that aliases a CVE.
const osvRecord = `{
  "schema_version": "1.6.0",
  "id": "GHSA-j8r2-6x86-q33q",
  "modified": "2024-05-20T12:00:00Z",
  "published": "2024-05-01T10:00:00Z",
  "aliases": ["CVE-2024-35195", "PYSEC-2024-60"],
  "summary": "Nordlicht parser follows symbolic links outside its root",
  "details": "A crafted archive makes nordlicht-parser write outside the extraction directory.",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N"}],
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "nordlicht-parser", "purl": "pkg:pypi/nordlicht-parser"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.2.0"}]}],
    "versions": ["3.0.0", "3.1.0", "3.1.1"]
  }],
  "references": [{"type": "ADVISORY", "url": "https://github.com/advisories/GHSA-j8r2-6x86-q33q"}],
  "database_specific": {"cwe_ids": ["CWE-59"], "severity": "HIGH"}
}
`

// TestBrowserVulnerabilityImport imports an OSV record through the feeds
// page's file input, then finds it by its CVE id and reads its page.
func TestBrowserVulnerabilityImport(t *testing.T) {
	testutil.RequireBrowser(t)
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "GHSA-j8r2-6x86-q33q.json")
			if err := os.WriteFile(file, []byte(osvRecord), 0o644); err != nil {
				t.Fatal(err)
			}
			u, _ := startBrowser(t, d, true)
			s := u.s

			// The feeds page shows the five feeds, all disabled (serve runs
			// with --feeds none), and the import form.
			u.open("/feeds")
			rows, err := s.FindAll("tr[data-feed]")
			if err != nil || len(rows) != 5 {
				u.fail("%d feed rows, %v", len(rows), err)
			}
			if forms, _ := s.FindAll(`form[action="/feeds/sync"]`); len(forms) != 0 {
				u.fail("%d sync forms for disabled feeds", len(forms))
			}
			u.snap("feeds")

			// Import the record through the file input.
			u.must(mustFind(u, "#file").SendKeys(file))
			u.click(`form[action="/feeds/import"] button[type=submit]`)
			u.waitPath("/feeds/import")
			want := "Imported GHSA-j8r2-6x86-q33q.json (osv): 1 added, 0 changed, 0 unchanged, 0 skipped."
			if got := u.text(`[data-testid="import-result"]`); got != want {
				u.fail("import result %q, want %q", got, want)
			}
			u.snap("imported")

			// Searching the CVE id leads to the vulnerability's page.
			u.open("/vulnerabilities")
			u.fill("#q", "cve-2024-35195")
			u.click(`form.filters button[type=submit]`)
			u.waitPath("/vulnerabilities/CVE-2024-35195")
			if h := u.text("h1"); h != "CVE-2024-35195" {
				u.fail("heading %q", h)
			}
			if a := u.text(`[data-testid="aliases"]`); !strings.Contains(a, "CVE-2024-35195") || !strings.Contains(a, "GHSA-j8r2-6x86-q33q") ||
				!strings.Contains(a, "PYSEC-2024-60") {
				u.fail("aliases %q", a)
			}
			if lead := u.text("p.lead"); lead != "Nordlicht parser follows symbolic links outside its root" {
				u.fail("summary %q", lead)
			}
			cells, err := s.FindAll("section.panel table tbody tr td")
			if err != nil || len(cells) != 4 {
				u.fail("affected package table: %d cells, %v", len(cells), err)
			}
			var got []string
			for _, c := range cells {
				txt, err := c.Text()
				u.must(err)
				got = append(got, txt)
			}
			if strings.Join(got, "|") != "PyPI|nordlicht-parser|ECOSYSTEM: introduced 0, fixed 3.2.0|3.0.0, 3.1.0, 3.1.1" {
				u.fail("affected package row %q", got)
			}
			u.snap("vulnerability")

			// The search page lists it too.
			u.open("/vulnerabilities?q=nordlicht")
			if sum := u.text(`[data-testid="vulns-summary"]`); sum != "1 vulnerabilities." {
				u.fail("summary %q", sum)
			}
			u.click(`a[href="/vulnerabilities/CVE-2024-35195"]`)
			u.waitPath("/vulnerabilities/CVE-2024-35195")
		})
	}
}
