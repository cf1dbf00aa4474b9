package osv

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"cyra/internal/cra"
)

// DefaultBatch is how many advisories are passed on at once when the
// caller does not say.
const DefaultBatch = 500

// MaxRecordBytes bounds one record read from a zip archive, so that a
// hostile archive cannot exhaust memory with one entry.
const MaxRecordBytes = 32 << 20

// ReadPath reads OSV records from path and passes them to fn in batches of
// batch (DefaultBatch when batch <= 0). path is one of:
//   - a directory, walked recursively for *.json files and *.zip archives
//     (symbolic links inside it are not followed, hidden directories are
//     skipped);
//   - a zip archive such as an OSV all.zip;
//   - a single JSON file holding one record or a JSON array of records.
//
// A record that cannot be read is passed to skip (which may be nil) with a
// reason naming the file and position, and reading goes on. Every zip
// archive is opened and its central directory checked before the first
// batch is passed on, so a corrupt or truncated archive is an error that
// names it and nothing has reached fn. An error from fn stops the reading
// and is returned.
func ReadPath(path string, batch int, fn func([]cra.Advisory) error, skip func(reason string)) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("osv: %w", err)
	}
	b := newBatcher(batch, fn, skip)
	switch {
	case info.IsDir():
		err = readDir(path, b)
	case isZip(path):
		err = readZipFile(path, b)
	default:
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			return fmt.Errorf("osv: %w", rerr)
		}
		err = b.file(path, data)
	}
	if err != nil {
		return err
	}
	return b.flush()
}

// ReadZip reads the records of a zip archive (an OSV all.zip) from r, of
// size bytes, like ReadPath; name names the archive in messages.
func ReadZip(r io.ReaderAt, size int64, name string, batch int, fn func([]cra.Advisory) error, skip func(reason string)) error {
	b := newBatcher(batch, fn, skip)
	if err := b.zipAt(r, size, name); err != nil {
		return err
	}
	return b.flush()
}

func zipError(name string, err error) error {
	return fmt.Errorf("osv: %s is not a readable zip archive (corrupt or truncated?): %w", name, err)
}

// isZip reports whether the file at p is a zip archive: by its name, or
// by its first bytes when the name does not say.
func isZip(p string) bool {
	if strings.EqualFold(filepath.Ext(p), ".zip") {
		return true
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	// A local file header, or the end record of an empty archive.
	return err == nil && (string(magic[:]) == "PK\x03\x04" || string(magic[:]) == "PK\x05\x06")
}

func readZipFile(p string, b *batcher) error {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return zipError(p, err)
	}
	defer zr.Close()
	return b.zip(p, &zr.Reader)
}

// readDir walks dir through an os.Root, so nothing outside dir is read
// even when a link inside it points elsewhere.
func readDir(dir string, b *batcher) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("osv: %w", err)
	}
	defer root.Close()
	var files, zips []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			b.skipf("%s: %v", filepath.Join(dir, p), err)
			return nil
		case d.IsDir() && p != "." && strings.HasPrefix(d.Name(), "."):
			return fs.SkipDir
		case d.IsDir():
			return nil
		}
		ext := strings.ToLower(path.Ext(p))
		if ext != ".json" && ext != ".zip" {
			return nil
		}
		if !d.Type().IsRegular() {
			b.skipf("%s: not a regular file (links are not followed)", filepath.Join(dir, p))
			return nil
		}
		if ext == ".zip" {
			zips = append(zips, p)
		} else {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("osv: %s: %w", dir, err)
	}
	// Check every archive before the first batch goes out.
	for _, p := range zips {
		if err := withZip(root, dir, p, func(*zip.Reader) error { return nil }); err != nil {
			return err
		}
	}
	for _, p := range files {
		data, err := root.ReadFile(p)
		if err != nil {
			b.skipf("%s: %v", filepath.Join(dir, p), err)
			continue
		}
		if err := b.file(filepath.Join(dir, p), data); err != nil {
			return err
		}
	}
	for _, p := range zips {
		err := withZip(root, dir, p, func(zr *zip.Reader) error { return b.zip(filepath.Join(dir, p), zr) })
		if err != nil {
			return err
		}
	}
	return nil
}

func withZip(root *os.Root, dir, p string, fn func(*zip.Reader) error) error {
	name := filepath.Join(dir, p)
	f, err := root.Open(p)
	if err != nil {
		return fmt.Errorf("osv: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("osv: %w", err)
	}
	zr, err := zip.NewReader(f, info.Size())
	if err != nil {
		return zipError(name, err)
	}
	return fn(zr)
}

// batcher collects parsed records and passes them on in batches.
type batcher struct {
	size     int
	fn       func([]cra.Advisory) error
	skip     func(string)
	buf      []cra.Advisory
	progress func(done, total int) // per zip entry, when set
}

func newBatcher(size int, fn func([]cra.Advisory) error, skip func(string)) *batcher {
	if size <= 0 {
		size = DefaultBatch
	}
	return &batcher{size: size, fn: fn, skip: skip}
}

func (b *batcher) skipf(format string, args ...any) {
	if b.skip != nil {
		b.skip(fmt.Sprintf(format, args...))
	}
}

func (b *batcher) add(a cra.Advisory) error {
	b.buf = append(b.buf, a)
	if len(b.buf) >= b.size {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	err := b.fn(b.buf)
	b.buf = nil // fn may keep the slice
	return err
}

// file reads one JSON file: a record, or an array of records.
func (b *batcher) file(name string, data []byte) error {
	data = bytes.TrimPrefix(data, utf8BOM)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return b.record(name, data)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		b.skipf("%v", jsonError(name, data, err))
		return nil
	}
	for i, raw := range list {
		if err := b.record(fmt.Sprintf("%s[%d]", name, i), raw); err != nil {
			return err
		}
	}
	return nil
}

func (b *batcher) record(name string, data []byte) error {
	a, err := ParseRecord(name, data)
	if err != nil {
		b.skipf("%v", err)
		return nil
	}
	return b.add(a)
}

// zipAt opens the archive in r, checking its central directory, and
// reads it.
func (b *batcher) zipAt(r io.ReaderAt, size int64, name string) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return zipError(name, err)
	}
	return b.zip(name, zr)
}

// zip reads every *.json entry of an archive. An entry that cannot be
// decompressed (bad checksum, broken deflate stream) is skipped.
func (b *batcher) zip(name string, zr *zip.Reader) error {
	var entries []*zip.File
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() && strings.EqualFold(path.Ext(f.Name), ".json") {
			entries = append(entries, f)
		}
	}
	for i, f := range entries {
		entry := name + "!" + f.Name
		data, err := readEntry(f)
		if err != nil {
			b.skipf("%s: unreadable zip entry: %v", entry, err)
		} else if err := b.file(entry, data); err != nil {
			return err
		}
		if b.progress != nil && ((i+1)%b.size == 0 || i+1 == len(entries)) {
			b.progress(i+1, len(entries))
		}
	}
	return nil
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRecordBytes {
		return nil, errors.New("entry larger than the limit of one record")
	}
	return data, nil
}
