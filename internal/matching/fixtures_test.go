package matching_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cyra/internal/matching"
)

// sharedData returns ../shared/data beside the repository (see
// ../shared/data/README.md), skipping the test when it is absent.
func sharedData(t testing.TB, sub ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"..", "..", "..", "shared", "data"}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared test data %s is not available (%v); it lives in ../shared/data beside the repository", dir, err)
	}
	return dir
}

// fixtureFiles maps each fixture file of semantic-fixtures to the
// ecosystems it is checked under, as osv-scalibr's own
// TestVersion_Compare_Ecosystems does, plus the ecosystems that share an
// ordering with them (Ubuntu reads Debian versions, the RPM distributions
// Red Hat's, the apk ones Alpine's).
var fixtureFiles = map[string][]string{
	"semver-versions.txt":              {"npm", "crates.io", "Go", "Hex", "SwiftURL"},
	"rubygems-versions.txt":            {"RubyGems"},
	"rubygems-versions-generated.txt":  {"RubyGems"},
	"nuget-versions.txt":               {"NuGet"},
	"packagist-versions.txt":           {"Packagist"},
	"packagist-versions-generated.txt": {"Packagist"},
	"maven-versions.txt":               {"Maven"},
	"maven-versions-generated.txt":     {"Maven"},
	"pypi-versions.txt":                {"PyPI"},
	"pypi-versions-generated.txt":      {"PyPI"},
	"debian-versions.txt":              {"Debian", "Ubuntu"},
	"debian-versions-generated.txt":    {"Debian"},
	"cran-versions.txt":                {"CRAN"},
	"cran-versions-generated.txt":      {"CRAN"},
	"alpine-versions.txt":              {"Alpine", "Wolfi"},
	"alpine-versions-generated.txt":    {"Alpine"},
	"redhat-versions.txt":              {"Red Hat", "AlmaLinux", "Rocky Linux", "SUSE", "openSUSE"},
	"hackage-versions.txt":             {"Hackage"},
	"pub-versions.txt":                 {"Pub"},
}

// TestSemanticFixtures checks every assertion of every fixture file in
// both directions, through Compare and through pre-parsed Versions.
func TestSemanticFixtures(t *testing.T) {
	dir := sharedData(t, "semantic-fixtures")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		files++
		if _, ok := fixtureFiles[e.Name()]; !ok {
			t.Errorf("fixture file %s is not mapped to an ecosystem", e.Name())
		}
	}
	if files != len(fixtureFiles) {
		t.Errorf("found %d fixture files, want %d", files, len(fixtureFiles))
	}
	total := 0
	for file, ecos := range fixtureFiles {
		assertions := readFixture(t, filepath.Join(dir, file))
		total += len(assertions)
		for _, eco := range ecos {
			t.Run(eco+"/"+file, func(t *testing.T) {
				t.Parallel()
				failed := 0
				for _, a := range assertions {
					if !checkAssertion(t, eco, a) {
						failed++
					}
				}
				t.Logf("%s %s: %d assertions, %d failed", eco, file, len(assertions), failed)
			})
		}
	}
	t.Logf("%d fixture files, %d assertions", files, total)
	if total != 71818 {
		t.Errorf("read %d assertions, the README says 71,818", total)
	}
}

// assertion is one "A op B" line.
type assertion struct {
	a, b string
	want int
	line string
}

// readFixture parses a fixture file in the format of its README.
func readFixture(t *testing.T, path string) []assertion {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []assertion
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "// ") {
			continue
		}
		p := strings.Split(line, " ")
		if len(p) != 3 {
			t.Fatalf("%s: malformed line %q", path, line)
		}
		want := map[string]int{"<": -1, "=": 0, ">": 1}
		w, ok := want[p[1]]
		if !ok {
			t.Fatalf("%s: unknown operator in %q", path, line)
		}
		out = append(out, assertion{a: p[0], b: p[2], want: w, line: line})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkAssertion checks one assertion both ways, reporting the first
// failure.
func checkAssertion(t *testing.T, eco string, a assertion) bool {
	t.Helper()
	for _, c := range []struct {
		x, y string
		want int
	}{{a.a, a.b, a.want}, {a.b, a.a, -a.want}} {
		got, err := matching.Compare(eco, c.x, c.y)
		if err != nil {
			t.Errorf("%s: Compare(%q, %q): %v", eco, c.x, c.y, err)
			return false
		}
		if got != c.want {
			t.Errorf("%s: %q: Compare(%q, %q) = %d, want %d", eco, a.line, c.x, c.y, got, c.want)
			return false
		}
	}
	return true
}
