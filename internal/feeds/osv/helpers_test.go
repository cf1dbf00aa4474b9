package osv_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"cyra/internal/cra"
)

// sharedOSV returns ../shared/data/osv (relative to the module root), or
// skips the test when the shared data is not there.
func sharedOSV(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join("..", "..", "..", "..", "shared", "data", "osv")
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("shared OSV data not found at %s (see ../shared/data/README.md): %v", dir, err)
	}
	return dir
}

// mustRead reads a file of the shared OSV data.
func mustRead(tb testing.TB, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(sharedOSV(tb), rel))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// memWriter is an in-memory cra.FeedWriter that keeps the advisories by
// id and counts what each sync did.
type memWriter struct {
	mu       sync.Mutex
	ecos     []string
	recs     map[string]cra.Advisory
	written  []string // ids passed to Advisories, in order
	stats    cra.ImportStats
	skips    []string
	stages   map[string]bool
	failNext error // returned by the next Advisories call
}

func newMemWriter(ecos ...string) *memWriter {
	return &memWriter{ecos: ecos, recs: map[string]cra.Advisory{}, stages: map[string]bool{}}
}

func (w *memWriter) Advisories(_ context.Context, recs []cra.Advisory) (cra.ImportStats, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.failNext; err != nil {
		w.failNext = nil
		return cra.ImportStats{}, err
	}
	var st cra.ImportStats
	for _, a := range recs {
		w.written = append(w.written, a.ID)
		old, ok := w.recs[a.ID]
		switch {
		case !ok:
			st.Added++
		case old.Digest != a.Digest:
			st.Changed++
		default:
			st.Unchanged++
		}
		w.recs[a.ID] = a
	}
	w.stats.Add(st)
	return st, nil
}

func (w *memWriter) KEV(context.Context, cra.KEVCatalog) (cra.ImportStats, error) {
	panic("the OSV feed wrote a KEV catalog")
}

func (w *memWriter) EPSS(context.Context, []cra.EPSSScore) (cra.ImportStats, error) {
	panic("the OSV feed wrote EPSS scores")
}

func (w *memWriter) KnownCVEs(context.Context) ([]string, error) { return nil, nil }

func (w *memWriter) Ecosystems(context.Context) ([]string, error) { return slices.Clone(w.ecos), nil }

func (w *memWriter) Skip(reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.skips = append(w.skips, reason)
}

func (w *memWriter) Progress(stage string, _, _ int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stages[stage] = true
}

// reset forgets what the last sync wrote, keeping the records.
func (w *memWriter) reset() {
	w.written, w.skips, w.stats = nil, nil, cra.ImportStats{}
}
