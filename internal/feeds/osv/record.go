// Package osv reads OSV advisories (https://ossf.github.io/osv-schema/)
// into cra.Advisory values. It wraps the OSV JSON format and the layout of
// OSV's public export bucket: per-ecosystem all.zip archives, the
// modified_id.csv change lists and per-record JSON files.
//
// ParseRecord reads one record; ReadPath reads a directory, a zip archive
// or a single file for air-gapped sites; Feed syncs the bucket over HTTP
// through the shared fetch client and implements cra.Feed.
package osv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/cvss"
	"cyra/internal/feeds/fetch"
)

// record is the part of an OSV record cyra reads. Fields the schema leaves
// free-form (database_specific, ecosystem_specific) are decoded leniently
// so that an unexpected shape there never costs the whole record.
type record struct {
	ID               string          `json:"id"`
	Modified         string          `json:"modified"`
	Published        string          `json:"published"`
	Withdrawn        string          `json:"withdrawn"`
	Aliases          []string        `json:"aliases"`
	Related          []string        `json:"related"`
	Summary          string          `json:"summary"`
	Details          string          `json:"details"`
	Severity         []severity      `json:"severity"`
	Affected         []affected      `json:"affected"`
	References       []cra.Reference `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

type severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type affected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
		PURL      string `json:"purl"`
	} `json:"package"`
	Severity          []severity      `json:"severity"`
	Ranges            []cra.Range     `json:"ranges"`
	Versions          []string        `json:"versions"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific"`
}

// databaseSpecific holds the keys GitHub's advisories put in
// database_specific.
type databaseSpecific struct {
	CWEIDs   []string `json:"cwe_ids"`
	Severity string   `json:"severity"`
}

// ecosystemSpecific holds the affected symbols of Go (imports) and RustSec
// (affects.functions) records.
type ecosystemSpecific struct {
	Imports []struct {
		Path    string   `json:"path"`
		Symbols []string `json:"symbols"`
	} `json:"imports"`
	Affects struct {
		Functions []string `json:"functions"`
	} `json:"affects"`
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ParseRecord parses one OSV record read from the file called name (used
// in error messages). The advisory's Raw is data itself (without a UTF-8
// byte order mark), so the caller must not modify data afterwards. A
// record that is not valid JSON, has values of the wrong type, has no id
// or has a malformed timestamp is an error naming name and, for JSON
// errors, the line and column.
func ParseRecord(name string, data []byte) (cra.Advisory, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return cra.Advisory{}, jsonError(name, data, err)
	}
	id := cra.NormalizeVulnID(r.ID)
	if id == "" {
		return cra.Advisory{}, fmt.Errorf("%s: the record has no id", name)
	}
	a := cra.Advisory{
		Source:     cra.SourceOSV,
		ID:         id,
		Aliases:    ids(r.Aliases, id),
		Related:    ids(r.Related, id),
		Summary:    strings.TrimSpace(r.Summary),
		Details:    r.Details,
		References: r.References,
		Raw:        data,
	}
	var err error
	if a.Published, err = parseTime(r.Published); err != nil {
		return cra.Advisory{}, fmt.Errorf("%s: %s: published: %w", name, id, err)
	}
	if a.Modified, err = parseTime(r.Modified); err != nil {
		return cra.Advisory{}, fmt.Errorf("%s: %s: modified: %w", name, id, err)
	}
	if a.Withdrawn, err = parseTime(r.Withdrawn); err != nil {
		return cra.Advisory{}, fmt.Errorf("%s: %s: withdrawn: %w", name, id, err)
	}
	source, _, _ := strings.Cut(id, "-")
	a.Severity = severities(r.Severity, source)
	var ds databaseSpecific
	_ = json.Unmarshal(r.DatabaseSpecific, &ds) // free-form: take what fits
	a.CWEs = cwes(ds.CWEIDs)
	if rating := qualitative(ds.Severity); rating != "" {
		a.Severity = append(a.Severity, cra.Severity{Type: "QUALITATIVE", Rating: rating, Source: source})
	}
	for _, in := range r.Affected {
		a.Affected = append(a.Affected, cra.Affected{
			Ecosystem: in.Package.Ecosystem,
			Name:      in.Package.Name,
			PURL:      in.Package.PURL,
			Ranges:    in.Ranges,
			Versions:  in.Versions,
			Symbols:   symbols(in.EcosystemSpecific),
		})
		a.Severity = append(a.Severity, severities(in.Severity, source)...)
	}
	sum := sha256.Sum256(data)
	a.Digest = hex.EncodeToString(sum[:])
	return a, nil
}

// parseTime reads an RFC 3339 timestamp. Empty and the zero time
// ("0001-01-01T00:00:00Z", which every golang/vulndb record carries as its
// modified time) are nil: neither says when anything happened.
func parseTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	if t.Year() <= 1 {
		return nil, nil
	}
	t = t.UTC()
	return &t, nil
}

// ids normalises, de-duplicates and drops self-references from a list of
// vulnerability ids, keeping the published order.
func ids(in []string, self string) []string {
	var out []string
	seen := map[string]bool{self: true, "": true}
	for _, s := range in {
		s = cra.NormalizeVulnID(s)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func cwes(in []string) []string {
	var out []string
	seen := map[string]bool{"": true}
	for _, s := range in {
		s = strings.ToUpper(strings.TrimSpace(s))
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// severities scores OSV severity entries. A CVSS vector that does not
// parse is kept with score 0 under its published type; other types
// (Ubuntu's "medium", …) keep their qualitative rating.
func severities(in []severity, source string) []cra.Severity {
	var out []cra.Severity
	for _, s := range in {
		switch s.Type {
		case "CVSS_V2", "CVSS_V3", "CVSS_V4":
			sev, err := cvss.Severity(s.Score, source)
			if err != nil {
				sev.Type = s.Type
			}
			out = append(out, sev)
		default:
			out = append(out, cra.Severity{Type: s.Type, Rating: strings.ToUpper(strings.TrimSpace(s.Score)), Source: source})
		}
	}
	return out
}

// qualitative maps GitHub's database_specific.severity to a cra rating.
func qualitative(s string) string {
	switch r := strings.ToUpper(strings.TrimSpace(s)); r {
	case "LOW", "MEDIUM", "HIGH", "CRITICAL":
		return r
	case "MODERATE":
		return "MEDIUM"
	}
	return ""
}

// symbols lists the affected symbols an ecosystem_specific object names:
// Go's imports as "path.Symbol" (or the path alone when it names no
// symbols) and RustSec's affects.functions as published.
func symbols(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var es ecosystemSpecific
	_ = json.Unmarshal(raw, &es) // free-form: take what fits
	var out []string
	for _, imp := range es.Imports {
		if len(imp.Symbols) == 0 && imp.Path != "" {
			out = append(out, imp.Path)
		}
		for _, s := range imp.Symbols {
			out = append(out, imp.Path+"."+s)
		}
	}
	return append(out, es.Affects.Functions...)
}

// jsonError turns a decoding error into one that names the file, and the
// line and column of the offending byte: the bad character of a syntax
// error, the last byte of a value of the wrong type.
func jsonError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s:%s: invalid JSON: %s", name, position(data, se.Offset), strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the document"
		}
		return fmt.Errorf("%s:%s: %s is a JSON %s where %s was expected", name, position(data, te.Offset), field, te.Value, kind(te.Type))
	}
	return fmt.Errorf("%s: %w", name, err)
}

// position returns the "line:column" (both from 1, in bytes) of the last
// byte encoding/json read when it found an error at offset.
func position(data []byte, offset int64) string {
	line, col := fetch.Position(data, offset)
	return fmt.Sprintf("%d:%d", line, col)
}

func kind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64:
		return "a number"
	}
	return "another value"
}
