package kev_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
	"cyra/internal/feeds/kev"
)

// kevWriter is an in-memory cra.FeedWriter that keeps the catalogs written.
type kevWriter struct {
	mu    sync.Mutex
	cats  []cra.KEVCatalog
	skips []string
}

func (w *kevWriter) Advisories(context.Context, []cra.Advisory) (cra.ImportStats, error) {
	panic("the KEV feed wrote advisories")
}

func (w *kevWriter) KEV(_ context.Context, cat cra.KEVCatalog) (cra.ImportStats, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cats = append(w.cats, cat)
	return cra.ImportStats{Added: len(cat.Entries)}, nil
}

func (w *kevWriter) EPSS(context.Context, []cra.EPSSScore) (cra.ImportStats, error) {
	panic("the KEV feed wrote EPSS scores")
}
func (w *kevWriter) KnownCVEs(context.Context) ([]string, error)  { return nil, nil }
func (w *kevWriter) Ecosystems(context.Context) ([]string, error) { return nil, nil }
func (w *kevWriter) Skip(reason string)                           { w.skips = append(w.skips, reason) }
func (w *kevWriter) Progress(string, int, int)                    {}

// catalogServer serves body with an ETag (when etag is set), counting
// requests and the 304s it answers.
type catalogServer struct {
	mu                  sync.Mutex
	body                []byte
	etag                string
	requests, notModded int
	userAgent           string
}

func (s *catalogServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.userAgent = r.Header.Get("User-Agent")
	if s.etag != "" {
		if r.Header.Get("If-None-Match") == s.etag {
			s.notModded++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", s.etag)
	}
	http.ServeContent(w, r, "kev.json", time.Time{}, bytes.NewReader(s.body))
}

func newKEVFeed(url string) *kev.Feed {
	return &kev.Feed{URL: url, Client: &fetch.Client{UserAgent: "cyra-test", Sleep: func(context.Context, time.Duration) error { return nil }}}
}

func TestFeedSync(t *testing.T) {
	t.Parallel()
	cs := &catalogServer{body: sharedCatalog(t), etag: `"v1"`}
	srv := httptest.NewServer(cs)
	defer srv.Close()
	feed := newKEVFeed(srv.URL)
	if feed.Name() != cra.SourceKEV {
		t.Errorf("Name = %q", feed.Name())
	}
	w := &kevWriter{}
	cur, err := feed.Sync(t.Context(), "", w)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.cats) != 1 || len(w.cats[0].Entries) != 1404 || cs.userAgent != "cyra-test" {
		t.Fatalf("first sync wrote %d catalogs (UA %q)", len(w.cats), cs.userAgent)
	}
	if !strings.Contains(cur, `"etag":"\"v1\""`) || !strings.Contains(cur, `"version":"2025.08.25"`) {
		t.Errorf("cursor = %s", cur)
	}
	// Unchanged: a 304 and no write.
	cur2, err := feed.Sync(t.Context(), cur, w)
	if err != nil || cur2 != cur || len(w.cats) != 1 || cs.notModded != 1 {
		t.Errorf("second sync: %v, %d catalogs, %d 304s", err, len(w.cats), cs.notModded)
	}
	// The same bytes without validators: no write either.
	cs.mu.Lock()
	cs.etag = ""
	cs.mu.Unlock()
	cur3, err := feed.Sync(t.Context(), cur2, w)
	if err != nil || len(w.cats) != 1 || strings.Contains(cur3, "etag") {
		t.Errorf("same bytes, no ETag: %v, %d catalogs, cursor %s", err, len(w.cats), cur3)
	}
	// A new catalog is written; an entry without a CVE is skipped.
	cs.mu.Lock()
	cs.body = bytes.Replace(cs.body, []byte(`"cveID": "CVE-2021-44228"`), []byte(`"cveID": "LOG4SHELL"`), 1)
	cs.etag = `"v2"`
	cs.mu.Unlock()
	if _, err := feed.Sync(t.Context(), cur3, w); err != nil {
		t.Fatal(err)
	}
	if len(w.cats) != 2 || len(w.cats[1].Entries) != 1403 || len(w.skips) != 1 || !strings.Contains(w.skips[0], `cveID "LOG4SHELL" is not a CVE id`) {
		t.Errorf("changed catalog: %d catalogs, skips %q", len(w.cats), w.skips)
	}
}

func TestFeedSyncGarbage(t *testing.T) {
	t.Parallel()
	cs := &catalogServer{body: []byte("{\n  \"vulnerabilities\": [\n    {\"cveID\": \"CVE-2021-44228\",}\n]}"), etag: `"bad"`}
	srv := httptest.NewServer(cs)
	defer srv.Close()
	w := &kevWriter{}
	cur, err := newKEVFeed(srv.URL).Sync(t.Context(), `{"etag":"\"old\""}`, w)
	if err == nil || !strings.Contains(err.Error(), srv.URL+":3:32: invalid JSON") || cur != "" || len(w.cats) != 0 {
		t.Errorf("garbage: cursor %q, err %v, %d catalogs written", cur, err, len(w.cats))
	}
	// A failing server is an error too, after the client's retries.
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer fail.Close()
	if _, err := newKEVFeed(fail.URL).Sync(t.Context(), "not json", w); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("503: %v", err)
	}
}
