package sbom_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sbom"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// corpusDir is the shared SBOM corpus, ../shared/data/sboms seen from the
// repository root, resolved relative to this file.
func corpusDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data", "sboms")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("../shared/data not present: %v (the SBOM corpus lives next to the repository; see shared/data/README.md)", err)
	}
	return dir
}

// parse parses a document given as a string.
func parse(t testing.TB, name, doc string) *cra.SBOM {
	t.Helper()
	s, err := sbom.Parse(name, strings.NewReader(doc), sbom.Options{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return s
}

// appError asserts err is a *cra.Error with the code and returns it.
func appError(t testing.TB, err error, code string) *cra.Error {
	t.Helper()
	var e *cra.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *cra.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("code %q, want %q; message: %s", e.Code, code, e.Message)
	}
	if strings.TrimSpace(e.Message) == "" {
		t.Fatal("empty message")
	}
	return e
}

// component finds a component by name.
func component(t testing.TB, s *cra.SBOM, name string) cra.Component {
	t.Helper()
	for _, c := range s.Components {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %q among %d", name, len(s.Components))
	return cra.Component{}
}

// hasWarning reports whether a warning contains all the parts.
func hasWarning(s *cra.SBOM, parts ...string) bool {
	for _, w := range s.Warnings {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(w, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// directNames lists the names of the direct components, sorted by
// document order.
func directNames(s *cra.SBOM) string {
	var out []string
	for _, c := range s.Components {
		if c.Direct {
			out = append(out, c.Name)
		}
	}
	return strings.Join(out, ",")
}

// edges renders the graph as "a>b" pairs of component names (refs when a
// name is missing), so graphs from different formats compare.
func edges(s *cra.SBOM) map[string]bool {
	names := map[string]string{}
	if s.Subject != nil {
		names[s.Subject.Ref] = s.Subject.Name
	}
	for _, c := range s.Components {
		names[c.Ref] = c.Name
	}
	out := map[string]bool{}
	for _, d := range s.Dependencies {
		for _, to := range d.DependsOn {
			out[fmt.Sprintf("%s>%s", names[d.Ref], names[to])] = true
		}
	}
	return out
}
