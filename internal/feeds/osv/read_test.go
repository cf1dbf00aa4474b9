package osv_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds/osv"
)

// readAll reads path with ReadPath and returns every advisory and skip.
func readAll(tb testing.TB, path string, batch int) ([]cra.Advisory, []string, error) {
	tb.Helper()
	var recs []cra.Advisory
	var skips []string
	err := osv.ReadPath(path, batch, func(b []cra.Advisory) error {
		if len(b) > batch && batch > 0 {
			tb.Errorf("batch of %d, want at most %d", len(b), batch)
		}
		recs = append(recs, b...)
		return nil
	}, func(r string) { skips = append(skips, r) })
	return recs, skips, err
}

func TestReadPathSharedData(t *testing.T) {
	t.Parallel()
	dir := sharedOSV(t)
	recs, skips, err := readAll(t, dir, 250)
	if err != nil {
		t.Fatal(err)
	}
	// MANIFEST.json (id → origin map) is the one JSON file that is no
	// record; every record file parses.
	if len(skips) != 1 || !strings.Contains(skips[0], "MANIFEST.json: the record has no id") {
		t.Errorf("skips = %q, want only MANIFEST.json", skips)
	}
	if len(recs) != 9399 {
		t.Errorf("read %d records, want 9399 (one per record file)", len(recs))
	}
	ids := map[string]bool{}
	var withdrawn, zeroModified, git, badGit, goSymbols int
	for _, a := range recs {
		ids[a.ID] = true
		if a.Withdrawn != nil {
			withdrawn++
		}
		if a.Modified == nil {
			zeroModified++
		}
		for _, af := range a.Affected {
			if af.Ecosystem == "Go" && len(af.Symbols) > 0 {
				goSymbols++
			}
			for _, r := range af.Ranges {
				if r.Type != "GIT" {
					continue
				}
				git++
				for _, e := range r.Events {
					if e.Fixed != "" && !isCommit(e.Fixed) {
						badGit++
					}
				}
			}
		}
		if len(a.Digest) != 64 || len(a.Raw) == 0 {
			t.Fatalf("%s: no Raw/Digest", a.ID)
		}
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"distinct ids (GHSA records repeat across ecosystem folders)", len(ids), 9349},
		{"withdrawn records", withdrawn, 40},
		// Every GO record (4,291) and PYSEC-2024-55 say 0001-01-01.
		{"records with the zero modified time read as nil", zeroModified, 4292},
		{"GIT ranges kept", git, 1391},
		{"GIT fixed events that are no commit hash (the PYSEC schema failures)", badGit, 7},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	if goSymbols == 0 {
		t.Error("no Go package has symbols")
	}
}

func isCommit(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// zipDir writes the *.json files of dir into a zip archive in memory,
// with extra entries appended by extra.
func zipDir(tb testing.TB, dir string, extra func(*zip.Writer)) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no files in %s: %v", dir, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		w, err := zw.Create(filepath.Base(f))
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(data)
	}
	if extra != nil {
		extra(zw)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// addCorrupt adds an entry whose stored CRC does not match its content.
func addCorrupt(tb testing.TB, zw *zip.Writer, name string, data []byte) {
	tb.Helper()
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(data) + 1,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data)), Modified: time.Now()})
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(data)
}

func TestReadPathZip(t *testing.T) {
	t.Parallel()
	src := filepath.Join(sharedOSV(t), "RubyGems")
	one := mustRead(t, "NuGet/"+firstFile(t, "NuGet"))
	data := zipDir(t, src, func(zw *zip.Writer) {
		addCorrupt(t, zw, "corrupt.json", one)
		w, _ := zw.Create("broken.json")
		w.Write([]byte(`{"id": "GHSA-x",`))
		w, _ = zw.Create("README.txt") // not a record: ignored
		w.Write([]byte("hello"))
		zw.Create("sub/") // a directory entry: ignored
	})
	path := filepath.Join(t.TempDir(), "all.zip")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	recs, skips, err := readAll(t, path, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 19 {
		t.Errorf("read %d records, want the 19 RubyGems ones", len(recs))
	}
	if len(skips) != 2 || !strings.Contains(skips[0], "all.zip!corrupt.json: unreadable zip entry: zip: checksum error") ||
		!strings.Contains(skips[1], "all.zip!broken.json:1:16: invalid JSON") {
		t.Errorf("skips = %q", skips)
	}
}

func TestReadPathCorruptZip(t *testing.T) {
	t.Parallel()
	good := zipDir(t, filepath.Join(sharedOSV(t), "NuGet"), nil)
	dir := t.TempDir()
	cases := map[string][]byte{
		"truncated.zip": good[:len(good)/2],
		"garbage.zip":   []byte("<html>Service Unavailable</html>"),
		"empty.zip":     nil,
	}
	for name, data := range cases {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		calls := 0
		err := osv.ReadPath(path, 10, func([]cra.Advisory) error { calls++; return nil }, nil)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a readable zip archive") || calls != 0 {
			t.Errorf("%s: err = %v after %d batches, want an error naming it before any batch", name, err, calls)
		}
	}
	// In a directory, records before the archive are not passed on either.
	tree := t.TempDir()
	os.WriteFile(filepath.Join(tree, "a.json"), mustRead(t, "NuGet/"+firstFile(t, "NuGet")), 0o600)
	os.WriteFile(filepath.Join(tree, "z.zip"), good[:len(good)-10], 0o600)
	calls := 0
	err := osv.ReadPath(tree, 1, func([]cra.Advisory) error { calls++; return nil }, nil)
	if err == nil || !strings.Contains(err.Error(), "z.zip") || calls != 0 {
		t.Errorf("directory with a corrupt zip: err = %v after %d batches", err, calls)
	}
}

func TestReadPathFilesAndTree(t *testing.T) {
	t.Parallel()
	a := mustRead(t, "NuGet/"+firstFile(t, "NuGet"))
	b := mustRead(t, "crates.io/RUSTSEC-2020-0053.json")
	tree, outside := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(tree, "nested", "deeper"), 0o755)
	os.MkdirAll(filepath.Join(tree, ".git"), 0o755)
	os.WriteFile(filepath.Join(tree, "nested", "deeper", "a.JSON"), a, 0o600)
	os.WriteFile(filepath.Join(tree, ".git", "hidden.json"), b, 0o600)
	os.WriteFile(filepath.Join(tree, "notes.txt"), []byte("x"), 0o600)
	// A JSON array of records in one file, with a bad one in between.
	list := append(append(append([]byte("[\n"), b...), ",\n{\"id\":7},\n"...), a...)
	os.WriteFile(filepath.Join(tree, "list.json"), append(list, ']'), 0o600)
	os.WriteFile(filepath.Join(tree, "all.zip"), zipDir(t, filepath.Join(sharedOSV(t), "RubyGems"), nil), 0o600)
	// A link to a file outside the tree is not followed.
	os.WriteFile(filepath.Join(outside, "secret.json"), b, 0o600)
	if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(tree, "link.json")); err != nil {
		t.Fatal(err)
	}
	recs, skips, err := readAll(t, tree, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3+19 {
		t.Errorf("read %d records, want 3 files + 19 zipped", len(recs))
	}
	want := []string{"link.json: not a regular file", "list.json[1]:1:7: id is a JSON number"}
	if len(skips) != len(want) {
		t.Fatalf("skips = %q", skips)
	}
	for i, w := range want {
		if !strings.Contains(skips[i], w) {
			t.Errorf("skip %d = %q, want %q", i, skips[i], w)
		}
	}
	// A single file, and a missing one.
	got, _, err := readAll(t, filepath.Join(tree, "list.json"), 0)
	if err != nil || len(got) != 2 || got[0].ID != "RUSTSEC-2020-0053" {
		t.Errorf("single file: %d records, %v", len(got), err)
	}
	if _, _, err := readAll(t, filepath.Join(tree, "missing.json"), 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	// An error from fn stops the reading.
	stop := errors.New("stop")
	calls := 0
	err = osv.ReadPath(tree, 1, func([]cra.Advisory) error { calls++; return stop }, nil)
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("fn error: %v after %d calls", err, calls)
	}
}

func firstFile(tb testing.TB, eco string) string {
	tb.Helper()
	entries, err := os.ReadDir(filepath.Join(sharedOSV(tb), eco))
	if err != nil || len(entries) == 0 {
		tb.Fatalf("%s: %v", eco, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names[0]
}

// BenchmarkReadPath parses the whole shared OSV data set.
func BenchmarkReadPath(b *testing.B) {
	dir := sharedOSV(b)
	n := 0
	for b.Loop() {
		n = 0
		err := osv.ReadPath(dir, 0, func(recs []cra.Advisory) error { n += len(recs); return nil }, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParseRecord parses the shared OSV records from memory, without
// the file system.
func BenchmarkParseRecord(b *testing.B) {
	var files [][]byte
	var size int64
	err := osv.ReadPath(sharedOSV(b), 0, func(recs []cra.Advisory) error {
		for _, a := range recs {
			files = append(files, a.Raw)
			size += int64(len(a.Raw))
		}
		return nil
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		for _, data := range files {
			if _, err := osv.ParseRecord("x.json", data); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(files)*b.N)/b.Elapsed().Seconds(), "records/s")
}
