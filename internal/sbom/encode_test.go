package sbom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"

	"cyra/internal/cra"
	"cyra/internal/sbom"
)

var exportMeta = sbom.ExportMeta{
	Name:        "app-2.0",
	Namespace:   "https://cyra.example/sbom/app/2.0",
	Created:     time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
	Tool:        "cyra",
	ToolVersion: "0.1.0",
}

// richSBOM exercises every field Encode writes: nesting, each kind of
// licence, hashes the formats do or do not take, a purl that did not
// parse, scopes, CPE, supplier and author.
func richSBOM() *cra.SBOM {
	created := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	sha := func(n, width int) string { return fmt.Sprintf("%0*x", width, n) }
	return &cra.SBOM{
		Format: cra.FormatCycloneDXJSON, SpecVersion: "1.5", SerialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
		Created: &created, Tools: []string{"syft 1.2.3", "hand"}, Authors: []string{"Alice"}, Supplier: "Acme",
		Subject: &cra.Component{Ref: "pkg:npm/app@2.0", Type: "application", Name: "app", Version: "2.0", PURL: "pkg:npm/app@2.0",
			Supplier: "Acme", Licenses: []string{"Apache-2.0"}},
		Components: []cra.Component{
			{Ref: "pkg:npm/a@1.0", Type: "library", Name: "a", Version: "1.0", PURL: "pkg:npm/a@1.0", Supplier: "A Org", Author: "Ann",
				CPE: "cpe:2.3:a:a:a:1.0:*:*:*:*:*:*:*", Scope: "required", Licenses: []string{"MIT"}, Direct: true,
				Hashes: []cra.Hash{{Algorithm: "SHA-256", Value: sha(1, 64)}, {Algorithm: "SHA-512", Value: sha(2, 128)}}},
			{Ref: "b-ref", Type: "library", Name: "b", Group: "org.b", Version: "2.1", PURL: "pkg:maven/org.b/b@2.1", Parent: "pkg:npm/a@1.0",
				Licenses: []string{"Apache License 2.0"}, Hashes: []cra.Hash{{Algorithm: "SHA-1", Value: sha(3, 40)}}},
			{Ref: "c-ref", Type: "framework", Name: "c", Version: "3", PURL: "pkg:pypi/c@3", Scope: "optional", Direct: true,
				Licenses: []string{"MIT OR Apache-2.0"}},
			{Ref: "d ref/with:odd#chars", Type: "operating-system", Name: "d", Version: "4", Licenses: []string{"LicenseRef-custom"}},
			{Ref: "e-ref", Type: "library", Name: "e", Version: "5", RawPURL: "npm/e", PURLProblem: "purl scheme is not \"pkg\"",
				Hashes: []cra.Hash{{Algorithm: "SHA-224", Value: sha(4, 56)}, {Algorithm: "SHA-256", Value: "not hex"}, {Algorithm: "MD5", Value: sha(5, 32)}}},
			{Ref: "f-ref", Type: "library", Name: "f", Version: "6", PURL: "pkg:golang/example.com/f@v6", Licenses: []string{"MIT", "BSD-3-Clause"}},
		},
		Dependencies: []cra.Dependency{
			{Ref: "pkg:npm/app@2.0", DependsOn: []string{"pkg:npm/a@1.0", "c-ref"}},
			{Ref: "pkg:npm/a@1.0", DependsOn: []string{"b-ref", "d ref/with:odd#chars"}},
			{Ref: "c-ref", DependsOn: []string{"f-ref", "pkg:npm/a@1.0"}},
			{Ref: "f-ref"},
		},
	}
}

var (
	schemaOnce sync.Once
	schema16   *jsonschema.Schema
	schemaErr  error
)

// noNetwork refuses every URL the validator did not get from testdata.
type noNetwork struct{}

func (noNetwork) Load(u string) (any, error) {
	return nil, fmt.Errorf("schema %s is not in testdata/schema and the test fetches nothing", u)
}

// cycloneDX16 compiles bom-1.6.schema.json with the two schemas it refers
// to, each registered under its $id.
func cycloneDX16(t testing.TB) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.UseLoader(noNetwork{})
		c.AssertFormat()
		for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
			b, err := os.ReadFile(filepath.Join("testdata", "schema", f))
			if err != nil {
				schemaErr = err
				return
			}
			var id struct {
				ID string `json:"$id"`
			}
			if err := json.Unmarshal(b, &id); err != nil {
				schemaErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err == nil {
				err = c.AddResource(id.ID, doc)
			}
			if err != nil {
				schemaErr = err
				return
			}
		}
		schema16, schemaErr = c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schema16
}

func encode(t testing.TB, s *cra.SBOM, f cra.SBOMFormat) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sbom.Encode(&buf, s, f, exportMeta); err != nil {
		t.Fatalf("Encode %s: %v", f, err)
	}
	return buf.Bytes()
}

func validateCycloneDX(t testing.TB, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := cycloneDX16(t).Validate(inst); err != nil {
		t.Fatalf("CycloneDX 1.6 schema: %v", err)
	}
}

var (
	spdxIDRE      = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.\-]+$`)
	licenseRefRE  = regexp.MustCompile(`^LicenseRef-[A-Za-z0-9.\-]+$`)
	creatorRE     = regexp.MustCompile(`^(Tool|Person|Organization): \S`)
	spdxChecksums = []string{"SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "MD2", "MD4", "MD5", "MD6", "SHA3-256", "SHA3-384", "SHA3-512", "BLAKE2b-256", "BLAKE2b-384", "BLAKE2b-512", "BLAKE3", "ADLER32"}
)

// validateSPDX checks an SPDX 2.3 JSON document structurally: tools-golang
// reads it, and the fields SPDX 2.3 requires are there and well-formed.
// (No SPDX 2.3 JSON schema is available offline here.)
func validateSPDX(t testing.TB, doc []byte) {
	t.Helper()
	if _, err := spdxjson.Read(bytes.NewReader(doc)); err != nil {
		t.Fatalf("tools-golang cannot read the output: %v", err)
	}
	var d struct {
		SPDXVersion       string `json:"spdxVersion"`
		DataLicense       string `json:"dataLicense"`
		SPDXID            string `json:"SPDXID"`
		Name              string `json:"name"`
		DocumentNamespace string `json:"documentNamespace"`
		CreationInfo      *struct {
			Created  string   `json:"created"`
			Creators []string `json:"creators"`
		} `json:"creationInfo"`
		Packages []struct {
			SPDXID           string `json:"SPDXID"`
			Name             string `json:"name"`
			DownloadLocation string `json:"downloadLocation"`
			Checksums        []struct {
				Algorithm string `json:"algorithm"`
				Value     string `json:"checksumValue"`
			} `json:"checksums"`
			ExternalRefs []struct {
				Category string `json:"referenceCategory"`
				Type     string `json:"referenceType"`
				Locator  string `json:"referenceLocator"`
			} `json:"externalRefs"`
		} `json:"packages"`
		Relationships []struct {
			A    string `json:"spdxElementId"`
			Type string `json:"relationshipType"`
			B    string `json:"relatedSpdxElement"`
		} `json:"relationships"`
		Extracted []struct {
			ID   string `json:"licenseId"`
			Text string `json:"extractedText"`
		} `json:"hasExtractedLicensingInfos"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("SPDX 2.3: "+format, args...)
	}
	if d.SPDXVersion != "SPDX-2.3" || d.DataLicense != "CC0-1.0" || d.SPDXID != "SPDXRef-DOCUMENT" || d.Name == "" {
		fail("document header %q %q %q %q", d.SPDXVersion, d.DataLicense, d.SPDXID, d.Name)
	}
	if u, err := url.Parse(d.DocumentNamespace); err != nil || !u.IsAbs() || strings.Contains(d.DocumentNamespace, "#") {
		fail("documentNamespace %q is not an absolute URI without '#'", d.DocumentNamespace)
	}
	if d.CreationInfo == nil {
		fail("no creationInfo")
	} else {
		if _, err := time.Parse(time.RFC3339, d.CreationInfo.Created); err != nil || !strings.HasSuffix(d.CreationInfo.Created, "Z") {
			fail("created %q is not an RFC 3339 UTC time", d.CreationInfo.Created)
		}
		if len(d.CreationInfo.Creators) == 0 {
			fail("no creators")
		}
		for _, c := range d.CreationInfo.Creators {
			if !creatorRE.MatchString(c) {
				fail("creator %q", c)
			}
		}
	}
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	for _, p := range d.Packages {
		if !spdxIDRE.MatchString(p.SPDXID) || ids[p.SPDXID] {
			fail("package SPDXID %q is malformed or not unique", p.SPDXID)
		}
		ids[p.SPDXID] = true
		if p.Name == "" || p.DownloadLocation == "" {
			fail("package %s lacks name or downloadLocation", p.SPDXID)
		}
		for _, c := range p.Checksums {
			if !slices.Contains(spdxChecksums, c.Algorithm) || c.Value == "" {
				fail("package %s checksum %+v", p.SPDXID, c)
			}
		}
		for _, r := range p.ExternalRefs {
			if !slices.Contains([]string{"SECURITY", "PACKAGE-MANAGER", "PERSISTENT-ID", "OTHER"}, r.Category) || r.Type == "" || r.Locator == "" {
				fail("package %s external ref %+v", p.SPDXID, r)
			}
		}
	}
	describes := 0
	for _, r := range d.Relationships {
		if !ids[r.A] || !ids[r.B] {
			fail("relationship %+v refers to an element the document does not have", r)
		}
		if r.A == "SPDXRef-DOCUMENT" && r.Type == "DESCRIBES" {
			describes++
		}
	}
	if describes == 0 {
		fail("no DESCRIBES relationship")
	}
	for _, l := range d.Extracted {
		if !licenseRefRE.MatchString(l.ID) || l.Text == "" {
			fail("extracted licence %+v", l)
		}
	}
}

func TestEncodeCycloneDX(t *testing.T) {
	out := encode(t, richSBOM(), cra.FormatCycloneDXJSON)
	validateCycloneDX(t, out)
	var bom struct {
		SpecVersion  string `json:"specVersion"`
		SerialNumber string `json:"serialNumber"`
		Metadata     struct {
			Timestamp string
			Tools     struct {
				Components []struct{ Name, Version string }
			}
			Component struct{ Name string }
		}
		Components []struct {
			Name       string
			Licenses   []map[string]any
			Components []struct{ Name string }
		}
	}
	if err := json.Unmarshal(out, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != "1.6" || !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(bom.SerialNumber) {
		t.Errorf("specVersion %q serialNumber %q", bom.SpecVersion, bom.SerialNumber)
	}
	if bom.Metadata.Timestamp != "2024-06-01T12:00:00Z" || bom.Metadata.Component.Name != "app" ||
		len(bom.Metadata.Tools.Components) != 3 || bom.Metadata.Tools.Components[0].Name != "cyra" || bom.Metadata.Tools.Components[0].Version != "0.1.0" {
		t.Errorf("metadata %+v", bom.Metadata)
	}
	if len(bom.Components) != 5 || bom.Components[0].Name != "a" || len(bom.Components[0].Components) != 1 || bom.Components[0].Components[0].Name != "b" {
		t.Errorf("nesting: %+v", bom.Components)
	}
	// Same namespace, same serial number; another namespace, another.
	other := exportMeta
	other.Namespace = "https://cyra.example/sbom/app/2.1"
	var buf bytes.Buffer
	if err := sbom.Encode(&buf, richSBOM(), cra.FormatCycloneDXJSON, other); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(buf.Bytes(), out) || !bytes.Equal(out, encode(t, richSBOM(), cra.FormatCycloneDXJSON)) {
		t.Error("the output is not a function of the SBOM and the meta")
	}
}

func TestEncodeSPDX(t *testing.T) {
	out := encode(t, richSBOM(), cra.FormatSPDXJSON)
	validateSPDX(t, out)
	if !bytes.Equal(out, encode(t, richSBOM(), cra.FormatSPDXJSON)) {
		t.Error("two encodings differ")
	}
	for _, want := range []string{`"creators": [`, `"Tool: cyra-0.1.0"`, `"SPDXID": "SPDXRef-d-ref-with-odd-chars"`,
		`"licenseDeclared": "LicenseRef-Apache-License-2.0"`, `"licenseDeclared": "MIT AND BSD-3-Clause"`, `"referenceType": "purl"`,
		`"referenceType": "cpe23Type"`, `"supplier": "Organization: A Org"`, `"documentNamespace": "https://cyra.example/sbom/app/2.0"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %s", want)
		}
	}
}

func TestEncodeUnsupported(t *testing.T) {
	for _, f := range []cra.SBOMFormat{cra.FormatCycloneDXXML, cra.FormatSPDXTagValue, cra.FormatSPDX3JSONLD, "pdf"} {
		err := sbom.Encode(&bytes.Buffer{}, richSBOM(), f, exportMeta)
		appError(t, err, cra.EUNSUPPORTED)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncodeWriteError(t *testing.T) {
	for _, f := range []cra.SBOMFormat{cra.FormatCycloneDXJSON, cra.FormatSPDXJSON} {
		if err := sbom.Encode(failingWriter{}, richSBOM(), f, exportMeta); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// componentKeys renders what a round trip must keep of each component,
// one string per component, sorted.
func componentKeys(s *cra.SBOM, spdx bool) []string {
	var out []string
	for _, c := range s.Components {
		hashes := make([]string, 0, len(c.Hashes))
		for _, h := range c.Hashes {
			hashes = append(hashes, h.Algorithm+":"+h.Value)
		}
		slices.Sort(hashes)
		lic := slices.Clone(c.Licenses)
		if spdx {
			// SPDX 2.3 has one declared licence: several are joined with
			// AND and split again on import; compare the atoms.
			lic = nil
			for _, l := range c.Licenses {
				for _, part := range strings.Split(l, " AND ") {
					lic = append(lic, strings.Trim(part, "()"))
				}
			}
			slices.Sort(lic)
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|direct=%v", c.Name, c.Version, c.PURL, strings.Join(hashes, ","), strings.Join(lic, ";"), c.Direct))
	}
	slices.Sort(out)
	return out
}

// exportable drops what no export format carries, so that a round trip
// can be compared: hashes of algorithms or values the formats refuse, and
// purls that did not parse.
func exportable(s *cra.SBOM, spdx bool) *cra.SBOM {
	cp := *s
	cp.Components = slices.Clone(s.Components)
	cdxAlg := []string{"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512", "BLAKE2b-256", "BLAKE2b-384", "BLAKE2b-512", "BLAKE3"}
	spdxAlg := append([]string{"SHA-224", "MD2", "MD4", "MD6", "ADLER32"}, cdxAlg...)
	hexRE := regexp.MustCompile(`^([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$`)
	for i := range cp.Components {
		c := &cp.Components[i]
		var hs []cra.Hash
		for _, h := range c.Hashes {
			if spdx && slices.Contains(spdxAlg, h.Algorithm) && regexp.MustCompile(`^[0-9a-f]+$`).MatchString(h.Value) ||
				!spdx && slices.Contains(cdxAlg, h.Algorithm) && hexRE.MatchString(h.Value) {
				hs = append(hs, h)
			}
		}
		c.Hashes = hs
	}
	return &cp
}

// roundTrip exports s, validates the export (the CycloneDX schema only
// when schema is set: it is the slow part) and reads it back.
func roundTrip(t *testing.T, name string, s *cra.SBOM, f cra.SBOMFormat, schema bool) {
	t.Helper()
	out := encode(t, s, f)
	if f == cra.FormatSPDXJSON {
		validateSPDX(t, out)
	} else if schema {
		validateCycloneDX(t, out)
	}
	back, err := sbom.Parse(name, bytes.NewReader(out), sbom.Options{Format: f})
	if err != nil {
		t.Fatalf("re-reading the export: %v", err)
	}
	spdx := f == cra.FormatSPDXJSON
	want, got := componentKeys(exportable(s, spdx), spdx), componentKeys(back, spdx)
	if !slices.Equal(want, got) {
		for i := range max(len(want), len(got)) {
			var w, g string
			if i < len(want) {
				w = want[i]
			}
			if i < len(got) {
				g = got[i]
			}
			if w != g {
				t.Errorf("component %d:\n want %s\n  got %s", i, w, g)
			}
		}
		t.FailNow()
	}
	we, ge := edges(s), edges(back)
	for e := range we {
		if !ge[e] {
			t.Errorf("edge %s lost", e)
		}
	}
	for e := range ge {
		if !we[e] {
			t.Errorf("edge %s added", e)
		}
	}
	if (s.Subject == nil) != (back.Subject == nil) || s.Subject != nil && (s.Subject.Name != back.Subject.Name || s.Subject.Version != back.Subject.Version) {
		t.Errorf("subject %+v, back %+v", s.Subject, back.Subject)
	}
	if f == cra.FormatCycloneDXJSON {
		for i, c := range back.Components {
			if c.Parent != s.Components[i].Parent && !(c.Parent == "" && s.Components[i].Parent == "") {
				t.Errorf("%s: parent %q, want %q", c.Name, c.Parent, s.Components[i].Parent)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, f := range []cra.SBOMFormat{cra.FormatCycloneDXJSON, cra.FormatSPDXJSON} {
		t.Run(string(f), func(t *testing.T) { roundTrip(t, "rich", richSBOM(), f, true) })
	}
}

// TestRoundTripCorpus exports every SBOM of the corpus to both formats,
// validates the output and reads it back. The CycloneDX schema is checked
// for the documents under 200 KB (all but the six largest: validating
// megabytes against the 1.6 schema takes seconds, and the smaller ones
// cover the same fields).
func TestRoundTripCorpus(t *testing.T) {
	t.Parallel()
	root := corpusDir(t)
	for rel, want := range corpusWants {
		if want.fail != "" {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
			if err != nil {
				t.Fatal(err)
			}
			if raceEnabled && len(data) > 500<<10 {
				// Parse and Encode run in one goroutine: the race detector
				// finds nothing here and makes megabytes ten times slower.
				t.Skip("skipped under -race: larger than 500 KB")
			}
			s, err := sbom.Parse(rel, bytes.NewReader(data), sbom.Options{})
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, rel, s, cra.FormatCycloneDXJSON, len(data) < 200<<10)
			if s.Subject == nil {
				// SPDX 2.3 needs a DESCRIBES: the export describes every
				// top-level component, and the first becomes the subject
				// when read back.
				t.Logf("no subject: SPDX round trip not comparable")
				return
			}
			roundTrip(t, rel, s, cra.FormatSPDXJSON, false)
		})
	}
}

// goldenSBOM is small and stable: its export is kept in testdata.
func goldenSBOM() *cra.SBOM {
	s := richSBOM()
	s.Components = s.Components[:3]
	s.Dependencies = []cra.Dependency{
		{Ref: "pkg:npm/app@2.0", DependsOn: []string{"pkg:npm/a@1.0", "c-ref"}},
		{Ref: "pkg:npm/a@1.0", DependsOn: []string{"b-ref"}},
		{Ref: "b-ref"}, {Ref: "c-ref"},
	}
	return s
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		format cra.SBOMFormat
		file   string
	}{
		{cra.FormatCycloneDXJSON, "export.cdx.json.golden"},
		{cra.FormatSPDXJSON, "export.spdx.json.golden"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := encode(t, goldenSBOM(), tc.format)
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the export (run with -update after checking the change):\n%s", path, got)
			}
		})
	}
}
