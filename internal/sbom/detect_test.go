package sbom_test

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sbom"
)

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetect(t *testing.T) {
	bigComponents := `{"components":[` + strings.Repeat(`{"type":"library","name":"x","version":"1"},`, 2000) + `{"name":"y"}],"specVersion":"1.5","bomFormat":"CycloneDX"}`
	cdxJSON := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}`)
	tests := []struct {
		name    string
		head    []byte
		format  cra.SBOMFormat
		version string
		errText string // when set, Detect must fail with EUNSUPPORTED saying this
	}{
		{"CycloneDX JSON 1.6", cdxJSON, cra.FormatCycloneDXJSON, "1.6", ""},
		{"CycloneDX JSON 1.2 with BOM and blank lines", []byte("\xef\xbb\xbf\n\n  {\"specVersion\" : \"1.2\", \"bomFormat\" : \"CycloneDX\"}"), cra.FormatCycloneDXJSON, "1.2", ""},
		{"CycloneDX JSON keys after a long array", []byte(bigComponents), cra.FormatCycloneDXJSON, "1.5", ""},
		{"CycloneDX JSON 1.7", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.7"}`), cra.FormatCycloneDXJSON, "1.7", ""},
		{"CycloneDX JSON truncated head", cdxJSON[:50], cra.FormatCycloneDXJSON, "1.6", ""},
		{"CycloneDX XML 1.4", []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1"><components>`), cra.FormatCycloneDXXML, "1.4", ""},
		{"CycloneDX XML 1.1 with comment", []byte(`<?xml version="1.0"?><!-- made by hand --><bom xmlns="http://cyclonedx.org/schema/bom/1.1" version="1">`), cra.FormatCycloneDXXML, "1.1", ""},
		{"CycloneDX XML with a prefix", []byte(`<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.5" version="1">`), cra.FormatCycloneDXXML, "1.5", ""},
		{"SPDX JSON 2.3", []byte(`{"SPDXID":"SPDXRef-DOCUMENT","spdxVersion":"SPDX-2.3"}`), cra.FormatSPDXJSON, "2.3", ""},
		{"SPDX JSON 2.2 with files first", []byte(`{"files":[{"fileName":"./a","SPDXID":"SPDXRef-a"}],"spdxVersion":"SPDX-2.2"}`), cra.FormatSPDXJSON, "2.2", ""},
		{"SPDX tag-value 2.2", []byte("## a comment\n\nSPDXVersion: SPDX-2.2\nDataLicense: CC0-1.0\n"), cra.FormatSPDXTagValue, "2.2", ""},
		{"SPDX tag-value 2.3", []byte("SPDXVersion: SPDX-2.3\r\nDataLicense: CC0-1.0\r\n"), cra.FormatSPDXTagValue, "2.3", ""},
		{"SPDX 3.0.1 JSON-LD", []byte(`{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}`), cra.FormatSPDX3JSONLD, "3.0.1", ""},
		{"SPDX 3.0.0 JSON-LD, context in a list", []byte(`{"@context":["https://spdx.org/rdf/3.0.0/spdx-context.jsonld"],"@graph":[]}`), cra.FormatSPDX3JSONLD, "3.0.0", ""},
		{"gzip CycloneDX JSON", gzipped(t, cdxJSON), cra.FormatCycloneDXJSON, "1.6", ""},
		{"gzip SPDX tag-value", gzipped(t, []byte("SPDXVersion: SPDX-2.2\n")), cra.FormatSPDXTagValue, "2.2", ""},
		{"truncated gzip head", gzipped(t, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.4",`+bigComponents[1:]))[:200], cra.FormatCycloneDXJSON, "1.4", ""},

		{"empty", nil, "", "", "empty"},
		{"plain text", []byte("hello world\n"), "", "", "neither JSON, XML nor SPDX tag-value"},
		{"JSON array", []byte(`[{"bomFormat":"CycloneDX"}]`), "", "", "JSON array"},
		{"other JSON", []byte(`{"name":"x","dependencies":{}}`), "", "", "top-level keys name, dependencies"},
		{"CSAF", []byte(`{"document":{"csaf_version":"2.0","category":"csaf_vex"}}`), "", "", "CSAF advisory"},
		{"OpenVEX", []byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[]}`), "", "", "OpenVEX"},
		{"OSV", []byte(`{"schema_version":"1.6.0","id":"GHSA-x","modified":"2024-01-01T00:00:00Z","affected":[]}`), "", "", "OSV advisory"},
		{"other bomFormat", []byte(`{"bomFormat":"SWID"}`), "", "", `bomFormat "SWID"`},
		{"HTML", []byte("<!DOCTYPE html>\n<html><body>Not found</body></html>"), "", "", "HTML page"},
		{"other XML", []byte(`<?xml version="1.0"?><project><modelVersion>4.0.0</modelVersion></project>`), "", "", "root element <project>"},
		{"bom without namespace", []byte(`<bom version="1"></bom>`), "", "", "not a CycloneDX one"},
		{"SPDX RDF", []byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:spdx="http://spdx.org/rdf/terms#">`), "", "", "RDF/XML is not supported"},
		{"ZIP", []byte("PK\x03\x04\x14\x00"), "", "", "ZIP archive"},
		{"binary", []byte{0, 1, 2, 3, 'a'}, "", "", "binary data"},
		{"UTF-16", []byte("\xff\xfe{\x00"), "", "", "UTF-16"},
		{"YAML SPDX", []byte("spdxVersion: SPDX-2.3\nname: x\n"), "", "", "YAML"},
		{"tag-value without version", []byte("DataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n"), "", "", "without an SPDXVersion tag"},
		{"CycloneDX 1.8", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.8"}`), cra.FormatCycloneDXJSON, "1.8", "CycloneDX 1.8 is not supported"},
		{"CycloneDX without specVersion", []byte(`{"bomFormat":"CycloneDX","components":[]}`), cra.FormatCycloneDXJSON, "", "does not state its specVersion"},
		{"CycloneDX XML 2.0", []byte(`<bom xmlns="http://cyclonedx.org/schema/bom/2.0">`), cra.FormatCycloneDXXML, "2.0", "CycloneDX 2.0 is not supported"},
		{"SPDX 2.0", []byte(`{"spdxVersion":"SPDX-2.0"}`), cra.FormatSPDXJSON, "2.0", "SPDX 2.0 is not supported"},
		{"SPDX odd version", []byte(`{"spdxVersion":"2.3"}`), "", "", `spdxVersion "2.3" is not one cyra reads`},
		{"SPDX tag-value 1.2", []byte("SPDXVersion: SPDX-1.2\n"), cra.FormatSPDXTagValue, "1.2", "SPDX 1.2 is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, v, err := sbom.Detect(tc.head)
			if tc.errText != "" {
				if err == nil {
					t.Fatalf("Detect = %s %s, want an error saying %q", f, v, tc.errText)
				}
				e := appError(t, err, cra.EUNSUPPORTED)
				if !strings.Contains(e.Message, tc.errText) {
					t.Fatalf("message %q does not say %q", e.Message, tc.errText)
				}
			} else if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if f != tc.format || v != tc.version {
				t.Fatalf("Detect = %q %q, want %q %q", f, v, tc.format, tc.version)
			}
		})
	}
}
