// Package kev reads CISA's Known Exploited Vulnerabilities catalog
// (https://www.cisa.gov/known-exploited-vulnerabilities-catalog) into a
// cra.KEVCatalog. It wraps the catalog's JSON format and its one download
// URL: Parse reads a catalog file, for imports and air-gapped sites, and
// Feed syncs it over HTTP through the shared fetch client and implements
// cra.Feed.
package kev

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// catalog is the catalog as CISA publishes it (title and count are not
// read). Entries are decoded one by one, so that one malformed entry costs
// only itself.
type catalog struct {
	CatalogVersion  string             `json:"catalogVersion"`
	DateReleased    string             `json:"dateReleased"`
	Vulnerabilities *[]json.RawMessage `json:"vulnerabilities"`
}

// entry is one catalog entry. cwes is missing in older catalogs.
type entry struct {
	CVEID                      string   `json:"cveID"`
	VendorProject              string   `json:"vendorProject"`
	Product                    string   `json:"product"`
	VulnerabilityName          string   `json:"vulnerabilityName"`
	DateAdded                  string   `json:"dateAdded"`
	ShortDescription           string   `json:"shortDescription"`
	RequiredAction             string   `json:"requiredAction"`
	DueDate                    string   `json:"dueDate"`
	KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
	Notes                      string   `json:"notes"`
	CWEs                       []string `json:"cwes"`
}

// Parse reads a KEV catalog from data, read from the file called name
// (used in messages). A document that is not JSON, has values of the
// wrong type or has no vulnerabilities list is an error naming name and,
// for JSON errors, the line and column; so is a catalog none of whose
// entries is valid, since storing it would mark every entry removed.
//
// An entry that is not an object of the expected shape, whose cveID is
// not a CVE id, whose dates are not dates or whose CVE was listed before
// is left out, and skip (which may be nil) gets the reason, naming name
// and the entry's index (and line and column for JSON errors).
// FirstSeen and Removed are left for the store to set.
func Parse(name string, data []byte, skip func(reason string)) (cra.KEVCatalog, error) {
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	var c catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return cra.KEVCatalog{}, jsonError(name, data, err)
	}
	if c.Vulnerabilities == nil {
		return cra.KEVCatalog{}, fmt.Errorf("%s: not a KEV catalog: it has no vulnerabilities list", name)
	}
	out := cra.KEVCatalog{Version: strings.TrimSpace(c.CatalogVersion)}
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(c.DateReleased)); err == nil {
		t = t.UTC()
		out.Released = &t
	}
	seen := map[string]bool{}
	from := bytes.Index(data, []byte(`"vulnerabilities"`))
	for i, raw := range *c.Vulnerabilities {
		// raw is an exact copy of the entry's bytes: finding it after the
		// previous entry gives its offset in data, for messages.
		at := int64(-1)
		if j := bytes.Index(data[max(from, 0):], raw); from >= 0 && j >= 0 {
			at, from = int64(from+j), from+j+len(raw)
		}
		k, off, err := readEntry(raw)
		if err == nil && seen[k.CVE] {
			err = fmt.Errorf("%s is listed twice; the first entry is kept", k.CVE)
		}
		if err != nil {
			if skip != nil {
				where := ""
				if off >= 0 && at >= 0 {
					where = ":" + position(data, at+off)
				}
				skip(fmt.Sprintf("%s: vulnerabilities[%d]%s: %v", name, i, where, err))
			}
			continue
		}
		seen[k.CVE] = true
		out.Entries = append(out.Entries, k)
	}
	if len(out.Entries) == 0 {
		return cra.KEVCatalog{}, fmt.Errorf("%s: the KEV catalog lists no valid entries", name)
	}
	return out, nil
}

// readEntry decodes and checks one entry. For a JSON error it returns the
// error's offset in raw, else -1.
func readEntry(raw []byte) (cra.KEVEntry, int64, error) {
	var e entry
	if err := json.Unmarshal(raw, &e); err != nil {
		off, msg := describe(err)
		return cra.KEVEntry{}, off, errors.New(msg)
	}
	cve := cra.NormalizeVulnID(e.CVEID)
	if !cra.IsCVE(cve) {
		return cra.KEVEntry{}, -1, fmt.Errorf("cveID %q is not a CVE id", e.CVEID)
	}
	added, err := cra.ParseDate(e.DateAdded)
	if err != nil {
		return cra.KEVEntry{}, -1, fmt.Errorf("%s: dateAdded %q is not a date (YYYY-MM-DD)", cve, e.DateAdded)
	}
	var due cra.Date
	if strings.TrimSpace(e.DueDate) != "" {
		if due, err = cra.ParseDate(e.DueDate); err != nil {
			return cra.KEVEntry{}, -1, fmt.Errorf("%s: dueDate %q is not a date (YYYY-MM-DD)", cve, e.DueDate)
		}
	}
	var cwes []string
	for _, c := range e.CWEs {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			cwes = append(cwes, c)
		}
	}
	return cra.KEVEntry{
		CVE:              cve,
		VendorProject:    strings.TrimSpace(e.VendorProject),
		Product:          strings.TrimSpace(e.Product),
		Name:             strings.TrimSpace(e.VulnerabilityName),
		DateAdded:        added,
		DueDate:          due,
		RansomwareUse:    strings.TrimSpace(e.KnownRansomwareCampaignUse),
		RequiredAction:   strings.TrimSpace(e.RequiredAction),
		ShortDescription: strings.TrimSpace(e.ShortDescription),
		Notes:            strings.TrimSpace(e.Notes),
		CWEs:             cwes,
	}, -1, nil
}

// jsonError turns a decoding error into one that names the file, and the
// line and column of the offending byte: the bad character of a syntax
// error, the last byte of a value of the wrong type.
func jsonError(name string, data []byte, err error) error {
	off, msg := describe(err)
	if off < 0 {
		return fmt.Errorf("%s: %s", name, msg)
	}
	return fmt.Errorf("%s:%s: %s", name, position(data, off), msg)
}

// describe explains a decoding error and returns its offset (-1: none).
func describe(err error) (int64, string) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return se.Offset, "invalid JSON: " + strings.TrimPrefix(se.Error(), "json: ")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the value"
		}
		return te.Offset, fmt.Sprintf("%s is a JSON %s where %s was expected", field, te.Value, kind(te.Type))
	}
	return -1, err.Error()
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
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Int:
		return "a number"
	}
	return "another value"
}
