package scanout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"cyra/internal/cra"
)

// Table writes the findings as a table for a terminal or a CI log:
// exploited first, then by severity, with a summary line and the
// components cyra could not match.
func Table(w io.Writer, r *cra.ScanResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(r.Findings) > 0 {
		fmt.Fprintln(tw, "SEVERITY\tPACKAGE\tVERSION\tVULNERABILITY\tEXPLOITED\tFIXED IN\tSUMMARY")
	}
	for _, f := range sortedFindings(r.Findings) {
		sev := rating(&f)
		switch {
		case sev == "":
			sev = "-"
		case f.Score > 0:
			sev = fmt.Sprintf("%s %.1f", sev, f.Score)
		}
		var ex []string
		if f.KEV {
			ex = append(ex, "KEV")
		}
		if f.Exploited && !f.KEV {
			ex = append(ex, "EUVD")
		}
		fix := f.Fix
		if fix == "" {
			fix = strings.Join(f.FixedVersions, ", ")
		}
		id := f.VulnID
		if f.Uncertain {
			id += " (uncertain)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sev, cell(packageName(&f), 60), cell(f.Version, 30), id,
			dash(strings.Join(ex, ",")), cell(dash(fix), 30), cell(dash(oneLine(f.Summary)), 70))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var c cra.SeverityCounts
	for _, f := range r.Findings {
		c.Add(&cra.Finding{Rating: f.Rating, KEVAdded: kevDate(&f), ExploitedSince: exploitedSince(&f)})
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s: %d components, %d findings (%d critical, %d high, %d medium, %d low, %d unrated; %d exploited)",
		dash(r.File), r.Components, len(r.Findings), c.Critical, c.High, c.Medium, c.Low, c.None, c.Exploited)
	fmt.Fprintf(w, " against %d known vulnerabilities", r.Advisories)
	if !r.FeedsAt.IsZero() {
		fmt.Fprintf(w, " (feeds of %s)", r.FeedsAt.UTC().Format("2006-01-02 15:04Z"))
	}
	fmt.Fprintln(w)
	if n := len(r.NotMatchable); n > 0 {
		fmt.Fprintf(w, "%d %s could not be matched:\n", n, plural(n, "component", "components"))
		for i, c := range r.NotMatchable {
			if i == 10 {
				fmt.Fprintf(w, "  … and %d more (see --format json)\n", n-10)
				break
			}
			name := c.Name
			if c.Version != "" {
				name += "@" + c.Version
			}
			fmt.Fprintf(w, "  %s: %s\n", oneLine(name), c.NotMatchable)
		}
	}
	return nil
}

// packageName is how a table names a finding's package: its ecosystem and
// name when it has them, else its purl without version.
func packageName(f *cra.ScanFinding) string {
	if f.Ecosystem != "" && f.Component != "" {
		return f.Ecosystem + "/" + f.Component
	}
	if f.PURL != "" {
		return purlPackage(f.PURL)
	}
	return f.Component
}

// kevDate and exploitedSince give SeverityCounts non-nil facts for the
// flags; the dates themselves do not matter to the counts.
func kevDate(f *cra.ScanFinding) *cra.Date {
	if f.KEV {
		return &cra.Date{}
	}
	return nil
}

func exploitedSince(f *cra.ScanFinding) *time.Time {
	if f.Exploited {
		return &time.Time{}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine folds whitespace, so that a summary with newlines or tabs does
// not break the table's columns.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cell shortens s to n runes.
func cell(s string, n int) string {
	r := []rune(oneLine(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// JSON writes the result as indented JSON: the file scanned, the
// components that could not be matched and, per finding, the component's
// purl, the vulnerability's id and aliases, its severity, KEV and
// exploited flags and the fixed versions. Lists are never null.
//
// The findings are written one at a time, so that a scan of a large SBOM
// does not hold the whole document in memory as well as the findings.
func JSON(w io.Writer, r *cra.ScanResult) error {
	bw := bufio.NewWriter(w)
	// value encodes v as the encoder of the whole document would at the
	// given depth: indented by two spaces, HTML not escaped.
	value := func(prefix string, v any) error {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent(prefix, "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return nil
	}
	field := func(name string, v any, last bool) error {
		fmt.Fprintf(bw, "  %q: ", name)
		if err := value("  ", v); err != nil {
			return err
		}
		if !last {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		return nil
	}
	bw.WriteString("{\n")
	for _, f := range []struct {
		name string
		v    any
	}{{"file", r.File}, {"format", r.Format}, {"components", r.Components}, {"not_matchable", nonNilComponents(r.NotMatchable)}} {
		if err := field(f.name, f.v, false); err != nil {
			return err
		}
	}
	if len(r.Findings) == 0 {
		bw.WriteString("  \"findings\": [],\n")
	} else {
		bw.WriteString("  \"findings\": [\n")
		for i, f := range r.Findings {
			f.Aliases = nonNil(f.Aliases)
			f.Advisories = nonNil(f.Advisories)
			f.FixedVersions = nonNil(f.FixedVersions)
			bw.WriteString("    ")
			if err := value("    ", f); err != nil {
				return err
			}
			if i < len(r.Findings)-1 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
		}
		bw.WriteString("  ],\n")
	}
	last := r.FeedsAt.IsZero()
	if err := field("advisories", r.Advisories, last); err != nil {
		return err
	}
	if !last {
		if err := field("feeds_at", r.FeedsAt, true); err != nil {
			return err
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilComponents(s []cra.ScanComponent) []cra.ScanComponent {
	if s == nil {
		return []cra.ScanComponent{}
	}
	return s
}
