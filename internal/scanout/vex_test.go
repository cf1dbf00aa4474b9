package scanout_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"cyra/internal/cra"
	"cyra/internal/scanout"
)

type noNetwork struct{}

func (noNetwork) Load(u string) (any, error) {
	return nil, fmt.Errorf("schema %s is not local and the test fetches nothing", u)
}

// validateCycloneDX16 checks doc against the CycloneDX 1.6 schema that
// package sbom keeps in its testdata.
func validateCycloneDX16(t *testing.T, doc []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseLoader(noNetwork{})
	c.AssertFormat()
	for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		b, err := os.ReadFile(filepath.Join("..", "sbom", "testdata", "schema", f))
		if err != nil {
			t.Fatal(err)
		}
		var id struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(b, &id); err != nil {
			t.Fatal(err)
		}
		s, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err == nil {
			err = c.AddResource(id.ID, s)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("CycloneDX 1.6 schema: %v", err)
	}
}

func TestCycloneDXVEX(t *testing.T) {
	t.Parallel()
	out := write(t, scanout.FormatVEX, sample())
	golden(t, "sample.vex.golden", out)
	validateCycloneDX16(t, out)
	if again := write(t, scanout.FormatVEX, sample()); !bytes.Equal(out, again) {
		t.Error("the same scan writes a different document")
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.Metadata.Timestamp != "2026-11-25T10:30:00Z" {
		t.Errorf("header: %v %v", bom.SpecVersion, bom.Metadata.Timestamp)
	}
	refs := map[string]bool{}
	for _, c := range *bom.Components {
		refs[c.BOMRef] = true
		if c.BOMRef != c.PackageURL {
			t.Errorf("component %s: bom-ref is not the purl", c.Name)
		}
	}
	if len(refs) != 5 {
		t.Errorf("%d components, want the 5 affected purls", len(refs))
	}
	vulns := map[string]cdx.Vulnerability{}
	for _, v := range *bom.Vulnerabilities {
		vulns[v.ID] = v
		if v.Analysis == nil || v.Analysis.State != cdx.IASInTriage {
			t.Errorf("%s: analysis %+v, want in_triage", v.ID, v.Analysis)
		}
		if v.Source == nil || v.Source.Name == "" {
			t.Errorf("%s: no source", v.ID)
		}
		for _, a := range *v.Affects {
			if !refs[a.Ref] {
				t.Errorf("%s affects %s, which is not a component", v.ID, a.Ref)
			}
		}
	}
	if len(vulns) != 4 {
		t.Fatalf("%d vulnerabilities, want 4", len(vulns))
	}
	rs := vulns["RUSTSEC-2019-0009"]
	if len(*rs.Affects) != 2 || (*rs.Ratings)[0].Severity != cdx.SeverityCritical || *(*rs.Ratings)[0].Score != 9.8 ||
		(*rs.References)[0].ID != "CVE-2019-15551" || rs.Source.Name != "RustSec" {
		t.Errorf("RUSTSEC-2019-0009: %+v", rs)
	}
	net := vulns["CVE-2023-44487"]
	if net.Properties == nil || (*net.Properties)[0] != (cdx.Property{Name: "cyra:kev", Value: "true"}) {
		t.Errorf("KEV property: %+v", net.Properties)
	}
	if vulns["CVE-2099-0001"].Ratings != nil {
		t.Error("a rating for an unrated vulnerability")
	}
	// An empty scan is a valid document too.
	validateCycloneDX16(t, write(t, scanout.FormatVEX, &cra.ScanResult{File: "x"}))
}
