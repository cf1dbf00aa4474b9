package kev_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/feeds/kev"
)

// sharedCatalog returns the KEV catalog of ../shared/data (relative to the
// module root), or skips the test when the shared data is not there.
func sharedCatalog(tb testing.TB) []byte {
	tb.Helper()
	path := filepath.Join("..", "..", "..", "..", "shared", "data", "kev", "known_exploited_vulnerabilities.json")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("shared KEV catalog not found at %s (see ../shared/data/README.md): %v", path, err)
	}
	return data
}

func TestParseSharedCatalog(t *testing.T) {
	t.Parallel()
	var skips []string
	cat, err := kev.Parse("kev.json", sharedCatalog(t), func(r string) { skips = append(skips, r) })
	if err != nil {
		t.Fatal(err)
	}
	if cat.Version != "2025.08.25" || cat.Released == nil || cat.Released.Format("2006-01-02") != "2025-08-25" {
		t.Errorf("Version, Released = %q, %v", cat.Version, cat.Released)
	}
	if len(cat.Entries) != 1404 || len(skips) != 0 {
		t.Errorf("%d entries, skips %q; want 1404 and none", len(cat.Entries), skips)
	}
	i := slices.IndexFunc(cat.Entries, func(e cra.KEVEntry) bool { return e.CVE == "CVE-2021-44228" })
	if i < 0 {
		t.Fatal("Log4Shell is missing")
	}
	e := cat.Entries[i]
	if e.VendorProject != "Apache" || e.Product != "Log4j2" || e.DateAdded.String() != "2021-12-10" || e.DueDate.String() != "2021-12-24" ||
		e.RansomwareUse != "Known" || !slices.Equal(e.CWEs, []string{"CWE-20", "CWE-400", "CWE-502"}) ||
		e.Notes != "https://nvd.nist.gov/vuln/detail/CVE-2021-44228" || !strings.HasPrefix(e.Name, "Apache Log4j2 Remote Code Execution") {
		t.Errorf("Log4Shell = %+v", e)
	}
	for _, e := range cat.Entries {
		if e.DateAdded.IsZero() || e.DueDate.IsZero() || (e.RansomwareUse != "Known" && e.RansomwareUse != "Unknown") {
			t.Errorf("%s: %+v", e.CVE, e)
		}
	}
}

func TestParseEntries(t *testing.T) {
	t.Parallel()
	data := `{"catalogVersion":"1","dateReleased":"not a time","vulnerabilities":[
  {"cveID":"cve-2024-0001","dateAdded":"2024-01-02","dueDate":"","knownRansomwareCampaignUse":"Unknown"},
  {"cveID":"GHSA-xxxx","dateAdded":"2024-01-02"},
  {"cveID":"CVE-2024-0002","dateAdded":"02/01/2024"},
  {"cveID":"CVE-2024-0003","dateAdded":"2024-01-02","cwes":"CWE-79"},
  {"cveID":"CVE-2024-0001","dateAdded":"2024-01-03"},
  "CVE-2024-0004"
]}`
	var skips []string
	cat, err := kev.Parse("kev.json", []byte(data), func(r string) { skips = append(skips, r) })
	if err != nil {
		t.Fatal(err)
	}
	// No dueDate and no cwes are fine; an unreadable release time is none.
	if len(cat.Entries) != 1 || cat.Entries[0].CVE != "CVE-2024-0001" || !cat.Entries[0].DueDate.IsZero() || cat.Released != nil {
		t.Errorf("catalog = %+v", cat)
	}
	want := []string{
		`kev.json: vulnerabilities[1]: cveID "GHSA-xxxx" is not a CVE id`,
		`kev.json: vulnerabilities[2]: CVE-2024-0002: dateAdded "02/01/2024" is not a date (YYYY-MM-DD)`,
		`kev.json: vulnerabilities[3]:5:67: cwes is a JSON string where a list was expected`,
		`kev.json: vulnerabilities[4]: CVE-2024-0001 is listed twice; the first entry is kept`,
		`kev.json: vulnerabilities[5]:7:17: the value is a JSON string where an object was expected`,
	}
	if !slices.Equal(skips, want) {
		t.Errorf("skips:\n%s\nwant:\n%s", strings.Join(skips, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	good := sharedCatalog(t)
	cases := []struct{ name, data, want string }{
		{"truncated", string(good[:5000]), "kev.json:"},
		{"syntax", "{\n \"vulnerabilities\": [}\n", "kev.json:2:22: invalid JSON: invalid character '}'"},
		{"type", `{"catalogVersion": 2025}`, "kev.json:1:23: catalogVersion is a JSON number where a string was expected"},
		{"not a catalog", `{"title":"x"}`, "kev.json: not a KEV catalog"},
		{"html", "<html>Access Denied</html>", "kev.json:1:1: invalid JSON"},
		{"no valid entry", `{"vulnerabilities":[{"cveID":"x"}]}`, "kev.json: the KEV catalog lists no valid entries"},
		{"empty list", `{"vulnerabilities":[]}`, "kev.json: the KEV catalog lists no valid entries"},
	}
	for _, c := range cases {
		_, err := kev.Parse("kev.json", []byte(c.data), nil)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want prefix %q", c.name, err, c.want)
		}
	}
}
