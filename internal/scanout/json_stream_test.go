package scanout

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"cyra/internal/cra"
)

// TestJSONStreamsAsEncoder checks that the streamed document is byte for
// byte what encoding the whole result at once gives.
func TestJSONStreamsAsEncoder(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	kev := cra.Date{Time: at}
	for name, r := range map[string]*cra.ScanResult{
		"empty":    {File: "a.json", Format: cra.FormatCycloneDXJSON, NotMatchable: []cra.ScanComponent{}, Findings: []cra.ScanFinding{}},
		"feeds at": {File: "a.json", Components: 2, Advisories: 7, FeedsAt: at, NotMatchable: []cra.ScanComponent{{Name: "x <y>", NotMatchable: "no purl"}}, Findings: []cra.ScanFinding{}},
		"findings": {File: "b&c.json", Components: 3, Advisories: 1, NotMatchable: []cra.ScanComponent{},
			Findings: []cra.ScanFinding{{PURL: "pkg:npm/a@1", VulnID: "CVE-1", Aliases: []string{"CVE-1"}, Advisories: []string{"GHSA-x"}, FixedVersions: []string{"2"}, KEV: true, KEVAdded: &kev, Path: []string{"p"}},
				{PURL: "pkg:npm/b@1", VulnID: "CVE-2", Aliases: []string{}, Advisories: []string{}, FixedVersions: []string{}, Summary: "a <b> & c"}}},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := JSON(&got, r); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: streamed\n%s\nwant\n%s", name, got.String(), want.String())
		}
	}
}
