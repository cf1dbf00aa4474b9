package osv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// DefaultBaseURL is OSV's public export bucket.
const DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultFullThreshold is how many changed records an incremental sync
// fetches one by one; beyond it, downloading all.zip again is cheaper.
const DefaultFullThreshold = 1000

// DefaultMaxZipBytes bounds a downloaded all.zip.
const DefaultMaxZipBytes = 4 << 30

// maxCSVBytes bounds a modified_id.csv (npm's lists a few hundred
// thousand ids, some MB).
const maxCSVBytes = 256 << 20

// Feed syncs OSV advisories from the export bucket, per ecosystem: the
// first sync of an ecosystem imports its all.zip; later syncs read its
// modified_id.csv (a conditional request, so an unchanged list costs one
// 304) and fetch only the records changed since the cursor. The
// ecosystems are those the writer's Ecosystems returns.
type Feed struct {
	// BaseURL is the bucket (default DefaultBaseURL).
	BaseURL string
	// Client makes every request; the caller sets its User-Agent.
	Client *fetch.Client
	// Batch is how many advisories each writer call gets (default
	// DefaultBatch).
	Batch int
	// FullThreshold: when more records changed than this, all.zip is
	// downloaded again instead (default DefaultFullThreshold).
	FullThreshold int
	// MaxZipBytes bounds an all.zip (default DefaultMaxZipBytes).
	MaxZipBytes int64
	// TempDir holds all.zip while it is read (default os.TempDir()).
	TempDir string
}

var _ cra.Feed = (*Feed)(nil)

// Name returns cra.SourceOSV.
func (f *Feed) Name() cra.VulnSource { return cra.SourceOSV }

// writeError marks a failure of the writer, which ends the whole sync:
// unlike a failing ecosystem it is no reason to carry on with the others.
type writeError struct{ error }

func (e writeError) Unwrap() error { return e.error }

// Sync brings every selected ecosystem up to date. An ecosystem that fails
// (HTTP 404, a corrupt archive, a network error) is reported through
// w.Skip and keeps its old cursor while the others go on; Sync fails only
// when every ecosystem fails, when the writer fails or when ctx ends.
// Ecosystems no longer selected are dropped from the cursor, so selecting
// one again imports it afresh.
func (f *Feed) Sync(ctx context.Context, cur string, w cra.FeedWriter) (string, error) {
	old := decodeCursor(cur)
	list, err := w.Ecosystems(ctx)
	if err != nil {
		return "", fmt.Errorf("osv: listing ecosystems: %w", err)
	}
	next := cursor{Version: 1, Ecosystems: map[string]*ecoCursor{}}
	var ecos []string
	for _, e := range list {
		if e = strings.TrimSpace(e); e != "" && next.Ecosystems[e] == nil {
			ecos = append(ecos, e)
			next.Ecosystems[e] = &ecoCursor{}
		}
	}
	if len(ecos) == 0 {
		w.Progress("osv: no ecosystems selected", 0, 0)
	}
	var failed []string
	for _, eco := range ecos {
		st, err := f.syncEcosystem(ctx, eco, old.Ecosystems[eco], w)
		if err == nil {
			next.Ecosystems[eco] = st
			continue
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if errors.As(err, new(writeError)) {
			return "", fmt.Errorf("osv %s: %w", eco, err)
		}
		w.Skip(fmt.Sprintf("osv %s: %s", eco, strings.TrimPrefix(err.Error(), "osv: ")))
		failed = append(failed, eco)
		if prev := old.Ecosystems[eco]; prev != nil {
			next.Ecosystems[eco] = prev
		} else {
			delete(next.Ecosystems, eco)
		}
	}
	if len(ecos) > 0 && len(failed) == len(ecos) {
		return "", fmt.Errorf("osv: every ecosystem failed (%s); see the skipped records for the reasons", strings.Join(failed, ", "))
	}
	return next.encode(), nil
}

// syncEcosystem brings one ecosystem up to date from the state prev (nil:
// never imported) and returns its new state.
func (f *Feed) syncEcosystem(ctx context.Context, eco string, prev *ecoCursor, w cra.FeedWriter) (*ecoCursor, error) {
	req := fetch.Request{URL: f.url(eco, "modified_id.csv"), MaxBody: maxCSVBytes}
	next := &ecoCursor{}
	if prev != nil {
		req.ETag, req.LastModified = prev.CSVETag, prev.CSVLastModified
		*next = *prev
	}
	w.Progress("osv "+eco+": modified_id.csv", 0, 0)
	resp, err := f.client().Get(ctx, req)
	if err != nil {
		return nil, err
	}
	if prev != nil && resp.NotModified {
		return prev, nil
	}
	changes, err := parseModified(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.URL, err)
	}
	next.CSVETag, next.CSVLastModified = resp.ETag, resp.LastModified
	next.advance(changes)
	if prev == nil {
		return next, f.full(ctx, eco, next, w, false)
	}
	pending := prev.pending(changes)
	if len(pending) > f.threshold() {
		err := f.full(ctx, eco, next, w, true)
		if !errors.Is(err, errZipNotModified) {
			return next, err
		}
		// The archive is the one imported last time, so it cannot hold
		// the changes: fetch them one by one after all.
	}
	return next, f.fetchRecords(ctx, eco, pending, w)
}

var errZipNotModified = errors.New("all.zip not modified")

// full imports the ecosystem's all.zip through a temporary file, recording
// its validators in next. With conditional set, an archive unchanged since
// next's validators is errZipNotModified.
func (f *Feed) full(ctx context.Context, eco string, next *ecoCursor, w cra.FeedWriter, conditional bool) error {
	req := fetch.Request{URL: f.url(eco, "all.zip"), MaxBody: f.maxZip()}
	if conditional {
		req.ETag, req.LastModified = next.ZipETag, next.ZipLastModified
	}
	tmp, err := os.CreateTemp(f.TempDir, "cyra-osv-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	stage := "osv " + eco + ": all.zip"
	w.Progress(stage, 0, 0)
	resp, err := f.client().GetFile(ctx, req, tmp)
	if err != nil {
		return err
	}
	if resp.NotModified {
		return errZipNotModified
	}
	info, err := tmp.Stat()
	if err != nil {
		return err
	}
	b := newBatcher(f.Batch, f.write(ctx, w), w.Skip)
	b.progress = func(done, total int) { w.Progress(stage, done, total) }
	if err := b.zipAt(tmp, info.Size(), req.URL); err != nil {
		return err
	}
	if err := b.flush(); err != nil {
		return err
	}
	next.ZipETag, next.ZipLastModified = resp.ETag, resp.LastModified
	return nil
}

// fetchRecords fetches changed records one by one. A record the bucket no
// longer has (404) is skipped; any other failure fails the ecosystem, so
// that its cursor stays put and the next sync tries again.
func (f *Feed) fetchRecords(ctx context.Context, eco string, pending []change, w cra.FeedWriter) error {
	b := newBatcher(f.Batch, f.write(ctx, w), w.Skip)
	stage := "osv " + eco + ": records"
	for i, c := range pending {
		u := f.url(eco, c.ID+".json")
		resp, err := f.client().Get(ctx, fetch.Request{URL: u, MaxBody: MaxRecordBytes})
		var se *fetch.StatusError
		switch {
		case errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusGone):
			w.Skip(fmt.Sprintf("osv %s: %s is listed in modified_id.csv but %s answers HTTP %d", eco, c.ID, u, se.Status))
		case err != nil:
			return err
		default:
			if err := b.file(eco+"/"+c.ID+".json", resp.Body); err != nil {
				return err
			}
		}
		w.Progress(stage, i+1, len(pending))
	}
	return b.flush()
}

// write returns the batch function that passes advisories to w.
func (f *Feed) write(ctx context.Context, w cra.FeedWriter) func([]cra.Advisory) error {
	return func(recs []cra.Advisory) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := w.Advisories(ctx, recs); err != nil {
			return writeError{err}
		}
		return nil
	}
}

// url is the address of a file of an ecosystem's folder. Ecosystem names
// may hold spaces ("Rocky Linux"), colons ("Debian:12") or slashes, all
// escaped.
func (f *Feed) url(eco, file string) string {
	base := f.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	esc := func(s string) string { return strings.ReplaceAll(url.PathEscape(s), ":", "%3A") }
	return strings.TrimRight(base, "/") + "/" + esc(eco) + "/" + esc(file)
}

func (f *Feed) client() *fetch.Client {
	if f.Client == nil {
		return &fetch.Client{}
	}
	return f.Client
}

func (f *Feed) threshold() int {
	if f.FullThreshold > 0 {
		return f.FullThreshold
	}
	return DefaultFullThreshold
}

func (f *Feed) maxZip() int64 {
	if f.MaxZipBytes > 0 {
		return f.MaxZipBytes
	}
	return DefaultMaxZipBytes
}
