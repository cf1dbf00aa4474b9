package api

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

// Finding is the JSON form of a finding. VulnID is the vulnerability's
// display key (its CVE when it has one), as on /vulnerabilities/{id}.
type Finding struct {
	ID             int64      `json:"id"`
	ProductID      int64      `json:"product_id"`
	Product        string     `json:"product"`
	ReleaseID      int64      `json:"release_id"`
	Release        string     `json:"release"`
	Package        string     `json:"package"`
	PURL           string     `json:"purl"`
	Component      string     `json:"component"`
	Version        string     `json:"version"`
	VulnID         string     `json:"vuln_id"`
	Aliases        []string   `json:"aliases"`
	Summary        string     `json:"summary"`
	Advisories     []string   `json:"advisories"`
	Score          *float64   `json:"cvss_score"`
	Severity       *string    `json:"severity"`
	KEV            bool       `json:"kev"`
	KEVAdded       *string    `json:"kev_added"`
	Exploited      bool       `json:"exploited"`
	ExploitedSince *time.Time `json:"exploited_since"`
	EPSS           *float64   `json:"epss"`
	EPSSPercentile *float64   `json:"epss_percentile"`
	FixedVersions  []string   `json:"fixed_versions"`
	Fix            *string    `json:"fix"`
	Uncertain      bool       `json:"uncertain"`
	Direct         bool       `json:"direct"`
	Path           []string   `json:"path"`
	Status         string     `json:"status"`
	Triage         *Triage    `json:"triage"`
	FirstSeen      time.Time  `json:"first_seen"`
	LastSeen       time.Time  `json:"last_seen"`
	Resolved       *time.Time `json:"resolved"`
	URL            string     `json:"url"`
}

// Triage is the JSON form of a triage decision.
type Triage struct {
	Status        cra.TriageStatus `json:"status"`
	Scope         cra.TriageScope  `json:"scope"`
	Justification string           `json:"justification"`
	Impact        string           `json:"impact"`
	Action        string           `json:"action"`
	Responses     []string         `json:"responses"`
	Comment       string           `json:"comment"`
	By            string           `json:"by"`
	At            time.Time        `json:"at"`
}

// FindingDetail is a finding with the history of the decisions that apply
// or applied to it, newest first.
type FindingDetail struct {
	Finding
	History []Triage `json:"history"`
}

// SeverityCounts is the JSON form of counts by rating.
type SeverityCounts = cra.SeverityCounts

// ReleaseExposure is the JSON form of one release on the market with its
// actionable findings.
type ReleaseExposure struct {
	ProductID   int64          `json:"product_id"`
	Product     string         `json:"product"`
	ReleaseID   int64          `json:"release_id"`
	Release     string         `json:"release"`
	Counts      SeverityCounts `json:"counts"`
	Risk        int            `json:"risk"`
	FindingsURL string         `json:"findings_url"`
}

// ExposurePoint is the JSON form of one day of the exposure trend.
type ExposurePoint struct {
	Day    string         `json:"day"`
	Counts SeverityCounts `json:"counts"`
}

// Exposure is the JSON form of the portfolio's exposure.
type Exposure struct {
	At           time.Time         `json:"at"`
	Releases     int               `json:"releases"`
	Counts       SeverityCounts    `json:"counts"`
	AtRisk       []ReleaseExposure `json:"at_risk"`
	Trend        []ExposurePoint   `json:"trend"`
	NotMatchable int               `json:"not_matchable"`
}

// ScanFinding is the JSON form of a scan's finding: cra.ScanFinding with
// the KEV date as a day, as everywhere else in the API. The outer field
// wins over the embedded one of the same JSON name.
type ScanFinding struct {
	cra.ScanFinding
	KEVAdded string `json:"kev_added,omitempty"`
}

// ScanResult is the JSON form of a scan.
type ScanResult struct {
	cra.ScanResult
	Findings []ScanFinding `json:"findings"`
}

func triageJSON(t *cra.Triage) Triage {
	return Triage{Status: t.Status, Scope: t.Scope, Justification: t.Justification, Impact: t.Impact, Action: t.Action,
		Responses: nonNil(t.Responses), Comment: t.Comment, By: t.By, At: t.At.UTC()}
}

// optional returns a pointer to v, or nil for the zero value, which the
// findings use for "unknown".
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func findingJSON(f *cra.Finding) Finding {
	out := Finding{ID: f.ID, ProductID: f.ProductID, Product: f.ProductName, ReleaseID: f.ReleaseID, Release: f.Release,
		Package: f.Package, PURL: f.PURL, Component: f.Component, Version: f.Version, VulnID: f.VulnKey, Aliases: nonNil(f.Aliases),
		Summary: f.Summary, Advisories: nonNil(f.Advisory), Score: optional(f.Score), Severity: optional(f.Rating), KEV: f.KEVAdded != nil,
		Exploited: f.Exploited(), ExploitedSince: timePtr(f.ExploitedSince), EPSS: optional(f.EPSS), EPSSPercentile: optional(f.EPSSPercentile),
		FixedVersions: nonNil(f.FixedVersions), Fix: optional(f.Fix), Uncertain: f.Uncertain, Direct: f.Direct, Path: nonNil(f.Path),
		Status: string(f.Status()), FirstSeen: f.FirstSeen.UTC(), LastSeen: f.LastSeen.UTC(), Resolved: timePtr(f.Resolved),
		URL: Prefix + "/findings/" + itoa(f.ID)}
	if f.KEVAdded != nil {
		out.KEVAdded = optional(f.KEVAdded.String())
	}
	if f.Triage != nil {
		t := triageJSON(f.Triage)
		out.Triage = &t
	}
	return out
}

func exposureJSON(e *cra.Exposure) Exposure {
	out := Exposure{At: e.At.UTC(), Releases: e.Releases, Counts: e.Counts, AtRisk: []ReleaseExposure{}, Trend: []ExposurePoint{}, NotMatchable: e.NotMatchable}
	for _, r := range e.AtRisk {
		out.AtRisk = append(out.AtRisk, ReleaseExposure{ProductID: r.ProductID, Product: r.ProductName, ReleaseID: r.ReleaseID, Release: r.Release,
			Counts: r.Counts, Risk: r.Risk, FindingsURL: Prefix + "/findings?release=" + itoa(r.ReleaseID)})
	}
	for _, p := range e.Trend {
		out.Trend = append(out.Trend, ExposurePoint{Day: p.Day.String(), Counts: p.Counts})
	}
	return out
}

// maxFindingsPage bounds a page of findings.
const maxFindingsPage = 500

// findingFilter reads the findings list's query. Every bad parameter is
// reported at once, each under its own name.
func findingFilter(r *http.Request, now time.Time) (cra.FindingFilter, error) {
	q := r.URL.Query()
	var f cra.FindingFilter
	bad := map[string]string{}
	id := func(name string, into *int64) {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			bad[name] = "Must be the id of a " + name + " (a positive number)."
			return
		}
		*into = n
	}
	flag := func(name string, into *bool) {
		switch q.Get(name) {
		case "", "false":
		case "true":
			*into = true
		default:
			bad[name] = "Must be true or false."
		}
	}
	count := func(name string, into *int) {
		s := q.Get(name)
		if s == "" {
			return
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			bad[name] = "Must be a non-negative number."
			return
		}
		*into = n
	}
	id("product", &f.ProductID)
	id("release", &f.ReleaseID)
	f.MinSeverity = strings.TrimSpace(q.Get("severity"))
	flag("kev", &f.KEV)
	flag("exploited", &f.Exploited)
	if s := strings.TrimSpace(q.Get("epss")); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) {
			bad["epss"] = "EPSS is a probability between 0 and 1."
		} else {
			f.MinEPSS = v
		}
	}
	for _, v := range q["status"] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				f.Statuses = append(f.Statuses, cra.TriageStatus(s))
			}
		}
	}
	f.Component = strings.TrimSpace(q.Get("component"))
	f.Vuln = cra.NormalizeVulnID(q.Get("vuln"))
	if len(f.Component) > 200 {
		bad["component"] = "At most 200 characters."
	}
	if len(f.Vuln) > 200 {
		bad["vuln"] = "At most 200 characters."
	}
	flag("resolved", &f.Resolved)
	flag("all", &f.All)
	var onMarket bool
	flag("on_market", &onMarket)
	if onMarket {
		f.OnMarket = now
	}
	f.Sort = cra.FindingSort(q.Get("sort"))
	count("limit", &f.Limit)
	count("offset", &f.Offset)
	if f.Limit > maxFindingsPage {
		bad["limit"] = "Must be at most " + strconv.Itoa(maxFindingsPage) + "."
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if err := f.Validate(); err != nil {
		for k, v := range cra.ErrorFields(err) {
			if bad[k] == "" {
				bad[k] = v
			}
		}
	}
	if len(bad) > 0 {
		names := make([]string, 0, len(bad))
		for _, k := range []string{"product", "release", "severity", "kev", "exploited", "epss", "status", "component", "vuln", "resolved", "all", "on_market", "sort", "limit", "offset"} {
			if bad[k] != "" {
				names = append(names, k)
			}
		}
		return f, &cra.Error{Code: cra.EINVALID, Message: "Query parameters not valid: " + strings.Join(names, ", ") + ".", Fields: bad}
	}
	return f, nil
}

func handleListFindings(findings cra.FindingService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := findingFilter(r, now())
		if err != nil {
			return err
		}
		list, total, err := findings.Findings(r.Context(), f)
		if err != nil {
			return err
		}
		out := struct {
			Total    int       `json:"total"`
			Findings []Finding `json:"findings"`
		}{Total: total, Findings: []Finding{}}
		for i := range list {
			out.Findings = append(out.Findings, findingJSON(&list[i]))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleGetFinding(findings cra.FindingService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		f, history, err := findings.Finding(r.Context(), id)
		if err != nil {
			return err
		}
		out := FindingDetail{Finding: findingJSON(f), History: []Triage{}}
		for i := range history {
			out.History = append(out.History, triageJSON(&history[i]))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleTriageFinding(findings cra.FindingService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		// Who may triage is decided before the body is looked at.
		if err := cra.Authorize(r.Context(), cra.PermTriage); err != nil {
			return err
		}
		var in cra.TriageInput
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		f, err := findings.Triage(r.Context(), id, in)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, findingJSON(f))
		return nil
	}
}

func handleExposure(findings cra.FindingService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		days, err := queryInt(r, "days")
		if err != nil {
			return err
		}
		// The service bounds days; a huge number must not overflow int.
		e, err := findings.Exposure(r.Context(), int(min(days, 1<<20)))
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, exposureJSON(e))
		return nil
	}
}

func handleRematch(findings cra.FindingService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			ReleaseIDs []int64 `json:"release_ids"`
		}
		if r.ContentLength != 0 {
			if err := httpx.Decode(w, r, &in); err != nil {
				return err
			}
		}
		for _, id := range in.ReleaseIDs {
			if id <= 0 {
				return &cra.Error{Code: cra.EINVALID, Message: "Release ids are positive numbers; leave release_ids out to match every release.",
					Fields: map[string]string{"release_ids": "Must be positive numbers."}}
			}
		}
		ch, err := findings.Rematch(r.Context(), in.ReleaseIDs)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, ch)
		return nil
	}
}

func handleScan(findings cra.FindingService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		// Check the caller before reading a large body.
		if err := cra.Authorize(r.Context(), cra.PermProductsRead); err != nil {
			return err
		}
		name, data, format, err := readSBOMUpload(r)
		if err != nil {
			return err
		}
		res, err := findings.Scan(r.Context(), name, data, format)
		if err != nil {
			return err
		}
		out := ScanResult{ScanResult: *res, Findings: []ScanFinding{}}
		out.NotMatchable = nonNil(out.NotMatchable)
		for _, sf := range res.Findings {
			sf.Aliases, sf.Advisories, sf.FixedVersions = nonNil(sf.Aliases), nonNil(sf.Advisories), nonNil(sf.FixedVersions)
			j := ScanFinding{ScanFinding: sf}
			if sf.KEVAdded != nil {
				j.KEVAdded = sf.KEVAdded.String()
			}
			out.Findings = append(out.Findings, j)
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}
