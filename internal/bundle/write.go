package bundle

import (
	"archive/zip"
	"bufio"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"cyra/internal/cra"
)

// Source is the data a bundle is written from. The exporter implements it
// over the store; every method is called once, in the order of the files.
// Determinism is the Source's part: it must yield records in a stable
// order (for example by source and id) for two exports of the same data
// to be byte-identical. Write does not take a context: a Source that
// should stop early returns its context's error.
type Source interface {
	// WalkAdvisories calls fn for every advisory, stopping at the first
	// error fn returns and returning it.
	WalkAdvisories(fn func(cra.Advisory) error) error
	// KEVEntries returns every KEV entry, removed ones included.
	KEVEntries() ([]cra.KEVEntry, error)
	// WalkEPSS calls fn for every EPSS score, stopping at the first error
	// fn returns and returning it.
	WalkEPSS(fn func(cra.EPSSScore) error) error
}

// Write writes a bundle of everything src yields to w and returns its
// manifest. It streams: memory use does not grow with the number of
// records. The data files come first, then manifest.json, then
// manifest.sig, the Ed25519 signature of manifest.json's exact bytes by
// key. On error the output is incomplete and must be discarded; errors of
// w and src are returned wrapped, so errors.Is still matches them.
func Write(w io.Writer, key ed25519.PrivateKey, meta Meta, src Source) (*Manifest, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errorf(ErrInvalidKey, "the signing key is %d bytes, not an Ed25519 private key", len(key))
	}
	if meta.Created.IsZero() {
		return nil, errors.New("bundle: Meta.Created is required")
	}
	if meta.Generator == "" {
		meta.Generator = "cyra"
	}
	m := &Manifest{
		Format: Format, Version: Version,
		Created:   meta.Created.UTC().Truncate(time.Second),
		Generator: meta.Generator,
	}
	zw := zip.NewWriter(w)
	bw := &bundleWriter{zw: zw, created: m.Created}
	fills := []func(io.Writer, Source) (int, error){writeAdvisories, writeKEV, writeEPSS}
	counts := []*int{&m.Counts.Advisories, &m.Counts.KEV, &m.Counts.EPSS}
	for i, name := range dataFiles {
		fi, err := bw.file(name, func(out io.Writer) (err error) {
			*counts[i], err = fills[i](out, src)
			return err
		})
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, fi)
	}

	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("bundle: encoding the manifest: %w", err)
	}
	manifest = append(manifest, '\n')
	raw := ed25519.Sign(key, manifest)
	if !ed25519.Verify(key.Public().(ed25519.PublicKey), manifest, raw) {
		// A key whose public half does not match its seed signs bundles
		// that no site can verify; refuse it here rather than there.
		return nil, errorf(ErrInvalidKey, "the signing key is damaged: its signature does not verify with its own public key")
	}
	sig := base64.StdEncoding.EncodeToString(raw) + "\n"
	for _, f := range []struct {
		name string
		data []byte
	}{{ManifestFile, manifest}, {SignatureFile, []byte(sig)}} {
		if _, err := bw.file(f.name, func(out io.Writer) error {
			_, err := out.Write(f.data)
			return err
		}); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("bundle: finishing the archive: %w", err)
	}
	return m, nil
}

// writeAdvisories writes advisories.jsonl and returns its number of lines.
func writeAdvisories(out io.Writer, src Source) (int, error) {
	enc, n := newLineEncoder(out), 0
	err := src.WalkAdvisories(func(a cra.Advisory) error {
		wa, err := advisoryToWire(&a)
		if err != nil {
			return fmt.Errorf("advisory %s %s: %w", a.Source, a.ID, err)
		}
		n++
		return enc.Encode(&wa)
	})
	return n, err
}

// writeKEV writes kev.jsonl and returns its number of lines.
func writeKEV(out io.Writer, src Source) (int, error) {
	entries, err := src.KEVEntries()
	if err != nil {
		return 0, err
	}
	enc := newLineEncoder(out)
	for i := range entries {
		wk, err := kevToWire(&entries[i])
		if err != nil {
			return 0, fmt.Errorf("KEV entry %d: %w", i+1, err)
		}
		if err := enc.Encode(&wk); err != nil {
			return 0, err
		}
	}
	return len(entries), nil
}

// writeEPSS writes epss.csv and returns its number of lines after the
// header.
func writeEPSS(out io.Writer, src Source) (int, error) {
	if _, err := io.WriteString(out, strings.Join(epssHeader, ",")+"\n"); err != nil {
		return 0, err
	}
	var line []byte
	n := 0
	err := src.WalkEPSS(func(s cra.EPSSScore) error {
		if err := checkEPSS(&s); err != nil {
			return fmt.Errorf("EPSS score: %w", err)
		}
		n++
		line = appendEPSS(line[:0], &s)
		_, err := out.Write(line)
		return err
	})
	return n, err
}

// bundleWriter writes zip entries with fixed headers, so the archive's
// bytes depend only on the data and the creation time.
type bundleWriter struct {
	zw      *zip.Writer
	created time.Time
}

// file writes one entry: fill writes its content through a buffer that
// also counts and hashes it. It returns the entry as the manifest lists it.
func (bw *bundleWriter) file(name string, fill func(io.Writer) error) (FileInfo, error) {
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: bw.created}
	hdr.SetMode(0o644)
	zf, err := bw.zw.CreateHeader(hdr)
	if err != nil {
		return FileInfo{}, fmt.Errorf("bundle: writing %s: %w", name, err)
	}
	hw := &hashWriter{w: zf, h: sha256.New()}
	buf := bufio.NewWriterSize(hw, 64<<10)
	if err := fill(buf); err != nil {
		return FileInfo{}, fmt.Errorf("bundle: writing %s: %w", name, err)
	}
	if err := buf.Flush(); err != nil {
		return FileInfo{}, fmt.Errorf("bundle: writing %s: %w", name, err)
	}
	return FileInfo{Name: name, Size: hw.n, SHA256: hex.EncodeToString(hw.h.Sum(nil))}, nil
}

// hashWriter passes writes on while counting and hashing them.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

// Write implements io.Writer.
func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

// newLineEncoder returns a JSON encoder that writes one value per line and
// leaves <, > and & as they are, for readable lines.
func newLineEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
