package nvd

import (
	"cyra/internal/feeds/feedtest"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLimiterWaits(t *testing.T) {
	t.Parallel()
	c := &clock{now: start}
	l := &Limiter{Max: 5, Window: 30 * time.Second, Now: c.Now, Sleep: c.Sleep}
	for range 12 {
		if err := l.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.waits) != 2 || c.waits[0] != 30*time.Second || c.waits[1] != 30*time.Second {
		t.Errorf("waits = %v; want two 30 s waits for 12 requests at 5 per 30 s", c.waits)
	}

	// Through the feed: 11 lookups without a key wait twice; with a key not at all.
	var held []string
	for i := range 11 {
		held = append(held, "CVE-2099-"+string(rune('0'+i/10))+string(rune('0'+i%10))+"00")
	}
	for key, want := range map[string]int{"": 2, "secret": 0} {
		c := &clock{now: start}
		var gotKey []string
		var mu sync.Mutex
		srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			gotKey = append(gotKey, r.Header.Get("apiKey"))
			mu.Unlock()
			w.Write([]byte(`{"totalResults":0,"vulnerabilities":[]}`))
		})
		f := newFeed(t, srv, c)
		f.APIKey = key
		if _, err := f.Sync(t.Context(), "", feedtest.NewWriter(held...)); err != nil {
			t.Fatal(err)
		}
		if len(c.waits) != want || len(gotKey) != 11 || gotKey[0] != key {
			t.Errorf("key %q: %d waits, keys %q; want %d waits and the key in the apiKey header", key, len(c.waits), gotKey, want)
		}
	}
}

func TestForbiddenIsRetried(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	n := 0
	limit := 2
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		if k <= limit {
			http.Error(w, "Request forbidden by administrative rules.", http.StatusForbidden)
			return
		}
		b, _ := os.ReadFile("testdata/cve-2021-44228.json")
		w.Write(b)
	})
	c := &clock{now: start}
	f := newFeed(t, srv, c)
	w := feedtest.NewWriter("CVE-2021-44228")
	if _, err := f.Sync(t.Context(), "", w); err != nil {
		t.Fatal(err)
	}
	if len(w.Advs) != 1 || len(c.waits) != 2 || c.waits[0] != 30*time.Second {
		t.Errorf("records %d, waits %v; want the record after two 30 s waits", len(w.Advs), c.waits)
	}

	mu.Lock()
	n, limit = 0, 100
	mu.Unlock()
	_, err := newFeed(t, srv, &clock{now: start}).Sync(t.Context(), "", feedtest.NewWriter("CVE-2021-44228"))
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") || !strings.Contains(err.Error(), "rate limit") {
		t.Errorf("err = %v; want a 403 naming the rate limit", err)
	}
}

func TestBadResponses(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ body, want string }{
		"truncated": {`{"totalResults":1,"vulnerabilities":[{"cve":{"id":"CVE-2021-44228"`, "line 1, column 66"},
		"html":      {"<html>\n<body>Service Unavailable</body>\n</html>", "line 1, column 1"},
		"envelope":  {`{"message":"Invalid parameter"}`, "neither"},
		"type":      {"{\"totalResults\":\"many\",\n\"vulnerabilities\":[]}", "line 1, column 22"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(tc.body)) })
			f := newFeed(t, srv, &clock{now: start})
			w := feedtest.NewWriter("CVE-2021-44228")
			_, err := f.Sync(t.Context(), "", w)
			if err == nil || !strings.Contains(err.Error(), "cveId=CVE-2021-44228") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want the URL and %q", err, tc.want)
			}
			if w.Calls != 0 {
				t.Error("wrote from a bad response")
			}
		})
	}
}

func TestRetryAfterAndTruncatedBody(t *testing.T) {
	t.Parallel()
	body, _ := os.ReadFile("testdata/cve-2021-44228.json")
	var mu sync.Mutex
	n := 0
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch k {
		case 1:
			w.Header().Set("Retry-After", "12")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Content-Length", "99999")
			w.Write(body[:100])
		default:
			w.Write(body)
		}
	})
	c := &clock{now: start}
	f := newFeed(t, srv, c)
	w := feedtest.NewWriter("CVE-2021-44228")
	if _, err := f.Sync(t.Context(), "", w); err != nil {
		t.Fatal(err)
	}
	if len(w.Advs) != 1 || len(c.waits) != 2 || c.waits[0] != 12*time.Second {
		t.Errorf("records %d, waits %v; want Retry-After 12 s, a backoff, then the record", len(w.Advs), c.waits)
	}
}
