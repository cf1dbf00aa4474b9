package epss

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestBulk(t *testing.T) {
	t.Parallel()
	gz, err := os.ReadFile("testdata/epss_scores.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{serve: func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"d1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"d1"`)
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(gz)
	}}
	srv := rec.start(t)
	f := apiFeed("")
	f.Mode, f.BulkURL = ModeBulk, srv.URL+"/epss_scores-current.csv.gz"
	w := newWriter(held...)
	cur, err := f.Sync(t.Context(), "", w)
	if err != nil {
		t.Fatal(err)
	}
	if cur != `{"date":"2026-09-03","etag":"\"d1\""}` || len(w.scores) != 3 {
		t.Fatalf("cursor %s, %d scores; want the held CVEs' 3 scores of 2026-09-03", cur, len(w.scores))
	}
	if s := w.scores["CVE-2023-44487|2026-09-03"]; s.Score != 0.94457 || s.Percentile != 0.99951 {
		t.Errorf("score = %+v", s)
	}

	// Same day: no request. Next day, unchanged file: 304, nothing written.
	if again, err := f.Sync(t.Context(), cur, w); err != nil || again != cur || len(rec.queries()) != 1 {
		t.Errorf("same-day run: %s, %v, %d requests", again, err, len(rec.queries()))
	}
	f.Now = func() time.Time { return now.AddDate(0, 0, 1) }
	calls := w.calls
	if next, err := f.Sync(t.Context(), cur, w); err != nil || next != cur || w.calls != calls {
		t.Errorf("unchanged file: %s, %v, writes %d→%d", next, err, calls, w.calls)
	}
}

func TestBulkGarbage(t *testing.T) {
	t.Parallel()
	rec := &recorder{serve: func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("#model_version:v2025.03.14,score_date:2026-09-03T00:00:00Z\ncve,epss,percentile\nCVE-2021-44228,0.9,1\nCVE-2024-3094,n/a,0.5\n"))
	}}
	srv := rec.start(t)
	f := apiFeed("")
	f.Mode, f.BulkURL = ModeBulk, srv.URL+"/scores.csv"
	w := newWriter(held...)
	_, err := f.Sync(t.Context(), "", w)
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/scores.csv") || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("err = %v; want the URL and line 4", err)
	}
	if w.calls != 0 {
		t.Error("wrote from a bad file")
	}
}

func TestParseCSV(t *testing.T) {
	t.Parallel()
	plain, err := os.ReadFile("testdata/epss_scores.csv")
	if err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile("testdata/epss_scores.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"plain": plain, "gzip": gz} {
		b, err := ParseCSV(bytes.NewReader(body), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b.ModelVersion != "v2025.03.14" || b.Date.String() != "2026-09-03" || b.Rows != 6 || len(b.Scores) != 6 ||
			b.Scores[2].CVE != "CVE-2021-44228" || b.Scores[2].Score != 0.99999 || b.Scores[2].Date.String() != "2026-09-03" {
			t.Errorf("%s: %+v", name, b)
		}
	}
	b, err := ParseCSV(strings.NewReader("\ufeff#score_date:2026-09-03\r\npercentile,cve,extra,epss\r\n0.5,cve-2024-0001,x,0.25\r\n"), func(c string) bool { return c == "CVE-2024-0001" })
	if err != nil || len(b.Scores) != 1 || b.Scores[0].CVE != "CVE-2024-0001" || b.Scores[0].Score != 0.25 || b.Scores[0].Percentile != 0.5 {
		t.Errorf("reordered columns: %+v, %v", b, err)
	}
	for name, tc := range map[string]struct{ in, want string }{
		"no date":     {"cve,epss,percentile\nCVE-2024-0001,0.1,0.2\n", "line 1: no"},
		"bad date":    {"#score_date:yesterday\ncve,epss,percentile\n", "score_date"},
		"no header":   {"#score_date:2026-09-03\n", "line 2: header"},
		"bad header":  {"#score_date:2026-09-03\ncve,score\n", "lacks"},
		"short row":   {"#score_date:2026-09-03\ncve,epss,percentile\nCVE-2024-0001,0.1\n", "line 3: 2 fields"},
		"bad id":      {"#score_date:2026-09-03\ncve,epss,percentile\nCVE-2024-0001,0.1,0.2\nGHSA-x,0.1,0.2\n", "line 4"},
		"quote":       {"#score_date:2026-09-03\ncve,epss,percentile\n\"CVE-2024-0001,0.1,0.2\n", "line 3"},
		"broken gzip": {string(gz[:len(gz)-20]), "unexpected EOF"},
	} {
		if _, err := ParseCSV(strings.NewReader(tc.in), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want %q", name, err, tc.want)
		}
	}
}

func TestParseCSVLimit(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte("#score_date:2026-09-03\ncve,epss,percentile\n"))
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	if _, err := parseCSV(&buf, nil, 1<<19); err == nil || !strings.Contains(err.Error(), "exceeds 524288 bytes") {
		t.Errorf("err = %v; want the size limit", err)
	}
}

func TestBatches(t *testing.T) {
	t.Parallel()
	ids := []string{"CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003", "CVE-2024-10000"}
	got := batches(ids, 27)
	if len(got) != 3 || strings.Join(got[0], ",") != "CVE-2024-0001,CVE-2024-0002" || len(got[2]) != 1 {
		t.Errorf("batches = %q", got)
	}
	for _, b := range batches(ids, 13) {
		if len(b) != 1 {
			t.Errorf("batch %q over the limit", b)
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	for _, name := range []string{"epss_scores.csv", "epss_scores.csv.gz"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("#score_date:2026-09-03\ncve,epss,percentile\n\"CVE-2024-0001\",1,0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseCSV(bytes.NewReader(data), nil)
		if err == nil {
			for _, s := range b.Scores {
				if s.Score < 0 || s.Score > 1 || s.Percentile < 0 || s.Percentile > 1 || s.Date.IsZero() {
					t.Fatalf("accepted %+v", s)
				}
			}
		}
		decodeAPI(data)
	})
}
