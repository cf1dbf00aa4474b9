package bundle

import (
	"crypto/sha256"
	"encoding/json"
	"slices"
	"time"
)

// Format is the value of the manifest's "format" field.
const Format = "cyra-vuln-bundle"

// Version is the format version this package writes and the newest it
// reads. Changes that older readers can safely ignore (a new optional JSON
// field) keep the version; any other change increments it.
const Version = 1

// The names of the files of a version 1 bundle, in the order they are
// written.
const (
	AdvisoriesFile = "advisories.jsonl"
	KEVFile        = "kev.jsonl"
	EPSSFile       = "epss.csv"
	ManifestFile   = "manifest.json"
	SignatureFile  = "manifest.sig"
)

// dataFiles lists the data files of a version 1 bundle; the manifest lists
// exactly these.
var dataFiles = []string{AdvisoriesFile, KEVFile, EPSSFile}

// Manifest describes a bundle: what made it, when, how many records each
// file holds, and the size and SHA-256 of every data file. Its exact bytes
// in manifest.json are what manifest.sig signs.
type Manifest struct {
	Format    string     `json:"format"`
	Version   int        `json:"version"`
	Created   time.Time  `json:"created"`
	Generator string     `json:"generator"`
	Counts    Counts     `json:"counts"`
	Files     []FileInfo `json:"files"`
}

// Counts are the numbers of records in the data files.
type Counts struct {
	Advisories int `json:"advisories"`
	KEV        int `json:"kev"`
	EPSS       int `json:"epss"`
}

// FileInfo is one data file as the manifest lists it: its name, its
// uncompressed size in bytes and the lower-case hex SHA-256 of its
// uncompressed content.
type FileInfo struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// File returns the manifest's entry for name and whether there is one.
func (m *Manifest) File(name string) (FileInfo, bool) {
	for _, f := range m.Files {
		if f.Name == name {
			return f, true
		}
	}
	return FileInfo{}, false
}

// Meta is what the exporter says about a bundle.
type Meta struct {
	// Created is when the bundle was made. It is required, written to the
	// manifest at second precision in UTC, and used as the modification
	// time of every zip entry, so the same data and Meta give the same
	// bytes.
	Created time.Time
	// Generator names the program and version that wrote the bundle, for
	// example "cyra v1.4.0"; "cyra" when empty.
	Generator string
}

// Limits bound what Open and the Bundle methods read, as a defence in
// depth against archives that decompress to far more than they look
// (zip bombs). Open refuses a bundle whose manifest claims more, and never
// decompresses more of a file than the manifest claims. A zero field takes
// its default.
type Limits struct {
	// MaxFileSize bounds the uncompressed size of one data file; default
	// 16 GiB.
	MaxFileSize int64
	// MaxTotalSize bounds the uncompressed size of all data files
	// together; default 32 GiB.
	MaxTotalSize int64
	// MaxLineSize bounds one line of a data file, that is one advisory
	// with its raw record; default 64 MiB.
	MaxLineSize int
}

// The defaults of Limits, and fixed bounds of the small files.
const (
	DefaultMaxFileSize  = 16 << 30
	DefaultMaxTotalSize = 32 << 30
	DefaultMaxLineSize  = 64 << 20
	maxManifestSize     = 1 << 20
	maxSignatureSize    = 1 << 10
)

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxLineSize <= 0 {
		l.MaxLineSize = DefaultMaxLineSize
	}
	return l
}

// peekVersion reads only the format and version of an unverified
// manifest. Open uses it to report a newer version as such rather than as
// a bad signature, since a newer version may sign differently; nothing
// else of an unverified manifest is used.
func peekVersion(data []byte) (format string, version int, ok bool) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if json.Unmarshal(data, &head) != nil {
		return "", 0, false
	}
	return head.Format, head.Version, true
}

// parseManifest decodes a verified manifest and checks it against the
// version 1 format.
func parseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, wrapf(ErrInvalid, err, "%s does not parse", ManifestFile)
	}
	switch {
	case m.Format != Format:
		return nil, errorf(ErrInvalid, "%s: format is %q, not %q: this is not a cyra vulnerability bundle", ManifestFile, m.Format, Format)
	case m.Version > Version:
		return nil, errorf(ErrUnsupportedVersion, "%s: bundle version %d is newer than this cyra reads (%d); upgrade cyra", ManifestFile, m.Version, Version)
	case m.Version < 1:
		return nil, errorf(ErrInvalid, "%s: version %d is not a bundle version", ManifestFile, m.Version)
	case m.Created.IsZero():
		return nil, errorf(ErrInvalid, "%s: created is missing", ManifestFile)
	case m.Counts.Advisories < 0 || m.Counts.KEV < 0 || m.Counts.EPSS < 0:
		return nil, errorf(ErrInvalid, "%s: a count is negative", ManifestFile)
	}
	m.Created = m.Created.UTC()
	seen := map[string]bool{}
	for _, f := range m.Files {
		switch {
		case !slices.Contains(dataFiles, f.Name):
			return nil, errorf(ErrInvalid, "%s lists %q, which is not a file of a version %d bundle", ManifestFile, f.Name, Version)
		case seen[f.Name]:
			return nil, errorf(ErrInvalid, "%s lists %s twice", ManifestFile, f.Name)
		case f.Size < 0:
			return nil, errorf(ErrInvalid, "%s: %s has a negative size", ManifestFile, f.Name)
		case !isSHA256Hex(f.SHA256):
			return nil, errorf(ErrInvalid, "%s: the sha256 of %s is not 64 lower-case hex digits", ManifestFile, f.Name)
		}
		seen[f.Name] = true
	}
	for _, name := range dataFiles {
		if !seen[name] {
			return nil, errorf(ErrInvalid, "%s does not list %s", ManifestFile, name)
		}
	}
	return &m, nil
}

// isSHA256Hex reports whether s is a SHA-256 in lower-case hex.
func isSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
