package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"cyra/internal/cra"
)

// The wire types below are the bundle's own: their JSON names are the
// format, so a change to a cra type does not change the format unless
// someone changes these too. Lists use omitzero, which omits a nil list
// but writes an empty one as [], so nil and empty survive a round trip.
// Optional times use omitempty, never omitzero: omitzero would call
// time.Time.IsZero and drop the 0001-01-01 that golang/vulndb writes as
// every record's modified time, turning a set time into an absent one.

// wireAdvisory is one line of advisories.jsonl.
type wireAdvisory struct {
	Source         string          `json:"source"`
	ID             string          `json:"id"`
	Aliases        []string        `json:"aliases,omitzero"`
	Related        []string        `json:"related,omitzero"`
	Summary        string          `json:"summary,omitempty"`
	Details        string          `json:"details,omitempty"`
	Published      *time.Time      `json:"published,omitempty"`
	Modified       *time.Time      `json:"modified,omitempty"`
	Withdrawn      *time.Time      `json:"withdrawn,omitempty"`
	Severity       []wireSeverity  `json:"severity,omitzero"`
	CWEs           []string        `json:"cwes,omitzero"`
	References     []wireReference `json:"references,omitzero"`
	Affected       []wireAffected  `json:"affected,omitzero"`
	CPEs           []string        `json:"cpes,omitzero"`
	ExploitedSince *time.Time      `json:"exploited_since,omitempty"`
	EPSS           *float64        `json:"epss,omitempty"`
	// Raw is the record as published, byte for byte, as a JSON string;
	// RawBase64 replaces it when the record is not valid UTF-8 (a JSON
	// string cannot carry such bytes unchanged).
	Raw       string `json:"raw,omitempty"`
	RawBase64 []byte `json:"raw_base64,omitzero"`
	Digest    string `json:"digest,omitempty"`
}

type wireSeverity struct {
	Type   string  `json:"type"`
	Vector string  `json:"vector,omitempty"`
	Score  float64 `json:"score"`
	Rating string  `json:"rating,omitempty"`
	Source string  `json:"source,omitempty"`
}

type wireReference struct {
	Type string `json:"type,omitempty"`
	URL  string `json:"url"`
}

type wireAffected struct {
	Ecosystem string      `json:"ecosystem"`
	Name      string      `json:"name"`
	PURL      string      `json:"purl,omitempty"`
	Ranges    []wireRange `json:"ranges,omitzero"`
	Versions  []string    `json:"versions,omitzero"`
	Symbols   []string    `json:"symbols,omitzero"`
}

type wireRange struct {
	Type   string      `json:"type"`
	Repo   string      `json:"repo,omitempty"`
	Events []wireEvent `json:"events,omitzero"`
}

type wireEvent struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// wireKEV is one line of kev.jsonl.
type wireKEV struct {
	CVE              string     `json:"cve"`
	VendorProject    string     `json:"vendor_project,omitempty"`
	Product          string     `json:"product,omitempty"`
	Name             string     `json:"name,omitempty"`
	DateAdded        string     `json:"date_added,omitempty"`
	DueDate          string     `json:"due_date,omitempty"`
	RansomwareUse    string     `json:"ransomware_use,omitempty"`
	RequiredAction   string     `json:"required_action,omitempty"`
	ShortDescription string     `json:"short_description,omitempty"`
	Notes            string     `json:"notes,omitempty"`
	CWEs             []string   `json:"cwes,omitzero"`
	FirstSeen        time.Time  `json:"first_seen"`
	Removed          *time.Time `json:"removed,omitempty"`
}

// epssHeader is the first line of epss.csv.
var epssHeader = []string{"cve", "date", "epss", "percentile"}

// mapSlice applies f to every element, keeping nil nil and empty empty.
func mapSlice[T, U any](s []T, f func(T) U) []U {
	if s == nil {
		return nil
	}
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// utc returns a copy of t in UTC, nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// digestOf returns the hex SHA-256 of raw.
func digestOf(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// checkDigest checks that digest is the SHA-256 of raw (both empty is
// fine: a record without its raw document).
func checkDigest(raw []byte, digest string) error {
	if len(raw) == 0 && digest == "" {
		return nil
	}
	if want := digestOf(raw); digest != want {
		return fmt.Errorf("digest %q is not the SHA-256 of the raw record (%s)", digest, want)
	}
	return nil
}

// advisoryToWire converts an advisory for writing, refusing one that no
// reader would accept.
func advisoryToWire(a *cra.Advisory) (wireAdvisory, error) {
	if a.Source == "" || a.ID == "" {
		return wireAdvisory{}, errors.New("source and id are required")
	}
	if err := checkDigest(a.Raw, a.Digest); err != nil {
		return wireAdvisory{}, err
	}
	w := wireAdvisory{
		Source: string(a.Source), ID: a.ID, Aliases: a.Aliases, Related: a.Related,
		Summary: a.Summary, Details: a.Details,
		Published: utc(a.Published), Modified: utc(a.Modified), Withdrawn: utc(a.Withdrawn),
		Severity: mapSlice(a.Severity, func(s cra.Severity) wireSeverity {
			return wireSeverity{Type: s.Type, Vector: s.Vector, Score: s.Score, Rating: s.Rating, Source: s.Source}
		}),
		CWEs: a.CWEs,
		References: mapSlice(a.References, func(r cra.Reference) wireReference {
			return wireReference{Type: r.Type, URL: r.URL}
		}),
		Affected:       mapSlice(a.Affected, affectedToWire),
		CPEs:           a.CPEs,
		ExploitedSince: utc(a.ExploitedSince),
		EPSS:           a.EPSS,
		Digest:         a.Digest,
	}
	if utf8.Valid(a.Raw) {
		w.Raw = string(a.Raw)
	} else {
		w.RawBase64 = a.Raw
	}
	return w, nil
}

func affectedToWire(af cra.Affected) wireAffected {
	return wireAffected{
		Ecosystem: af.Ecosystem, Name: af.Name, PURL: af.PURL,
		Ranges: mapSlice(af.Ranges, func(r cra.Range) wireRange {
			return wireRange{Type: r.Type, Repo: r.Repo, Events: mapSlice(r.Events, func(e cra.RangeEvent) wireEvent {
				return wireEvent{Introduced: e.Introduced, Fixed: e.Fixed, LastAffected: e.LastAffected, Limit: e.Limit}
			})}
		}),
		Versions: af.Versions, Symbols: af.Symbols,
	}
}

// advisoryFromWire converts a decoded line back, checking its digest.
func advisoryFromWire(w *wireAdvisory) (cra.Advisory, error) {
	if w.Source == "" || w.ID == "" {
		return cra.Advisory{}, errors.New("source and id are required")
	}
	if w.Raw != "" && w.RawBase64 != nil {
		return cra.Advisory{}, errors.New("raw and raw_base64 are both set")
	}
	a := cra.Advisory{
		Source: cra.VulnSource(w.Source), ID: w.ID, Aliases: w.Aliases, Related: w.Related,
		Summary: w.Summary, Details: w.Details,
		Published: utc(w.Published), Modified: utc(w.Modified), Withdrawn: utc(w.Withdrawn),
		Severity: mapSlice(w.Severity, func(s wireSeverity) cra.Severity {
			return cra.Severity{Type: s.Type, Vector: s.Vector, Score: s.Score, Rating: s.Rating, Source: s.Source}
		}),
		CWEs: w.CWEs,
		References: mapSlice(w.References, func(r wireReference) cra.Reference {
			return cra.Reference{Type: r.Type, URL: r.URL}
		}),
		Affected:       mapSlice(w.Affected, affectedFromWire),
		CPEs:           w.CPEs,
		ExploitedSince: utc(w.ExploitedSince),
		EPSS:           w.EPSS,
		Digest:         w.Digest,
	}
	switch {
	case w.Raw != "":
		a.Raw = []byte(w.Raw)
	case len(w.RawBase64) > 0:
		a.Raw = w.RawBase64
	}
	if err := checkDigest(a.Raw, a.Digest); err != nil {
		return cra.Advisory{}, fmt.Errorf("%s %s: %w", a.Source, a.ID, err)
	}
	return a, nil
}

func affectedFromWire(af wireAffected) cra.Affected {
	return cra.Affected{
		Ecosystem: af.Ecosystem, Name: af.Name, PURL: af.PURL,
		Ranges: mapSlice(af.Ranges, func(r wireRange) cra.Range {
			return cra.Range{Type: r.Type, Repo: r.Repo, Events: mapSlice(r.Events, func(e wireEvent) cra.RangeEvent {
				return cra.RangeEvent{Introduced: e.Introduced, Fixed: e.Fixed, LastAffected: e.LastAffected, Limit: e.Limit}
			})}
		}),
		Versions: af.Versions, Symbols: af.Symbols,
	}
}

// formatDate writes a day as YYYY-MM-DD, "" for the zero day.
func formatDate(d cra.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// parseDate reads YYYY-MM-DD as midnight UTC, "" as the zero day.
func parseDate(s string) (cra.Date, error) {
	if s == "" {
		return cra.Date{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return cra.Date{}, fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	return cra.Date{Time: t}, nil
}

// kevToWire converts a KEV entry for writing.
func kevToWire(e *cra.KEVEntry) (wireKEV, error) {
	if e.CVE == "" {
		return wireKEV{}, errors.New("a KEV entry has no CVE")
	}
	return wireKEV{
		CVE: e.CVE, VendorProject: e.VendorProject, Product: e.Product, Name: e.Name,
		DateAdded: formatDate(e.DateAdded), DueDate: formatDate(e.DueDate),
		RansomwareUse: e.RansomwareUse, RequiredAction: e.RequiredAction,
		ShortDescription: e.ShortDescription, Notes: e.Notes, CWEs: e.CWEs,
		FirstSeen: e.FirstSeen.UTC(), Removed: utc(e.Removed),
	}, nil
}

// kevFromWire converts a decoded line of kev.jsonl back.
func kevFromWire(w *wireKEV) (cra.KEVEntry, error) {
	if w.CVE == "" {
		return cra.KEVEntry{}, errors.New("cve is required")
	}
	added, err := parseDate(w.DateAdded)
	if err != nil {
		return cra.KEVEntry{}, fmt.Errorf("date_added: %w", err)
	}
	due, err := parseDate(w.DueDate)
	if err != nil {
		return cra.KEVEntry{}, fmt.Errorf("due_date: %w", err)
	}
	return cra.KEVEntry{
		CVE: w.CVE, VendorProject: w.VendorProject, Product: w.Product, Name: w.Name,
		DateAdded: added, DueDate: due, RansomwareUse: w.RansomwareUse,
		RequiredAction: w.RequiredAction, ShortDescription: w.ShortDescription,
		Notes: w.Notes, CWEs: w.CWEs, FirstSeen: w.FirstSeen.UTC(), Removed: utc(w.Removed),
	}, nil
}

// checkEPSS checks a score for writing and after reading.
func checkEPSS(s *cra.EPSSScore) error {
	switch {
	case !cra.IsCVE(s.CVE):
		return fmt.Errorf("%q is not a CVE id", s.CVE)
	case s.Date.IsZero():
		return fmt.Errorf("%s has no date", s.CVE)
	case !(s.Score >= 0 && s.Score <= 1) || !(s.Percentile >= 0 && s.Percentile <= 1):
		return fmt.Errorf("%s: epss and percentile must be between 0 and 1", s.CVE)
	}
	return nil
}

// appendEPSS appends a score's line of epss.csv to line: numbers in the
// shortest decimal form that reads back to the same float64, never in
// exponent form.
func appendEPSS(line []byte, s *cra.EPSSScore) []byte {
	line = append(line, s.CVE...)
	line = append(line, ',')
	line = s.Date.AppendFormat(line, time.DateOnly)
	line = append(line, ',')
	line = strconv.AppendFloat(line, s.Score, 'f', -1, 64)
	line = append(line, ',')
	line = strconv.AppendFloat(line, s.Percentile, 'f', -1, 64)
	return append(line, '\n')
}

// parseEPSSRecord reads the fields of one line of epss.csv.
func parseEPSSRecord(rec []string) (cra.EPSSScore, error) {
	d, err := parseDate(rec[1])
	if err != nil {
		return cra.EPSSScore{}, err
	}
	score, err1 := strconv.ParseFloat(rec[2], 64)
	pct, err2 := strconv.ParseFloat(rec[3], 64)
	if err1 != nil || err2 != nil {
		return cra.EPSSScore{}, fmt.Errorf("epss %q or percentile %q is not a number", rec[2], rec[3])
	}
	s := cra.EPSSScore{CVE: rec[0], Date: d, Score: score, Percentile: pct}
	return s, checkEPSS(&s)
}
