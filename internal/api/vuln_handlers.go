package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

// Advisory is the JSON form of one source's record.
type Advisory struct {
	Source         cra.VulnSource  `json:"source"`
	ID             string          `json:"id"`
	Aliases        []string        `json:"aliases"`
	Related        []string        `json:"related"`
	Summary        string          `json:"summary"`
	Details        string          `json:"details"`
	Published      *time.Time      `json:"published"`
	Modified       *time.Time      `json:"modified"`
	Withdrawn      *time.Time      `json:"withdrawn"`
	Severity       []cra.Severity  `json:"severity"`
	CWEs           []string        `json:"cwes"`
	References     []cra.Reference `json:"references"`
	Affected       []cra.Affected  `json:"affected"`
	CPEs           []string        `json:"cpes"`
	ExploitedSince *time.Time      `json:"exploited_since"`
	EPSS           *float64        `json:"epss"`
	Digest         string          `json:"digest"`
	// Raw is the record as published, included with ?raw=true.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// KEVEntry is the JSON form of a KEV catalog entry.
type KEVEntry struct {
	CVE              string     `json:"cve"`
	VendorProject    string     `json:"vendor_project"`
	Product          string     `json:"product"`
	Name             string     `json:"name"`
	DateAdded        string     `json:"date_added"`
	DueDate          string     `json:"due_date"`
	RansomwareUse    string     `json:"known_ransomware_campaign_use"`
	RequiredAction   string     `json:"required_action"`
	ShortDescription string     `json:"short_description"`
	Notes            string     `json:"notes"`
	CWEs             []string   `json:"cwes"`
	FirstSeen        time.Time  `json:"first_seen"`
	Removed          *time.Time `json:"removed"`
}

// EPSSScore is the JSON form of an EPSS score.
type EPSSScore struct {
	CVE        string  `json:"cve"`
	Score      float64 `json:"epss"`
	Percentile float64 `json:"percentile"`
	Date       string  `json:"date"`
}

// Vulnerability is the JSON form of a vulnerability identity.
type Vulnerability struct {
	ID             int64         `json:"id"`
	Key            string        `json:"key"`
	Aliases        []string      `json:"aliases"`
	Summary        string        `json:"summary"`
	Severity       *cra.Severity `json:"severity"`
	Withdrawn      *time.Time    `json:"withdrawn"`
	ExploitedSince *time.Time    `json:"exploited_since"`
	KEV            []KEVEntry    `json:"kev"`
	EPSS           []EPSSScore   `json:"epss"`
	Advisories     []Advisory    `json:"advisories"`
}

// VulnSummary is the JSON form of a search result.
type VulnSummary struct {
	ID             int64            `json:"id"`
	Key            string           `json:"key"`
	Aliases        []string         `json:"aliases"`
	Summary        string           `json:"summary"`
	Severity       *cra.Severity    `json:"severity"`
	Published      *time.Time       `json:"published"`
	Modified       *time.Time       `json:"modified"`
	Withdrawn      *time.Time       `json:"withdrawn"`
	KEVAdded       *string          `json:"kev_date_added"`
	ExploitedSince *time.Time       `json:"exploited_since"`
	EPSS           *EPSSScore       `json:"epss"`
	Sources        []cra.VulnSource `json:"sources"`
	Packages       []string         `json:"packages"`
	URL            string           `json:"url"`
}

// FeedStatus is the JSON form of a feed's status.
type FeedStatus struct {
	Feed        cra.VulnSource  `json:"feed"`
	Title       string          `json:"title"`
	Enabled     bool            `json:"enabled"`
	IntervalSec int64           `json:"interval_seconds"`
	NextRun     *time.Time      `json:"next_run"`
	Running     bool            `json:"running"`
	LastStart   *time.Time      `json:"last_start"`
	LastSuccess *time.Time      `json:"last_success"`
	LastError   string          `json:"last_error"`
	LastErrorAt *time.Time      `json:"last_error_at"`
	Stale       bool            `json:"stale"`
	LastStats   cra.ImportStats `json:"last_stats"`
	Records     int             `json:"records"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func epssJSON(e cra.EPSSScore) EPSSScore {
	return EPSSScore{CVE: e.CVE, Score: e.Score, Percentile: e.Percentile, Date: e.Date.String()}
}

func vulnJSON(v *cra.Vulnerability, raw bool) Vulnerability {
	out := Vulnerability{ID: v.ID, Key: v.Key, Aliases: nonNil(v.Aliases), Summary: v.Summary(), Severity: v.MaxSeverity(),
		Withdrawn: timePtr(v.Withdrawn()), ExploitedSince: timePtr(v.ExploitedSince()), KEV: []KEVEntry{}, EPSS: []EPSSScore{}, Advisories: []Advisory{}}
	for _, k := range v.KEV {
		out.KEV = append(out.KEV, KEVEntry{CVE: k.CVE, VendorProject: k.VendorProject, Product: k.Product, Name: k.Name,
			DateAdded: k.DateAdded.String(), DueDate: k.DueDate.String(), RansomwareUse: k.RansomwareUse, RequiredAction: k.RequiredAction,
			ShortDescription: k.ShortDescription, Notes: k.Notes, CWEs: nonNil(k.CWEs), FirstSeen: k.FirstSeen.UTC(), Removed: timePtr(k.Removed)})
	}
	for _, e := range v.EPSS {
		out.EPSS = append(out.EPSS, epssJSON(e))
	}
	for _, a := range v.Advisories {
		j := Advisory{Source: a.Source, ID: a.ID, Aliases: nonNil(a.Aliases), Related: nonNil(a.Related), Summary: a.Summary, Details: a.Details,
			Published: timePtr(a.Published), Modified: timePtr(a.Modified), Withdrawn: timePtr(a.Withdrawn), Severity: nonNil(a.Severity),
			CWEs: nonNil(a.CWEs), References: nonNil(a.References), Affected: nonNil(a.Affected), CPEs: nonNil(a.CPEs),
			ExploitedSince: timePtr(a.ExploitedSince), EPSS: a.EPSS, Digest: a.Digest}
		if raw && json.Valid(a.Raw) {
			j.Raw = a.Raw
		}
		out.Advisories = append(out.Advisories, j)
	}
	return out
}

func feedJSON(f cra.FeedStatus) FeedStatus {
	st := f.LastStats
	st.Problems = nonNil(st.Problems)
	return FeedStatus{Feed: f.Feed, Title: f.Title, Enabled: f.Enabled, IntervalSec: int64(f.Interval / time.Second), NextRun: timePtr(f.NextRun),
		Running: f.Running, LastStart: timePtr(f.LastStart), LastSuccess: timePtr(f.LastSuccess), LastError: f.LastError,
		LastErrorAt: timePtr(f.LastErrorAt), Stale: f.Stale, LastStats: st, Records: f.Records}
}

func handleGetVulnerability(vulns cra.VulnService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		raw, err := queryBool(r, "raw")
		if err != nil {
			return err
		}
		v, err := vulns.Vulnerability(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, vulnJSON(v, raw))
		return nil
	}
}

func handleSearchVulnerabilities(vulns cra.VulnService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f := cra.VulnFilter{Query: r.URL.Query().Get("q"), Ecosystem: r.URL.Query().Get("ecosystem"), Package: r.URL.Query().Get("package")}
		limit, err := queryInt(r, "limit")
		if err != nil {
			return err
		}
		offset, err := queryInt(r, "offset")
		if err != nil {
			return err
		}
		f.Limit, f.Offset = int(limit), int(offset)
		if f.KEV, err = queryBool(r, "kev"); err != nil {
			return err
		}
		if f.Exploited, err = queryBool(r, "exploited"); err != nil {
			return err
		}
		list, total, err := vulns.SearchVulnerabilities(r.Context(), f)
		if err != nil {
			return err
		}
		out := struct {
			Total           int           `json:"total"`
			Vulnerabilities []VulnSummary `json:"vulnerabilities"`
		}{Total: total, Vulnerabilities: []VulnSummary{}}
		for _, v := range list {
			j := VulnSummary{ID: v.ID, Key: v.Key, Aliases: nonNil(v.Aliases), Summary: v.Summary, Severity: v.Severity,
				Published: timePtr(v.Published), Modified: timePtr(v.Modified), Withdrawn: timePtr(v.Withdrawn),
				ExploitedSince: timePtr(v.ExploitedSince), Sources: nonNil(v.Sources), Packages: nonNil(v.Packages),
				URL: Prefix + "/vulnerabilities/" + v.Key}
			if v.KEVAdded != nil {
				d := v.KEVAdded.String()
				j.KEVAdded = &d
			}
			if v.EPSS != nil {
				e := epssJSON(*v.EPSS)
				j.EPSS = &e
			}
			out.Vulnerabilities = append(out.Vulnerabilities, j)
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleListFeeds(vulns cra.VulnService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		feeds, err := vulns.Feeds(r.Context())
		if err != nil {
			return err
		}
		out := struct {
			Feeds []FeedStatus `json:"feeds"`
		}{Feeds: []FeedStatus{}}
		for _, f := range feeds {
			out.Feeds = append(out.Feeds, feedJSON(f))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleSyncFeeds(vulns cra.VulnService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		// Who may sync is decided before the body is looked at.
		if err := cra.Authorize(r.Context(), cra.PermFeedsWrite); err != nil {
			return err
		}
		var in struct {
			Feeds []string `json:"feeds"`
		}
		if r.ContentLength != 0 {
			if err := httpx.Decode(w, r, &in); err != nil {
				return err
			}
		}
		var names []cra.VulnSource
		for _, n := range in.Feeds {
			if strings.TrimSpace(n) == "" {
				return &cra.Error{Code: cra.EINVALID, Message: "An empty feed name; use osv, kev, euvd, nvd or epss, or leave feeds out for all.", Fields: map[string]string{"feeds": "empty name"}}
			}
			parsed, err := cra.ParseFeedNames(n)
			if err != nil {
				return err
			}
			names = append(names, parsed...)
		}
		started, err := vulns.StartSync(r.Context(), names)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusAccepted, struct {
			Started []cra.VulnSource `json:"started"`
			Status  string           `json:"status_url"`
		}{started, Prefix + "/feeds"})
		return nil
	}
}

func handleImportFeedFile(vulns cra.VulnService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := cra.Authorize(r.Context(), cra.PermFeedsWrite); err != nil {
			return err
		}
		name, data, _, err := readUpload(r, "feed file")
		if err != nil {
			return err
		}
		if name = strings.TrimSpace(name); name == "" || strings.ContainsAny(name, "/\\\x00") || len(name) > 255 {
			name = "upload"
		}
		f, st, err := vulns.ImportFile(r.Context(), name, data)
		if err != nil {
			return err
		}
		st.Problems = nonNil(st.Problems)
		httpx.JSON(w, http.StatusOK, struct {
			Kind  string          `json:"kind"`
			Stats cra.ImportStats `json:"stats"`
		}{f.Kind, st})
		return nil
	}
}
