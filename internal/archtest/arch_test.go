package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "cyra"

// rule says what a package may import from cyra itself and which standard
// or third-party packages it must not import. External modules outside the
// listed ones are refused for packages with a closed list (thirdParty != nil).
type rule struct {
	internal   []string // cyra packages it may import (short names, e.g. "cra")
	forbidden  []string // import paths it must not import ("x/..." for a subtree)
	thirdParty []string // module path prefixes it may import; nil = any
}

// noIO lists the packages that do I/O; an entry ending in "/..." covers
// the subtree.
var noIO = []string{"database/sql/...", "net", "net/http/...", "os", "os/exec", "io/ioutil", "log", "log/slog"}

// rules is the layering of style.md: cra at the centre with no I/O,
// services on cra, adapters (sqlstore, api, ui) on cra, and cli as the
// only place that wires everything.
var rules = map[string]rule{
	"cra":      {internal: nil, forbidden: noIO, thirdParty: []string{}},
	"secret":   {internal: nil, forbidden: noIO, thirdParty: []string{"golang.org/x/crypto"}},
	"metrics":  {internal: nil, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"service":  {internal: []string{"cra", "secret", "sbom", "bundle", "matching"}, forbidden: []string{"database/sql/...", "net/http/...", "os/exec"}, thirdParty: []string{}},
	"sqlstore": {internal: []string{"cra", "matching"}, forbidden: []string{"net/http/..."}, thirdParty: []string{"github.com/jackc/pgx/v5", "modernc.org/sqlite"}},
	"httpx":    {internal: []string{"cra", "secret"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"api":      {internal: []string{"cra", "httpx", "manifest"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"manifest": {internal: []string{"cra"}, forbidden: noIO, thirdParty: []string{"go.yaml.in/yaml/v3"}},
	"sbom":     {internal: []string{"cra"}, forbidden: noIO, thirdParty: []string{"github.com/CycloneDX/cyclonedx-go", "github.com/spdx/tools-golang", "github.com/package-url/packageurl-go"}},
	"ui":       {internal: []string{"cra", "httpx"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"server":   {internal: []string{"cra", "httpx", "api", "ui", "metrics"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"cli": {internal: []string{"cra", "secret", "metrics", "service", "sqlstore", "httpx", "api", "ui", "server", "manifest", "sbom",
		"feeds", "jobs", "bundle", "matching", "scanout", "notify"}},
	// scanout writes scan results: pure formatting over io.Writer.
	"scanout":  {internal: []string{"cra"}, forbidden: noIO, thirdParty: []string{"github.com/CycloneDX/cyclonedx-go", "go.yaml.in/yaml/v3"}},
	"cvss":     {internal: []string{"cra"}, forbidden: noIO, thirdParty: []string{"github.com/pandatix/go-cvss"}},
	"matching": {internal: []string{"cra"}, forbidden: noIO, thirdParty: []string{"github.com/google/osv-scalibr", "github.com/package-url/packageurl-go"}},
	"bundle":   {internal: []string{"cra"}, forbidden: noIO, thirdParty: []string{}},
	"jobs":     {internal: []string{"cra"}, forbidden: []string{"database/sql/...", "net/http/..."}, thirdParty: []string{}},
	"notify":   {internal: []string{"cra"}, forbidden: []string{"database/sql/...", "os/exec"}, thirdParty: []string{}}, // reminders over net/smtp and net/http
	// The feed clients talk HTTP and read files; they know nothing of the
	// database, the services or the web packages.
	"feeds":          {internal: []string{"cra", "feeds/osv", "feeds/kev", "feeds/euvd", "feeds/nvd", "feeds/epss", "feeds/fetch"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"feeds/fetch":    {internal: nil, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"feeds/osv":      {internal: []string{"cra", "cvss", "feeds/fetch"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"feeds/kev":      {internal: []string{"cra", "feeds/fetch"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"feeds/euvd":     {internal: []string{"cra", "cvss", "feeds/fetch"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"feeds/nvd":      {internal: []string{"cra", "cvss", "feeds/fetch"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"feeds/epss":     {internal: []string{"cra", "feeds/fetch"}, forbidden: []string{"database/sql/..."}, thirdParty: []string{}},
	"webdriver":      {internal: nil, thirdParty: []string{}},
	"feeds/feedtest": {internal: []string{"cra"}, forbidden: noIO, thirdParty: []string{}},
	"testutil":       {internal: []string{"sqlstore", "webdriver"}, thirdParty: []string{}},
	"archtest":       {internal: nil, thirdParty: []string{}},
}

// testOnly packages may be imported by tests only.
var testOnly = []string{"testutil", "webdriver", "feeds/feedtest"}

type pkg struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Standard", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && first != module
}

// matches reports whether path is one of the patterns: an exact path, or
// "x/..." for x and everything under it.
func matches(path string, patterns []string) bool {
	for _, p := range patterns {
		if base, ok := strings.CutSuffix(p, "/..."); ok {
			if path == base || strings.HasPrefix(path, base+"/") {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}

func hasPrefix(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// ruleKey is the rule that governs a package (its path under internal/):
// its own when it has one ("feeds/osv"), else its top-level folder's.
func ruleKey(short string) string {
	if _, ok := rules[short]; ok {
		return short
	}
	top, _, _ := strings.Cut(short, "/")
	return top
}

func TestLayering(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		short := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module+"/"), "internal/")
		if short == "cmd/cyra" {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, module+"/") && imp != module+"/internal/cli" {
					t.Errorf("cmd/cyra imports %s; main only calls cli.Run", imp)
				}
			}
			continue
		}
		top := ruleKey(short)
		r, ok := rules[top]
		if !ok {
			t.Errorf("package %s has no layering rule; add one to rules", p.ImportPath)
			continue
		}
		seen[top] = true
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, module+"/"):
				depTop := ruleKey(strings.TrimPrefix(strings.TrimPrefix(imp, module+"/"), "internal/"))
				if depTop == top {
					continue
				}
				if slices.Contains(testOnly, depTop) && !slices.Contains(testOnly, top) {
					t.Errorf("%s imports %s, which only tests may import", p.ImportPath, imp)
				} else if !slices.Contains(r.internal, depTop) {
					t.Errorf("forbidden edge: %s imports %s", p.ImportPath, imp)
				}
			case matches(imp, r.forbidden):
				t.Errorf("forbidden edge: %s imports %s", p.ImportPath, imp)
			case !isStd(imp) && r.thirdParty != nil && !hasPrefix(imp, r.thirdParty):
				t.Errorf("%s imports third-party %s, which its rule does not allow", p.ImportPath, imp)
			}
		}
	}
	for name := range rules {
		if !seen[name] {
			t.Errorf("rule for %s matches no package; remove it", name)
		}
	}
}

// TestRulesCatchAViolation makes sure the checker is not vacuous: a
// hypothetical domain package importing database/sql must be refused.
func TestRulesCatchAViolation(t *testing.T) {
	if !matches("database/sql", rules["cra"].forbidden) || !matches("net/http/httptest", rules["cra"].forbidden) || matches("net/url", rules["cra"].forbidden) {
		t.Fatal("the cra rule does not separate I/O packages from pure ones")
	}
	if slices.Contains(rules["api"].internal, "sqlstore") || slices.Contains(rules["service"].internal, "sqlstore") {
		t.Fatal("api or service may import sqlstore")
	}
	if !isStd("net/http") || isStd("github.com/x/y") || isStd("cyra/internal/cra") {
		t.Fatal("isStd is wrong")
	}
}
