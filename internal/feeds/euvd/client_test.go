package euvd

import (
	"context"
	"cyra/internal/feeds/feedtest"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/feeds/fetch"
)

func TestGarbageWritesNothing(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"syntax":  "{\"items\": [\n  {\"id\": \"EUVD-2025-1\"},\n  {\"id\": oops}\n]}",
		"html":    "<!doctype html><html><body>EUVD</body></html>",
		"noitems": `{"content": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(body))
			}))
			defer srv.Close()
			f := &Feed{BaseURL: srv.URL, Client: &fetch.Client{}, Now: func() time.Time { return today }}
			w := feedtest.NewWriter("CVE-2021-44228")
			_, err := f.Sync(t.Context(), "", w)
			if err == nil || !strings.Contains(err.Error(), srv.URL+"/search?exploited=true") {
				t.Fatalf("err = %v; want one naming the URL", err)
			}
			if name == "syntax" && !strings.Contains(err.Error(), "line 3, column 10") {
				t.Errorf("err = %v; want the position line 3, column 10", err)
			}
			if w.Calls != 0 {
				t.Errorf("wrote %d times from a garbage response", w.Calls)
			}
		})
	}
}

func TestRateLimitAndTruncation(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	n := 0
	page, _ := os.ReadFile("testdata/empty.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch k {
		case 1:
			w.Header().Set("Retry-After", "7")
			http.Error(w, "too many requests", http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Content-Length", strconv.Itoa(len(page)+50))
			w.Write(page[:len(page)-3])
		default:
			w.Write(page)
		}
	}))
	defer srv.Close()
	var waits []time.Duration
	f := &Feed{BaseURL: srv.URL, Now: func() time.Time { return today }, Client: &fetch.Client{
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
	}}
	if _, err := f.Sync(t.Context(), "", feedtest.NewWriter()); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 2 || waits[0] != 7*time.Second {
		t.Errorf("waits = %v; want Retry-After 7s, then a backoff after the truncated body", waits)
	}
}
