package epss

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// memWriter is an in-memory cra.FeedWriter keeping EPSS history by CVE
// and date.
type memWriter struct {
	mu     sync.Mutex
	known  []string
	scores map[string]cra.EPSSScore // "CVE|date"
	calls  int
}

func newWriter(known ...string) *memWriter {
	return &memWriter{known: known, scores: map[string]cra.EPSSScore{}}
}

func (m *memWriter) Advisories(context.Context, []cra.Advisory) (cra.ImportStats, error) {
	return cra.ImportStats{}, nil
}

func (m *memWriter) KEV(context.Context, cra.KEVCatalog) (cra.ImportStats, error) {
	return cra.ImportStats{}, nil
}

func (m *memWriter) EPSS(_ context.Context, scores []cra.EPSSScore) (cra.ImportStats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	var st cra.ImportStats
	for _, s := range scores {
		key := s.CVE + "|" + s.Date.String()
		if old, ok := m.scores[key]; !ok {
			st.Added++
		} else if old != s {
			st.Changed++
		} else {
			st.Unchanged++
		}
		m.scores[key] = s
	}
	return st, nil
}

func (m *memWriter) KnownCVEs(context.Context) ([]string, error) { return m.known, nil }

func (m *memWriter) Ecosystems(context.Context) ([]string, error) { return nil, nil }

func (m *memWriter) Skip(string) {}

func (m *memWriter) Progress(string, int, int) {}

var held = []string{"CVE-2021-44228", "CVE-2024-3094", "cve-2023-44487", "CVE-2024-3094"}

var now = time.Date(2026, 9, 3, 15, 0, 0, 0, time.UTC)

// recorder is an httptest server that records raw queries.
type recorder struct {
	mu    sync.Mutex
	seen  []string
	serve func(w http.ResponseWriter, r *http.Request)
}

func (rec *recorder) start(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, r.URL.RawQuery)
		rec.mu.Unlock()
		rec.serve(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (rec *recorder) queries() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.seen)
}

func file(name string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			panic(err)
		}
		w.Write(b)
	}
}

func apiFeed(url string) *Feed {
	return &Feed{BaseURL: url, Client: &fetch.Client{Sleep: func(context.Context, time.Duration) error { return nil }},
		Now: func() time.Time { return now }}
}

func TestAPIFirstRunBringsHistory(t *testing.T) {
	t.Parallel()
	rec := &recorder{serve: file("api-series.json")}
	srv := rec.start(t)
	w := newWriter(held...)
	cur, err := apiFeed(srv.URL).Sync(t.Context(), "", w)
	if err != nil {
		t.Fatal(err)
	}
	if q := rec.queries(); len(q) != 1 || q[0] != "cve=CVE-2021-44228,CVE-2023-44487,CVE-2024-3094&limit=3&scope=time-series" {
		t.Errorf("queries %q", q)
	}
	if len(w.scores) != 6 || cur != `{"date":"2026-09-03"}` {
		t.Errorf("%d scores, cursor %s; want 3 days of 2 CVEs and the newest date", len(w.scores), cur)
	}
	s := w.scores["CVE-2024-3094|2026-09-01"]
	if s.Score != 0.8123 || s.Percentile != 0.9918 {
		t.Errorf("history score = %+v", s)
	}
}

func TestAPIIncremental(t *testing.T) {
	t.Parallel()
	rec := &recorder{serve: file("api-scores.json")}
	srv := rec.start(t)
	f := apiFeed(srv.URL)

	// Today's scores already fetched: no request at all.
	w := newWriter(held...)
	if cur, err := f.Sync(t.Context(), `{"date":"2026-09-03"}`, w); err != nil || cur != `{"date":"2026-09-03"}` || len(rec.queries()) != 0 || w.calls != 0 {
		t.Fatalf("cursor %s, err %v, %d requests, %d writes; want nothing done", cur, err, len(rec.queries()), w.calls)
	}

	// Yesterday's cursor: one batch, today's scores written.
	cur, err := f.Sync(t.Context(), `{"date":"2026-09-02"}`, w)
	if err != nil || cur != `{"date":"2026-09-03"}` || len(w.scores) != 3 {
		t.Fatalf("cursor %s, err %v, %d scores", cur, err, len(w.scores))
	}
	if q := rec.queries(); len(q) != 1 || strings.Contains(q[0], "time-series") {
		t.Errorf("queries %q; want one plain batch", q)
	}

	// Scores not yet published since the cursor: one request, nothing written.
	f.Now = func() time.Time { return now.AddDate(0, 0, 1) }
	calls := w.calls
	next, err := f.Sync(t.Context(), cur, w)
	if err != nil || next != cur || w.calls != calls || len(rec.queries()) != 2 {
		t.Errorf("cursor %s, err %v, writes %d→%d, requests %d; want one request and nothing written", next, err, calls, w.calls, len(rec.queries()))
	}
}

func TestAPIGapAsksForTimeSeries(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	rec.serve = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("scope") == "time-series" {
			file("api-series.json")(w, r)
			return
		}
		file("api-scores.json")(w, r)
	}
	srv := rec.start(t)
	w := newWriter(held...)
	cur, err := apiFeed(srv.URL).Sync(t.Context(), `{"date":"2026-08-31"}`, w)
	if err != nil || cur != `{"date":"2026-09-03"}` {
		t.Fatal(cur, err)
	}
	q := rec.queries()
	if len(q) != 2 || strings.Contains(q[0], "scope") || !strings.Contains(q[1], "scope=time-series") {
		t.Errorf("queries %q; want a plain batch, then the time series", q)
	}
	if _, ok := w.scores["CVE-2021-44228|2026-09-01"]; !ok || len(w.scores) != 6 {
		t.Errorf("scores %v; want the gap closed", w.scores)
	}
}

func TestAPIBatchingAndOffsets(t *testing.T) {
	t.Parallel()
	var known []string
	for i := range 700 {
		known = append(known, fmt.Sprintf("CVE-2024-%d", 20000+i))
	}
	var mu sync.Mutex
	asked := map[string]int{}
	rec := &recorder{}
	rec.serve = func(w http.ResponseWriter, r *http.Request) {
		raw := strings.TrimPrefix(strings.Split(r.URL.RawQuery, "&")[0], "cve=")
		if len(raw) > MaxCVEParam {
			t.Errorf("cve parameter of %d characters", len(raw))
		}
		cves := strings.Split(raw, ",")
		if r.URL.Query().Get("limit") != strconv.Itoa(len(cves)) {
			t.Errorf("limit %s for %d CVEs", r.URL.Query().Get("limit"), len(cves))
		}
		// The server pages at 50 rows, whatever the limit.
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var rows []string
		for _, c := range cves[off:min(off+50, len(cves))] {
			mu.Lock()
			asked[c]++
			mu.Unlock()
			rows = append(rows, fmt.Sprintf(`{"cve":%q,"epss":"0.00100","percentile":"0.25","date":"2026-09-03"}`, c))
		}
		fmt.Fprintf(w, `{"status":"OK","status-code":200,"total":%d,"offset":%d,"limit":%d,"data":[%s]}`, len(cves), off, len(cves), strings.Join(rows, ","))
	}
	srv := rec.start(t)
	w := newWriter(known...)
	if _, err := apiFeed(srv.URL).Sync(t.Context(), `{"date":"2026-09-02"}`, w); err != nil {
		t.Fatal(err)
	}
	batches := 0
	for _, q := range rec.queries() {
		if !strings.Contains(q, "offset=") {
			batches++
		}
	}
	if batches != 6 || len(asked) != 700 || len(w.scores) != 700 {
		t.Errorf("%d batches, %d CVEs asked, %d scores; want 6 batches of ≤ 2000 characters covering 700", batches, len(asked), len(w.scores))
	}
	for c, n := range asked {
		if n != 1 {
			t.Errorf("%s asked %d times", c, n)
		}
	}
}

func TestAPIBadResponses(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ body, want string }{
		"syntax":   {"{\"data\": [\n {\"cve\": \"CVE-2021-44228\", \"epss\": 0.9,}\n]}", "line 2, column 40"},
		"value":    {`{"status-code":200,"total":1,"data":[{"cve":"CVE-2021-44228","epss":"high","percentile":"0.5","date":"2026-09-03"}]}`, `data[0]: CVE-2021-44228: epss "high"`},
		"range":    {`{"data":[{"cve":"CVE-2021-44228","epss":"0.5","percentile":"1.5","date":"2026-09-03"}]}`, "percentile"},
		"date":     {`{"data":[{"cve":"CVE-2021-44228","epss":"0.5","percentile":"0.5","date":"03/09/2026"}]}`, "date"},
		"status":   {`{"status":"error","status-code":400,"message":"Invalid cve parameter"}`, "status-code 400: Invalid cve"},
		"envelope": {`{"status":"OK"}`, `no "data"`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{serve: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(tc.body)) }}
			srv := rec.start(t)
			w := newWriter(held...)
			_, err := apiFeed(srv.URL).Sync(t.Context(), "", w)
			if err == nil || !strings.Contains(err.Error(), srv.URL+"?cve=CVE-2021-44228") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want the URL and %q", err, tc.want)
			}
			if w.calls != 0 {
				t.Error("wrote from a bad response")
			}
		})
	}
}

func TestAPIRetries(t *testing.T) {
	t.Parallel()
	body, _ := os.ReadFile("testdata/api-scores.json")
	var mu sync.Mutex
	n := 0
	rec := &recorder{serve: func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch k {
		case 1:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body[:len(body)/2])
		default:
			w.Write(body)
		}
	}}
	srv := rec.start(t)
	var waits []time.Duration
	f := apiFeed(srv.URL)
	f.Client.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	w := newWriter(held...)
	if _, err := f.Sync(t.Context(), `{"date":"2026-09-02"}`, w); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 2 || waits[0] != 3*time.Second || len(w.scores) != 3 {
		t.Errorf("waits %v, %d scores; want Retry-After, a retry of the cut body, then 3 scores", waits, len(w.scores))
	}
}
