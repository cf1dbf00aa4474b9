package sbom_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// spdxJSONDoc builds an SPDX 2.3 JSON document describing "app" with the
// given extra packages (names; SPDXRef-<name>) and relationships
// ("a DEPENDS_ON b").
func spdxJSONDoc(packages []string, relationships ...string) string {
	pkgs := []string{`{"name":"app","SPDXID":"SPDXRef-app","versionInfo":"1","downloadLocation":"NOASSERTION"}`}
	for _, p := range packages {
		pkgs = append(pkgs, fmt.Sprintf(`{"name":%q,"SPDXID":"SPDXRef-%s","versionInfo":"1","downloadLocation":"NOASSERTION"}`, p, p))
	}
	rels := []string{`{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-app"}`}
	for _, r := range relationships {
		f := strings.Fields(r)
		rels = append(rels, fmt.Sprintf(`{"spdxElementId":"SPDXRef-%s","relationshipType":%q,"relatedSpdxElement":"SPDXRef-%s"}`, f[0], f[1], f[2]))
	}
	return `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"d","documentNamespace":"https://example.com/d",
"creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: t"]},
"files":[{"fileName":"./app.bin","SPDXID":"SPDXRef-appbin","checksums":[{"algorithm":"SHA1","checksumValue":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}]}],
"packages":[` + strings.Join(pkgs, ",\n") + `],
"relationships":[` + strings.Join(rels, ",\n") + `]}`
}

// spdxTagDoc is the same in tag-value.
func spdxTagDoc(packages []string, relationships ...string) string {
	var b strings.Builder
	b.WriteString("SPDXVersion: SPDX-2.2\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: d\nDocumentNamespace: https://example.com/d\nCreator: Tool: t\nCreated: 2024-01-01T00:00:00Z\n")
	for _, p := range append([]string{"app"}, packages...) {
		fmt.Fprintf(&b, "\nPackageName: %s\nSPDXID: SPDXRef-%s\nPackageVersion: 1\nPackageDownloadLocation: NOASSERTION\nFilesAnalyzed: false\n", p, p)
	}
	b.WriteString("\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app\n")
	for _, r := range relationships {
		f := strings.Fields(r)
		fmt.Fprintf(&b, "Relationship: SPDXRef-%s %s SPDXRef-%s\n", f[0], f[1], f[2])
	}
	return b.String()
}

// TestDirectAndTransitive checks which components are direct
// dependencies of the subject, the edges, and the scopes implied by the
// relationship types, for each format.
func TestDirectAndTransitive(t *testing.T) {
	abcd := []string{"a", "b", "c", "d"}
	tests := []struct {
		name     string
		doc      string
		direct   string   // names of direct components, in document order
		edges    []string // "from>to" by name, sorted
		hasGraph bool
		scopes   map[string]string
		warning  string
	}{
		{
			name: "CycloneDX: subject depends on a and b, a on c, c on d",
			doc: cdxDoc(lib("a", "a", "pkg:npm/a@1")+","+lib("b", "b", "pkg:npm/b@1")+","+lib("c", "c", "pkg:npm/c@1")+","+lib("d", "d", "pkg:npm/d@1"),
				`{"ref":"app","dependsOn":["a","b"]},{"ref":"a","dependsOn":["c"]},{"ref":"c","dependsOn":["d"]},{"ref":"b"},{"ref":"d"}`),
			direct: "a,b", edges: []string{"a>c", "app>a", "app>b", "c>d"}, hasGraph: true,
		},
		{
			name:   "CycloneDX without dependencies: nothing is direct",
			doc:    cdxDoc(lib("a", "a", "pkg:npm/a@1")+","+lib("b", "b", "pkg:npm/b@1"), ""),
			direct: "", hasGraph: false,
		},
		{
			name:   "CycloneDX graph without the subject: direct unknown",
			doc:    cdxDoc(lib("a", "a", "pkg:npm/a@1")+","+lib("b", "b", "pkg:npm/b@1"), `{"ref":"a","dependsOn":["b"]}`),
			direct: "", edges: []string{"a>b"}, hasGraph: true, warning: `no entry for the subject "app"`,
		},
		{
			name:   "CycloneDX: the subject's empty entry says it has no dependencies",
			doc:    cdxDoc(lib("a", "a", "pkg:npm/a@1"), `{"ref":"app","dependsOn":[]},{"ref":"a"}`),
			direct: "", hasGraph: true,
		},
		{
			name: "SPDX JSON: DEPENDS_ON, DEPENDENCY_OF, CONTAINS and typed dependencies",
			doc: spdxJSONDoc([]string{"a", "b", "c", "d", "e", "f"},
				"app DEPENDS_ON a", "b DEPENDENCY_OF app", "app CONTAINS c", "a DEPENDS_ON d", "e DEV_DEPENDENCY_OF app", "f OPTIONAL_DEPENDENCY_OF a", "a GENERATED_FROM b"),
			direct: "a,b,c,e", edges: []string{"a>d", "a>f", "app>a", "app>b", "app>c", "app>e"}, hasGraph: true,
			scopes: map[string]string{"a": "", "e": "excluded", "f": "optional"},
		},
		{
			name: "SPDX JSON: a file's dependencies are its package's",
			doc: spdxJSONDoc([]string{"a", "b"},
				"app CONTAINS appbin", "appbin DYNAMIC_LINK a", "a STATIC_LINK b"),
			direct: "a", edges: []string{"a>b", "app>a"}, hasGraph: true,
		},
		{
			name:   "SPDX JSON without dependency relationships",
			doc:    spdxJSONDoc(abcd, "a GENERATED_FROM b"),
			direct: "", hasGraph: false,
		},
		{
			name: "SPDX JSON: a dangling relationship",
			doc:  spdxJSONDoc(abcd, "app DEPENDS_ON a", "app DEPENDS_ON ghost"),
			// The reader of tools-golang keeps the unknown element; the
			// graph drops it with a warning.
			direct: "a", edges: []string{"app>a"}, hasGraph: true, warning: `"SPDXRef-ghost"`,
		},
		{
			name:   "SPDX tag-value: same graph",
			doc:    spdxTagDoc(abcd, "app DEPENDS_ON a", "b DEPENDENCY_OF app", "a DEPENDS_ON c", "c CONTAINS d", "d TEST_DEPENDENCY_OF a"),
			direct: "a,b", edges: []string{"a>c", "a>d", "app>a", "app>b", "c>d"}, hasGraph: true,
			scopes: map[string]string{"d": ""},
		},
		{
			name:   "SPDX 3: dependsOn, a test scope, a file lifted to its package",
			doc:    spdx3Doc,
			direct: "lib,dev,lib2", edges: []string{"app>dev", "app>lib", "app>lib2"}, hasGraph: true,
			scopes: map[string]string{"dev": "excluded", "lib": ""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := parse(t, "graph", tc.doc)
			if got := directNames(s); got != tc.direct {
				t.Errorf("direct %q, want %q", got, tc.direct)
			}
			var got []string
			for e := range edges(s) {
				got = append(got, e)
			}
			slices.Sort(got)
			if strings.Join(got, " ") != strings.Join(tc.edges, " ") {
				t.Errorf("edges %q, want %q", got, tc.edges)
			}
			if s.HasGraph() != tc.hasGraph {
				t.Errorf("HasGraph %v, want %v", s.HasGraph(), tc.hasGraph)
			}
			for name, scope := range tc.scopes {
				if c := component(t, s, name); c.Scope != scope {
					t.Errorf("%s: scope %q, want %q", name, c.Scope, scope)
				}
			}
			if tc.warning != "" && !hasWarning(s, tc.warning) {
				t.Errorf("no warning saying %q: %q", tc.warning, s.Warnings)
			}
		})
	}
}

// TestNestedComponents checks Parent and refs of nested CycloneDX
// components, including those nested under the subject and those without
// a bom-ref.
func TestNestedComponents(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
"metadata":{"component":{"type":"application","bom-ref":"app","name":"app","version":"1",
  "components":[{"type":"library","bom-ref":"plugin","name":"plugin","version":"1"}]}},
"components":[
 {"type":"framework","bom-ref":"fw","name":"fw","version":"2","components":[
   {"type":"library","bom-ref":"fw-core","name":"fw-core","version":"2","components":[
     {"type":"library","name":"deep","version":"2","purl":"pkg:npm/deep@2"}]},
   {"type":"library","name":"anon","version":"2"}]},
 {"type":"library","name":"anon2","version":"3"}],
"dependencies":[{"ref":"app","dependsOn":["fw"]},{"ref":"fw","dependsOn":["fw-core"]}]}`
	s := parse(t, "nested.json", doc)
	want := []struct{ name, ref, parent string }{
		{"plugin", "plugin", "app"},
		{"fw", "fw", ""},
		{"fw-core", "fw-core", "fw"},
		{"deep", "pkg:npm/deep@2", "fw-core"},
		{"anon", "component-1", "fw"},
		{"anon2", "component-2", ""},
	}
	if len(s.Components) != len(want) {
		t.Fatalf("%d components, want %d", len(s.Components), len(want))
	}
	for i, w := range want {
		c := s.Components[i]
		if c.Name != w.name || c.Ref != w.ref || c.Parent != w.parent {
			t.Errorf("component %d: %s ref %q parent %q, want %s ref %q parent %q", i, c.Name, c.Ref, c.Parent, w.name, w.ref, w.parent)
		}
	}
	if directNames(s) != "fw" {
		t.Errorf("direct %q, want fw (nesting is not dependency)", directNames(s))
	}
}
