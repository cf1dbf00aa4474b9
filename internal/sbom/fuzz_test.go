package sbom_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sbom"
)

// seedCorpus adds the small corpus files of a format (when the shared
// corpus is present) and the given documents as seeds.
func seedCorpus(f *testing.F, dir string, match func(string) bool, docs ...string) {
	for _, d := range docs {
		f.Add([]byte(d))
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data", "sboms", dir)
	_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !match(path) {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Size() <= 32<<10 {
			if b, err := os.ReadFile(path); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
}

// fuzzParse asserts that Parse never panics, that every error is a
// *cra.Error with a message naming the file, and that whatever parses
// can be graded and exported.
func fuzzParse(t *testing.T, data []byte) {
	s, err := sbom.Parse("fuzz.sbom", bytes.NewReader(data), sbom.Options{MaxSize: 1 << 20})
	if err != nil {
		var e *cra.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is a %T, not a *cra.Error", err, err)
		}
		if !strings.HasPrefix(e.Message, "fuzz.sbom: ") || len(e.Message) <= len("fuzz.sbom: ") {
			t.Fatalf("message %q does not name the file", e.Message)
		}
		return
	}
	if s == nil {
		t.Fatal("nil SBOM without an error")
	}
	refs := map[string]bool{}
	for _, c := range s.Components {
		if refs[c.Ref] {
			t.Fatalf("duplicate ref %q passed", c.Ref)
		}
		refs[c.Ref] = true
	}
	sbom.Check(s)
	for _, f := range []cra.SBOMFormat{cra.FormatCycloneDXJSON, cra.FormatSPDXJSON} {
		if err := sbom.Encode(io.Discard, s, f, exportMeta); err != nil {
			t.Fatalf("Encode %s: %v", f, err)
		}
	}
}

func FuzzParseCycloneDXJSON(f *testing.F) {
	seedCorpus(f, "cyclonedx-bom-examples", func(p string) bool { return strings.HasSuffix(p, ".json") },
		cdxDoc(lib("a", "a", "pkg:npm/a@1")+","+lib("b", "b", "npm/b"), `{"ref":"app","dependsOn":["a","ghost"]},{"ref":"a","dependsOn":["a"]}`),
		truncatedCDX)
	f.Fuzz(fuzzParse)
}

func FuzzParseCycloneDXXML(f *testing.F) {
	seedCorpus(f, "cyclonedx-bom-examples", func(p string) bool { return strings.HasSuffix(p, ".xml") },
		`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1"><metadata><component type="application" bom-ref="app"><name>app</name></component></metadata>`+
			`<components><component type="library" bom-ref="a"><name>a</name><purl>pkg:npm/a@1</purl><components><component type="library"><name>b</name></component></components></component></components>`+
			`<dependencies><dependency ref="app"><dependency ref="a"/></dependency></dependencies></bom>`)
	f.Fuzz(fuzzParse)
}

func FuzzParseSPDXJSON(f *testing.F) {
	seedCorpus(f, "spdx-examples", func(p string) bool { return strings.HasSuffix(p, ".json") },
		spdxJSONDoc([]string{"a", "b"}, "app DEPENDS_ON a", "b DEPENDENCY_OF a", "app CONTAINS appbin", "appbin DYNAMIC_LINK b"))
	f.Fuzz(fuzzParse)
}

func FuzzParseSPDXTagValue(f *testing.F) {
	seedCorpus(f, "spdx-examples", func(p string) bool { return strings.HasSuffix(p, ".spdx") },
		spdxTagDoc([]string{"a", "b"}, "app DEPENDS_ON a", "b TEST_DEPENDENCY_OF a"))
	f.Fuzz(fuzzParse)
}

func FuzzParseSPDX3(f *testing.F) {
	seedCorpus(f, "spdx3-examples", func(p string) bool { return strings.HasSuffix(p, ".json") }, spdx3Doc)
	f.Fuzz(fuzzParse)
}
