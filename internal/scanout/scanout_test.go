package scanout_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/scanout"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

var meta = scanout.Meta{Version: "1.2.3", Time: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)}

// sample is a scan with a KEV-listed critical finding, a medium one in a
// second package, the same vulnerability in two versions of a package, an
// unrated uncertain one and a component without a purl.
func sample() *cra.ScanResult {
	kev := cra.Date{Time: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	return &cra.ScanResult{
		File: "app.cdx.json", Format: cra.FormatCycloneDXJSON, Components: 5, Advisories: 1234,
		FeedsAt:      time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC),
		NotMatchable: []cra.ScanComponent{{Name: "vendored-blob", Version: "1", NotMatchable: "no purl"}},
		Findings: []cra.ScanFinding{
			{PURL: "pkg:pypi/jinja2@2.10", Component: "jinja2", Version: "2.10", Ecosystem: "PyPI",
				VulnID: "CVE-2019-10906", Aliases: []string{"CVE-2019-10906", "GHSA-462w-v97r-4m45", "PYSEC-2019-217"},
				Summary: "Jinja2 sandbox escape\nvia str.format", Advisories: []string{"GHSA-462w-v97r-4m45", "PYSEC-2019-217"},
				Score: 8.6, Rating: "HIGH", FixedVersions: []string{"2.10.1"}, Fix: "2.10.1", Direct: true},
			{PURL: "pkg:golang/golang.org/x/net@v0.0.1", Component: "golang.org/x/net", Version: "v0.0.1", Ecosystem: "Go",
				VulnID: "CVE-2023-44487", Aliases: []string{"CVE-2023-44487", "GHSA-qppj-fm5r-hxr3", "GO-2023-2102"},
				Summary: "HTTP/2 rapid reset", Advisories: []string{"GO-2023-2102"}, Score: 7.5, Rating: "HIGH",
				KEV: true, KEVAdded: &kev, Exploited: true, FixedVersions: []string{"0.17.0"}, Fix: "0.17.0"},
			{PURL: "pkg:cargo/smallvec@0.6.9", Component: "smallvec", Version: "0.6.9", Ecosystem: "crates.io",
				VulnID: "RUSTSEC-2019-0009", Aliases: []string{"RUSTSEC-2019-0009", "CVE-2019-15551"}, Summary: "Double free",
				Advisories: []string{"RUSTSEC-2019-0009"}, Score: 9.8, Rating: "CRITICAL", FixedVersions: []string{"0.6.10"}, Fix: "0.6.10"},
			{PURL: "pkg:cargo/smallvec@0.6.5", Component: "smallvec", Version: "0.6.5", Ecosystem: "crates.io",
				VulnID: "RUSTSEC-2019-0009", Aliases: []string{"RUSTSEC-2019-0009", "CVE-2019-15551"}, Summary: "Double free",
				Advisories: []string{"RUSTSEC-2019-0009"}, Score: 9.8, Rating: "CRITICAL", FixedVersions: []string{"0.6.10"}, Fix: "0.6.10"},
			{PURL: "pkg:deb/debian/openssl@1.1.1n-0?distro=debian", Component: "openssl", Version: "1.1.1n-0", Ecosystem: "Debian",
				VulnID: "CVE-2099-0001", Aliases: []string{"CVE-2099-0001"}, Advisories: []string{"DSA-9999-1"}, Uncertain: true},
		},
	}
}

func write(t *testing.T, format string, r *cra.ScanResult) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := scanout.Write(&buf, format, r, meta); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

func TestTable(t *testing.T) {
	t.Parallel()
	out := write(t, scanout.FormatTable, sample())
	golden(t, "sample.table.golden", out)
	s := string(out)
	// Exploited first, then by severity.
	if i, j := strings.Index(s, "CVE-2023-44487"), strings.Index(s, "RUSTSEC-2019-0009"); i < 0 || j < 0 || i > j {
		t.Errorf("the KEV-listed finding does not come first:\n%s", s)
	}
	if !strings.Contains(s, "5 findings (2 critical, 2 high, 0 medium, 0 low, 1 unrated; 1 exploited)") {
		t.Errorf("summary line:\n%s", s)
	}
	clean := write(t, scanout.FormatTable, &cra.ScanResult{File: "x.json", Components: 3})
	if strings.Contains(string(clean), "SEVERITY") || !strings.Contains(string(clean), "0 findings") {
		t.Errorf("clean scan:\n%s", clean)
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	out := write(t, scanout.FormatJSON, sample())
	golden(t, "sample.json.golden", out)
	var doc struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	f := doc.Findings[1]
	for _, k := range []string{"purl", "id", "aliases", "severity", "kev", "exploited", "fixed_versions"} {
		if _, ok := f[k]; !ok {
			t.Errorf("finding lacks %q: %v", k, f)
		}
	}
	if f["kev"] != true || f["purl"] != "pkg:golang/golang.org/x/net@v0.0.1" {
		t.Errorf("finding: %v", f)
	}
	// Lists are [] rather than null, for jq users.
	empty := write(t, scanout.FormatJSON, &cra.ScanResult{Findings: []cra.ScanFinding{{VulnID: "X"}}})
	if bytes.Contains(empty, []byte("null")) {
		t.Errorf("null in JSON:\n%s", empty)
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	t.Parallel()
	if err := scanout.Write(&bytes.Buffer{}, "xml", sample(), meta); err == nil {
		t.Fatal("no error for an unknown format")
	}
}
