package nvd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// forbiddenRetries is how many times a 403 (NVD's throttling answer, also
// its answer to a bad API key) is retried after waiting a whole window.
const forbiddenRetries = 2

// page is one decoded response.
type page struct {
	url   string
	items []json.RawMessage // the cve objects of vulnerabilities[]
	total int
}

// get sends one paced request and decodes the page. A 404 to a cveId
// lookup is read as an empty page: NVD does not hold that CVE.
func (r *run) get(ctx context.Context, q url.Values) (*page, error) {
	base := r.f.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u := base + "?" + q.Encode()
	c := r.f.Client
	if c == nil {
		c = &fetch.Client{}
	}
	h := http.Header{"Accept": {"application/json"}}
	if r.f.APIKey != "" {
		h.Set("apiKey", r.f.APIKey)
	}
	for attempt := 0; ; attempt++ {
		if err := r.lim.Wait(ctx); err != nil {
			return nil, err
		}
		resp, err := c.Get(ctx, fetch.Request{URL: u, Header: h})
		var se *fetch.StatusError
		switch {
		case errors.As(err, &se) && se.Status == http.StatusForbidden && attempt < forbiddenRetries:
			sleep := r.f.Sleep
			if sleep == nil {
				sleep = r.lim.sleep
			}
			if err := sleep(ctx, r.lim.Window); err != nil {
				return nil, err
			}
			continue
		case errors.As(err, &se) && se.Status == http.StatusForbidden:
			return nil, fmt.Errorf("nvd: %w (NVD answers 403 when the rate limit is exceeded or the API key is not valid)", err)
		case errors.As(err, &se) && se.Status == http.StatusNotFound && q.Has("cveId"):
			return &page{url: u}, nil
		case err != nil:
			return nil, fmt.Errorf("nvd: %w", err)
		}
		pg, err := decodePage(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("nvd: %w", describe(u, resp.Body, err))
		}
		pg.url = u
		return pg, nil
	}
}

// decodePage reads the CVE API envelope. A body that has neither
// totalResults nor vulnerabilities is not a CVE API response.
func decodePage(body []byte) (*page, error) {
	var env struct {
		TotalResults    *int `json:"totalResults"`
		Vulnerabilities *[]struct {
			CVE json.RawMessage `json:"cve"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if env.TotalResults == nil && env.Vulnerabilities == nil {
		return nil, errors.New(`response has neither "totalResults" nor "vulnerabilities"`)
	}
	pg := &page{}
	if env.Vulnerabilities != nil {
		for _, v := range *env.Vulnerabilities {
			pg.items = append(pg.items, v.CVE)
		}
	}
	pg.total = len(pg.items)
	if env.TotalResults != nil {
		pg.total = *env.TotalResults
	}
	return pg, nil
}

// keep parses the page's held CVEs, skips unreadable ones and marks the
// held ones checked.
func (r *run) keep(pg *page) []cra.Advisory {
	var out []cra.Advisory
	for i, raw := range pg.items {
		var head struct {
			ID string `json:"id"`
		}
		if len(raw) == 0 || json.Unmarshal(raw, &head) != nil {
			r.w.Skip(fmt.Sprintf("nvd: item %d of GET %s has no cve object", i, pg.url))
			continue
		}
		id := cra.NormalizeVulnID(head.ID)
		if !r.known[id] {
			continue
		}
		a, err := ParseCVE(raw)
		if err != nil {
			r.w.Skip(fmt.Sprintf("nvd: %s in GET %s: %v", id, pg.url, err))
			continue
		}
		r.checked[id] = true
		out = append(out, a)
	}
	return out
}

// describe names the URL of a bad response and, for JSON errors, the
// line, column and byte offset where decoding failed.
func describe(u string, body []byte, err error) error { return fetch.DescribeJSON(u, body, err) }

// Limiter allows at most Max requests in any rolling Window.
type Limiter struct {
	Max    int
	Window time.Duration
	// Now and Sleep default to the real clock; tests inject both.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	sent []time.Time
}

// Wait blocks until one more request fits in the window, then counts it.
func (l *Limiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		now := l.now()
		kept := l.sent[:0]
		for _, t := range l.sent {
			if now.Sub(t) < l.Window {
				kept = append(kept, t)
			}
		}
		l.sent = kept
		if len(l.sent) < max(l.Max, 1) {
			l.sent = append(l.sent, now)
			return nil
		}
		if err := l.sleep(ctx, l.sent[0].Add(l.Window).Sub(now)); err != nil {
			return err
		}
	}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Limiter) sleep(ctx context.Context, d time.Duration) error {
	if l.Sleep != nil {
		return l.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
