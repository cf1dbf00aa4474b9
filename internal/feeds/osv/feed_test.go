package osv_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/feeds/fetch"
	"cyra/internal/feeds/osv"
)

func newFeed(t *testing.T, url string, waits *[]time.Duration) *osv.Feed {
	tmp := t.TempDir()
	t.Cleanup(func() {
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
	})
	return &osv.Feed{BaseURL: url, Batch: 100, FullThreshold: 2, TempDir: tmp, Client: &fetch.Client{
		UserAgent: "cyra-test",
		Sleep: func(_ context.Context, d time.Duration) error {
			if waits != nil {
				*waits = append(*waits, d)
			}
			return nil
		},
	}}
}

func TestFeedSyncIncremental(t *testing.T) {
	t.Parallel()
	b, srv := newBucket(t, "crates.io", "crates.io", "RubyGems", "RubyGems")
	feed := newFeed(t, srv.URL, nil)
	w := newMemWriter("crates.io", "RubyGems", "crates.io")

	// First sync: every ecosystem's all.zip.
	cur, err := feed.Sync(t.Context(), "", w)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.recs) != 1206+19 || w.stats.Added != 1225 || len(w.skips) != 0 {
		t.Fatalf("first sync: %d records, %+v, skips %q", len(w.recs), w.stats, w.skips)
	}
	if b.count("/crates.io/all.zip") != 1 || b.count("/RubyGems/all.zip") != 1 {
		t.Errorf("all.zip fetched %v", b.hits)
	}
	if !w.stages["osv crates.io: all.zip"] {
		t.Errorf("no progress reported: %v", w.stages)
	}
	var c struct {
		Ecosystems map[string]struct {
			CSVETag string `json:"csv_etag"`
			Newest  time.Time
		}
	}
	if err := json.Unmarshal([]byte(cur), &c); err != nil || c.Ecosystems["crates.io"].CSVETag == "" || c.Ecosystems["crates.io"].Newest.IsZero() {
		t.Fatalf("cursor %s: %v", cur, err)
	}

	// Nothing changed: one 304 per ecosystem, nothing written.
	w.reset()
	b.resetHits()
	cur2, err := feed.Sync(t.Context(), cur, w)
	if err != nil || cur2 != cur {
		t.Fatalf("second sync: %v, cursor changed: %v", err, cur2 != cur)
	}
	if len(w.written) != 0 || len(b.hits) != 2 || b.count("/crates.io/modified_id.csv") != 1 {
		t.Errorf("unchanged sync wrote %v, requested %v", w.written, b.hits)
	}

	// One record changes upstream: only it is fetched.
	w.reset()
	b.resetHits()
	b.touch(t, "crates.io", "RUSTSEC-2019-0001", time.Now().UTC().Truncate(time.Second))
	cur3, err := feed.Sync(t.Context(), cur2, w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.written, []string{"RUSTSEC-2019-0001"}) || w.stats.Changed != 1 || w.recs["RUSTSEC-2019-0001"].Summary != "changed upstream" {
		t.Errorf("changed sync wrote %v, %+v", w.written, w.stats)
	}
	if b.count("/crates.io/all.zip") != 0 || b.count("/crates.io/RUSTSEC-2019-0001.json") != 1 || len(b.hits) != 3 {
		t.Errorf("changed sync requested %v", b.hits)
	}

	// The same again: the cursor remembers the record at its newest time.
	w.reset()
	b.touch(t, "RubyGems", firstID(b, "RubyGems"), time.Now().UTC().Add(time.Hour)) // RubyGems changes, crates.io does not
	cur4, err := feed.Sync(t.Context(), cur3, w)
	if err != nil || len(w.written) != 1 || strings.HasPrefix(w.written[0], "RUSTSEC") {
		t.Fatalf("fourth sync: %v, wrote %v", err, w.written)
	}

	// More changes than FullThreshold: all.zip again, conditionally.
	w.reset()
	b.resetHits()
	later := time.Now().UTC().Add(2 * time.Hour)
	for _, id := range []string{"RUSTSEC-2020-0053", "RUSTSEC-2018-0021", "RUSTSEC-2019-0001"} {
		b.touch(t, "crates.io", id, later)
	}
	if _, err := feed.Sync(t.Context(), cur4, w); err != nil {
		t.Fatal(err)
	}
	if b.count("/crates.io/all.zip") != 1 || w.stats.Changed != 3 || w.stats.Unchanged != 1203 {
		t.Errorf("threshold sync: requests %v, %+v", b.hits, w.stats)
	}
}

func TestFeedSyncFailures(t *testing.T) {
	t.Parallel()
	b, srv := newBucket(t, "NuGet", "NuGet", "Packagist:https://packages.drupal.org/8", "Packagist-drupal", "crates.io", "crates.io")
	// crates.io's all.zip is cut in half (with a matching length, so the
	// transfer looks complete); "Rocky Linux" does not exist.
	half := b.zip(b.ecos["crates.io"])
	half = half[:len(half)/2]
	b.override["/crates.io/all.zip"] = func(w http.ResponseWriter, r *http.Request) { w.Write(half) }
	// NuGet's list is rate-limited once.
	limited := false
	b.override["/NuGet/modified_id.csv"] = func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		first := !limited
		limited = true
		body := b.csv("NuGet")
		b.mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write(body)
	}
	var waits []time.Duration
	feed := newFeed(t, srv.URL, &waits)
	w := newMemWriter("NuGet", "Rocky Linux", "crates.io", "Packagist:https://packages.drupal.org/8")
	cur, err := feed.Sync(t.Context(), "", w)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.recs) != 13+505 {
		t.Errorf("imported %d records, want NuGet's 13 and Drupal's 505", len(w.recs))
	}
	if len(waits) != 1 || waits[0] < 7*time.Second {
		t.Errorf("waits = %v, want one honouring Retry-After: 7", waits)
	}
	if b.count("/Rocky%20Linux/modified_id.csv") != 1 || b.count("/Packagist%3Ahttps%3A%2F%2Fpackages.drupal.org%2F8/all.zip") != 1 {
		t.Errorf("ecosystem names not escaped: %v", b.hits)
	}
	if len(w.skips) != 2 || !strings.Contains(w.skips[0], "osv Rocky Linux: GET") || !strings.Contains(w.skips[0], "HTTP 404") ||
		!strings.Contains(w.skips[1], "osv crates.io: http") || !strings.Contains(w.skips[1], "not a readable zip archive") {
		t.Errorf("skips = %q", w.skips)
	}
	if strings.Contains(cur, "crates.io") || strings.Contains(cur, "Rocky") || !strings.Contains(cur, "NuGet") {
		t.Errorf("cursor %s: failed ecosystems must not be recorded as synced", cur)
	}

	// crates.io recovers and NuGet's list goes away: the failed one keeps
	// its old cursor, the recovered one is imported.
	delete(b.override, "/crates.io/all.zip")
	b.override["/NuGet/modified_id.csv"] = func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("garbage")) }
	w.reset()
	cur2, err := feed.Sync(t.Context(), cur, w)
	if err != nil || len(w.written) != 1206 {
		t.Fatalf("recovery: %v, wrote %d", err, len(w.written))
	}
	var c1, c2 struct{ Ecosystems map[string]json.RawMessage }
	json.Unmarshal([]byte(cur), &c1)
	json.Unmarshal([]byte(cur2), &c2)
	if string(c1.Ecosystems["NuGet"]) != string(c2.Ecosystems["NuGet"]) || c2.Ecosystems["crates.io"] == nil {
		t.Errorf("cursor after recovery: %s", cur2)
	}

	// Every ecosystem failing is an error.
	w = newMemWriter("Rocky Linux", "NuGet")
	if _, err := feed.Sync(t.Context(), cur2, w); err == nil || !strings.Contains(err.Error(), "every ecosystem failed") {
		t.Errorf("all failing: %v", err)
	}
}

func TestFeedSyncWriterError(t *testing.T) {
	t.Parallel()
	_, srv := newBucket(t, "NuGet", "NuGet", "RubyGems", "RubyGems")
	w := newMemWriter("NuGet", "RubyGems")
	w.failNext = fmt.Errorf("disk full")
	_, err := newFeed(t, srv.URL, nil).Sync(t.Context(), "", w)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("writer error: %v, want the sync to fail", err)
	}
	if len(w.written) != 0 {
		t.Errorf("went on after the writer failed: %v", w.written)
	}
}

func TestFeedSyncCursorEdges(t *testing.T) {
	t.Parallel()
	b, srv := newBucket(t, "NuGet", "NuGet")
	feed := newFeed(t, srv.URL, nil)
	// Nothing selected: no request, an empty cursor, no error.
	cur, err := feed.Sync(t.Context(), "", newMemWriter())
	if err != nil || cur != `{"v":1,"ecosystems":{}}` || len(b.hits) != 0 {
		t.Errorf("no ecosystems: %q, %v, requests %v", cur, err, b.hits)
	}
	// An unreadable cursor starts afresh instead of failing forever.
	w := newMemWriter("NuGet")
	if _, err := feed.Sync(t.Context(), "{garbage", w); err != nil || w.stats.Added != 13 {
		t.Errorf("garbage cursor: %v, %+v", err, w.stats)
	}
}
