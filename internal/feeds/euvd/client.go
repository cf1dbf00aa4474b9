package euvd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"cyra/internal/feeds/fetch"
)

// searchResult is one page of a search.
type searchResult struct {
	url   string
	items []json.RawMessage
	total int // -1 when the response does not say
}

// search GETs one page from /search, or from /vulnerabilities once /search
// has answered 404 in this run.
func (r *run) search(ctx context.Context, q url.Values) (*searchResult, error) {
	path := "/search"
	if r.fallback {
		path = "/vulnerabilities"
	}
	res, err := r.f.get(ctx, path, q)
	var se *fetch.StatusError
	if !r.fallback && errors.As(err, &se) && se.Status == http.StatusNotFound {
		r.fallback = true
		return r.search(ctx, q)
	}
	return res, err
}

// get fetches and decodes one page.
func (f *Feed) get(ctx context.Context, path string, q url.Values) (*searchResult, error) {
	base := strings.TrimRight(f.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u := base + path + "?" + q.Encode()
	c := f.Client
	if c == nil {
		c = &fetch.Client{}
	}
	resp, err := c.Get(ctx, fetch.Request{URL: u, Header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return nil, fmt.Errorf("euvd: %w", err)
	}
	items, total, err := decodePage(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("euvd: %w", describe(u, resp.Body, err))
	}
	return &searchResult{url: u, items: items, total: total}, nil
}

// errNoItems reports a JSON response that is not a page of records.
var errNoItems = errors.New(`response has no "items" array`)

// decodePage reads {"items":[…],"total":N}; a bare array is accepted as
// the items of a page of unknown total.
func decodePage(body []byte) ([]json.RawMessage, int, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, 0, err
		}
		return items, -1, nil
	}
	var page struct {
		Items *[]json.RawMessage `json:"items"`
		Total flexFloat          `json:"total"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, 0, err
	}
	if page.Items == nil {
		return nil, 0, errNoItems
	}
	total := -1
	if page.Total.ok && page.Total.v >= 0 {
		total = int(page.Total.v)
	}
	return *page.Items, total, nil
}

// describe names the URL of a bad response and, for JSON errors, the
// line, column and byte offset where decoding failed.
func describe(u string, body []byte, err error) error { return fetch.DescribeJSON(u, body, err) }
