package nvd

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/feeds/feedtest"
	"cyra/internal/feeds/fetch"
)

// clock is a fake clock that sleeping advances; it records the waits.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

// server serves fixtures by query and records the queries.
type server struct {
	t     *testing.T
	mu    sync.Mutex
	seen  []url.Values
	route func(q url.Values) (status int, file string)
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.seen = append(s.seen, q)
	s.mu.Unlock()
	if q.Has("apiKey") {
		s.t.Error("the API key went into the URL")
	}
	status, file := s.route(q)
	if status != http.StatusOK {
		http.Error(w, file, status)
		return
	}
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		s.t.Errorf("fixture: %v", err)
	}
	w.Write(b)
}

func (s *server) queries() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

// fixtures answers lookups from cve-<id>.json and lastMod windows from
// lastmod-p<n>.json.
func fixtures(q url.Values) (int, string) {
	if id := q.Get("cveId"); id != "" {
		name := strings.ToLower(id) + ".json"
		if _, err := os.Stat("testdata/" + name); err == nil {
			return 200, name
		}
		if id == "CVE-2099-0404" {
			return http.StatusNotFound, ""
		}
		return 200, "empty.json"
	}
	if q.Get("lastModStartDate") != "" {
		if q.Get("startIndex") == "0" {
			return 200, "lastmod-p0.json"
		}
		return 200, "lastmod-p1.json"
	}
	return http.StatusBadRequest, "bad query"
}

var start = time.Date(2026, 9, 3, 8, 0, 0, 0, time.UTC)

func newFeed(t *testing.T, s http.Handler, c *clock) *Feed {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &Feed{
		Client:   &fetch.Client{UserAgent: "cyra-test/1", Sleep: c.Sleep},
		BaseURL:  srv.URL + "/rest/json/cves/2.0",
		PageSize: 2,
		Now:      c.Now,
		Sleep:    c.Sleep,
	}
}

func TestFirstRunLooksUpHeldCVEs(t *testing.T) {
	t.Parallel()
	c := &clock{now: start}
	s := &server{t: t, route: fixtures}
	f := newFeed(t, s, c)
	f.LookupCap = 3
	w := feedtest.NewWriter("CVE-2021-44228", "CVE-2099-0001", "CVE-2099-0404", "CVE-2000-0001")
	cur, err := f.Sync(t.Context(), "", w)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range s.queries() {
		if q.Has("lastModStartDate") {
			t.Errorf("first run asked for a lastMod window: %v", q)
		}
		ids = append(ids, q.Get("cveId"))
	}
	if want := []string{"CVE-2099-0404", "CVE-2099-0001", "CVE-2021-44228"}; !slices.Equal(ids, want) {
		t.Errorf("lookups %v; want %v (newest first, capped)", ids, want)
	}
	if len(w.Advs) != 1 || w.Advs["CVE-2021-44228"].ID == "" {
		t.Errorf("wrote %v", w.Advs)
	}
	var got cursor
	if err := json.Unmarshal([]byte(cur), &got); err != nil {
		t.Fatal(err)
	}
	if !got.LastMod.Equal(start) || !slices.Equal(got.Checked, []string{"CVE-2021-44228", "CVE-2099-0001", "CVE-2099-0404"}) {
		t.Errorf("cursor %s; want lastMod at the start and CVE-2000-0001 still pending", cur)
	}

	// The next run continues the pending lookup and syncs the window since.
	c.now = start.Add(24 * time.Hour)
	s2 := &server{t: t, route: fixtures}
	f2 := newFeed(t, s2, c)
	if _, err := f2.Sync(t.Context(), cur, w); err != nil {
		t.Fatal(err)
	}
	qs := s2.queries()
	if len(qs) != 3 || qs[0].Get("lastModStartDate") != "2026-09-03T07:00:00.000+00:00" ||
		qs[0].Get("lastModEndDate") != "2026-09-04T08:00:00.000+00:00" || qs[2].Get("cveId") != "CVE-2000-0001" {
		t.Errorf("second run asked %v; want the window from the cursor (less an hour), then the pending lookup", qs)
	}
}

func TestWindowsKeepHeldCVEs(t *testing.T) {
	t.Parallel()
	c := &clock{now: start}
	s := &server{t: t, route: fixtures}
	f := newFeed(t, s, c)
	held := []string{"CVE-2021-44228", "CVE-2024-3094", "CVE-2023-50001", "CVE-2023-44487"}
	w := feedtest.NewWriter(held...)
	prev := `{"lastMod":"2026-09-02T08:00:00Z","checked":["CVE-2021-44228","CVE-2024-3094","CVE-2023-50001","CVE-2023-44487"]}`
	cur, err := f.Sync(t.Context(), prev, w)
	if err != nil {
		t.Fatal(err)
	}
	qs := s.queries()
	if len(qs) != 2 || qs[0].Get("startIndex") != "0" || qs[1].Get("startIndex") != "2" || qs[1].Get("resultsPerPage") != "2" {
		t.Errorf("queries %v; want two pages of the one window", qs)
	}
	if _, ok := w.Advs["CVE-2026-11111"]; ok {
		t.Error("kept a CVE cyra does not hold")
	}
	rej := w.Advs["CVE-2023-50001"]
	if rej.Withdrawn == nil || !rej.Withdrawn.Equal(time.Date(2026, 9, 2, 16, 40, 12, 7e6, time.UTC)) {
		t.Errorf("rejected CVE withdrawn = %v; want its lastModified", rej.Withdrawn)
	}
	xz := w.Advs["CVE-2024-3094"]
	if len(xz.Severity) != 2 || xz.Severity[0].Type != "CVSS_V4" || xz.Severity[1].Type != "CVSS_V3" || !slices.Equal(xz.CWEs, []string{"CWE-506"}) {
		t.Errorf("xz = %+v", xz)
	}
	if !slices.Equal(w.Advs["CVE-2023-44487"].CWEs, []string{"CWE-400"}) {
		t.Errorf("CWEs = %v; want NVD-CWE-Other dropped", w.Advs["CVE-2023-44487"].CWEs)
	}
	// Nothing new: the next run's window brings the same records.
	before := w.Stats
	c.now = c.now.Add(time.Hour)
	if _, err := f.Sync(t.Context(), cur, w); err != nil {
		t.Fatal(err)
	}
	if w.Stats.Added+w.Stats.Changed != before.Added+before.Changed {
		t.Errorf("a run with nothing new changed stored data: %+v → %+v", before, w.Stats)
	}
}

func TestWindowSplit(t *testing.T) {
	t.Parallel()
	c := &clock{now: start}
	s := &server{t: t, route: func(q url.Values) (int, string) { return 200, "empty.json" }}
	f := newFeed(t, s, c)
	f.APIKey = "k"
	w := feedtest.NewWriter("CVE-2021-44228")
	if _, err := f.Sync(t.Context(), `{"lastMod":"2026-01-01T00:00:00Z","checked":["CVE-2021-44228"]}`, w); err != nil {
		t.Fatal(err)
	}
	qs := s.queries()
	if len(qs) != 3 {
		t.Fatalf("%d windows; want 3 for 245 days", len(qs))
	}
	prevEnd := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)
	for _, q := range qs {
		from, err1 := time.Parse(time.RFC3339, q.Get("lastModStartDate"))
		to, err2 := time.Parse(time.RFC3339, q.Get("lastModEndDate"))
		if err1 != nil || err2 != nil || !from.Equal(prevEnd) || to.Sub(from) > MaxWindow || !to.After(from) {
			t.Errorf("window %s – %s", q.Get("lastModStartDate"), q.Get("lastModEndDate"))
		}
		prevEnd = to
	}
	if !prevEnd.Equal(start) {
		t.Errorf("windows end at %v; want %v", prevEnd, start)
	}
}
