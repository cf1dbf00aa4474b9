package scanout_test

import (
	"encoding/json"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/scanout"
)

// sarifDoc is the part of SARIF 2.1.0 the tests check.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID               string `json:"id"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
					Help struct {
						Text     string `json:"text"`
						Markdown string `json:"markdown"`
					} `json:"help"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties struct {
						SecuritySeverity string   `json:"security-severity"`
						Tags             []string `json:"tags"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					Name               string `json:"name"`
					FullyQualifiedName string `json:"fullyQualifiedName"`
					Kind               string `json:"kind"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIF(t *testing.T) {
	t.Parallel()
	out := write(t, scanout.FormatSARIF, sample())
	golden(t, "sample.sarif.golden", out)
	var doc sarifDoc
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("SARIF does not have the expected shape: %v", err)
	}
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif-2.1.0") || len(doc.Runs) != 1 {
		t.Fatalf("header: %+v", doc)
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "cyra" || run.Tool.Driver.Version != "1.2.3" {
		t.Errorf("driver: %+v", run.Tool.Driver)
	}
	// One rule per vulnerability, a result per (component, vulnerability).
	if len(run.Tool.Driver.Rules) != 4 || len(run.Results) != 5 {
		t.Fatalf("%d rules, %d results; want 4 and 5", len(run.Tool.Driver.Rules), len(run.Results))
	}
	levels := map[string]string{}
	ids := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		if ids[r.ID] {
			t.Errorf("rule %s twice", r.ID)
		}
		ids[r.ID] = true
		levels[r.ID] = r.DefaultConfiguration.Level
		if r.Help.Text == "" || r.Help.Markdown == "" || r.ShortDescription.Text == "" {
			t.Errorf("rule %s lacks help: %+v", r.ID, r)
		}
	}
	want := map[string]string{"RUSTSEC-2019-0009": "error", "CVE-2019-10906": "error", "CVE-2023-44487": "error", "CVE-2099-0001": "warning"}
	for id, l := range want {
		if levels[id] != l {
			t.Errorf("rule %s level %q, want %q", id, levels[id], l)
		}
	}
	fps := map[string]bool{}
	for _, res := range run.Results {
		rule := run.Tool.Driver.Rules[res.RuleIndex]
		if rule.ID != res.RuleID || res.Level != rule.DefaultConfiguration.Level {
			t.Errorf("result %s points at rule %s", res.RuleID, rule.ID)
		}
		if len(res.Locations) != 1 || len(res.Locations[0].LogicalLocations) != 1 ||
			!strings.HasPrefix(res.Locations[0].LogicalLocations[0].FullyQualifiedName, "pkg:") ||
			res.Locations[0].PhysicalLocation == nil || res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "app.cdx.json" {
			t.Errorf("result %s locations: %+v", res.RuleID, res.Locations)
		}
		if !strings.Contains(res.Message.Text, res.Locations[0].LogicalLocations[0].FullyQualifiedName) {
			t.Errorf("message does not name the purl: %s", res.Message.Text)
		}
		fps[res.PartialFingerprints["cyraPackageVuln/v1"]] = true
	}
	// The two smallvec versions are one package: one fingerprint.
	if len(fps) != 4 {
		t.Errorf("fingerprints: %v", fps)
	}
	if r := run.Tool.Driver.Rules[0]; r.ID != "CVE-2023-44487" || r.Properties.SecuritySeverity != "7.5" || !strings.Contains(r.Help.Text, "KEV since 2026-11-20") {
		t.Errorf("first rule: %+v", r)
	}
}

func TestSARIFFromStdinHasNoArtifact(t *testing.T) {
	t.Parallel()
	r := sample()
	r.File = "stdin"
	var doc sarifDoc
	if err := json.Unmarshal(write(t, scanout.FormatSARIF, r), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Runs[0].Results[0].Locations[0].PhysicalLocation != nil {
		t.Error("a physical location for standard input")
	}
	empty := write(t, scanout.FormatSARIF, &cra.ScanResult{})
	if err := json.Unmarshal(empty, &doc); err != nil || doc.Runs[0].Results == nil || doc.Runs[0].Tool.Driver.Rules == nil {
		t.Errorf("an empty scan must still list rules and results: %s", empty)
	}
}
