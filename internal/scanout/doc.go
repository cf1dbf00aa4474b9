// Package scanout writes what `cyra scan` found: a terminal table, JSON,
// SARIF 2.1.0 for code-scanning dashboards and a CycloneDX 1.6 VEX
// document. It also reads the ignore file of accepted findings and decides
// whether a scan fails a CI threshold.
//
// Everything here is pure: the writers take an io.Writer, the parsers a
// byte slice, and whatever would vary between runs (the time, the tool's
// version) comes in as a parameter, so the output is deterministic and
// golden-testable.
package scanout

import (
	"slices"
	"strings"
	"time"

	"cyra/internal/cra"
)

// Output formats of cyra scan.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatSARIF = "sarif"
	FormatVEX   = "cyclonedx-vex"
)

// Formats lists the output formats.
var Formats = []string{FormatTable, FormatJSON, FormatSARIF, FormatVEX}

// Meta is what a written document says about its producer. SARIF and VEX
// name the tool and its version; VEX also carries a timestamp and serial
// number, which come from Time so that the output is reproducible.
type Meta struct {
	Tool    string // default "cyra"
	Version string
	// Time is when the scan ran (the VEX timestamp).
	Time time.Time
}

func (m Meta) tool() string {
	if m.Tool == "" {
		return "cyra"
	}
	return m.Tool
}

// sortedFindings returns the findings in reading order: exploited first,
// then by rating and score, then by package and id.
func sortedFindings(in []cra.ScanFinding) []cra.ScanFinding {
	out := slices.Clone(in)
	slices.SortStableFunc(out, func(a, b cra.ScanFinding) int {
		if x, y := a.KEV || a.Exploited, b.KEV || b.Exploited; x != y {
			if x {
				return -1
			}
			return 1
		}
		if c := cra.SeverityRank(b.Rating) - cra.SeverityRank(a.Rating); c != 0 {
			return c
		}
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		if c := strings.Compare(a.PURL, b.PURL); c != 0 {
			return c
		}
		return strings.Compare(a.VulnID, b.VulnID)
	})
	return out
}

// rating is a finding's rating in upper case, "" when unknown.
func rating(f *cra.ScanFinding) string {
	r := strings.ToUpper(f.Rating)
	if cra.SeverityRank(r) == 0 && r != "NONE" {
		return ""
	}
	return r
}
