package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"slices"
)

// Bundle is a bundle whose signature and file hashes Open has verified.
// Its methods read the data files again, hashing them once more as they
// go, so a file changed after Open is reported (at the end of that file)
// rather than trusted. A Bundle is safe for concurrent use when its
// io.ReaderAt is.
type Bundle struct {
	manifest Manifest
	files    map[string]*zip.File
	limits   Limits
}

// Open reads a bundle's zip directory and verifies it before returning:
// manifest.json and manifest.sig must be present, the signature must
// verify with pub (else ErrBadSignature), format and version must be ones
// this package reads (else ErrInvalid or ErrUnsupportedVersion), the
// archive must hold exactly the files the manifest lists, and every file's
// size, SHA-256 and line count must match the manifest (else ErrCorrupt or
// ErrInvalid; the error names the file). Sizes over limits are refused
// before anything is decompressed (ErrTooLarge), and no file is
// decompressed past the size the manifest gives it. Only a Bundle that
// passed all of this is returned, so nothing of a bad bundle ever reaches
// the caller.
func Open(r io.ReaderAt, size int64, pub ed25519.PublicKey, limits Limits) (*Bundle, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, errorf(ErrInvalidKey, "the public key is %d bytes, not an Ed25519 public key", len(pub))
	}
	limits = limits.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, wrapf(ErrCorrupt, err, "not a readable zip archive")
	}
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		if files[f.Name] != nil {
			return nil, errorf(ErrCorrupt, "the archive holds %q twice", f.Name)
		}
		files[f.Name] = f
	}

	mf := files[ManifestFile]
	if mf == nil {
		return nil, errorf(ErrCorrupt, "%s is missing: this is not a cyra vulnerability bundle", ManifestFile)
	}
	manifest, err := readSmall(mf, maxManifestSize)
	if err != nil {
		return nil, err
	}
	if format, version, ok := peekVersion(manifest); ok && format == Format && version > Version {
		return nil, errorf(ErrUnsupportedVersion, "%s: bundle version %d is newer than this cyra reads (%d); upgrade cyra", ManifestFile, version, Version)
	}
	if err := verifySignature(files[SignatureFile], manifest, pub); err != nil {
		return nil, err
	}
	m, err := parseManifest(manifest)
	if err != nil {
		return nil, err
	}

	for _, f := range zr.File {
		if _, listed := m.File(f.Name); !listed && f.Name != ManifestFile && f.Name != SignatureFile {
			return nil, errorf(ErrCorrupt, "the archive holds %q, which the manifest does not list", f.Name)
		}
	}
	var total int64
	for _, fi := range m.Files {
		if files[fi.Name] == nil {
			return nil, errorf(ErrCorrupt, "%s is listed in the manifest but missing from the archive", fi.Name)
		}
		if fi.Size > limits.MaxFileSize {
			return nil, errorf(ErrTooLarge, "%s is %d bytes; the limit is %d", fi.Name, fi.Size, limits.MaxFileSize)
		}
		if fi.Size > limits.MaxTotalSize-total {
			return nil, errorf(ErrTooLarge, "the data files are more than %d bytes together", limits.MaxTotalSize)
		}
		total += fi.Size
	}

	b := &Bundle{manifest: *m, files: files, limits: limits}
	want := map[string]int{AdvisoriesFile: m.Counts.Advisories, KEVFile: m.Counts.KEV, EPSSFile: m.Counts.EPSS + 1}
	for _, fi := range m.Files {
		lines, err := b.verifyFile(fi)
		if err != nil {
			return nil, err
		}
		if lines != want[fi.Name] {
			return nil, errorf(ErrInvalid, "%s has %d lines; the manifest's count makes it %d", fi.Name, lines, want[fi.Name])
		}
	}
	return b, nil
}

// Manifest returns the bundle's verified manifest.
func (b *Bundle) Manifest() Manifest {
	m := b.manifest
	m.Files = slices.Clone(m.Files)
	return m
}

// readSmall reads a small entry whole, refusing one larger than max.
func readSmall(f *zip.File, max int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(max) {
		return nil, errorf(ErrTooLarge, "%s is %d bytes; the limit is %d", f.Name, f.UncompressedSize64, max)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, wrapf(ErrCorrupt, err, "opening %s", f.Name)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, wrapf(ErrCorrupt, err, "reading %s", f.Name)
	}
	if int64(len(data)) > max {
		return nil, errorf(ErrTooLarge, "%s is larger than %d bytes", f.Name, max)
	}
	return data, nil
}

// verifySignature checks manifest.sig against the manifest's bytes.
func verifySignature(f *zip.File, manifest []byte, pub ed25519.PublicKey) error {
	if f == nil {
		return errorf(ErrBadSignature, "the bundle is not signed: %s is missing", SignatureFile)
	}
	text, err := readSmall(f, maxSignatureSize)
	if err != nil {
		return wrapf(ErrBadSignature, err, "%s cannot be read", SignatureFile)
	}
	sig, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(text)))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errorf(ErrBadSignature, "%s is not a base64 Ed25519 signature", SignatureFile)
	}
	if !ed25519.Verify(pub, manifest, sig) {
		return errorf(ErrBadSignature, "%s does not verify with the given public key: the bundle was signed with another key or changed after signing", SignatureFile)
	}
	return nil
}

// verifyFile streams one data file through SHA-256 and returns its number
// of lines.
func (b *Bundle) verifyFile(fi FileInfo) (int, error) {
	rc, err := b.open(fi.Name)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	buf := make([]byte, 64<<10)
	lines := 0
	last := byte('\n')
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			lines += bytes.Count(buf[:n], []byte{'\n'})
			last = buf[n-1]
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		return 0, errorf(ErrInvalid, "%s does not end with a newline", fi.Name)
	}
	return lines, nil
}

// open opens a listed data file for reading through a verifyingReader.
func (b *Bundle) open(name string) (io.ReadCloser, error) {
	fi, ok := b.manifest.File(name)
	f := b.files[name]
	if !ok || f == nil {
		return nil, errorf(ErrCorrupt, "%s is missing", name)
	}
	if f.UncompressedSize64 != uint64(fi.Size) {
		return nil, errorf(ErrCorrupt, "%s: the archive says %d bytes, the manifest %d", name, f.UncompressedSize64, fi.Size)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, wrapf(ErrCorrupt, err, "opening %s", name)
	}
	return &verifyingReader{rc: rc, r: io.LimitReader(rc, fi.Size+1), h: sha256.New(), want: fi}, nil
}

// verifyingReader reads a data file while hashing it. It fails as soon as
// the file is longer than the manifest says, and at the end when its size
// or hash differs, so no more than the manifest's size is ever
// decompressed.
type verifyingReader struct {
	rc   io.Closer
	r    io.Reader
	h    hash.Hash
	n    int64
	want FileInfo
}

// Read implements io.Reader.
func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	switch {
	case v.n > v.want.Size:
		return n, errorf(ErrCorrupt, "%s is longer than the %d bytes the manifest gives", v.want.Name, v.want.Size)
	case errors.Is(err, io.EOF):
		if v.n != v.want.Size {
			return n, errorf(ErrCorrupt, "%s is %d bytes; the manifest gives %d", v.want.Name, v.n, v.want.Size)
		}
		if sum := hex.EncodeToString(v.h.Sum(nil)); sum != v.want.SHA256 {
			return n, errorf(ErrCorrupt, "%s has SHA-256 %s; the manifest gives %s", v.want.Name, sum, v.want.SHA256)
		}
		return n, io.EOF
	case err != nil:
		return n, wrapf(ErrCorrupt, err, "reading %s", v.want.Name)
	}
	return n, nil
}

// Close implements io.Closer.
func (v *verifyingReader) Close() error { return v.rc.Close() }
