// Package euvd syncs ENISA's European Vulnerability Database (EUVD) into
// cyra: the EUVD ids and aliases of the vulnerabilities cyra holds, EUVD's
// exploited list (exploitedSince), and the scores EUVD publishes.
//
// The API (https://euvdservices.enisa.europa.eu/api) is unauthenticated
// JSON without a published response schema, so every field is optional
// and read defensively: numbers may come as strings, dates are EUVD's
// non-ISO "May 2, 2025, 9:52:09 PM" (ISO forms are accepted too), and
// aliases and references are newline-separated strings.
//
// # Sync strategy
//
// Every run makes up to three passes, all through the search endpoint
// (/api/search; when it answers 404 the run falls back to the older
// /api/vulnerabilities with the same parameters), paged at Feed.PageSize
// records (at most 100, EUVD's maximum):
//
//  1. The exploited sweep pages through the whole exploited list
//     (exploited=true) and keeps every record on it, so that EUVD's
//     exploitation facts are complete whatever cyra holds.
//  2. The updated sweep (every run but the first) pages through the
//     records dated from the cursor's date minus one day (an overlap for
//     time zones and late indexing) to today (fromDate/toDate). It keeps
//     the records that alias a CVE cyra holds (FeedWriter.KnownCVEs) or
//     are exploited.
//  3. The lookups ask for the held CVEs not yet checked, one request each
//     (/api/search?text=CVE-…), at most Feed.LookupCap per run, newest
//     CVE first. A run that cannot check them all leaves the rest to the
//     next run, so the first run is bounded. Like the sweeps, a lookup
//     keeps only records that alias a held CVE exactly or are exploited (a
//     text search also matches records that merely mention the CVE, or a
//     longer id it is a prefix of). The search endpoint was chosen because
//     /api/vulnerability?id=CVE-… was observed to answer 403, and is
//     documented to return the source's vulnerability record rather than
//     the EUVD record.
//
// A CVE is checked once a lookup asked for it or a swept record aliased
// it; checked CVEs that EUVD later publishes arrive through the updated
// sweep.
//
// The cursor is JSON: {"date":"2026-09-01","checked":["CVE-…",…]}, where
// date is the last day synced (the toDate of the last successful run) and
// checked lists the held CVEs already looked up (pruned to those still
// held). An unreadable cursor starts over as a first run.
//
// # Uncertain
//
// Whether fromDate/toDate filter on the publication or the update date is
// not documented. If they filter on publication, a change to an older
// record reaches cyra only when the record is exploited (the exploited
// sweep reads it every run); the first lookup of a CVE always reads the
// current record. EUVD's epss looks like a percentage (the search filter
// takes 0–100 and records carry values such as 85.97), so it is divided by
// 100. The time zone of EUVD's dates is not stated; UTC is assumed. How
// deep /api/search lets a client page, and its rate limits, are not
// documented either.
package euvd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// DefaultBaseURL is EUVD's API base.
const DefaultBaseURL = "https://euvdservices.enisa.europa.eu/api"

// MaxPageSize is the largest page EUVD serves.
const MaxPageSize = 100

// DefaultLookupCap bounds the per-CVE lookups of one run.
const DefaultLookupCap = 500

// Feed syncs EUVD. The zero value is usable; tests set BaseURL, Client
// (with a Sleep that does not wait) and Now.
type Feed struct {
	// Client makes every request; nil uses a fetch.Client with defaults.
	Client *fetch.Client
	// BaseURL is the API base without a trailing slash (default
	// DefaultBaseURL).
	BaseURL string
	// PageSize is the records asked per page (default and maximum 100).
	PageSize int
	// LookupCap bounds the per-CVE lookups per run (default 500; negative
	// disables lookups).
	LookupCap int
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Name returns cra.SourceEUVD.
func (f *Feed) Name() cra.VulnSource { return cra.SourceEUVD }

// cursor is the state kept between runs.
type cursor struct {
	Date    string   `json:"date,omitempty"`
	Checked []string `json:"checked,omitempty"`
}

// Sync runs the exploited sweep, the updated sweep and the lookups
// described in the package documentation, and returns the new cursor.
func (f *Feed) Sync(ctx context.Context, cursorText string, w cra.FeedWriter) (string, error) {
	var cur cursor
	if cursorText != "" && json.Unmarshal([]byte(cursorText), &cur) != nil {
		cur = cursor{}
	}
	now := f.now().UTC()
	today := now.Format(time.DateOnly)
	knownList, err := w.KnownCVEs(ctx)
	if err != nil {
		return "", err
	}
	r := &run{f: f, w: w, known: map[string]bool{}, checked: map[string]bool{}, written: map[string]bool{}}
	for _, id := range knownList {
		if id = cra.NormalizeVulnID(id); cra.IsCVE(id) {
			r.known[id] = true
		}
	}
	for _, id := range cur.Checked {
		if r.known[id] {
			r.checked[id] = true
		}
	}
	if err := r.sweep(ctx, "exploited", url.Values{"exploited": {"true"}}); err != nil {
		return "", err
	}
	if last, err := time.Parse(time.DateOnly, cur.Date); err == nil && !last.After(now) {
		q := url.Values{
			"fromDate": {last.AddDate(0, 0, -1).Format(time.DateOnly)},
			"toDate":   {today},
		}
		if err := r.sweep(ctx, "updated", q); err != nil {
			return "", err
		}
	}
	if err := r.lookups(ctx); err != nil {
		return "", err
	}
	next := cursor{Date: today, Checked: sortedKeys(r.checked)}
	b, err := json.Marshal(next)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (f *Feed) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Feed) pageSize() int {
	if f.PageSize <= 0 || f.PageSize > MaxPageSize {
		return MaxPageSize
	}
	return f.PageSize
}

func (f *Feed) lookupCap() int {
	switch {
	case f.LookupCap < 0:
		return 0
	case f.LookupCap == 0:
		return DefaultLookupCap
	}
	return f.LookupCap
}

// run is the state of one Sync.
type run struct {
	f       *Feed
	w       cra.FeedWriter
	known   map[string]bool // held CVEs
	checked map[string]bool // held CVEs looked up or seen in a record
	written map[string]bool // EUVD ids written in this run
	// fallback is set once /api/search answered 404.
	fallback bool
}

// maxPages stops a sweep that the server never lets end.
const maxPages = 2000

// sweep pages through a search and writes the records worth keeping.
func (r *run) sweep(ctx context.Context, stage string, q url.Values) error {
	size := r.f.pageSize()
	done := 0
	for page := 0; page < maxPages; page++ {
		q.Set("page", strconv.Itoa(page))
		q.Set("size", strconv.Itoa(size))
		res, err := r.search(ctx, q)
		if err != nil {
			return err
		}
		if err := r.write(ctx, r.keep(res)); err != nil {
			return err
		}
		done += len(res.items)
		total := max(res.total, 0)
		r.w.Progress(stage, done, total)
		if len(res.items) == 0 || (res.total >= 0 && done >= res.total) || (res.total < 0 && len(res.items) < size) {
			return nil
		}
	}
	return fmt.Errorf("euvd: %s sweep did not end after %d pages", stage, maxPages)
}

// lookups asks for the held CVEs not yet checked, newest first, up to the
// cap.
func (r *run) lookups(ctx context.Context) error {
	var pending []string
	for id := range r.known {
		if !r.checked[id] {
			pending = append(pending, id)
		}
	}
	slices.SortFunc(pending, func(a, b string) int { return cra.CompareCVE(b, a) })
	pending = pending[:min(len(pending), r.f.lookupCap())]
	var batch []cra.Advisory
	for i, id := range pending {
		// An earlier answer may have carried this CVE's record already.
		if !r.checked[id] {
			q := url.Values{"text": {id}, "page": {"0"}, "size": {strconv.Itoa(r.f.pageSize())}}
			res, err := r.search(ctx, q)
			if err != nil {
				return err
			}
			batch = append(batch, r.keep(res)...)
			r.checked[id] = true
		}
		r.w.Progress("lookup", i+1, len(pending))
		if len(batch) >= MaxPageSize || i == len(pending)-1 {
			if err := r.write(ctx, batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	return nil
}

// keep parses a page's records, skips unreadable ones and returns those
// that alias a held CVE or are exploited, marking their CVEs checked.
func (r *run) keep(res *searchResult) []cra.Advisory {
	var out []cra.Advisory
	for i, raw := range res.items {
		a, err := ParseRecord(raw)
		if err != nil {
			r.w.Skip(fmt.Sprintf("euvd: record %d of GET %s: %v", i, res.url, err))
			continue
		}
		held := false
		for _, alias := range a.Aliases {
			if r.known[alias] {
				held = true
				r.checked[alias] = true
			}
		}
		if held || a.ExploitedSince != nil {
			out = append(out, a)
		}
	}
	return out
}

// write imports the advisories not yet written in this run.
func (r *run) write(ctx context.Context, advs []cra.Advisory) error {
	var fresh []cra.Advisory
	for _, a := range advs {
		if !r.written[a.ID] {
			r.written[a.ID] = true
			fresh = append(fresh, a)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	_, err := r.w.Advisories(ctx, fresh)
	return err
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, cra.CompareCVE)
	return out
}
