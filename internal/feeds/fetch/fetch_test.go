package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cyra/internal/feeds/fetch"
)

// client returns a Client that records its waits instead of sleeping.
func client(waits *[]time.Duration) *fetch.Client {
	return &fetch.Client{
		UserAgent: "cyra-test/1",
		Sleep: func(_ context.Context, d time.Duration) error {
			*waits = append(*waits, d)
			return nil
		},
	}
}

func TestConditionalGet(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "cyra-test/1" {
			t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Wed, 25 Nov 2026 10:00:00 GMT")
		w.Write([]byte("catalog"))
	}))
	defer srv.Close()
	var waits []time.Duration
	c := client(&waits)
	resp, err := c.Get(t.Context(), fetch.Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "catalog" || resp.ETag != `"v1"` || resp.NotModified {
		t.Fatalf("first GET = %+v, %v", resp, err)
	}
	resp, err = c.Get(t.Context(), fetch.Request{URL: srv.URL, ETag: resp.ETag, LastModified: resp.LastModified})
	if err != nil || !resp.NotModified || resp.Body != nil || resp.ETag != `"v1"` {
		t.Fatalf("conditional GET = %+v, %v; want NotModified keeping the validators", resp, err)
	}
	if len(waits) != 0 {
		t.Errorf("waited %v without a failure", waits)
	}
}

func TestRetriesRateLimitAndServerErrors(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "30")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case 2:
			http.Error(w, "oops", http.StatusBadGateway)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Get(t.Context(), fetch.Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("GET = %+v, %v", resp, err)
	}
	if len(waits) != 2 || waits[0] != 30*time.Second {
		t.Errorf("waits = %v; want 30s (Retry-After) then a backoff", waits)
	}
}

func TestGivesUpAndDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path == "/missing" {
			http.Error(w, "no such feed", http.StatusNotFound)
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var waits []time.Duration
	c := client(&waits)
	_, err := c.Get(t.Context(), fetch.Request{URL: srv.URL + "/missing"})
	var se *fetch.StatusError
	if !errors.As(err, &se) || se.Status != 404 || !strings.Contains(err.Error(), "no such feed") || n.Load() != 1 {
		t.Fatalf("404: err %v after %d requests; want one request and a StatusError naming the body", err, n.Load())
	}
	n.Store(0)
	_, err = c.Get(t.Context(), fetch.Request{URL: srv.URL + "/down"})
	if !errors.As(err, &se) || se.Status != 503 || n.Load() != 4 {
		t.Fatalf("503: err %v after %d requests; want 4 attempts", err, n.Load())
	}
}

func TestTruncatedBodyIsRetried(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			// Promise more than we send, then drop the connection.
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("partial"))
			return
		}
		w.Write([]byte("complete"))
	}))
	defer srv.Close()
	var waits []time.Duration
	resp, err := client(&waits).Get(t.Context(), fetch.Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "complete" || n.Load() != 2 {
		t.Fatalf("GET = %+v, %v after %d requests", resp, err, n.Load())
	}
}

func TestSizeLimit(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 2000)))
	}))
	defer srv.Close()
	var waits []time.Duration
	c := client(&waits)
	if _, err := c.Get(t.Context(), fetch.Request{URL: srv.URL, MaxBody: 1000}); err == nil || !strings.Contains(err.Error(), "exceeds 1000 bytes") {
		t.Fatalf("GET over the limit: %v", err)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "body"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := c.GetFile(t.Context(), fetch.Request{URL: srv.URL, MaxBody: 1000}, f); err == nil {
		t.Fatal("GetFile over the limit succeeded")
	}
	if _, err := c.GetFile(t.Context(), fetch.Request{URL: srv.URL}, f); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.Stat(); st.Size() != 2000 {
		t.Errorf("file holds %d bytes, want 2000", st.Size())
	}
	if len(waits) != 0 {
		t.Errorf("a too-large body was retried: %v", waits)
	}
}
