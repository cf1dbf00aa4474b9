package cra

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
)

// VulnSource names a source of vulnerability intelligence.
type VulnSource string

// The sources cyra reads. OSV, NVD and EUVD publish advisories (records
// with aliases, severity and references); KEV and EPSS publish facts about
// CVEs that attach to a vulnerability identity.
const (
	SourceOSV  VulnSource = "osv"
	SourceNVD  VulnSource = "nvd"
	SourceEUVD VulnSource = "euvd"
	SourceKEV  VulnSource = "kev"
	SourceEPSS VulnSource = "epss"
)

// FeedNames lists the feeds in the order they sync: OSV first (it brings
// the CVEs the others are asked about), EPSS last.
var FeedNames = []VulnSource{SourceOSV, SourceKEV, SourceEUVD, SourceNVD, SourceEPSS}

// ParseFeedNames parses a comma-separated list of feed names ("" is all).
func ParseFeedNames(s string) ([]VulnSource, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(FeedNames), nil
	}
	var out []VulnSource
	for _, part := range strings.Split(s, ",") {
		n := VulnSource(strings.ToLower(strings.TrimSpace(part)))
		if !slices.Contains(FeedNames, n) {
			return nil, Errorf(EINVALID, "Unknown feed %q; use osv, kev, euvd, nvd or epss.", part)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Advisory is one source's record of a vulnerability, as published: an OSV
// record, an NVD CVE item or an EUVD record. Its Raw document is kept
// unchanged; the other fields are what cyra reads from it.
type Advisory struct {
	Source VulnSource
	// ID is the record's id in its source: "GHSA-…", "GO-2024-0001",
	// "PYSEC-…" (OSV), "CVE-…" (NVD), "EUVD-2025-1234" (EUVD).
	ID string
	// Aliases are the other ids the record says name the same
	// vulnerability (OSV aliases, EUVD aliases). Related ids are kept but
	// never merged.
	Aliases   []string
	Related   []string
	Summary   string
	Details   string
	Published *time.Time
	// Modified is when the source last changed the record. Zero is
	// common (every golang/vulndb record says 0001-01-01), so change
	// detection uses Digest, never Modified alone.
	Modified  *time.Time
	Withdrawn *time.Time
	Severity  []Severity
	CWEs      []string
	// References are links; Type is OSV's reference type ("ADVISORY",
	// "FIX", "WEB", …) or "" when the source has none.
	References []Reference
	Affected   []Affected
	// CPEs are the CPE 2.3 names of the NVD configurations (vulnerable
	// ones only).
	CPEs []string
	// ExploitedSince is EUVD's exploitedSince: set when EUVD lists the
	// vulnerability as exploited.
	ExploitedSince *time.Time
	// EPSS is the source's own EPSS figure (EUVD carries one), 0–1.
	EPSS *float64
	// Raw is the record as published (JSON); Digest its SHA-256 in hex.
	Raw    []byte
	Digest string
}

// Severity is a severity statement of an advisory.
type Severity struct {
	// Type is the OSV severity type: CVSS_V2, CVSS_V3, CVSS_V4 (also used
	// for NVD and EUVD scores), or Ubuntu/other qualitative types.
	Type   string  `json:"type"`
	Vector string  `json:"vector,omitempty"`
	Score  float64 `json:"score"`            // 0–10, 0 when unknown
	Rating string  `json:"rating,omitempty"` // NONE, LOW, MEDIUM, HIGH, CRITICAL
	// Source says who published it ("nvd@nist.gov", "GHSA", …) when known.
	Source string `json:"source,omitempty"`
}

// Reference is a link from an advisory.
type Reference struct {
	Type string `json:"type,omitempty"`
	URL  string `json:"url"`
}

// Affected is one affected package of an advisory, with its ranges and
// versions kept exactly as published.
type Affected struct {
	Ecosystem string   `json:"ecosystem"` // as published: "PyPI", "Debian:12", "Packagist:https://…"
	Name      string   `json:"name"`
	PURL      string   `json:"purl,omitempty"`
	Ranges    []Range  `json:"ranges,omitempty"`
	Versions  []string `json:"versions,omitempty"`
	// Symbols are the affected functions/imports when the source names
	// them (Go vulndb ecosystem_specific.imports), for display.
	Symbols []string `json:"symbols,omitempty"`
}

// Range is an OSV range: SEMVER, ECOSYSTEM or GIT, with its events in
// published order.
type Range struct {
	Type   string       `json:"type"`
	Repo   string       `json:"repo,omitempty"`
	Events []RangeEvent `json:"events"`
}

// RangeEvent is one OSV range event; exactly one field is set.
type RangeEvent struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// KEVEntry is one entry of CISA's Known Exploited Vulnerabilities catalog.
type KEVEntry struct {
	CVE              string
	VendorProject    string
	Product          string
	Name             string
	DateAdded        Date
	DueDate          Date
	RansomwareUse    string // "Known" or "Unknown"
	RequiredAction   string
	ShortDescription string
	Notes            string
	CWEs             []string
	// FirstSeen is when cyra first found the entry in a catalog; Removed
	// when a later catalog no longer listed it (nil while listed).
	FirstSeen time.Time
	Removed   *time.Time
}

// KEVCatalog is a whole KEV catalog as published.
type KEVCatalog struct {
	Version  string
	Released *time.Time
	Entries  []KEVEntry
}

// EPSSScore is FIRST's EPSS score of a CVE on a day.
type EPSSScore struct {
	CVE        string
	Score      float64 // probability 0–1
	Percentile float64 // 0–1
	Date       Date
}

// ImportStats counts what an import did. An import that changes nothing
// reports only Unchanged and writes nothing.
type ImportStats struct {
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed,omitempty"`
	Skipped   int `json:"skipped"`
	// Merged counts identities that an import found to be one and merged.
	Merged int `json:"merged,omitempty"`
	// Problems are the reasons of the skipped records (at most a few
	// hundred kept), each naming the file or id.
	Problems []string `json:"problems,omitempty"`
}

// Add adds o's counts to s.
func (s *ImportStats) Add(o ImportStats) {
	s.Added += o.Added
	s.Changed += o.Changed
	s.Unchanged += o.Unchanged
	s.Removed += o.Removed
	s.Skipped += o.Skipped
	s.Merged += o.Merged
	for _, p := range o.Problems {
		s.Problem(p)
	}
}

// maxProblems bounds ImportStats.Problems; Skipped still counts them all.
const maxProblems = 200

// Problem records the reason a record was skipped (it does not count it).
func (s *ImportStats) Problem(reason string) {
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, reason)
	}
}

// Wrote reports whether the import changed stored data.
func (s ImportStats) Wrote() bool {
	return s.Added+s.Changed+s.Removed+s.Merged > 0
}

// Vulnerability is one vulnerability identity: every id that names it
// (merged transitively through aliases), every source's record of it, and
// the exploitation and likelihood facts attached to its CVEs.
type Vulnerability struct {
	ID int64
	// Key is the id shown for it: its CVE when it has one (the lowest when
	// several), else the lowest other id.
	Key        string
	Aliases    []string // every id, sorted, Key included
	Advisories []Advisory
	KEV        []KEVEntry  // one per CVE alias that KEV lists (or listed)
	EPSS       []EPSSScore // newest first, all CVE aliases
}

// VulnSummary is a vulnerability as listed in search results.
type VulnSummary struct {
	ID        int64
	Key       string
	Aliases   []string
	Summary   string
	Severity  *Severity // the highest CVSS severity of any source
	Published *time.Time
	Modified  *time.Time
	// Withdrawn is set when every OSV record of it is withdrawn.
	Withdrawn      *time.Time
	KEVAdded       *Date
	ExploitedSince *time.Time // EUVD
	EPSS           *EPSSScore // newest
	Sources        []VulnSource
	Packages       []string // "ecosystem/name" of the affected packages (first few)
}

// VulnFilter selects vulnerabilities.
type VulnFilter struct {
	// Query matches any alias exactly (case-insensitive) or, when it is
	// not an id, the summary and package names as a substring.
	Query     string
	Ecosystem string
	Package   string // affected package name (exact, case-insensitive)
	KEV       bool   // only KEV-listed
	Exploited bool   // only KEV-listed or EUVD-exploited
	Limit     int
	Offset    int
}

// Summary returns a one-line summary: the first non-empty summary of an
// OSV, then EUVD, then NVD record (details cut short when none has one).
func (v *Vulnerability) Summary() string {
	for _, src := range []VulnSource{SourceOSV, SourceEUVD, SourceNVD} {
		for _, a := range v.Advisories {
			if a.Source == src && a.Summary != "" {
				return a.Summary
			}
		}
	}
	for _, a := range v.Advisories {
		if a.Details != "" {
			return shorten(a.Details, 200)
		}
	}
	return ""
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
	}
	return s[:cut] + "…"
}

// MaxSeverity returns the highest-scoring CVSS severity across sources,
// nil when no source scores it.
func (v *Vulnerability) MaxSeverity() *Severity {
	var best *Severity
	for i := range v.Advisories {
		for j := range v.Advisories[i].Severity {
			s := &v.Advisories[i].Severity[j]
			if s.Score > 0 && (best == nil || s.Score > best.Score) {
				best = s
			}
		}
	}
	return best
}

// Withdrawn returns when the vulnerability was withdrawn: when it has OSV
// records and every one of them is withdrawn (the latest time), else nil.
func (v *Vulnerability) Withdrawn() *time.Time {
	var latest *time.Time
	n := 0
	for _, a := range v.Advisories {
		if a.Source != SourceOSV {
			continue
		}
		n++
		if a.Withdrawn == nil {
			return nil
		}
		if latest == nil || a.Withdrawn.After(*latest) {
			latest = a.Withdrawn
		}
	}
	if n == 0 {
		return nil
	}
	return latest
}

// ExploitedSince returns EUVD's earliest exploitedSince, nil when EUVD
// does not list it as exploited.
func (v *Vulnerability) ExploitedSince() *time.Time {
	var first *time.Time
	for _, a := range v.Advisories {
		if a.ExploitedSince != nil && (first == nil || a.ExploitedSince.Before(*first)) {
			first = a.ExploitedSince
		}
	}
	return first
}

// CVEs returns the vulnerability's CVE ids.
func (v *Vulnerability) CVEs() []string {
	var out []string
	for _, a := range v.Aliases {
		if IsCVE(a) {
			out = append(out, a)
		}
	}
	return out
}

// EUVDIDs returns the vulnerability's EUVD ids.
func (v *Vulnerability) EUVDIDs() []string {
	var out []string
	for _, a := range v.Aliases {
		if IsEUVD(a) {
			out = append(out, a)
		}
	}
	return out
}

var (
	cveRE  = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	euvdRE = regexp.MustCompile(`^EUVD-\d{4}-\d{4,}$`)
)

// IsCVE reports whether s is a CVE id.
func IsCVE(s string) bool { return cveRE.MatchString(s) }

// IsEUVD reports whether s is an EUVD id.
func IsEUVD(s string) bool { return euvdRE.MatchString(s) }

// NormalizeVulnID returns a vulnerability id in its canonical spelling:
// trimmed, with the well-known prefixes (CVE, GHSA, EUVD, GO, PYSEC,
// RUSTSEC, OSV) upper-cased and GHSA's body lower-cased as GitHub writes
// it.
func NormalizeVulnID(s string) string {
	s = strings.TrimSpace(s)
	prefix, rest, ok := strings.Cut(s, "-")
	if !ok {
		return s
	}
	switch up := strings.ToUpper(prefix); up {
	case "GHSA":
		return up + "-" + strings.ToLower(rest)
	case "CVE", "EUVD", "GO", "PYSEC", "RUSTSEC", "OSV", "GSD", "MAL", "PSF", "DRUPAL":
		return up + "-" + strings.ToUpper(rest)
	}
	return s
}

// VulnKey chooses the display id among aliases: the lowest CVE, else the
// lowest id in sort order.
func VulnKey(aliases []string) string {
	key := ""
	for _, a := range aliases {
		if IsCVE(a) && (key == "" || CompareCVE(a, key) < 0) {
			key = a
		}
	}
	if key != "" {
		return key
	}
	for _, a := range aliases {
		if key == "" || a < key {
			key = a
		}
	}
	return key
}

// CompareCVE orders CVE ids by year, then by number (CVE-2021-9999
// before CVE-2021-10000); other strings in plain order.
func CompareCVE(a, b string) int {
	if len(a) != len(b) && len(a) > 9 && len(b) > 9 && a[:9] == b[:9] {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// SeverityRating returns the CVSS v3/v4 qualitative rating of a score.
func SeverityRating(score float64) string {
	switch {
	case score == 0:
		return "NONE"
	case score < 4:
		return "LOW"
	case score < 7:
		return "MEDIUM"
	case score < 9:
		return "HIGH"
	}
	return "CRITICAL"
}

// FeedState is the stored state of one feed: its schedule, the outcome of
// its last run and its cursor (the feed's own incremental-sync state).
type FeedState struct {
	Feed        VulnSource
	LastStart   *time.Time
	LastSuccess *time.Time
	LastError   string
	LastErrorAt *time.Time
	// LastStats are the counts of the last successful run.
	LastStats ImportStats
	// Records is how many records of this feed cyra holds.
	Records int
	// Cursor is opaque to cyra: the feed's own state between runs (JSON),
	// saved only after a successful run.
	Cursor string
	// Running is set while a replica holds the feed's lease.
	Running bool
	Holder  string
}

// FeedStatus is a feed's state as shown to users, with its schedule.
type FeedStatus struct {
	FeedState
	Title    string
	Enabled  bool
	Interval time.Duration
	NextRun  *time.Time
	// Stale is true when the last run failed: the data shown is the last
	// good data.
	Stale bool
}

// FeedWriter is what a feed writes through during a sync. The service
// implements it; every method is one transaction.
type FeedWriter interface {
	// Advisories imports advisories of the feed's source.
	Advisories(ctx context.Context, recs []Advisory) (ImportStats, error)
	// KEV replaces the KEV catalog, keeping history.
	KEV(ctx context.Context, cat KEVCatalog) (ImportStats, error)
	// EPSS stores scores, keeping history.
	EPSS(ctx context.Context, scores []EPSSScore) (ImportStats, error)
	// KnownCVEs returns the CVE ids of every vulnerability cyra holds.
	KnownCVEs(ctx context.Context) ([]string, error)
	// Ecosystems returns the OSV ecosystems to sync: the configured ones,
	// else those of the portfolio's components.
	Ecosystems(ctx context.Context) ([]string, error)
	// Skip records a record that could not be read, with its reason.
	Skip(reason string)
	// Progress reports progress: done of total units (total 0: unknown).
	Progress(stage string, done, total int)
}

// Feed is one source of vulnerability intelligence that cyra syncs.
// Packages under feeds implement it over HTTP; Sync fetches what changed
// since cursor, writes it through w and returns the new cursor.
type Feed interface {
	Name() VulnSource
	Sync(ctx context.Context, cursor string, w FeedWriter) (newCursor string, err error)
}

// FeedFile is what an offline feed file holds once read.
type FeedFile struct {
	// Kind is what the file was recognised as: "osv" (a record or a zip
	// of records), "kev" (a KEV catalog) or "epss" (an EPSS CSV).
	Kind       string
	Advisories []Advisory
	KEV        *KEVCatalog
	EPSS       []EPSSScore
	// Skipped counts the records that could not be read, with reasons.
	Skipped ImportStats
}

// FeedFileReader recognises and reads an offline feed file.
type FeedFileReader func(name string, data []byte) (*FeedFile, error)
