package euvd

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/feeds/feedtest"
	"cyra/internal/feeds/fetch"
)

// server serves fixtures by query and records every request's query.
type server struct {
	t     *testing.T
	mu    sync.Mutex
	seen  []string
	route func(path string, q map[string]string) (status int, file string)
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seen = append(s.seen, r.URL.Path+"?"+r.URL.RawQuery)
	s.mu.Unlock()
	if r.UserAgent() != "cyra-test/1" {
		s.t.Errorf("User-Agent = %q", r.UserAgent())
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("size")); r.URL.Query().Has("size") && (err != nil || n > 100 || n < 1) {
		s.t.Errorf("size = %q; want 1–100", r.URL.Query().Get("size"))
	}
	q := map[string]string{}
	for k := range r.URL.Query() {
		q[k] = r.URL.Query().Get(k)
	}
	status, file := s.route(r.URL.Path, q)
	if status != http.StatusOK {
		http.Error(w, "not here", status)
		return
	}
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		s.t.Errorf("fixture: %v", err)
	}
	w.Write(b)
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

func newFeed(t *testing.T, s *server, now time.Time) (*Feed, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	var waits []time.Duration
	return &Feed{
		Client: &fetch.Client{UserAgent: "cyra-test/1", Sleep: func(_ context.Context, d time.Duration) error {
			waits = append(waits, d)
			return nil
		}},
		BaseURL:  srv.URL + "/api",
		PageSize: 2,
		Now:      func() time.Time { return now },
	}, &waits
}

// fixtures routes the exploited pages, the updated page and lookups.
func fixtures(path string, q map[string]string) (int, string) {
	if path != "/api/search" {
		return http.StatusNotFound, ""
	}
	switch {
	case q["exploited"] == "true" && q["page"] == "0":
		return 200, "exploited-p0.json"
	case q["exploited"] == "true":
		return 200, "exploited-p1.json"
	case q["fromDate"] != "":
		return 200, "updated.json"
	case q["text"] == "CVE-2022-21546":
		return 200, "lookup-cve-2022-21546.json"
	case q["text"] == "CVE-2024-3094":
		return 200, "updated.json"
	}
	return 200, "empty.json"
}

var today = time.Date(2026, 9, 3, 8, 0, 0, 0, time.UTC)

var held = []string{"CVE-2021-44228", "CVE-2024-3094", "cve-2022-21546", "CVE-2023-44487"}

func TestFirstRun(t *testing.T) {
	t.Parallel()
	s := &server{t: t, route: fixtures}
	f, _ := newFeed(t, s, today)
	w := feedtest.NewWriter(held...)
	cur, err := f.Sync(t.Context(), "", w)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/api/search?exploited=true&page=0&size=2",
		"/api/search?exploited=true&page=1&size=2",
		// Lookups, newest CVE first; CVE-2021-44228 was on the exploited list.
		// The answer for CVE-2024-3094 carries CVE-2023-44487's record too.
		"/api/search?page=0&size=2&text=CVE-2024-3094",
		"/api/search?page=0&size=2&text=CVE-2022-21546",
	}
	if got := s.requests(); !slices.Equal(got, want) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ids := slices.Sorted(maps.Keys(w.Advs))
	wantIDs := []string{"EUVD-2021-30163", "EUVD-2022-26770", "EUVD-2023-48561", "EUVD-2024-31700", "EUVD-2025-6655", "EUVD-2025-9982"}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("written %v; want %v", ids, wantIDs)
	}
	if len(w.Skipped) != 2 || !strings.Contains(w.Skipped[0], "record has no id") || !strings.Contains(w.Skipped[0], "exploited=true&page=1") {
		t.Errorf("skipped = %q; want the id-less record and the numeric id", w.Skipped)
	}
	var c cursor
	if err := json.Unmarshal([]byte(cur), &c); err != nil {
		t.Fatal(err)
	}
	if c.Date != "2026-09-03" || !slices.Equal(c.Checked, []string{"CVE-2021-44228", "CVE-2022-21546", "CVE-2023-44487", "CVE-2024-3094"}) {
		t.Errorf("cursor = %s", cur)
	}

	log4j := w.Advs["EUVD-2021-30163"]
	if log4j.ExploitedSince == nil || !log4j.ExploitedSince.Equal(time.Date(2021, 12, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("exploitedSince = %v", log4j.ExploitedSince)
	}
	if tomcat := w.Advs["EUVD-2025-6655"]; tomcat.ExploitedSince == nil || tomcat.Severity[0].Type != "CVSS_V4" ||
		!slices.Equal(tomcat.Aliases, []string{"CVE-2025-24813", "GHSA-83qj-6fr2-vhqg"}) || len(tomcat.References) != 2 {
		t.Errorf("tomcat = %+v", tomcat)
	}
}

func TestIncremental(t *testing.T) {
	t.Parallel()
	s := &server{t: t, route: fixtures}
	f, _ := newFeed(t, s, today)
	w := feedtest.NewWriter(held...)
	prev := `{"date":"2026-09-01","checked":["CVE-2021-44228","CVE-2022-21546","CVE-2023-44487","CVE-2024-3094","CVE-1999-0001"]}`
	cur, err := f.Sync(t.Context(), prev, w)
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if !slices.Contains(reqs, "/api/search?fromDate=2026-08-31&page=0&size=2&toDate=2026-09-03") {
		t.Errorf("requests %q; want the updated sweep from the cursor date minus a day", reqs)
	}
	for _, r := range reqs {
		if strings.Contains(r, "text=") {
			t.Errorf("lookup %s; every held CVE was checked", r)
		}
	}
	if _, ok := w.Advs["EUVD-2026-70001"]; ok {
		t.Error("kept a record that aliases no held CVE and is not exploited")
	}
	if a := w.Advs["EUVD-2023-48561"]; a.Published != nil || a.Summary != "" || len(a.Severity) != 0 || a.EPSS != nil {
		t.Errorf("sparse record = %+v", a)
	}
	if got := w.Advs["EUVD-2021-30163"].Summary; !strings.HasPrefix(got, "Apache Log4j2 2.0-beta9") {
		t.Errorf("log4j summary %q; want the exploited sweep's copy (first in the run)", got)
	}
	if !strings.Contains(cur, `"date":"2026-09-03"`) || strings.Contains(cur, "CVE-1999-0001") {
		t.Errorf("cursor = %s; want today, checked pruned to held CVEs", cur)
	}

	// Nothing new: a further run writes nothing that changes stored data.
	before := w.Stats
	if _, err := f.Sync(t.Context(), cur, w); err != nil {
		t.Fatal(err)
	}
	if d := w.Stats.Added + w.Stats.Changed - before.Added - before.Changed; d != 0 {
		t.Errorf("a run with nothing new added or changed %d records", d)
	}
}

func TestDefaultPageSize(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sizes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		sizes = append(sizes, q.Get("size"))
		mu.Unlock()
		page, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("size"))
		const total = 250
		var items []string
		for i := page * size; i < min((page+1)*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"id":"EUVD-2025-%d","exploitedSince":"Jan 2, 2025, 1:00:00 AM"}`, 10000+i))
		}
		fmt.Fprintf(w, `{"items":[%s],"total":%d}`, strings.Join(items, ","), total)
	}))
	defer srv.Close()
	f := &Feed{BaseURL: srv.URL, Client: &fetch.Client{}, Now: func() time.Time { return today }}
	w := feedtest.NewWriter()
	if _, err := f.Sync(t.Context(), "", w); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []string{"100", "100", "100"}) || len(w.Advs) != 250 {
		t.Errorf("sizes %v, %d records; want three pages of 100 and 250 records", sizes, len(w.Advs))
	}
}

func TestFallbackToVulnerabilities(t *testing.T) {
	t.Parallel()
	s := &server{t: t, route: func(path string, q map[string]string) (int, string) {
		if path == "/api/vulnerabilities" {
			p, f := fixtures("/api/search", q)
			return p, f
		}
		return http.StatusNotFound, ""
	}}
	f, _ := newFeed(t, s, today)
	w := feedtest.NewWriter("CVE-2021-44228")
	if _, err := f.Sync(t.Context(), "", w); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if reqs[0] != "/api/search?exploited=true&page=0&size=2" || !strings.HasPrefix(reqs[1], "/api/vulnerabilities?") ||
		slices.ContainsFunc(reqs[2:], func(r string) bool { return strings.HasPrefix(r, "/api/search") }) {
		t.Errorf("requests %q; want one 404 from /search, then /vulnerabilities only", reqs)
	}
	if len(w.Advs) != 3 {
		t.Errorf("wrote %d records; want the 3 exploited ones", len(w.Advs))
	}
}
