package osv_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// bucket serves OSV's export layout from records of the shared data:
// /<ecosystem>/all.zip, /<ecosystem>/modified_id.csv and
// /<ecosystem>/<id>.json, with ETags so that conditional requests get 304.
type bucket struct {
	mu   sync.Mutex
	ecos map[string]map[string][]byte // ecosystem → id → record
	mods map[string]time.Time         // ecosystem/id → modified
	hits map[string]int               // escaped request path → count
	// override answers a request path instead of the bucket when set.
	override map[string]http.HandlerFunc
}

// newBucket serves the shared data's folder dir under the ecosystem name
// eco, for each pair.
func newBucket(t *testing.T, pairs ...string) (*bucket, *httptest.Server) {
	t.Helper()
	b := &bucket{ecos: map[string]map[string][]byte{}, mods: map[string]time.Time{}, hits: map[string]int{}, override: map[string]http.HandlerFunc{}}
	for i := 0; i < len(pairs); i += 2 {
		files, _ := filepath.Glob(filepath.Join(sharedOSV(t), pairs[i+1], "*.json"))
		recs := map[string][]byte{}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			id := strings.TrimSuffix(filepath.Base(f), ".json")
			var r struct{ Modified time.Time }
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatal(err)
			}
			recs[id], b.mods[pairs[i]+"/"+id] = data, r.Modified
		}
		b.ecos[pairs[i]] = recs
	}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	return b, srv
}

func (b *bucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.hits[r.URL.EscapedPath()]++
	h := b.override[r.URL.EscapedPath()]
	eco, file := r.URL.Path[1:strings.LastIndexByte(r.URL.Path, '/')], r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	recs, ok := b.ecos[eco]
	var body []byte
	switch {
	case h != nil:
	case !ok:
	case file == "all.zip":
		body = b.zip(recs)
	case file == "modified_id.csv":
		body = b.csv(eco)
	default:
		body = recs[strings.TrimSuffix(file, ".json")]
	}
	b.mu.Unlock()
	switch {
	case h != nil:
		h(w, r)
	case body == nil:
		http.NotFound(w, r)
	default:
		sum := sha256.Sum256(body)
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sum[:8]))
		http.ServeContent(w, r, file, time.Time{}, bytes.NewReader(body))
	}
}

func (b *bucket) zip(recs map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range recs {
			if !yield(id) {
				return
			}
		}
	}) {
		w, _ := zw.Create(id + ".json")
		w.Write(recs[id])
	}
	zw.Close()
	return buf.Bytes()
}

// csv lists "<modified>,<id>" newest first, as the bucket does.
func (b *bucket) csv(eco string) []byte {
	type line struct {
		t  time.Time
		id string
	}
	var lines []line
	for id := range b.ecos[eco] {
		lines = append(lines, line{b.mods[eco+"/"+id], id})
	}
	slices.SortFunc(lines, func(a, b line) int {
		if c := b.t.Compare(a.t); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	var buf bytes.Buffer
	for _, l := range lines {
		fmt.Fprintf(&buf, "%s,%s\n", l.t.Format(time.RFC3339Nano), l.id)
	}
	return buf.Bytes()
}

// touch changes a record's summary and modified time, as an upstream edit.
func (b *bucket) touch(t *testing.T, eco, id string, modified time.Time) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var m map[string]any
	if err := json.Unmarshal(b.ecos[eco][id], &m); err != nil {
		t.Fatal(err)
	}
	m["summary"] = "changed upstream"
	m["modified"] = modified.Format(time.RFC3339)
	b.ecos[eco][id], _ = json.Marshal(m)
	b.mods[eco+"/"+id] = modified
}

func (b *bucket) count(path string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hits[path]
}

func (b *bucket) resetHits() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.hits)
}

func firstID(b *bucket, eco string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(func(yield func(string) bool) {
		for id := range b.ecos[eco] {
			if !yield(id) {
				return
			}
		}
	})[0]
}
