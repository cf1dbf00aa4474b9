package cra

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A Finding is one vulnerability identity affecting one package of one
// release: the package at the version the release's current SBOM names
// lies in a range of one of the identity's advisories. A finding is
// identified by (release, package, vulnerability) and so survives a new
// SBOM of the release (its version may change) until the package is gone
// or no longer affected, when it is resolved; it reopens if it comes back.
type Finding struct {
	ID          int64
	ProductID   int64
	ProductName string
	ReleaseID   int64
	Release     string // the release's version
	// Package is the component's purl without version: the finding's
	// package identity within the release.
	Package   string
	PURL      string // the component's full purl, as the current SBOM has it
	Component string // the component's name
	Version   string // the version evaluated
	// MatchKey is the ecosystem and normalised name the component was
	// looked up by (matching.IndexKey), "PyPI/jinja2".
	MatchKey string
	// VulnID is the identity; VulnKey its display id (CVE when it has one).
	VulnID   int64
	VulnKey  string
	Aliases  []string
	Summary  string
	Advisory []string // the ids of the advisories whose ranges matched
	// Severity is the highest CVSS score of any source (0 unknown) and its
	// rating (NONE, LOW, MEDIUM, HIGH, CRITICAL; "" unknown).
	Score  float64
	Rating string
	// KEVAdded is the day CISA added a CVE of it to KEV (nil when not
	// listed); ExploitedSince when EUVD marked it exploited.
	KEVAdded       *Date
	ExploitedSince *time.Time
	EPSS           float64 // newest probability 0–1, 0 when unknown
	EPSSPercentile float64
	// FixedVersions are the versions the advisories name as fixing it;
	// Fix is the smallest of them above Version ("" when none is known).
	FixedVersions []string
	Fix           string
	// Uncertain is set when the advisory is scoped to a distribution
	// release and the component's purl names none.
	Uncertain bool
	// Direct is set when the product depends on the component directly;
	// Path names the components between them otherwise (outermost first),
	// empty when the SBOM has no dependency graph.
	Direct bool
	Path   []string
	// FirstSeen is when cyra first found it, LastSeen when a match last
	// confirmed it, Resolved when the package was upgraded or removed or
	// the advisory changed so that it no longer matches (nil while open).
	FirstSeen time.Time
	LastSeen  time.Time
	Resolved  *time.Time
	// Triage is the decision in force: the release's own, else the
	// product's "all versions" decision; nil while untriaged.
	Triage *Triage
}

// Open reports whether the finding is unresolved.
func (f *Finding) Open() bool { return f.Resolved == nil }

// Status returns the triage status in force, StatusUntriaged when none.
func (f *Finding) Status() TriageStatus {
	if f.Triage == nil {
		return StatusUntriaged
	}
	return f.Triage.Status
}

// Exploited reports whether the vulnerability is KEV-listed or
// EUVD-exploited.
func (f *Finding) Exploited() bool { return f.KEVAdded != nil || f.ExploitedSince != nil }

// Closes reports whether a triage decision closes a finding for the
// dashboard and for reporting: not_affected and fixed do; an open finding
// with any other status is actionable.
func (s TriageStatus) Closes() bool { return s == StatusNotAffected || s == StatusFixed }

// SeverityRank orders ratings: CRITICAL 4, HIGH 3, MEDIUM 2, LOW 1,
// anything else 0.
func SeverityRank(rating string) int {
	switch strings.ToUpper(rating) {
	case "CRITICAL":
		return 4
	case "HIGH":
		return 3
	case "MEDIUM":
		return 2
	case "LOW":
		return 1
	}
	return 0
}

// Severities lists the ratings from the highest.
var Severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE"}

// CompareFindings orders findings for triage: KEV-listed first, then
// EUVD-exploited, then by EPSS, then by CVSS score, then by id.
func CompareFindings(a, b *Finding) int {
	if x, y := a.KEVAdded != nil, b.KEVAdded != nil; x != y {
		if x {
			return -1
		}
		return 1
	}
	if x, y := a.ExploitedSince != nil, b.ExploitedSince != nil; x != y {
		if x {
			return -1
		}
		return 1
	}
	switch {
	case a.EPSS > b.EPSS:
		return -1
	case a.EPSS < b.EPSS:
		return 1
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	if c := strings.Compare(a.VulnKey, b.VulnKey); c != 0 {
		return c
	}
	return strings.Compare(a.Package, b.Package)
}

// FindingSort names an order of the findings list.
type FindingSort string

// Orders of the findings list. The default, FindingSortRisk, is KEV
// first, then EPSS, then CVSS.
const (
	FindingSortRisk      FindingSort = "risk"
	FindingSortSeverity  FindingSort = "severity"
	FindingSortEPSS      FindingSort = "epss"
	FindingSortFirstSeen FindingSort = "first_seen"
	FindingSortComponent FindingSort = "component"
)

// FindingSorts lists the orders.
var FindingSorts = []FindingSort{FindingSortRisk, FindingSortSeverity, FindingSortEPSS, FindingSortFirstSeen, FindingSortComponent}

// FindingFilter selects findings. Zero fields do not filter.
type FindingFilter struct {
	ProductID int64
	ReleaseID int64
	// MinSeverity keeps findings rated at least this (LOW, MEDIUM, HIGH,
	// CRITICAL).
	MinSeverity string
	KEV         bool    // only KEV-listed
	Exploited   bool    // only KEV-listed or EUVD-exploited
	MinEPSS     float64 // only EPSS ≥ this probability
	// Statuses keeps findings whose triage status is one of these
	// (StatusUntriaged for none).
	Statuses []TriageStatus
	// Component matches the component's name or purl (substring,
	// case-insensitive).
	Component string
	Vuln      string // any alias of the vulnerability, exactly
	// Resolved selects resolved findings instead of open ones; All
	// selects both.
	Resolved bool
	All      bool
	// OnMarket keeps findings of releases on the market and within their
	// support period at the given time (zero: no such filter).
	OnMarket time.Time
	Sort     FindingSort
	Limit    int
	Offset   int
}

// Validate checks the filter's enumerations and names the bad field.
func (f *FindingFilter) Validate() error {
	fields := map[string]string{}
	if f.MinSeverity != "" {
		f.MinSeverity = strings.ToUpper(f.MinSeverity)
		if SeverityRank(f.MinSeverity) == 0 {
			fields["severity"] = "Use low, medium, high or critical."
		}
	}
	for _, s := range f.Statuses {
		if s != StatusUntriaged && !slices.Contains(TriageStatuses, s) {
			fields["status"] = "Use untriaged, under_investigation, affected, not_affected or fixed."
		}
	}
	if f.MinEPSS < 0 || f.MinEPSS > 1 {
		fields["epss"] = "EPSS is a probability between 0 and 1."
	}
	if f.Sort == "" {
		f.Sort = FindingSortRisk
	} else if !slices.Contains(FindingSorts, f.Sort) {
		fields["sort"] = "Use risk, severity, epss, first_seen or component."
	}
	if f.Limit < 0 || f.Offset < 0 {
		fields["limit"] = "Limit and offset must not be negative."
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "The finding filter is not valid.", Fields: fields}
	}
	return nil
}

// TriageStatus is the VEX status of a finding (CycloneDX analysis state
// and OpenVEX status share this vocabulary).
type TriageStatus string

// Triage statuses. StatusUntriaged is the absence of a decision; it is
// never stored.
const (
	StatusUntriaged          TriageStatus = "untriaged"
	StatusUnderInvestigation TriageStatus = "under_investigation"
	StatusAffected           TriageStatus = "affected"
	StatusNotAffected        TriageStatus = "not_affected"
	StatusFixed              TriageStatus = "fixed"
)

// TriageStatuses lists the decisions one can record.
var TriageStatuses = []TriageStatus{StatusUnderInvestigation, StatusAffected, StatusNotAffected, StatusFixed}

// Justifications of a not_affected decision: the OpenVEX set first, then
// CycloneDX's analysis justifications.
var Justifications = []string{
	"component_not_present",
	"vulnerable_code_not_present",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"inline_mitigations_already_exist",
	"code_not_present",
	"code_not_reachable",
	"requires_configuration",
	"requires_dependency",
	"requires_environment",
	"protected_by_compiler",
	"protected_at_runtime",
	"protected_at_perimeter",
	"protected_by_mitigating_control",
}

// Responses are CycloneDX's analysis responses to an affected finding.
var Responses = []string{"can_not_fix", "will_not_fix", "update", "rollback", "workaround_available"}

// TriageScope says how far a decision reaches.
type TriageScope string

// Scopes: one release, or every release of the product now and in future.
const (
	ScopeRelease TriageScope = "release"
	ScopeProduct TriageScope = "product"
)

// Triage is a decision about a vulnerability in a package: its VEX status
// and what supports it. A decision of ScopeRelease applies to one release;
// of ScopeProduct to the same vulnerability in the same package in every
// release of the product, present and future, unless a release has its own.
type Triage struct {
	ID        int64
	ProductID int64
	ReleaseID int64 // 0 for ScopeProduct
	Package   string
	VulnID    int64
	Scope     TriageScope
	Status    TriageStatus
	// Justification is required for not_affected (one of Justifications);
	// Impact says why in words (the VEX impact statement).
	Justification string
	Impact        string
	// Action is the action statement for affected: what users should do.
	Action    string
	Responses []string
	Comment   string
	By        string // e-mail of who decided
	At        time.Time
}

// Validate normalises t and names each bad field.
func (t *Triage) Validate() error {
	t.Justification = strings.TrimSpace(t.Justification)
	t.Impact = strings.TrimSpace(t.Impact)
	t.Action = strings.TrimSpace(t.Action)
	t.Comment = strings.TrimSpace(t.Comment)
	if t.Scope == "" {
		t.Scope = ScopeRelease
	}
	f := map[string]string{}
	if !slices.Contains(TriageStatuses, t.Status) {
		f["status"] = "Choose under_investigation, affected, not_affected or fixed."
	}
	if t.Scope != ScopeRelease && t.Scope != ScopeProduct {
		f["scope"] = "Choose release (this version) or product (all versions, now and future)."
	}
	switch {
	case t.Status == StatusNotAffected && t.Justification == "":
		f["justification"] = "A not_affected decision needs a justification (VEX)."
	case t.Justification != "" && !slices.Contains(Justifications, t.Justification):
		f["justification"] = "Unknown justification; use one of " + strings.Join(Justifications, ", ") + "."
	case t.Justification != "" && t.Status != StatusNotAffected:
		f["justification"] = "Only a not_affected decision takes a justification."
	}
	if t.Status == StatusNotAffected && t.Impact == "" {
		f["impact"] = "Say why the product is not affected (the VEX impact statement)."
	}
	for _, r := range t.Responses {
		if !slices.Contains(Responses, r) {
			f["responses"] = "Unknown response " + r + "; use " + strings.Join(Responses, ", ") + "."
		}
	}
	for name, s := range map[string]string{"impact": t.Impact, "action": t.Action, "comment": t.Comment} {
		if utf8.RuneCountInString(s) > maxLongText {
			f[name] = "Must be at most 20000 characters."
		}
	}
	if len(f) > 0 {
		return &Error{Code: EINVALID, Message: "The triage decision is not valid.", Fields: f}
	}
	return nil
}

// TriageInput is a decision as a person submits it for one finding.
type TriageInput struct {
	Status        TriageStatus `json:"status"`
	Scope         TriageScope  `json:"scope"`
	Justification string       `json:"justification,omitempty"`
	Impact        string       `json:"impact,omitempty"`
	Action        string       `json:"action,omitempty"`
	Responses     []string     `json:"responses,omitempty"`
	Comment       string       `json:"comment,omitempty"`
}

// MatchComponent is a component of a release's current SBOM as matching
// needs it: the release's market state comes along so that callers can
// tell which releases count.
type MatchComponent struct {
	ComponentID int64
	ReleaseID   int64
	ProductID   int64
	SBOMID      int64
	Ref         string
	Name        string
	Version     string
	PURL        string
	Direct      bool
	MatchKeys   []string
	// Path is the component's dependency path as computed at upload
	// (Component.DepPath); PathKnown is false for components stored
	// before cyra computed it.
	Path      []string
	PathKnown bool
}

// AffectedEntry is one affected package of a stored advisory, as the
// matcher compiles it.
type AffectedEntry struct {
	VulnID     int64
	AdvisoryID int64
	Source     VulnSource
	SourceID   string
	Withdrawn  bool
	MatchKey   string
	Affected   Affected
}

// FindingMatch is what matching found for one release: the findings to
// keep open. The store merges it with what it holds.
type FindingMatch struct {
	ReleaseID int64
	Package   string
	PURL      string
	Component string
	Version   string
	MatchKey  string
	VulnID    int64
	Advisory  []string
	Fixed     []string
	Fix       string
	Uncertain bool
	Direct    bool
	Path      []string
}

// FindingScope is the part of the findings a match re-evaluated: every
// finding in it that the match did not produce again is resolved.
// ReleaseIDs scopes to whole releases; MatchKeys to the packages of those
// keys in every release. Both set: the packages of those keys in those
// releases.
type FindingScope struct {
	ReleaseIDs []int64
	MatchKeys  []string
	// Undecided are findings the match could not evaluate (an advisory
	// entry cyra cannot compile, a version its ranges cannot read): they
	// are kept as they are rather than resolved. Only ReleaseID, Package
	// and VulnID are read.
	Undecided []FindingMatch
}

// FindingChanges counts what a findings update did.
type FindingChanges struct {
	Opened   int `json:"opened"`   // new findings
	Reopened int `json:"reopened"` // resolved findings found again
	Updated  int `json:"updated"`  // open findings seen again
	Resolved int `json:"resolved"`
	// New lists the ids of opened and reopened findings.
	New []int64 `json:"-"`
}

// VulnFacts are the facts about an identity that findings carry.
type VulnFacts struct {
	VulnID         int64
	Key            string
	Aliases        []string
	Summary        string
	Score          float64
	Rating         string
	KEVAdded       *Date
	ExploitedSince *time.Time
	EPSS           float64
	EPSSPercentile float64
	Withdrawn      bool
}

// FactsFromSummary takes the facts of a search summary.
func FactsFromSummary(s *VulnSummary) VulnFacts {
	f := VulnFacts{VulnID: s.ID, Key: s.Key, Aliases: s.Aliases, Summary: s.Summary,
		KEVAdded: s.KEVAdded, ExploitedSince: s.ExploitedSince, Withdrawn: s.Withdrawn != nil}
	if s.Severity != nil {
		f.Score, f.Rating = s.Severity.Score, strings.ToUpper(s.Severity.Rating)
	}
	if s.EPSS != nil {
		f.EPSS, f.EPSSPercentile = s.EPSS.Score, s.EPSS.Percentile
	}
	return f
}

// SeverityCounts counts open findings by rating.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	None     int `json:"none"` // no or zero score
	KEV      int `json:"kev"`
	// Exploited counts KEV-listed or EUVD-exploited.
	Exploited int `json:"exploited"`
}

// Add counts a finding.
func (c *SeverityCounts) Add(f *Finding) {
	switch SeverityRank(f.Rating) {
	case 4:
		c.Critical++
	case 3:
		c.High++
	case 2:
		c.Medium++
	case 1:
		c.Low++
	default:
		c.None++
	}
	if f.KEVAdded != nil {
		c.KEV++
	}
	if f.Exploited() {
		c.Exploited++
	}
}

// Total is the number of findings counted.
func (c SeverityCounts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.None }

// ReleaseExposure is one release on the market with its actionable
// findings.
type ReleaseExposure struct {
	ProductID   int64          `json:"product_id"`
	ProductName string         `json:"product"`
	ReleaseID   int64          `json:"release_id"`
	Release     string         `json:"release"`
	Counts      SeverityCounts `json:"counts"`
	// Risk orders releases: exploited first, then by severity.
	Risk int `json:"risk"`
}

// ExposurePoint is the portfolio's exposure on one day.
type ExposurePoint struct {
	Day    Date           `json:"day"`
	Counts SeverityCounts `json:"counts"`
}

// Exposure is the dashboard's view of the portfolio: releases on the
// market within support, their actionable findings, and the trend.
type Exposure struct {
	At       time.Time         `json:"at"`
	Releases int               `json:"releases"` // on the market and supported
	Counts   SeverityCounts    `json:"counts"`
	AtRisk   []ReleaseExposure `json:"at_risk"` // most at risk first
	Trend    []ExposurePoint   `json:"trend"`   // oldest first
	// NotMatchable counts components of those releases without a usable
	// purl.
	NotMatchable int `json:"not_matchable"`
}

// RiskScore weighs a release's counts for the at-risk ordering.
func RiskScore(c SeverityCounts) int {
	return c.Exploited*1000 + c.Critical*100 + c.High*10 + c.Medium*3 + c.Low
}

// ScanComponent is one component of a scanned SBOM as cyra scan reports it.
type ScanComponent struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	PURL    string `json:"purl,omitempty"`
	// NotMatchable says why the component cannot be matched ("no purl",
	// "no OSV ecosystem for pkg:generic"), "" when it can.
	NotMatchable string `json:"not_matchable,omitempty"`
}

// ScanFinding is a finding of a scan.
type ScanFinding struct {
	PURL           string     `json:"purl"`
	Component      string     `json:"component"`
	Version        string     `json:"version"`
	Ecosystem      string     `json:"ecosystem"`
	VulnID         string     `json:"id"`
	Aliases        []string   `json:"aliases"`
	Summary        string     `json:"summary,omitempty"`
	Advisories     []string   `json:"advisories"`
	Score          float64    `json:"cvss_score,omitempty"`
	Rating         string     `json:"severity,omitempty"`
	KEV            bool       `json:"kev"`
	KEVAdded       *Date      `json:"kev_added,omitempty"`
	Exploited      bool       `json:"exploited"`
	ExploitedSince *time.Time `json:"exploited_since,omitempty"`
	EPSS           float64    `json:"epss,omitempty"`
	FixedVersions  []string   `json:"fixed_versions"`
	Fix            string     `json:"fix,omitempty"`
	Uncertain      bool       `json:"uncertain,omitempty"`
	Direct         bool       `json:"direct"`
	Path           []string   `json:"path,omitempty"`
}

// ScanResult is what a scan of an SBOM found.
type ScanResult struct {
	File         string          `json:"file"`
	Format       SBOMFormat      `json:"format"`
	Components   int             `json:"components"`
	NotMatchable []ScanComponent `json:"not_matchable"`
	Findings     []ScanFinding   `json:"findings"`
	// Advisories is how many vulnerabilities (identities, each with its
	// advisories) the database holds; FeedsAt when a feed last succeeded
	// (zero when data came only by offline import).
	Advisories int       `json:"advisories"`
	FeedsAt    time.Time `json:"feeds_at,omitzero"`
}
