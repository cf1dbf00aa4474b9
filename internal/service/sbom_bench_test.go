package service_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/service"
	"cyra/internal/testutil"
)

// bigCycloneDX builds a realistic CycloneDX 1.6 JSON SBOM of n npm
// components: each with a purl, a SHA-256 and a SHA-512, a licence and a
// supplier, 20 of them direct, the rest a dependency tree.
func bigCycloneDX(n int) []byte {
	type hash struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	}
	var comps []map[string]any
	deps := []map[string]any{}
	var direct []string
	for i := range n {
		ref := fmt.Sprintf("pkg:npm/package-%d@%d.%d.%d", i, i%7, i%13, i%5)
		comps = append(comps, map[string]any{"bom-ref": ref, "type": "library", "name": fmt.Sprintf("package-%d", i),
			"version": fmt.Sprintf("%d.%d.%d", i%7, i%13, i%5), "purl": ref, "supplier": map[string]any{"name": "Example Org"},
			"hashes":   []hash{{"SHA-256", fmt.Sprintf("%064x", i)}, {"SHA-512", fmt.Sprintf("%0128x", i)}},
			"licenses": []map[string]any{{"license": map[string]any{"id": "MIT"}}}})
		if i < 20 {
			direct = append(direct, ref)
		} else {
			parent := fmt.Sprintf("pkg:npm/package-%d@%d.%d.%d", i/20, (i/20)%7, (i/20)%13, (i/20)%5)
			deps = append(deps, map[string]any{"ref": parent, "dependsOn": []string{ref}})
		}
	}
	deps = append(deps, map[string]any{"ref": "app", "dependsOn": direct})
	doc := map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
		"metadata": map[string]any{"timestamp": "2026-11-01T10:00:00Z", "tools": map[string]any{"components": []map[string]any{{"type": "application", "name": "bench", "version": "1"}}},
			"component": map[string]any{"bom-ref": "app", "type": "application", "name": "app", "version": "1.0.0"}},
		"components": comps, "dependencies": deps}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkImportSBOM measures an SBOM upload end to end below HTTP:
// parse, normalise, grade and store (replacing the release's components
// in one transaction), for 1,000 and 10,000 components on each database.
func BenchmarkImportSBOM(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		doc := bigCycloneDX(n)
		for _, d := range testutil.Dialects() {
			b.Run(fmt.Sprintf("%s/%d", d, n), func(b *testing.B) {
				db := testutil.MustOpenDB(b, d, nil)
				svc := service.New(db, service.Options{})
				p, err := svc.Products.CreateProduct(system, cra.Product{Name: "Bench"})
				if err != nil {
					b.Fatal(err)
				}
				r, err := svc.Products.CreateRelease(system, p.ID, cra.Release{Version: "1", Status: cra.ReleasePlanned})
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(doc)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					imp, err := svc.SBOMs.ImportSBOM(system, r.ID, "bench.json", doc, "")
					if err != nil || imp.SBOM.ComponentCount != n {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
