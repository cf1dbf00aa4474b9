package service_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/service"
	"cyra/internal/testutil"
)

// cdx builds a CycloneDX 1.6 JSON SBOM of an application with components
// given as "name@version" (npm packages); the first two are direct.
func cdx(components ...string) []byte {
	type comp struct {
		Ref     string `json:"bom-ref"`
		Type    string `json:"type"`
		Name    string `json:"name"`
		Version string `json:"version"`
		PURL    string `json:"purl,omitempty"`
	}
	var cs []comp
	var direct []string
	for i, c := range components {
		name, version, _ := strings.Cut(c, "@")
		ref := name + "@" + version
		cs = append(cs, comp{Ref: ref, Type: "library", Name: name, Version: version, PURL: "pkg:npm/" + name + "@" + version})
		if i < 2 {
			direct = append(direct, ref)
		}
	}
	doc := map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
		"metadata":   map[string]any{"timestamp": "2026-11-01T10:00:00Z", "component": map[string]any{"bom-ref": "app", "type": "application", "name": "gateway", "version": "1"}},
		"components": cs, "dependencies": []map[string]any{{"ref": "app", "dependsOn": direct}}}
	b, _ := json.Marshal(doc)
	return b
}

func TestSBOMImportExportDiffSearch(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		p, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Gateway"})
		r1, _ := e.svc.Products.CreateRelease(ctx, p.ID, cra.Release{Version: "1.0", Status: cra.ReleasePlanned})
		r2, _ := e.svc.Products.CreateRelease(ctx, p.ID, cra.Release{Version: "1.1", Status: cra.ReleasePlanned})

		imp, err := e.svc.SBOMs.ImportSBOM(ctx, r1.ID, "bom.json", cdx("lodash@4.17.20", "express@4.18.0", "debug@2.6.9"), "")
		if err != nil || imp.Replaced || imp.SBOM.ComponentCount != 3 || imp.SBOM.Format != cra.FormatCycloneDXJSON || len(imp.SBOM.SHA256) != 64 {
			t.Fatalf("import: %+v %v", imp, err)
		}
		cs, total, _ := e.svc.SBOMs.Components(ctx, cra.ComponentFilter{ReleaseID: r1.ID, DirectOnly: true})
		if total != 2 || !cs[0].Direct {
			t.Fatalf("direct components: %d", total)
		}
		// Bad input changes nothing.
		for name, tc := range map[string]struct {
			data   []byte
			format cra.SBOMFormat
			code   string
		}{
			"truncated":      {cdx("a@1")[:40], "", cra.EINVALID},
			"not an sbom":    {[]byte(`{"hello":"world"}`), "", cra.EUNSUPPORTED},
			"wrong declared": {cdx("a@1"), cra.FormatSPDXJSON, cra.EINVALID},
			"empty":          {nil, "", cra.EINVALID},
		} {
			_, err := e.svc.SBOMs.ImportSBOM(ctx, r1.ID, "bad.json", tc.data, tc.format)
			if err == nil || !strings.Contains(cra.ErrorMessage(err), "bad.json") {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, total, _ := e.svc.SBOMs.Components(ctx, cra.ComponentFilter{ReleaseID: r1.ID}); total != 3 {
			t.Fatalf("a failed import changed the components: %d", total)
		}
		// A gzip-compressed upload is read; it replaces the components.
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(cdx("lodash@4.17.21", "express@4.18.0", "left-pad@1.3.0"))
		w.Close()
		imp, err = e.svc.SBOMs.ImportSBOM(ctx, r2.ID, "bom.json.gz", gz.Bytes(), "")
		if err != nil || imp.SBOM.ComponentCount != 3 {
			t.Fatalf("gzip import: %v", err)
		}
		d, err := e.svc.SBOMs.DiffReleases(ctx, r1.ID, r2.ID)
		if err != nil || len(d.Added) != 1 || d.Added[0].Name != "left-pad" || len(d.Removed) != 1 || d.Removed[0].Name != "debug" ||
			len(d.Changed) != 1 || d.Changed[0].From.Version != "4.17.20" || d.Changed[0].To.Version != "4.17.21" || d.Unchanged != 1 {
			t.Fatalf("diff: %+v %v", d, err)
		}
		hits, err := e.svc.SBOMs.SearchComponents(ctx, "pkg:npm/lodash", "")
		if err != nil || len(hits) != 2 {
			t.Fatalf("search any version: %+v %v", hits, err)
		}
		if hits, _ := e.svc.SBOMs.SearchComponents(ctx, "pkg:npm/lodash@4.17.21", ""); len(hits) != 1 || hits[0].Release != "1.1" {
			t.Fatalf("search one version: %+v", hits)
		}
		if _, err := e.svc.SBOMs.SearchComponents(ctx, "lodash", ""); code(err) != cra.EINVALID {
			t.Fatalf("not a purl: %v", err)
		}
		// Exports parse back to the same components.
		for _, f := range []cra.SBOMFormat{cra.FormatCycloneDXJSON, cra.FormatSPDXJSON} {
			var buf bytes.Buffer
			if err := e.svc.SBOMs.ExportSBOM(ctx, r2.ID, f, &buf); err != nil {
				t.Fatalf("export %s: %v", f, err)
			}
			r3, _ := e.svc.Products.CreateRelease(ctx, p.ID, cra.Release{Version: "rt-" + string(f), Status: cra.ReleasePlanned})
			back, err := e.svc.SBOMs.ImportSBOM(ctx, r3.ID, "export.json", buf.Bytes(), "")
			if err != nil || back.SBOM.ComponentCount != 3 || back.SBOM.Format != f {
				t.Fatalf("re-import of the %s export: %+v %v", f, back, err)
			}
			if d, _ := e.svc.SBOMs.DiffReleases(ctx, r2.ID, r3.ID); len(d.Added)+len(d.Removed)+len(d.Changed) != 0 {
				t.Fatalf("%s export changed components: %+v", f, d)
			}
		}
		if err := e.svc.SBOMs.ExportSBOM(ctx, r2.ID, cra.FormatSPDXTagValue, &bytes.Buffer{}); code(err) != cra.EINVALID {
			t.Fatalf("export tag-value: %v", err)
		}
		recs, _ := e.svc.SBOMs.SBOMs(ctx, r1.ID)
		if _, doc, err := e.svc.SBOMs.SBOMDocument(ctx, recs[0].ID); err != nil || !bytes.Contains(doc, []byte("debug")) {
			t.Fatalf("original document: %v", err)
		}
		entries, _ := e.svc.Audit.ListAudit(ctx, cra.AuditFilter{Action: "sbom.import"})
		if len(entries) != 4 || !strings.Contains(entries[len(entries)-1].After, `"components":3`) {
			t.Fatalf("audit: %+v", entries)
		}
	})
}

func TestSBOMSizeLimit(t *testing.T) {
	db := testutil.MustOpenDB(t, "sqlite", nil)
	svc := service.New(db, service.Options{SBOMMaxSize: 1500})
	ctx := system
	p, _ := svc.Products.CreateProduct(ctx, cra.Product{Name: "P"})
	r, _ := svc.Products.CreateRelease(ctx, p.ID, cra.Release{Version: "1", Status: cra.ReleasePlanned})
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("pkg%d@1.0.0", i)
	}
	if _, err := svc.SBOMs.ImportSBOM(ctx, r.ID, "big.json", cdx(names...), ""); code(err) != cra.ETOOLARGE {
		t.Fatalf("oversized: %v", err)
	}
	// A small gzip that inflates past the limit is refused as well.
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(cdx(names...))
	w.Close()
	if gz.Len() > 1500 {
		t.Fatalf("test setup: the gzip is %d bytes", gz.Len())
	}
	if _, err := svc.SBOMs.ImportSBOM(ctx, r.ID, "big.json.gz", gz.Bytes(), ""); code(err) != cra.ETOOLARGE {
		t.Fatalf("inflating past the limit: %v", err)
	}
}
