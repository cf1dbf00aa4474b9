package kev

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// DefaultURL is where CISA publishes the catalog as JSON.
const DefaultURL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"

// maxCatalogBytes bounds the catalog (about 1.5 MB in 2025).
const maxCatalogBytes = 64 << 20

// Feed syncs the KEV catalog: one conditional GET, and the whole catalog
// written through the writer's KEV when it changed.
type Feed struct {
	// URL is the catalog's address (default DefaultURL).
	URL string
	// Client makes the request; the caller sets its User-Agent.
	Client *fetch.Client
}

var _ cra.Feed = (*Feed)(nil)

// cursor is the KEV feed's state between syncs, stored as JSON by cyra:
//
//	{"etag":"\"abc\"","last_modified":"Mon, 25 Aug 2025 17:04:20 GMT",
//	 "digest":"<SHA-256 of the body>","version":"2025.08.25"}
//
// The validators make the request conditional; the digest catches an
// unchanged catalog served without them.
type cursor struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Digest       string `json:"digest,omitempty"`
	Version      string `json:"version,omitempty"`
}

// Name returns cra.SourceKEV.
func (f *Feed) Name() cra.VulnSource { return cra.SourceKEV }

// Sync fetches the catalog unless the server says it is unchanged, and
// writes it through w.KEV when its bytes differ from the last one written.
// Entries that cannot be read are reported through w.Skip; a catalog that
// cannot be read at all is an error and nothing is written. An unreadable
// cursor is treated as empty (the catalog is fetched and written again,
// which is always safe).
func (f *Feed) Sync(ctx context.Context, cur string, w cra.FeedWriter) (string, error) {
	var old cursor
	if cur != "" && json.Unmarshal([]byte(cur), &old) != nil {
		old = cursor{}
	}
	u := f.URL
	if u == "" {
		u = DefaultURL
	}
	client := f.Client
	if client == nil {
		client = &fetch.Client{}
	}
	w.Progress("kev: catalog", 0, 1)
	resp, err := client.Get(ctx, fetch.Request{URL: u, ETag: old.ETag, LastModified: old.LastModified, MaxBody: maxCatalogBytes})
	if err != nil {
		return "", fmt.Errorf("kev: %w", err)
	}
	if resp.NotModified {
		w.Progress("kev: catalog", 1, 1)
		return cur, nil
	}
	sum := sha256.Sum256(resp.Body)
	next := cursor{ETag: resp.ETag, LastModified: resp.LastModified, Digest: hex.EncodeToString(sum[:]), Version: old.Version}
	if next.Digest != old.Digest {
		cat, err := Parse(u, resp.Body, w.Skip)
		if err != nil {
			return "", fmt.Errorf("kev: %w", err)
		}
		if _, err := w.KEV(ctx, cat); err != nil {
			return "", fmt.Errorf("kev: %w", err)
		}
		next.Version = cat.Version
	}
	w.Progress("kev: catalog", 1, 1)
	b, _ := json.Marshal(next) // strings only: cannot fail
	return string(b), nil
}
