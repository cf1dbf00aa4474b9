package scanout

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"cyra/internal/cra"
)

// SARIF 2.1.0, only as much of it as a scan needs. The field names are
// the schema's.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string          `json:"id"`
		Name                 string          `json:"name,omitempty"`
		ShortDescription     sarifText       `json:"shortDescription"`
		FullDescription      sarifText       `json:"fullDescription"`
		Help                 sarifText       `json:"help"`
		HelpURI              string          `json:"helpUri,omitempty"`
		DefaultConfiguration sarifConfig     `json:"defaultConfiguration"`
		Properties           sarifProperties `json:"properties"`
	}
	sarifText struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifProperties struct {
		// SecuritySeverity is the CVSS score GitHub code scanning ranks
		// by, as a string.
		SecuritySeverity string   `json:"security-severity,omitempty"`
		Tags             []string `json:"tags,omitempty"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogical `json:"logicalLocations"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifLogical struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
)

// sarifLevel maps a rating to a SARIF level: critical and high are
// errors, medium and unknown warnings (unknown is not harmless), low and
// none notes.
func sarifLevel(rating string) string {
	switch strings.ToUpper(rating) {
	case "CRITICAL", "HIGH":
		return "error"
	case "LOW", "NONE":
		return "note"
	}
	return "warning"
}

// SARIF writes the result as a SARIF 2.1.0 log with one run: a rule per
// vulnerability (help text with its aliases, severity and exploitation)
// and a result per affected component. A package has no source line, so
// each result's location is logical: the component's purl, plus the SBOM
// file as the artifact when it was read from one. A finding's fingerprint
// is its package and vulnerability, so that a version bump that stays
// affected is the same alert.
func SARIF(w io.Writer, r *cra.ScanResult, m Meta) error {
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{Name: m.tool(), Version: m.Version,
				InformationURI: "https://github.com/cyra-cra/cyra", Rules: []sarifRule{}}},
			Results: []sarifResult{},
		}},
	}
	run := &log.Runs[0]
	index := map[string]int{}
	findings := sortedFindings(r.Findings)
	for _, f := range findings {
		if _, ok := index[f.VulnID]; ok {
			continue
		}
		index[f.VulnID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(&f))
	}
	for _, f := range findings {
		loc := sarifLocation{LogicalLocations: []sarifLogical{{Name: f.Component, FullyQualifiedName: f.PURL, Kind: "module"}}}
		if r.File != "" && r.File != "stdin" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: r.File}}
		}
		props := map[string]any{"purl": f.PURL, "version": f.Version, "kev": f.KEV, "exploited": f.Exploited}
		if len(f.FixedVersions) > 0 {
			props["fixed_versions"] = f.FixedVersions
		}
		if f.Uncertain {
			props["uncertain"] = true
		}
		run.Results = append(run.Results, sarifResult{
			RuleID: f.VulnID, RuleIndex: index[f.VulnID], Level: sarifLevel(f.Rating),
			Message:             sarifText{Text: resultMessage(&f)},
			Locations:           []sarifLocation{loc},
			PartialFingerprints: map[string]string{"cyraPackageVuln/v1": purlPackage(f.PURL) + "|" + f.VulnID},
			Properties:          props,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&log)
}

func sarifRuleOf(f *cra.ScanFinding) sarifRule {
	short := oneLine(f.Summary)
	if short == "" {
		short = f.VulnID
	}
	var text, md strings.Builder
	fmt.Fprintf(&text, "%s: %s\n", f.VulnID, short)
	fmt.Fprintf(&md, "**%s**: %s\n\n", f.VulnID, short)
	if others := otherIDs(f); len(others) > 0 {
		fmt.Fprintf(&text, "Also known as: %s\n", strings.Join(others, ", "))
		fmt.Fprintf(&md, "Also known as: %s\n\n", strings.Join(others, ", "))
	}
	sev := "unknown"
	if rt := rating(f); rt != "" {
		sev = rt
		if f.Score > 0 {
			sev += " (CVSS " + strconv.FormatFloat(f.Score, 'f', 1, 64) + ")"
		}
	}
	fmt.Fprintf(&text, "Severity: %s\n", sev)
	fmt.Fprintf(&md, "| Severity | %s |\n|---|---|\n", sev)
	if f.KEV || f.Exploited {
		ex := "exploited in the wild"
		if f.KEVAdded != nil {
			ex += ", listed in CISA KEV since " + f.KEVAdded.String()
		} else if f.KEV {
			ex += ", listed in CISA KEV"
		}
		fmt.Fprintf(&text, "Known exploited: %s\n", ex)
		fmt.Fprintf(&md, "| Known exploited | %s |\n", ex)
	}
	if len(f.Advisories) > 0 {
		fmt.Fprintf(&text, "Advisories: %s\n", strings.Join(f.Advisories, ", "))
		fmt.Fprintf(&md, "| Advisories | %s |\n", strings.Join(f.Advisories, ", "))
	}
	rule := sarifRule{
		ID: f.VulnID, Name: f.VulnID,
		ShortDescription:     sarifText{Text: short},
		FullDescription:      sarifText{Text: short},
		Help:                 sarifText{Text: strings.TrimSpace(text.String()), Markdown: strings.TrimSpace(md.String())},
		HelpURI:              helpURI(f),
		DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Rating)},
		Properties:           sarifProperties{Tags: []string{"security", "vulnerability"}},
	}
	if f.Score > 0 {
		rule.Properties.SecuritySeverity = strconv.FormatFloat(f.Score, 'f', 1, 64)
	}
	return rule
}

// otherIDs are the vulnerability's ids besides the one it is shown by.
func otherIDs(f *cra.ScanFinding) []string {
	var out []string
	for _, a := range f.Aliases {
		if a != f.VulnID && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// helpURI points at the public record of the first OSV advisory, or of
// the CVE.
func helpURI(f *cra.ScanFinding) string {
	if len(f.Advisories) > 0 {
		return "https://osv.dev/vulnerability/" + f.Advisories[0]
	}
	if strings.HasPrefix(f.VulnID, "CVE-") {
		return "https://www.cve.org/CVERecord?id=" + f.VulnID
	}
	return ""
}

func resultMessage(f *cra.ScanFinding) string {
	msg := fmt.Sprintf("%s is affected by %s", f.PURL, f.VulnID)
	if others := otherIDs(f); len(others) > 0 {
		msg += " (" + strings.Join(others, ", ") + ")"
	}
	msg += "."
	switch {
	case f.Fix != "":
		msg += " Upgrade to " + f.Fix + "."
	case len(f.FixedVersions) > 0:
		msg += " Fixed in " + strings.Join(f.FixedVersions, ", ") + "."
	default:
		msg += " No fixed version is known."
	}
	if f.Uncertain {
		msg += " Uncertain: the advisory is scoped to a distribution release the purl does not name."
	}
	return msg
}
