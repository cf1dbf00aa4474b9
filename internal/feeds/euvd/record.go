package euvd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"cyra/internal/cra"
	"cyra/internal/cvss"
)

// record is the part of an EUVD record cyra reads. Every field is
// optional and tolerant of the wrong JSON type.
type record struct {
	ID               flexString `json:"id"`
	Description      flexString `json:"description"`
	DatePublished    flexString `json:"datePublished"`
	DateUpdated      flexString `json:"dateUpdated"`
	ExploitedSince   flexString `json:"exploitedSince"`
	BaseScore        flexFloat  `json:"baseScore"`
	BaseScoreVersion flexString `json:"baseScoreVersion"`
	BaseScoreVector  flexString `json:"baseScoreVector"`
	References       flexString `json:"references"`
	Aliases          flexString `json:"aliases"`
	Assigner         flexString `json:"assigner"`
	EPSS             flexFloat  `json:"epss"`
}

// ParseRecord reads one EUVD record (an item of a search page). It fails
// only when the item is not a JSON object or has no valid EUVD id; other
// missing or unreadable fields are left empty.
func ParseRecord(raw []byte) (cra.Advisory, error) {
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return cra.Advisory{}, fmt.Errorf("not a record: %w", err)
	}
	id := cra.NormalizeVulnID(string(rec.ID))
	if !cra.IsEUVD(id) {
		if id == "" {
			return cra.Advisory{}, errors.New("record has no id")
		}
		return cra.Advisory{}, fmt.Errorf("record id %q is not an EUVD id", shorten(id, 60))
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return cra.Advisory{}, fmt.Errorf("not a record: %w", err)
	}
	sum := sha256.Sum256(compact.Bytes())
	a := cra.Advisory{
		Source:     cra.SourceEUVD,
		ID:         id,
		Aliases:    aliases(string(rec.Aliases), id),
		Published:  optTime(string(rec.DatePublished)),
		Modified:   optTime(string(rec.DateUpdated)),
		References: references(string(rec.References)),
		Raw:        compact.Bytes(),
		Digest:     hex.EncodeToString(sum[:]),
	}
	a.Summary, a.Details = describeText(string(rec.Description))
	if strings.TrimSpace(string(rec.ExploitedSince)) != "" {
		a.ExploitedSince = optTime(string(rec.ExploitedSince))
	}
	if sev, ok := severity(rec); ok {
		a.Severity = []cra.Severity{sev}
	}
	// EUVD's epss is a percentage (0–100); cyra stores probabilities.
	if rec.EPSS.ok && rec.EPSS.v >= 0 && rec.EPSS.v <= 100 {
		p := rec.EPSS.v / 100
		a.EPSS = &p
	}
	return a, nil
}

// dateLayouts are the forms ParseDate accepts: EUVD's own first, then ISO.
var dateLayouts = []string{
	"Jan 2, 2006, 3:04:05 PM",
	"Jan 2, 2006, 3:04 PM",
	"January 2, 2006, 3:04:05 PM",
	"Jan 2, 2006 3:04:05 PM",
	"Jan 2, 2006",
	"January 2, 2006",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	time.DateOnly,
}

// ParseDate parses an EUVD date: "May 2, 2025, 9:52:09 PM" (Go layout
// "Jan 2, 2006, 3:04:05 PM"), with or without seconds or time, with the
// narrow no-break space newer Java versions put before AM/PM, or an ISO
// 8601 date or timestamp. Dates without a zone are taken as UTC.
func ParseDate(s string) (time.Time, error) {
	norm := strings.Map(func(r rune) rune {
		if r == '\u202f' || r == '\u00a0' {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	norm = strings.Join(strings.Fields(norm), " ")
	norm = strings.NewReplacer(" am", " AM", " pm", " PM").Replace(norm)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, norm); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date EUVD writes", shorten(s, 60))
}

func optTime(s string) *time.Time {
	t, err := ParseDate(s)
	if err != nil {
		return nil
	}
	return &t
}

// splitList splits a newline-separated list (EUVD's aliases and
// references), also tolerating \r\n and other whitespace, and commas and
// semicolons when sep says so (ids never contain them; URLs may).
func splitList(s string, sep bool) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || sep && (r == ',' || r == ';')
	})
}

func aliases(s, self string) []string {
	var out []string
	for _, part := range splitList(s, true) {
		id := cra.NormalizeVulnID(part)
		if id != "" && id != self && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func references(s string) []cra.Reference {
	var out []cra.Reference
	seen := map[string]bool{}
	for _, u := range splitList(s, false) {
		if !seen[u] {
			seen[u] = true
			out = append(out, cra.Reference{URL: u})
		}
	}
	return out
}

// describeText makes a one-line summary of a description; the full text
// becomes Details when it says more than the summary.
func describeText(desc string) (summary, details string) {
	desc = strings.TrimSpace(strings.ReplaceAll(desc, "\r\n", "\n"))
	if desc == "" {
		return "", ""
	}
	first, _, _ := strings.Cut(desc, "\n")
	summary = shorten(strings.Join(strings.Fields(first), " "), 200)
	if summary != desc {
		details = desc
	}
	return summary, details
}

// severity reads baseScore, baseScoreVersion and baseScoreVector: the
// vector's own score when it parses, else the published score.
func severity(rec record) (cra.Severity, bool) {
	vector := strings.TrimSpace(string(rec.BaseScoreVector))
	version := strings.TrimSpace(string(rec.BaseScoreVersion))
	source := strings.TrimSpace(string(rec.Assigner))
	if source == "" {
		source = "euvd"
	}
	if vector != "" && !strings.HasPrefix(vector, "CVSS:") && (strings.HasPrefix(version, "3") || strings.HasPrefix(version, "4")) {
		vector = "CVSS:" + version + "/" + vector
	}
	score := rec.BaseScore.v
	if !rec.BaseScore.ok || score < 0 || score > 10 {
		score = 0
	}
	if vector != "" {
		sev, err := cvss.Severity(vector, source)
		if err == nil {
			return sev, true
		}
		if score > 0 {
			sev.Score, sev.Rating = score, cvss.Rating(versionOf(version, vector), score)
		}
		return sev, true
	}
	if score <= 0 {
		return cra.Severity{}, false
	}
	typ := "CVSS_V3"
	switch v := versionOf(version, ""); {
	case strings.HasPrefix(v, "2"):
		typ = "CVSS_V2"
	case strings.HasPrefix(v, "4"):
		typ = "CVSS_V4"
	}
	return cra.Severity{Type: typ, Score: score, Rating: cvss.Rating(versionOf(version, ""), score), Source: source}, true
}

func versionOf(version, vector string) string {
	if version != "" {
		return version
	}
	if v, _, ok := strings.Cut(strings.TrimPrefix(vector, "CVSS:"), "/"); ok && strings.HasPrefix(vector, "CVSS:") {
		return v
	}
	return "3.1"
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// flexString reads a JSON string, number or boolean as text, an array of
// those as newline-separated text, and anything else as "".
type flexString string

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (s *flexString) UnmarshalJSON(b []byte) error {
	var v any
	if json.Unmarshal(b, &v) != nil {
		*s = ""
		return nil
	}
	*s = flexString(text(v))
	return nil
}

func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			if t := text(e); t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// flexFloat reads a JSON number or numeric string; ok is false for
// anything else (null, missing, garbage, NaN).
type flexFloat struct {
	v  float64
	ok bool
}

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (f *flexFloat) UnmarshalJSON(b []byte) error {
	*f = flexFloat{}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	var x float64
	switch v := v.(type) {
	case float64:
		x = v
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil
		}
		x = p
	default:
		return nil
	}
	if !math.IsNaN(x) && !math.IsInf(x, 0) {
		*f = flexFloat{v: x, ok: true}
	}
	return nil
}
