// Package feedtest holds test doubles shared by the feed clients' tests.
// Only tests import it.
package feedtest

import (
	"context"
	"sync"

	"cyra/internal/cra"
)

// Writer is an in-memory cra.FeedWriter that counts like the store: a
// record whose digest it holds is unchanged. It records what it was given.
type Writer struct {
	mu      sync.Mutex
	Known   []string // the CVEs KnownCVEs reports
	Advs    map[string]cra.Advisory
	Stats   cra.ImportStats
	Calls   int // Advisories calls
	Skipped []string
}

// NewWriter returns a Writer that reports known as the CVEs cyra holds.
func NewWriter(known ...string) *Writer {
	return &Writer{Known: known, Advs: map[string]cra.Advisory{}}
}

// Advisories stores records by id, counting added, changed and unchanged.
func (w *Writer) Advisories(_ context.Context, recs []cra.Advisory) (cra.ImportStats, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Calls++
	var st cra.ImportStats
	for _, r := range recs {
		old, ok := w.Advs[r.ID]
		switch {
		case !ok:
			st.Added++
		case old.Digest != r.Digest:
			st.Changed++
		default:
			st.Unchanged++
		}
		w.Advs[r.ID] = r
	}
	w.Stats.Add(st)
	return st, nil
}

// KEV accepts and drops a catalog.
func (w *Writer) KEV(context.Context, cra.KEVCatalog) (cra.ImportStats, error) {
	return cra.ImportStats{}, nil
}

// EPSS accepts and drops scores.
func (w *Writer) EPSS(context.Context, []cra.EPSSScore) (cra.ImportStats, error) {
	return cra.ImportStats{}, nil
}

// KnownCVEs returns Known.
func (w *Writer) KnownCVEs(context.Context) ([]string, error) { return w.Known, nil }

// Ecosystems returns none.
func (w *Writer) Ecosystems(context.Context) ([]string, error) { return nil, nil }

// Skip records the reason.
func (w *Writer) Skip(reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Skipped = append(w.Skipped, reason)
}

// Progress ignores progress.
func (w *Writer) Progress(string, int, int) {}
