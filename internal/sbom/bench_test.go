package sbom_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"cyra/internal/sbom"
)

// syntheticCycloneDX builds a realistic CycloneDX 1.6 JSON SBOM of n
// components: npm and Maven purls, versions, one or two hashes, a licence
// (id or expression), a supplier, and a dependency graph in which the
// subject depends on the first 50 components and every component on up
// to three later ones.
func syntheticCycloneDX(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"$schema":"http://cyclonedx.org/schema/bom-1.6.schema.json","bomFormat":"CycloneDX","specVersion":"1.6",` +
		`"serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,"metadata":{"timestamp":"2024-05-01T10:00:00Z",` +
		`"tools":{"components":[{"type":"application","name":"bench","version":"1.0"}]},` +
		`"component":{"type":"application","bom-ref":"pkg:npm/product@1.0.0","name":"product","version":"1.0.0","purl":"pkg:npm/product@1.0.0"}},"components":[`)
	ref := func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("pkg:maven/org.example.g%d/artifact-%d@%d.%d.%d?type=jar", i%97, i, i%7, i%13, i%5)
		}
		return fmt.Sprintf("pkg:npm/%%40scope%d/package-%d@%d.%d.%d", i%89, i, i%9, i%17, i%3)
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		licence := `{"license":{"id":"MIT"}}`
		if i%4 == 0 {
			licence = `{"expression":"Apache-2.0 OR MIT"}`
		}
		fmt.Fprintf(&b, `{"type":"library","bom-ref":%q,"name":"package-%d","version":"%d.%d.%d","purl":%q,`+
			`"supplier":{"name":"Supplier %d"},"hashes":[{"alg":"SHA-256","content":"%064x"}`, ref(i), i, i%9, i%17, i%3, ref(i), i%50, i)
		if i%2 == 0 {
			fmt.Fprintf(&b, `,{"alg":"SHA-512","content":"%0128x"}`, i)
		}
		fmt.Fprintf(&b, `],"licenses":[%s]}`, licence)
	}
	b.WriteString(`],"dependencies":[{"ref":"pkg:npm/product@1.0.0","dependsOn":[`)
	for i := range min(50, n) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", ref(i))
	}
	b.WriteString(`]}`)
	for i := range n {
		fmt.Fprintf(&b, `,{"ref":%q,"dependsOn":[`, ref(i))
		for k, j := 0, i*7%n+1; k < 3 && j < n && j > i; k, j = k+1, j+1 {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q", ref(j))
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func benchmarkParse(b *testing.B, n int) {
	doc := syntheticCycloneDX(n)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := sbom.Parse("bench.json", bytes.NewReader(doc), sbom.Options{MaxSize: int64(len(doc))})
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Components) != n {
			b.Fatalf("%d components", len(s.Components))
		}
	}
	b.ReportMetric(float64(len(doc)), "doc-bytes")
}

// BenchmarkParse10k parses a 10,000-component CycloneDX 1.6 JSON SBOM (the
// issue's performance case, without the database).
func BenchmarkParse10k(b *testing.B) { benchmarkParse(b, 10000) }

// BenchmarkParseScaling shows time and memory per size: B/op should grow
// linearly with the number of components.
func BenchmarkParseScaling(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("components=%d", n), func(b *testing.B) { benchmarkParse(b, n) })
	}
}

// TestSyntheticSBOM keeps the benchmark's input honest: it parses, with
// the expected graph, and validates against the CycloneDX 1.6 schema.
func TestSyntheticSBOM(t *testing.T) {
	doc := syntheticCycloneDX(200)
	validateCycloneDX(t, doc)
	s := parse(t, "synthetic.json", string(doc))
	if len(s.Components) != 200 || len(s.Dependencies) != 201 || s.Components[0].PURL == "" || !s.Components[49].Direct || s.Components[50].Direct {
		t.Fatalf("%d components, %d graph nodes, first %+v", len(s.Components), len(s.Dependencies), s.Components[0])
	}
	if len(s.Warnings) != 0 {
		t.Fatalf("warnings: %q", s.Warnings)
	}
}
