// Package nvd syncs NIST's National Vulnerability Database through its CVE
// API 2.0 (https://services.nvd.nist.gov/rest/json/cves/2.0) for the CVEs
// cyra holds: CVSS metrics (v4.0, v3.1, v3.0, v2, every source), CWEs, the
// vulnerable CPEs of the configurations, references and rejection.
//
// # Sync strategy
//
// NVD holds far more CVEs than any portfolio, so only the CVEs cyra holds
// (FeedWriter.KnownCVEs) are kept:
//
//   - Lookups fetch held CVEs that were never fetched, one request each
//     (cveId=CVE-…), newest first, at most Feed.LookupCap per run. The
//     first run (no cursor) does only this, so it is bounded; later runs
//     continue with the CVEs still pending, which also covers CVEs cyra
//     comes to hold after the first run.
//   - Later runs also ask for everything NVD modified from the cursor time
//     (minus an hour of overlap) to the start of the run, with
//     lastModStartDate/lastModEndDate windows of at most 120 days (NVD's
//     limit), paged with startIndex/resultsPerPage (at most 2000) up to
//     totalResults, and keep the held CVEs among them.
//
// Requests respect NVD's published rate limits: at most 5 requests in a
// rolling 30-second window without an API key, 50 with one (sent in the
// apiKey header); see Limiter. NVD signals throttling with 403 (and 429 or
// 503): fetch retries 429 and 5xx with backoff, and this package waits a
// whole window and retries a 403 a few times before giving up.
//
// The cursor is JSON: {"lastMod":"2026-09-01T08:00:00Z","checked":[…]},
// where lastMod is the end of the last window synced (the start of the
// last successful run) and checked lists the held CVEs already fetched by
// id or found absent (pruned to those still held); the pending lookups are
// the held CVEs not in it. An unreadable cursor starts over as a first
// run.
package nvd

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// DefaultBaseURL is the CVE API 2.0 endpoint.
const DefaultBaseURL = "https://services.nvd.nist.gov/rest/json/cves/2.0"

// MaxPageSize is the largest resultsPerPage NVD accepts.
const MaxPageSize = 2000

// MaxWindow is the longest lastMod range NVD accepts in one request.
const MaxWindow = 120 * 24 * time.Hour

// DefaultLookupCap bounds the per-CVE lookups of one run.
const DefaultLookupCap = 200

// overlap is how far before the cursor a run starts asking, for records
// NVD indexes late.
const overlap = time.Hour

// Feed syncs NVD. The zero value is usable; tests set BaseURL, Client,
// Now and Sleep.
type Feed struct {
	// Client makes every request; nil uses a fetch.Client with defaults.
	Client *fetch.Client
	// BaseURL is the CVE API endpoint (default DefaultBaseURL).
	BaseURL string
	// APIKey is the optional NVD API key; it raises the rate limit.
	APIKey string
	// PageSize is resultsPerPage (default and maximum 2000).
	PageSize int
	// LookupCap bounds the per-CVE lookups per run (default 200; negative
	// disables lookups).
	LookupCap int
	// Limiter paces the requests; nil creates one on first use with NVD's
	// published limit for the key (or the lack of one). Share one Limiter
	// between feeds that use the same key or address.
	Limiter *Limiter
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Sleep waits for the limiter and after a 403; nil sleeps for real.
	Sleep func(ctx context.Context, d time.Duration) error

	mu sync.Mutex
}

// Name returns cra.SourceNVD.
func (f *Feed) Name() cra.VulnSource { return cra.SourceNVD }

// cursor is the state kept between runs.
type cursor struct {
	LastMod time.Time `json:"lastMod,omitzero"`
	Checked []string  `json:"checked,omitempty"`
}

// Sync syncs the lastMod windows since the cursor and the pending lookups
// as the package documentation describes, and returns the new cursor.
func (f *Feed) Sync(ctx context.Context, cursorText string, w cra.FeedWriter) (string, error) {
	var cur cursor
	if cursorText != "" && json.Unmarshal([]byte(cursorText), &cur) != nil {
		cur = cursor{}
	}
	start := f.now().UTC().Truncate(time.Millisecond)
	knownList, err := w.KnownCVEs(ctx)
	if err != nil {
		return "", err
	}
	r := &run{f: f, w: w, lim: f.limiter(), known: map[string]bool{}, checked: map[string]bool{}}
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
	if !cur.LastMod.IsZero() && len(r.known) > 0 {
		wins := windows(cur.LastMod.Add(-overlap), start, MaxWindow)
		for i, win := range wins {
			if err := r.window(ctx, win); err != nil {
				return "", err
			}
			w.Progress("windows", i+1, len(wins))
		}
	}
	if err := r.lookups(ctx); err != nil {
		return "", err
	}
	b, err := json.Marshal(cursor{LastMod: start, Checked: sortedKeys(r.checked)})
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

func (f *Feed) limiter() *Limiter {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Limiter == nil {
		n := 5
		if f.APIKey != "" {
			n = 50
		}
		f.Limiter = &Limiter{Max: n, Window: 30 * time.Second, Now: f.Now, Sleep: f.Sleep}
	}
	return f.Limiter
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

// window is one lastMod range [from, to].
type window struct{ from, to time.Time }

// windows splits [from, to] into consecutive windows of at most size.
func windows(from, to time.Time, size time.Duration) []window {
	var out []window
	for s := from; s.Before(to); {
		e := s.Add(size)
		if e.After(to) {
			e = to
		}
		out = append(out, window{s, e})
		s = e
	}
	return out
}

// nvdTime formats a time as NVD's extended ISO-8601 with an explicit
// offset.
func nvdTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-07:00") }

// run is the state of one Sync.
type run struct {
	f       *Feed
	w       cra.FeedWriter
	lim     *Limiter
	known   map[string]bool
	checked map[string]bool
}

// window pages through the CVEs modified in win and writes the held ones.
func (r *run) window(ctx context.Context, win window) error {
	size := r.f.pageSize()
	for index := 0; ; {
		q := url.Values{
			"lastModStartDate": {nvdTime(win.from)},
			"lastModEndDate":   {nvdTime(win.to)},
			"startIndex":       {strconv.Itoa(index)},
			"resultsPerPage":   {strconv.Itoa(size)},
		}
		pg, err := r.get(ctx, q)
		if err != nil {
			return err
		}
		if err := r.write(ctx, r.keep(pg)); err != nil {
			return err
		}
		index += len(pg.items)
		if len(pg.items) == 0 || index >= pg.total {
			return nil
		}
	}
}

// lookups fetches the pending held CVEs by id, newest first, up to the cap.
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
		if !r.checked[id] {
			pg, err := r.get(ctx, url.Values{"cveId": {id}})
			if err != nil {
				return err
			}
			batch = append(batch, r.keep(pg)...)
			r.checked[id] = true
		}
		r.w.Progress("lookup", i+1, len(pending))
		if len(batch) >= 100 || i == len(pending)-1 {
			if err := r.write(ctx, batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	return nil
}

func (r *run) write(ctx context.Context, advs []cra.Advisory) error {
	if len(advs) == 0 {
		return nil
	}
	_, err := r.w.Advisories(ctx, advs)
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
