package scanout

import (
	"crypto/sha1"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"cyra/internal/cra"
)

// CycloneDXVEX writes the result as a CycloneDX 1.6 JSON document with
// the affected components (bom-ref: the purl) and one vulnerability per
// id: its source, rating, the other ids as references, the components it
// affects with the version found (affected) and the fixed versions
// (unaffected), and the analysis state in_triage, since a scan decides
// nothing. KEV and EUVD exploitation, which CycloneDX has no field for,
// are properties (cyra:kev, cyra:kev_added, cyra:exploited). The serial
// number derives from the file, the findings and m.Time, so the same scan
// writes the same document.
func CycloneDXVEX(w io.Writer, r *cra.ScanResult, m Meta) error {
	bom := &cdx.BOM{
		JSONSchema:  "http://cyclonedx.org/schema/bom-1.6.schema.json",
		BOMFormat:   cdx.BOMFormat,
		SpecVersion: cdx.SpecVersion1_6,
		Version:     1,
	}
	md := &cdx.Metadata{Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: m.tool(), Version: m.Version}}}}
	if !m.Time.IsZero() {
		md.Timestamp = m.Time.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	bom.Metadata = md

	findings := sortedFindings(r.Findings)
	components := []cdx.Component{}
	seen := map[string]bool{}
	seed := r.File + "\n" + md.Timestamp
	for _, f := range findings {
		seed += "\n" + f.PURL + " " + f.VulnID
		if f.PURL == "" || seen[f.PURL] {
			continue
		}
		seen[f.PURL] = true
		components = append(components, cdx.Component{BOMRef: f.PURL, Type: cdx.ComponentTypeLibrary,
			Name: f.Component, Version: f.Version, PackageURL: f.PURL})
	}
	slices.SortFunc(components, func(a, b cdx.Component) int { return strings.Compare(a.BOMRef, b.BOMRef) })
	bom.SerialNumber = "urn:uuid:" + uuid5(seed)
	bom.Components = &components

	vulns := []cdx.Vulnerability{}
	index := map[string]int{}
	for _, f := range findings {
		i, ok := index[f.VulnID]
		if !ok {
			i = len(vulns)
			index[f.VulnID] = i
			vulns = append(vulns, vexVulnerability(&f))
		}
		v := &vulns[i]
		versions := []cdx.AffectedVersions{{Version: f.Version, Status: cdx.VulnerabilityStatusAffected}}
		for _, fv := range f.FixedVersions {
			versions = append(versions, cdx.AffectedVersions{Version: fv, Status: cdx.VulnerabilityStatusNotAffected})
		}
		*v.Affects = append(*v.Affects, cdx.Affects{Ref: f.PURL, Range: &versions})
		if f.Fix != "" {
			rec := fmt.Sprintf("Upgrade %s to %s.", f.Component, f.Fix)
			if !strings.Contains(v.Recommendation, rec) {
				v.Recommendation = strings.TrimSpace(v.Recommendation + " " + rec)
			}
		}
	}
	bom.Vulnerabilities = &vulns
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("scanout: writing CycloneDX: %w", err)
	}
	return nil
}

func vexVulnerability(f *cra.ScanFinding) cdx.Vulnerability {
	v := cdx.Vulnerability{
		BOMRef:      "vuln:" + f.VulnID,
		ID:          f.VulnID,
		Source:      vulnSource(f.VulnID),
		Description: oneLine(f.Summary),
		Analysis: &cdx.VulnerabilityAnalysis{State: cdx.IASInTriage,
			Detail: "Found by cyra scan: the component's version is in an affected range of the advisory. Not yet triaged."},
		Affects: &[]cdx.Affects{},
	}
	if rt := rating(f); rt != "" || f.Score > 0 {
		rating := cdx.VulnerabilityRating{Severity: cdx.Severity(strings.ToLower(rt))}
		if rt == "" {
			rating.Severity = cdx.SeverityUnknown
		}
		if f.Score > 0 {
			s := f.Score
			rating.Score = &s
		}
		v.Ratings = &[]cdx.VulnerabilityRating{rating}
	}
	if others := otherIDs(f); len(others) > 0 {
		refs := make([]cdx.VulnerabilityReference, 0, len(others))
		for _, id := range others {
			refs = append(refs, cdx.VulnerabilityReference{ID: id, Source: vulnSource(id)})
		}
		v.References = &refs
	}
	var props []cdx.Property
	if f.KEV {
		props = append(props, cdx.Property{Name: "cyra:kev", Value: "true"})
		if f.KEVAdded != nil {
			props = append(props, cdx.Property{Name: "cyra:kev_added", Value: f.KEVAdded.String()})
		}
	}
	if f.Exploited {
		props = append(props, cdx.Property{Name: "cyra:exploited", Value: "true"})
	}
	if f.Uncertain {
		props = append(props, cdx.Property{Name: "cyra:uncertain", Value: "true"})
	}
	if len(props) > 0 {
		v.Properties = &props
	}
	return v
}

// vulnSource names the database that issues an id and the id's page
// there.
func vulnSource(id string) *cdx.Source {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "CVE":
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case "GHSA":
		return &cdx.Source{Name: "GitHub Advisory Database", URL: "https://github.com/advisories/" + id}
	case "GO":
		return &cdx.Source{Name: "Go Vulnerability Database", URL: "https://pkg.go.dev/vuln/" + id}
	case "RUSTSEC":
		return &cdx.Source{Name: "RustSec", URL: "https://rustsec.org/advisories/" + id + ".html"}
	case "PYSEC":
		return &cdx.Source{Name: "PyPA Advisory Database", URL: "https://osv.dev/vulnerability/" + id}
	case "EUVD":
		return &cdx.Source{Name: "ENISA EUVD", URL: "https://euvd.enisa.europa.eu/vulnerability/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// uuid5 derives a name-based (version 5) UUID in the URL namespace.
func uuid5(name string) string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Write writes the result in the named format (one of Formats).
func Write(w io.Writer, format string, r *cra.ScanResult, m Meta) error {
	switch format {
	case FormatTable:
		return Table(w, r)
	case FormatJSON:
		return JSON(w, r)
	case FormatSARIF:
		return SARIF(w, r, m)
	case FormatVEX:
		return CycloneDXVEX(w, r, m)
	}
	return fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats, ", "))
}
