package bundle

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"cyra/internal/cra"
)

// DefaultBatch is the batch size of Advisories and EPSS when the caller
// gives none.
const DefaultBatch = 1000

// Advisories calls fn with the bundle's advisories in file order, batch at
// a time (DefaultBatch when batch <= 0); each slice is new, so fn may keep
// it. A line that does not parse or whose digest does not match its raw
// record stops the read with an ErrInvalid error naming the file and line.
// An error of fn stops the read and is returned unchanged.
func (b *Bundle) Advisories(batch int, fn func([]cra.Advisory) error) error {
	batch = batchSize(batch)
	recs := make([]cra.Advisory, 0, batch)
	err := b.scanLines(AdvisoriesFile, func(line []byte, n int) error {
		var w wireAdvisory
		if err := json.Unmarshal(line, &w); err != nil {
			return wrapf(ErrInvalid, err, "%s line %d", AdvisoriesFile, n)
		}
		a, err := advisoryFromWire(&w)
		if err != nil {
			return wrapf(ErrInvalid, err, "%s line %d", AdvisoriesFile, n)
		}
		recs = append(recs, a)
		if len(recs) == batch {
			err, recs = fn(recs), make([]cra.Advisory, 0, batch)
			return err
		}
		return nil
	})
	if err != nil || len(recs) == 0 {
		return err
	}
	return fn(recs)
}

// KEV returns every KEV entry of the bundle, in file order. A line that
// does not parse is an ErrInvalid error naming the file and line.
func (b *Bundle) KEV() ([]cra.KEVEntry, error) {
	var out []cra.KEVEntry
	err := b.scanLines(KEVFile, func(line []byte, n int) error {
		var w wireKEV
		if err := json.Unmarshal(line, &w); err != nil {
			return wrapf(ErrInvalid, err, "%s line %d", KEVFile, n)
		}
		e, err := kevFromWire(&w)
		if err != nil {
			return wrapf(ErrInvalid, err, "%s line %d", KEVFile, n)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EPSS calls fn with the bundle's EPSS scores in file order, batch at a
// time (DefaultBatch when batch <= 0); each slice is new, so fn may keep
// it. A line that does not parse is an ErrInvalid error naming the file
// and line. An error of fn stops the read and is returned unchanged.
func (b *Bundle) EPSS(batch int, fn func([]cra.EPSSScore) error) error {
	batch = batchSize(batch)
	recs := make([]cra.EPSSScore, 0, batch)
	header := strings.Join(epssHeader, ",")
	err := b.scanLines(EPSSFile, func(line []byte, n int) error {
		if n == 1 {
			if string(line) != header {
				return errorf(ErrInvalid, "%s line 1 is %q, not the header %q", EPSSFile, line, header)
			}
			return nil
		}
		fields := strings.Split(string(line), ",")
		if len(fields) != len(epssHeader) {
			return errorf(ErrInvalid, "%s line %d has %d fields, not %d", EPSSFile, n, len(fields), len(epssHeader))
		}
		s, err := parseEPSSRecord(fields)
		if err != nil {
			return wrapf(ErrInvalid, err, "%s line %d", EPSSFile, n)
		}
		recs = append(recs, s)
		if len(recs) == batch {
			err, recs = fn(recs), make([]cra.EPSSScore, 0, batch)
			return err
		}
		return nil
	})
	if err != nil || len(recs) == 0 {
		return err
	}
	return fn(recs)
}

// Validate parses every record of every file without handing any to the
// caller. An importer that must write all or nothing calls it before
// writing: Open has verified that the bundle is the one its signer made,
// Validate that the signer made it well.
func (b *Bundle) Validate() error {
	if err := b.Advisories(0, func([]cra.Advisory) error { return nil }); err != nil {
		return err
	}
	if _, err := b.KEV(); err != nil {
		return err
	}
	return b.EPSS(0, func([]cra.EPSSScore) error { return nil })
}

// batchSize returns batch, or DefaultBatch when batch <= 0.
func batchSize(batch int) int {
	if batch <= 0 {
		return DefaultBatch
	}
	return batch
}

// scanLines calls fn for every line of a data file with its 1-based
// number, refusing empty lines and lines over Limits.MaxLineSize. The
// file is hashed again as it is read; a difference from the manifest
// fails the read at the end of the file.
func (b *Bundle) scanLines(name string, fn func(line []byte, n int) error) error {
	rc, err := b.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	max := b.limits.MaxLineSize
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, min(64<<10, max)), max)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(line) == 0 {
			return errorf(ErrInvalid, "%s line %d is empty", name, n)
		}
		if err := fn(line, n); err != nil {
			return changedOr(rc, err)
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return changedOr(rc, errorf(ErrTooLarge, "%s line %d is longer than %d bytes", name, n+1, max))
	} else if err != nil {
		return err
	}
	return nil
}

// changedOr returns err, unless err is a format error of the bundle and
// the rest of the file shows that it no longer matches the manifest: then
// the file changed after Open, and that is the error to report rather
// than the parse error it caused. Errors of the caller's callback are
// returned as they are, without reading on.
func changedOr(rest io.Reader, err error) error {
	var be *bundleError
	if !errors.As(err, &be) || (be.kind != ErrInvalid && be.kind != ErrTooLarge) {
		return err
	}
	if _, rerr := io.Copy(io.Discard, rest); errors.Is(rerr, ErrCorrupt) {
		return rerr
	}
	return err
}
