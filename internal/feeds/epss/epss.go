// Package epss syncs FIRST's Exploit Prediction Scoring System (EPSS):
// the daily score (a probability 0–1) and percentile of the CVEs cyra
// holds, kept as history so that a trend can be shown.
//
// EPSS is a likelihood of exploitation, not evidence of it.
//
// # Modes
//
// ModeAPI (the default) asks https://api.first.org/data/v1/epss for the
// held CVEs (FeedWriter.KnownCVEs) in batches: the cve parameter lists
// them comma-separated and may be at most 2000 characters, limit is the
// batch size and offset pages on when the response's total exceeds what
// it returned. epss and percentile arrive as decimal strings, date as
// YYYY-MM-DD. On the first run, and when the newest scores are more than
// a day newer than the cursor, the requests add scope=time-series, whose
// time-series arrays carry the previous 30 days, so that the history
// starts (or its gap closes) at once.
//
// ModeBulk downloads the daily CSV (gzip or plain: a first line
// "#model_version:…,score_date:…", then the header cve,epss,percentile)
// with conditional requests, and keeps the held CVEs. It carries one day.
//
// # Cursor
//
// The cursor is JSON: {"date":"2026-09-01"} (the newest score date
// written), plus "etag" and "lastModified" of the bulk file in ModeBulk.
// When the cursor's date is today (UTC) a run sends no request. Otherwise
// only scores newer than the cursor's date are written; when the first
// answer carries nothing newer (today's scores are not out yet) the run
// stops there, having sent one request and written nothing.
package epss

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// DefaultBaseURL is FIRST's EPSS API endpoint.
const DefaultBaseURL = "https://api.first.org/data/v1/epss"

// DefaultBulkURL is the daily CSV of every score. The file moved from
// epss.cyentia.com to Empirical Security's host; the old name is
// reported to redirect.
const DefaultBulkURL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"

// MaxCVEParam is the longest cve parameter the API accepts.
const MaxCVEParam = 2000

// Mode selects how scores are fetched.
type Mode string

// The modes.
const (
	ModeAPI  Mode = "api"
	ModeBulk Mode = "bulk"
)

// Feed syncs EPSS. The zero value uses the API.
type Feed struct {
	// Client makes every request; nil uses a fetch.Client with defaults.
	Client *fetch.Client
	// Mode is ModeAPI ("" too) or ModeBulk.
	Mode Mode
	// BaseURL is the API endpoint (default DefaultBaseURL); BulkURL the
	// daily file (default DefaultBulkURL).
	BaseURL, BulkURL string
	// MaxParam bounds the cve parameter (default and maximum 2000).
	MaxParam int
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Name returns cra.SourceEPSS.
func (f *Feed) Name() cra.VulnSource { return cra.SourceEPSS }

// cursor is the state kept between runs.
type cursor struct {
	Date         string `json:"date,omitempty"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
}

// Sync fetches the scores newer than the cursor's date for the held CVEs
// and writes them through w.EPSS.
func (f *Feed) Sync(ctx context.Context, cursorText string, w cra.FeedWriter) (string, error) {
	var cur cursor
	if cursorText != "" && json.Unmarshal([]byte(cursorText), &cur) != nil {
		cur = cursor{}
	}
	if _, err := time.Parse(time.DateOnly, cur.Date); err != nil {
		cur.Date = ""
	}
	today := f.now().UTC().Format(time.DateOnly)
	if cur.Date >= today {
		return cursorText, nil
	}
	knownList, err := w.KnownCVEs(ctx)
	if err != nil {
		return "", err
	}
	var known []string
	for _, id := range knownList {
		if id = cra.NormalizeVulnID(id); cra.IsCVE(id) {
			known = append(known, id)
		}
	}
	slices.Sort(known)
	known = slices.Compact(known)
	if len(known) == 0 {
		return cursorText, nil
	}
	var next cursor
	switch f.Mode {
	case "", ModeAPI:
		next, err = f.syncAPI(ctx, cur, known, w)
	case ModeBulk:
		next, err = f.syncBulk(ctx, cur, known, w)
	default:
		return "", fmt.Errorf("epss: unknown mode %q; use %q or %q", f.Mode, ModeAPI, ModeBulk)
	}
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(next)
	return string(b), err
}

func (f *Feed) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Feed) client() *fetch.Client {
	if f.Client != nil {
		return f.Client
	}
	return &fetch.Client{}
}

// syncAPI asks the API batch by batch. The first run asks for the time
// series; a later run asks for it only when the first batch shows a gap of
// more than a day since the cursor's date, and then asks that batch again.
func (f *Feed) syncAPI(ctx context.Context, cur cursor, known []string, w cra.FeedWriter) (cursor, error) {
	held := make(map[string]bool, len(known))
	for _, id := range known {
		held[id] = true
	}
	maxParam := f.MaxParam
	if maxParam <= 0 || maxParam > MaxCVEParam {
		maxParam = MaxCVEParam
	}
	series := cur.Date == ""
	bs := batches(known, maxParam)
	next := cur
	for i := 0; i < len(bs); i++ {
		scores, err := f.fetchBatch(ctx, bs[i], series)
		if err != nil {
			return cur, err
		}
		newest := ""
		for _, s := range scores {
			newest = max(newest, s.Date.String())
		}
		if i == 0 && len(scores) > 0 && !series {
			if newest <= cur.Date {
				return cur, nil // nothing published since the last run
			}
			if newest > dayAfter(cur.Date) {
				series = true
				i-- // a gap: ask this batch again with the time series
				continue
			}
		}
		var fresh []cra.EPSSScore
		for _, s := range scores {
			if held[s.CVE] && s.Date.String() > cur.Date {
				fresh = append(fresh, s)
			}
		}
		if len(fresh) > 0 {
			if _, err := w.EPSS(ctx, fresh); err != nil {
				return cur, err
			}
			next.Date = max(next.Date, newest)
		}
		w.Progress("batches", i+1, len(bs))
	}
	return next, nil
}

func dayAfter(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

// fetchBatch gets the scores of one batch, following offsets.
func (f *Feed) fetchBatch(ctx context.Context, cves []string, series bool) ([]cra.EPSSScore, error) {
	base := cmp.Or(f.BaseURL, DefaultBaseURL)
	var out []cra.EPSSScore
	for offset := 0; ; {
		// The ids are URL-safe; the commas stay literal so that the
		// parameter is exactly as long as it was measured.
		u := base + "?cve=" + strings.Join(cves, ",") + "&limit=" + strconv.Itoa(len(cves))
		if offset > 0 {
			u += "&offset=" + strconv.Itoa(offset)
		}
		if series {
			u += "&scope=time-series"
		}
		resp, err := f.client().Get(ctx, fetch.Request{URL: u, Header: map[string][]string{"Accept": {"application/json"}}})
		if err != nil {
			return nil, fmt.Errorf("epss: %w", err)
		}
		scores, n, total, err := decodeAPI(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("epss: %w", describe(u, resp.Body, err))
		}
		out = append(out, scores...)
		offset += n
		if n == 0 || offset >= total {
			return out, nil
		}
	}
}

// batches splits sorted ids into groups whose comma-joined length is at
// most maxLen.
func batches(ids []string, maxLen int) [][]string {
	var out [][]string
	var cur []string
	size := 0
	for _, id := range ids {
		add := len(id)
		if len(cur) > 0 {
			add++ // the comma
		}
		if len(cur) > 0 && size+add > maxLen {
			out = append(out, cur)
			cur, size, add = nil, 0, len(id)
		}
		cur = append(cur, id)
		size += add
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
