package epss

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// maxCSV bounds the decompressed bulk file (the real one is about 10 MB).
const maxCSV = 512 << 20

// Bulk is a parsed daily score file.
type Bulk struct {
	ModelVersion string
	Date         cra.Date
	// Scores are the rows that keep accepted, in file order.
	Scores []cra.EPSSScore
	// Rows counts every score row of the file.
	Rows int
}

// syncBulk downloads the bulk file unless it is unchanged and writes the
// held CVEs' scores when its date is newer than the cursor's.
func (f *Feed) syncBulk(ctx context.Context, cur cursor, known []string, w cra.FeedWriter) (cursor, error) {
	u := cmp.Or(f.BulkURL, DefaultBulkURL)
	resp, err := f.client().Get(ctx, fetch.Request{URL: u, ETag: cur.ETag, LastModified: cur.LastModified})
	if err != nil {
		return cur, fmt.Errorf("epss: %w", err)
	}
	next := cur
	next.ETag, next.LastModified = resp.ETag, resp.LastModified
	if resp.NotModified {
		return next, nil
	}
	held := make(map[string]bool, len(known))
	for _, id := range known {
		held[id] = true
	}
	b, err := ParseCSV(bytes.NewReader(resp.Body), func(cve string) bool { return held[cve] })
	if err != nil {
		return cur, fmt.Errorf("epss: GET %s: %w", u, err)
	}
	date := b.Date.String()
	if date <= cur.Date {
		return next, nil
	}
	const chunk = 1000
	for i := 0; i < len(b.Scores); i += chunk {
		if _, err := w.EPSS(ctx, b.Scores[i:min(i+chunk, len(b.Scores))]); err != nil {
			return cur, err
		}
		w.Progress("scores", min(i+chunk, len(b.Scores)), len(b.Scores))
	}
	next.Date = date
	return next, nil
}

// ParseCSV reads a daily EPSS file, gzip-compressed or plain: the line
// "#model_version:v2025.03.14,score_date:2026-05-18T00:00:00Z", the
// header "cve,epss,percentile" (columns found by name, others ignored),
// then one row per CVE. keep (nil: all) selects the scores returned; every
// row is validated, and an invalid one fails the whole file with its line
// number.
func ParseCSV(r io.Reader, keep func(cve string) bool) (*Bulk, error) {
	return parseCSV(r, keep, maxCSV)
}

func parseCSV(r io.Reader, keep func(cve string) bool, limit int64) (*Bulk, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		br = bufio.NewReader(&limitReader{r: gz, n: limit, max: limit})
	} else {
		br = bufio.NewReader(&limitReader{r: br, n: limit, max: limit})
	}
	out := &Bulk{}
	line := 0
	if first, _ := br.Peek(4); bytes.HasPrefix(bytes.TrimPrefix(first, []byte("\ufeff")), []byte("#")) {
		meta, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		line = 1
		for _, field := range strings.Split(strings.TrimLeft(strings.TrimSpace(meta), "\ufeff#"), ",") {
			k, v, _ := strings.Cut(field, ":")
			switch strings.TrimSpace(k) {
			case "model_version":
				out.ModelVersion = strings.TrimSpace(v)
			case "score_date":
				v = strings.TrimSpace(v)
				d, err := cra.ParseDate(v[:min(len(v), 10)])
				if err != nil {
					return nil, fmt.Errorf("line 1: score_date %q is not a date", cut(v, 40))
				}
				out.Date = d
			}
		}
	}
	if out.Date.IsZero() {
		return nil, errors.New(`line 1: no "#…score_date:…" line, so the scores have no date`)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line %d: header: %w", line+1, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	ci, ok1 := col["cve"]
	ei, ok2 := col["epss"]
	pi, ok3 := col["percentile"]
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("line %d: header %q lacks cve, epss or percentile", line+1, cut(strings.Join(header, ","), 80))
	}
	need := max(ci, ei, pi) + 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d: %w", pe.Line+line, pe.Err)
			}
			return nil, err
		}
		at, _ := cr.FieldPos(0)
		if len(rec) < need {
			return nil, fmt.Errorf("line %d: %d fields; want at least %d", at+line, len(rec), need)
		}
		s, err := score(rec[ci], numText(rec[ei]), numText(rec[pi]), out.Date.String())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", at+line, err)
		}
		out.Rows++
		if keep == nil || keep(s.CVE) {
			out.Scores = append(out.Scores, s)
		}
	}
}

// limitReader fails once more than n bytes were read, so an oversized or
// decompression-bomb file is an error rather than silently cut.
type limitReader struct {
	r      io.Reader
	n, max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, fmt.Errorf("file exceeds %d bytes", l.max)
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	if l.n < 0 {
		return k, fmt.Errorf("file exceeds %d bytes", l.max)
	}
	return k, err
}
