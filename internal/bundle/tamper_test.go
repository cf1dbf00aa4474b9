package bundle_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"cyra/internal/bundle"
	"cyra/internal/cra"
)

// flip returns a copy of data with the byte at i changed.
func flip(data []byte, i int) []byte {
	out := bytes.Clone(data)
	out[i] ^= 0x20
	return out
}

// validBundle returns a small valid bundle, its entry names and contents.
func validBundle(t *testing.T) ([]byte, []string, map[string][]byte) {
	t.Helper()
	data := MustWrite(t, &memSource{advisories: handBuilt(), kev: testKEV(), epss: testEPSS()})
	names, content := zipFiles(t, data)
	return data, names, content
}

// TestTampered checks that Open refuses every kind of damage with the
// right sentinel and names the file. A refused bundle returns no *Bundle,
// so no data callback can ever be invoked.
func TestTampered(t *testing.T) {
	t.Parallel()
	data, names, content := validBundle(t)
	edit := func(f func(map[string][]byte) []string) []byte {
		c := map[string][]byte{}
		for k, v := range content {
			c[k] = v
		}
		n := f(c)
		if n == nil {
			n = names
		}
		return rezip(t, n, c)
	}
	_, otherKey, _ := bundle.GenerateKey(nil)
	tests := []struct {
		name   string
		bundle []byte
		pub    ed25519.PublicKey
		want   error
		says   string
	}{
		{"wrong key", data, otherKey.Public().(ed25519.PublicKey), bundle.ErrBadSignature, "does not verify"},
		{"byte flipped in the manifest", edit(func(c map[string][]byte) []string {
			c["manifest.json"] = bytes.Replace(c["manifest.json"], []byte("cyra test"), []byte("cyra tesT"), 1)
			return nil
		}), testPub, bundle.ErrBadSignature, "manifest.sig does not verify"},
		{"signature missing", edit(func(c map[string][]byte) []string { delete(c, "manifest.sig"); return nil }), testPub, bundle.ErrBadSignature, "not signed: manifest.sig is missing"},
		{"signature not base64", edit(func(c map[string][]byte) []string { c["manifest.sig"] = []byte("not a signature"); return nil }), testPub, bundle.ErrBadSignature, "not a base64 Ed25519 signature"},
		{"signature of another manifest", edit(func(c map[string][]byte) []string {
			resign(t, c, testKey, nil)
			c["manifest.sig"] = validSigOf(t, []byte("{}"))
			return nil
		}), testPub, bundle.ErrBadSignature, "does not verify"},
		{"manifest missing", edit(func(c map[string][]byte) []string { delete(c, "manifest.json"); return nil }), testPub, bundle.ErrCorrupt, "manifest.json is missing"},
		{"extra file", edit(func(c map[string][]byte) []string {
			c["extra.txt"] = []byte("hello")
			return append(names, "extra.txt")
		}), testPub, bundle.ErrCorrupt, `"extra.txt", which the manifest does not list`},
		{"data file missing", edit(func(c map[string][]byte) []string { delete(c, "kev.jsonl"); return nil }), testPub, bundle.ErrCorrupt, "kev.jsonl is listed in the manifest but missing"},
		{"entry twice", edit(func(c map[string][]byte) []string { return append(names, "epss.csv") }), testPub, bundle.ErrCorrupt, `"epss.csv" twice`},
		{"garbage", bytes.Repeat([]byte("garbage!"), 100), testPub, bundle.ErrCorrupt, "not a readable zip archive"},
		{"empty file", nil, testPub, bundle.ErrCorrupt, "not a readable zip archive"},
		{"not a zip but a manifest", content["manifest.json"], testPub, bundle.ErrCorrupt, "not a readable zip archive"},
	}
	for _, name := range []string{"advisories.jsonl", "kev.jsonl", "epss.csv"} {
		for _, at := range []int{0, len(content[name]) / 2, len(content[name]) - 2} {
			tests = append(tests, struct {
				name   string
				bundle []byte
				pub    ed25519.PublicKey
				want   error
				says   string
			}{"byte flipped in " + name, edit(func(c map[string][]byte) []string { c[name] = flip(c[name], at); return nil }), testPub, bundle.ErrCorrupt, name + " has SHA-256"})
		}
		tests = append(tests, struct {
			name   string
			bundle []byte
			pub    ed25519.PublicKey
			want   error
			says   string
		}{"line appended to " + name, edit(func(c map[string][]byte) []string { c[name] = append(bytes.Clone(c[name]), c[name]...); return nil }), testPub, bundle.ErrCorrupt, name + ": the archive says"})
	}
	for _, n := range []int{len(data) - 1, len(data) - 22, len(data) / 2, 30, 1} {
		tests = append(tests, struct {
			name   string
			bundle []byte
			pub    ed25519.PublicKey
			want   error
			says   string
		}{"truncated", data[:n], testPub, bundle.ErrCorrupt, "not a readable zip archive"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := bundle.Open(bytes.NewReader(tt.bundle), int64(len(tt.bundle)), tt.pub, bundle.Limits{})
			if b != nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("Open = %v, %v; want %v saying %q", b, err, tt.want, tt.says)
			}
			var ce *cra.Error
			if !errors.As(err, &ce) || ce.Code != cra.EINVALID || ce.Message != err.Error() {
				t.Errorf("errors.As(*cra.Error) = %+v", ce)
			}
		})
	}
}

// validSigOf returns manifest.sig content signing data with testKey.
func validSigOf(t *testing.T, data []byte) []byte {
	t.Helper()
	c := map[string][]byte{"manifest.json": data}
	resign(t, c, testKey, nil)
	return c["manifest.sig"]
}

// TestFlippedCompressedByte damages the deflate stream itself, which the
// zip layer or the hash catches.
func TestFlippedCompressedByte(t *testing.T) {
	t.Parallel()
	data, _, _ := validBundle(t)
	for _, at := range []int{70, 200, 400} {
		b, err := bundle.Open(bytes.NewReader(flip(data, at)), int64(len(data)), testPub, bundle.Limits{})
		if b != nil || !errors.Is(err, bundle.ErrCorrupt) || !strings.Contains(err.Error(), "advisories.jsonl") {
			t.Errorf("byte %d: Open = %v", at, err)
		}
	}
}

// TestSignedButMalformed covers bundles whose signer made them badly:
// they pass the signature and hashes, and the format checks refuse them.
func TestSignedButMalformed(t *testing.T) {
	t.Parallel()
	_, names, content := validBundle(t)
	build := func(f func(c map[string][]byte), edit func(*bundle.Manifest)) []byte {
		c := map[string][]byte{}
		for k, v := range content {
			c[k] = v
		}
		if f != nil {
			f(c)
		}
		resign(t, c, testKey, edit)
		return rezip(t, names, c)
	}
	lines := func(c map[string][]byte, name string) []string {
		return strings.SplitAfter(string(c[name]), "\n")
	}
	t.Run("refused by Open", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			data []byte
			want error
			says string
		}{
			{"newer version", build(nil, func(m *bundle.Manifest) { m.Version = 2 }), bundle.ErrUnsupportedVersion, "bundle version 2 is newer than this cyra reads (1)"},
			{"newer version, unsigned", rezip(t, names[:4], func() map[string][]byte {
				c := map[string][]byte{}
				for k, v := range content {
					c[k] = v
				}
				c["manifest.json"] = bytes.Replace(c["manifest.json"], []byte(`"version": 1`), []byte(`"version": 3`), 1)
				return c
			}()), bundle.ErrUnsupportedVersion, "version 3"},
			{"version 0", build(nil, func(m *bundle.Manifest) { m.Version = 0 }), bundle.ErrInvalid, "version 0"},
			{"other format", build(nil, func(m *bundle.Manifest) { m.Format = "zip" }), bundle.ErrInvalid, "not a cyra vulnerability bundle"},
			{"unknown file listed", build(nil, func(m *bundle.Manifest) { m.Files[2].Name = "nvd.jsonl" }), bundle.ErrInvalid, `lists "nvd.jsonl"`},
			{"file unlisted", build(nil, func(m *bundle.Manifest) { m.Files = m.Files[:2] }), bundle.ErrInvalid, "does not list epss.csv"},
			{"upper-case hash", build(nil, func(m *bundle.Manifest) { m.Files[0].SHA256 = strings.ToUpper(m.Files[0].SHA256) }), bundle.ErrInvalid, "sha256 of advisories.jsonl"},
			{"count too high", build(nil, func(m *bundle.Manifest) { m.Counts.Advisories++ }), bundle.ErrInvalid, "advisories.jsonl has 4 lines; the manifest's count makes it 5"},
			{"no final newline", build(func(c map[string][]byte) { c["kev.jsonl"] = bytes.TrimSuffix(c["kev.jsonl"], []byte("\n")) }, func(m *bundle.Manifest) { m.Counts.KEV-- }), bundle.ErrInvalid, "kev.jsonl does not end with a newline"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				b, err := bundle.Open(bytes.NewReader(tt.data), int64(len(tt.data)), testPub, bundle.Limits{})
				if b != nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
					t.Fatalf("Open = %v; want %v saying %q", err, tt.want, tt.says)
				}
			})
		}
	})
	t.Run("refused while reading", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			f    func(c map[string][]byte)
			says string
		}{
			{"advisory that does not parse", func(c map[string][]byte) {
				l := lines(c, "advisories.jsonl")
				l[1] = "{not json}\n"
				c["advisories.jsonl"] = []byte(strings.Join(l, ""))
			}, "advisories.jsonl line 2: invalid character"},
			{"digest of another record", func(c map[string][]byte) {
				c["advisories.jsonl"] = bytes.Replace(c["advisories.jsonl"], []byte(`EUVD-2024-0123\"`), []byte(`EUVD-2024-9999\"`), 1)
			}, "advisories.jsonl line 2: euvd EUVD-2024-0123: digest"},
			{"advisory without id", func(c map[string][]byte) {
				c["advisories.jsonl"] = bytes.Replace(c["advisories.jsonl"], []byte(`"id":"GHSA-hand-made0-0000"`), []byte(`"ID":""`), 1)
			}, "advisories.jsonl line 4: source and id are required"},
			{"empty line", func(c map[string][]byte) {
				c["kev.jsonl"] = bytes.Replace(c["kev.jsonl"], []byte("\n"), []byte("\n\n"), 1)
				c["kev.jsonl"] = bytes.TrimSuffix(c["kev.jsonl"], []byte("\n"))
				c["kev.jsonl"] = c["kev.jsonl"][:bytes.LastIndexByte(c["kev.jsonl"], '\n')+1]
			}, "kev.jsonl line 2 is empty"},
			{"KEV date", func(c map[string][]byte) {
				c["kev.jsonl"] = bytes.Replace(c["kev.jsonl"], []byte(`"2024-04-22"`), []byte(`"22.04.2024"`), 1)
			}, `kev.jsonl line 1: due_date: "22.04.2024" is not a YYYY-MM-DD date`},
			{"EPSS header", func(c map[string][]byte) {
				c["epss.csv"] = bytes.Replace(c["epss.csv"], []byte("cve,"), []byte("CVE,"), 1)
			}, "epss.csv line 1"},
			{"EPSS field count", func(c map[string][]byte) {
				c["epss.csv"] = bytes.Replace(c["epss.csv"], []byte(",1,1\n"), []byte(",1\n"), 1)
			}, "epss.csv line 3 has 3 fields"},
			{"EPSS number", func(c map[string][]byte) {
				c["epss.csv"] = bytes.Replace(c["epss.csv"], []byte("0.00001"), []byte("1e-5x"), 1)
			}, "epss.csv line 4"},
			{"EPSS range", func(c map[string][]byte) {
				c["epss.csv"] = bytes.Replace(c["epss.csv"], []byte("0.97125"), []byte("97.125"), 1)
			}, "epss.csv line 2: CVE-2024-3094: epss and percentile must be between 0 and 1"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				b := MustOpen(t, build(tt.f, nil))
				err := b.Validate()
				if !errors.Is(err, bundle.ErrInvalid) || !strings.Contains(err.Error(), tt.says) {
					t.Fatalf("Validate = %v; want ErrInvalid saying %q", err, tt.says)
				}
				called := false
				if err := b.Advisories(1000, func([]cra.Advisory) error { called = true; return nil }); err != nil && called {
					t.Errorf("a batch was handed over before the error %v", err)
				}
			})
		}
	})
}

// changingReader is an io.ReaderAt whose bytes the test changes after
// Open, as a file replaced on disk would.
type changingReader struct{ data []byte }

func (r *changingReader) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(r.data).ReadAt(p, off)
}

func TestChangedAfterOpen(t *testing.T) {
	t.Parallel()
	data, _, _ := validBundle(t)
	r := &changingReader{data: bytes.Clone(data)}
	b, err := bundle.Open(r, int64(len(data)), testPub, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r.data = flip(r.data, 200)
	called := false
	err = b.Advisories(1000, func([]cra.Advisory) error { called = true; return nil })
	if !errors.Is(err, bundle.ErrCorrupt) || called {
		t.Fatalf("Advisories after a change = %v (callback called: %v)", err, called)
	}
}
