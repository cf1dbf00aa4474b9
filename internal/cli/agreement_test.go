package cli_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/matching"
	"cyra/internal/testutil"
)

// osvScanner, when set, re-records testdata/osv-scanner with that binary
// instead of comparing (see testdata/osv-scanner/README.md).
var osvScanner = flag.String("osv-scanner", "", "path of an osv-scanner binary: re-record testdata/osv-scanner from ../shared/data")

// agreementEcosystems are the ecosystems whose advisory data in
// ../shared/data/osv is complete; only their packages are compared.
var agreementEcosystems = []string{"Go", "PyPI", "crates.io"}

// agreementCase is one SBOM of ../shared/data/sboms with Go, PyPI or
// crates.io packages.
type agreementCase struct {
	// SBOM is the path under ../shared/data/sboms, or of a fixture of
	// this package when it starts with "testdata/".
	SBOM   string
	Record string // file under testdata/osv-scanner
	// OSVName is the name the SBOM gets for osv-scanner, which chooses its
	// parser by file name (*.cdx.json, *.cdx.xml, *.spdx.json); "" when
	// osv-scanner cannot read the format and Record is another case's.
	OSVName string
}

var agreementCases = []agreementCase{
	{"cyclonedx-bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.json", "proton-bridge-v1.6.3.bom.json.json", "proton-bridge-v1.6.3.cdx.json"},
	{"cyclonedx-bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.xml", "proton-bridge-v1.6.3.bom.xml.json", "proton-bridge-v1.6.3.cdx.xml"},
	{"cyclonedx-bom-examples/SBOM/proton-bridge/proton-bridge-v1.8.0.bom.json", "proton-bridge-v1.8.0.bom.json.json", "proton-bridge-v1.8.0.cdx.json"},
	{"cyclonedx-bom-examples/SBOM/proton-bridge/proton-bridge-v1.8.0.bom.xml", "proton-bridge-v1.8.0.bom.xml.json", "proton-bridge-v1.8.0.cdx.xml"},
	{"spdx-examples/software/example11/spdx2.3/sbom.spdx.json", "example11-spdx2.3-sbom.spdx.json.json", "sbom.spdx.json"},
	// osv-scanner reads no SPDX 3: the same example's SPDX 2.3 record
	// stands in for it.
	{"spdx3-examples/software/example11/spdx3.0/sbom.spdx3.json", "example11-spdx2.3-sbom.spdx.json.json", ""},
	// Go modules without purls: neither tool can match them.
	{"spdx-examples/software/example7/spdx2.2/example7-golang.spdx.json", "example7-golang.spdx.json.json", "example7-golang.spdx.json"},
	{"spdx-examples/software/example7/spdx2.2/example7-third-party-modules.spdx.json", "example7-third-party-modules.spdx.json.json", "example7-third-party-modules.spdx.json"},
	// No shared SBOM has PyPI packages, and those above reach few kinds of
	// advisory: this fixture adds 32 packages of the three ecosystems
	// chosen for their edge cases (PEP 503 names, PEP 440 pre-releases
	// and short versions, Go pseudo-versions, +incompatible and stdlib,
	// withdrawn advisories, last_affected, versions-only entries, crates
	// with informational advisories).
	{"testdata/osv-scanner/sboms/synthetic-mix.cdx.json", "synthetic-mix.cdx.json.json", "synthetic-mix.cdx.json"},
}

// sbomPath is where a case's SBOM is.
func (c agreementCase) sbomPath(shared string) string {
	if strings.HasPrefix(c.SBOM, "testdata/") {
		return filepath.FromSlash(c.SBOM)
	}
	return filepath.Join(shared, "sboms", c.SBOM)
}

// expectedDifferences are the deliberate differences between cyra and
// osv-scanner, per SBOM, each explained in docs/matching.md. A line is
// "cyra-only ECOSYSTEM/NAME ID" or "osv-scanner-only ECOSYSTEM/NAME ID".
// The test fails on a difference not listed here and on a listed one that
// no longer occurs, so this list and the documentation stay true.
var expectedDifferences = map[string][]string{
	// PYSEC-2020-35 lists a GIT range before its ECOSYSTEM range
	// (introduced 2.2, fixed 2.2.10) and the version "2.2". osv-scanner's
	// local matcher stops at the first range that is neither ECOSYSTEM nor
	// SEMVER and compares listed versions as strings, so 2.2.0 escapes it;
	// under PEP 440 2.2.0 is 2.2 and lies in the range.
	//
	// pkg:golang/github.com/Sirupsen/logrus is the pre-2018 spelling of
	// github.com/sirupsen/logrus (GitHub paths ignore case: the same
	// code). Purl parsing lowercases golang names and cyra compares Go
	// module paths without case; osv-scanner compares them exactly and
	// misses GO-2025-4188.
	"testdata/osv-scanner/sboms/synthetic-mix.cdx.json": {
		"cyra-only PyPI/django CVE-2020-7471",
		"cyra-only Go/github.com/sirupsen/logrus CVE-2025-65637",
	},
}

// scannerRecord is what testdata/osv-scanner holds per SBOM.
type scannerRecord struct {
	SBOM     string        `json:"sbom"`
	Tool     string        `json:"tool"`
	Command  string        `json:"command"`
	Packages int           `json:"packages"` // packages osv-scanner read, of any ecosystem
	Pairs    []scannerPair `json:"pairs"`
}

type scannerPair struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	ID        string `json:"id"`
}

// pkgKey is how both sides name a package: ecosystem and normalised name.
func pkgKey(eco, name string) string {
	if eco == "PyPI" {
		name = strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(name, "-"))
	}
	return eco + "/" + name
}

func TestAgreementWithOSVScanner(t *testing.T) {
	shared := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(shared, "sboms")); err != nil {
		t.Skipf("shared test data is not available (%v): the agreement test needs ../shared/data beside the repository", err)
	}
	if *osvScanner != "" {
		recordOSVScanner(t, shared)
		return
	}
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := dbEnv(t, d)
			if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
				t.Fatal(stderr)
			}
			args := []string{"feeds", "import"}
			for _, eco := range agreementEcosystems {
				args = append(args, filepath.Join(shared, "osv", eco))
			}
			if code, out, stderr := run(t, env, "", args...); code != 0 {
				t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
			}
			for _, c := range agreementCases {
				t.Run(filepath.Base(c.SBOM), func(t *testing.T) {
					compareWithOSVScanner(t, env, shared, c)
				})
			}
		})
	}
}

func compareWithOSVScanner(t *testing.T, env map[string]string, shared string, c agreementCase) {
	b, err := os.ReadFile(filepath.Join("testdata", "osv-scanner", c.Record))
	if err != nil {
		t.Fatalf("%v (record it: see testdata/osv-scanner/README.md)", err)
	}
	var rec scannerRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, env, "", "scan", c.sbomPath(shared), "--format", "json")
	if code != 0 {
		t.Fatalf("scan: %d\n%s", code, stderr)
	}
	var res cra.ScanResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	// cyra's side: per package, every id of each finding (its identity
	// key, aliases and the advisories that matched).
	type finding struct {
		pkg string
		ids []string
	}
	var cyra []finding
	for _, f := range res.Findings {
		p, err := matching.ParsePURL(f.PURL)
		if err != nil {
			t.Fatalf("finding with an unparseable purl %s: %v", f.PURL, err)
		}
		if !slices.Contains(agreementEcosystems, p.Ecosystem) {
			continue
		}
		ids := append(append([]string{f.VulnID}, f.Aliases...), f.Advisories...)
		cyra = append(cyra, finding{pkgKey(p.Ecosystem, p.Name), ids})
	}
	var diffs []string
	for _, p := range rec.Pairs {
		key := pkgKey(p.Ecosystem, p.Name)
		if !slices.ContainsFunc(cyra, func(f finding) bool { return f.pkg == key && slices.Contains(f.ids, p.ID) }) {
			diffs = append(diffs, "osv-scanner-only "+key+" "+p.ID)
		}
	}
	matched := 0
	for _, f := range cyra {
		if slices.ContainsFunc(rec.Pairs, func(p scannerPair) bool { return pkgKey(p.Ecosystem, p.Name) == f.pkg && slices.Contains(f.ids, p.ID) }) {
			matched++
			continue
		}
		diffs = append(diffs, "cyra-only "+f.pkg+" "+f.ids[0])
	}
	slices.Sort(diffs)
	want := slices.Sorted(slices.Values(expectedDifferences[c.SBOM]))
	for _, d := range diffs {
		if !slices.Contains(want, d) {
			t.Errorf("unexpected difference: %s (fix it, or list and explain it in expectedDifferences and docs/matching.md)", d)
		}
	}
	for _, d := range want {
		if !slices.Contains(diffs, d) {
			t.Errorf("expected difference %s no longer occurs: remove it from expectedDifferences and docs/matching.md", d)
		}
	}
	t.Logf("%s: %d components; osv-scanner %d packages, %d (package, id) pairs; cyra %d findings, %d agreeing, %d not matchable; %d differences",
		c.SBOM, res.Components, rec.Packages, len(rec.Pairs), len(cyra), matched, len(res.NotMatchable), len(diffs))
}

// recordOSVScanner runs osv-scanner's offline mode on every case and
// writes testdata/osv-scanner. Its local database is built from the
// shared OSV records of the compared ecosystems, laid out as osv-scanner
// v2.6 reads it: $OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY/osv-scalibr/<Ecosystem>/all.zip.
// Every other ecosystem gets an empty database: osv-scanner stops
// matching at the first ecosystem it has no database for.
func recordOSVScanner(t *testing.T, shared string) {
	tmp := t.TempDir()
	dbDir := filepath.Join(tmp, "db")
	for _, eco := range agreementEcosystems {
		files, err := filepath.Glob(filepath.Join(shared, "osv", eco, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no OSV records for %s: %v", eco, err)
		}
		writeZip(t, filepath.Join(dbDir, "osv-scalibr", eco, "all.zip"), files)
	}
	for _, eco := range []string{"Debian", "Ubuntu", "Alpine", "npm", "Maven", "Packagist", "NuGet", "RubyGems", "GIT", "GitHub Actions"} {
		writeZip(t, filepath.Join(dbDir, "osv-scalibr", eco, "all.zip"), nil)
	}
	version, err := exec.Command(*osvScanner, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	tool := strings.TrimSpace(strings.SplitN(string(version), "\n", 2)[0])
	args := []string{"scan", "source", "--offline-vulnerabilities", "--download-offline-databases=false", "--format", "json", "--all-packages", "-L"}
	for _, c := range agreementCases {
		if c.OSVName == "" {
			continue
		}
		in := filepath.Join(tmp, "in", c.OSVName)
		data, err := os.ReadFile(c.sbomPath(shared))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(*osvScanner, append(args, in)...)
		cmd.Env = append(os.Environ(), "OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="+dbDir)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		var ee *exec.ExitError
		rec := scannerRecord{SBOM: c.SBOM, Tool: tool, Pairs: []scannerPair{},
			Command: "OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=DB osv-scanner " + strings.Join(args, " ") + " " + c.OSVName}
		switch {
		case err == nil, errors.As(err, &ee) && ee.ExitCode() == 1: // 1: vulnerabilities found
			var out struct {
				Results []struct {
					Packages []struct {
						Package struct {
							Name, Version, Ecosystem string
						} `json:"package"`
						Vulnerabilities []struct {
							ID string `json:"id"`
						} `json:"vulnerabilities"`
					} `json:"packages"`
				} `json:"results"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("%s: %v\n%s", c.SBOM, err, stderr.String())
			}
			for _, r := range out.Results {
				for _, p := range r.Packages {
					rec.Packages++
					if !slices.Contains(agreementEcosystems, p.Package.Ecosystem) {
						continue
					}
					for _, v := range p.Vulnerabilities {
						rec.Pairs = append(rec.Pairs, scannerPair{p.Package.Ecosystem, p.Package.Name, p.Package.Version, v.ID})
					}
				}
			}
		case errors.As(err, &ee) && ee.ExitCode() == 128 && strings.Contains(stderr.String(), "No package sources found"):
			// osv-scanner found no package with a purl.
		default:
			t.Fatalf("%s: osv-scanner: %v\n%s", c.SBOM, err, stderr.String())
		}
		if s := stderr.String(); strings.Contains(s, "could not load db") {
			t.Fatalf("%s: osv-scanner lacks a database; add the ecosystem to the empty ones:\n%s", c.SBOM, s)
		}
		slices.SortFunc(rec.Pairs, func(a, b scannerPair) int {
			return strings.Compare(a.Ecosystem+"/"+a.Name+"@"+a.Version+" "+a.ID, b.Ecosystem+"/"+b.Name+"@"+b.Version+" "+b.ID)
		})
		b, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "osv-scanner", c.Record), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d packages, %d pairs", c.SBOM, rec.Packages, len(rec.Pairs))
	}
}

// writeZip writes the files into a zip at path, each under its base name.
func writeZip(t *testing.T, path string, files []string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(filepath.Base(f))
		if err == nil {
			_, err = w.Write(data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
