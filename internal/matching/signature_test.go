package matching

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cyra/internal/cra"
)

// TestDigitSignatureKeepsEqualVersions checks the premise of the
// versions-list look-up: in every family where digitsDecideEquality, the
// versions each "=" assertion of the semantic fixtures holds equal have
// one digit signature, and Compare agrees they are equal.
func TestDigitSignatureKeepsEqualVersions(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "semantic-fixtures")
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(files) == 0 {
		t.Skipf("shared test data %s is not available; it lives in ../shared/data beside the repository", dir)
	}
	ecos := map[string]string{"semver": "npm", "rubygems": "RubyGems", "nuget": "NuGet", "packagist": "Packagist", "maven": "Maven",
		"pypi": "PyPI", "debian": "Debian", "cran": "CRAN", "alpine": "Alpine", "redhat": "Red Hat", "hackage": "Hackage", "pub": "Pub"}
	checked := 0
	for _, path := range files {
		eco := ecos[strings.SplitN(filepath.Base(path), "-", 2)[0]]
		if eco == "" || !digitsDecideEquality(familyOf(eco)) {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			p := strings.Split(sc.Text(), " ")
			if len(p) != 3 || p[1] != "=" {
				continue
			}
			checked++
			if digitSignature(p[0]) != digitSignature(p[2]) {
				t.Errorf("%s: %s = %s but signatures %q and %q differ", eco, p[0], p[2], digitSignature(p[0]), digitSignature(p[2]))
			}
			c, err := Compile(affectedListing(eco, p[2]))
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := c.AffectsString(p[0]); err == nil && !ok {
				t.Errorf("%s: %s is listed as %s but not found", eco, p[0], p[2])
			}
		}
		f.Close()
	}
	// rpmvercmp reads "+" as a separator: the RPM family must not use
	// signatures, and its sorted look-up finds the equal version.
	c, err := Compile(affectedListing("Red Hat", "1.2.5-1.el8"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := c.AffectsString("1.2+5-1.el8"); err != nil || !ok {
		t.Errorf("Red Hat: 1.2+5-1.el8 equals the listed 1.2.5-1.el8 but is not found (%v)", err)
	}
	if checked < 100 {
		t.Fatalf("only %d equality assertions checked", checked)
	}
}

// affectedListing is an entry that lists one version.
func affectedListing(eco, version string) cra.Affected {
	return cra.Affected{Ecosystem: eco, Name: "p", Versions: []string{version}}
}
