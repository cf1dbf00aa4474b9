package bundle_test

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"cyra/internal/bundle"
	"cyra/internal/cra"
)

// testKey is a fixed key, so bundles are the same in every run.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

// testPub is testKey's public key.
var testPub = testKey.Public().(ed25519.PublicKey)

// testMeta is the Meta of every test bundle.
var testMeta = bundle.Meta{Created: time.Date(2026, 3, 1, 12, 30, 45, 0, time.UTC), Generator: "cyra test"}

// memSource is a bundle.Source over slices.
type memSource struct {
	advisories []cra.Advisory
	kev        []cra.KEVEntry
	epss       []cra.EPSSScore
}

func (s *memSource) WalkAdvisories(fn func(cra.Advisory) error) error {
	for _, a := range s.advisories {
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) KEVEntries() ([]cra.KEVEntry, error) { return s.kev, nil }

func (s *memSource) WalkEPSS(fn func(cra.EPSSScore) error) error {
	for _, e := range s.epss {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// MustWrite writes a bundle of src with testKey and testMeta.
func MustWrite(tb testing.TB, src bundle.Source) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := bundle.Write(&buf, testKey, testMeta, src); err != nil {
		tb.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// MustOpen opens data with testPub and default limits.
func MustOpen(tb testing.TB, data []byte) *bundle.Bundle {
	tb.Helper()
	b, err := bundle.Open(bytes.NewReader(data), int64(len(data)), testPub, bundle.Limits{})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return b
}

// sharedData returns ../shared/data beside the module root, skipping the
// test when it is not there.
func sharedData(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(dir, "osv")); err != nil {
		tb.Skipf("real OSV data not found at %s (tests read ../shared/data beside the module root): %v", dir, err)
	}
	return dir
}

// osvRecord is just enough of an OSV record to fill a cra.Advisory.
type osvRecord struct {
	ID        string     `json:"id"`
	Aliases   []string   `json:"aliases"`
	Related   []string   `json:"related"`
	Summary   string     `json:"summary"`
	Details   string     `json:"details"`
	Published *time.Time `json:"published"`
	Modified  *time.Time `json:"modified"`
	Withdrawn *time.Time `json:"withdrawn"`
	Severity  []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	References []cra.Reference `json:"references"`
	Affected   []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			PURL      string `json:"purl"`
		} `json:"package"`
		Ranges []struct {
			Type   string              `json:"type"`
			Repo   string              `json:"repo"`
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
		Versions          []string `json:"versions"`
		EcosystemSpecific struct {
			Imports []struct {
				Path    string   `json:"path"`
				Symbols []string `json:"symbols"`
			} `json:"imports"`
		} `json:"ecosystem_specific"`
	} `json:"affected"`
	DatabaseSpecific struct {
		CWEIDs []string `json:"cwe_ids"`
	} `json:"database_specific"`
}

// utcPtr returns t in UTC, nil for nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// loadOSV reads every n-th record of an ecosystem directory, up to max.
func loadOSV(tb testing.TB, dir string, every, max int) []cra.Advisory {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Skipf("no OSV records in %s: %v", dir, err)
	}
	slices.Sort(paths)
	var out []cra.Advisory
	for i := 0; i < len(paths) && len(out) < max; i += every {
		raw, err := os.ReadFile(paths[i])
		if err != nil {
			tb.Fatal(err)
		}
		var r osvRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			tb.Fatalf("%s: %v", paths[i], err)
		}
		sum := sha256.Sum256(raw)
		a := cra.Advisory{
			Source: cra.SourceOSV, ID: r.ID, Aliases: r.Aliases, Related: r.Related,
			Summary: r.Summary, Details: r.Details, Published: utcPtr(r.Published),
			Modified: utcPtr(r.Modified), Withdrawn: utcPtr(r.Withdrawn),
			CWEs: r.DatabaseSpecific.CWEIDs, References: r.References,
			Raw: raw, Digest: hex.EncodeToString(sum[:]),
		}
		for _, s := range r.Severity {
			a.Severity = append(a.Severity, cra.Severity{Type: s.Type, Vector: s.Score})
		}
		for _, af := range r.Affected {
			ca := cra.Affected{Ecosystem: af.Package.Ecosystem, Name: af.Package.Name, PURL: af.Package.PURL, Versions: af.Versions}
			for _, rg := range af.Ranges {
				cr := cra.Range{Type: rg.Type, Repo: rg.Repo}
				for _, ev := range rg.Events {
					cr.Events = append(cr.Events, cra.RangeEvent{Introduced: ev["introduced"], Fixed: ev["fixed"], LastAffected: ev["last_affected"], Limit: ev["limit"]})
				}
				ca.Ranges = append(ca.Ranges, cr)
			}
			for _, imp := range af.EcosystemSpecific.Imports {
				for _, sym := range imp.Symbols {
					ca.Symbols = append(ca.Symbols, imp.Path+"."+sym)
				}
			}
			a.Affected = append(a.Affected, ca)
		}
		out = append(out, a)
	}
	return out
}

// zipFiles returns the entries of a zip archive in order, with their
// uncompressed content.
func zipFiles(tb testing.TB, data []byte) (names []string, content map[string][]byte) {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	content = map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		names = append(names, f.Name)
		content[f.Name] = b
	}
	return names, content
}

// rezip writes a zip archive of the named entries (a name missing from
// content is left out).
func rezip(tb testing.TB, names []string, content map[string][]byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		data, ok := content[name]
		if !ok {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// resign updates the manifest's file sizes and hashes to content, lets
// edit change it further, and signs it again with key: a bundle whose
// signer made it badly rather than one changed afterwards.
func resign(tb testing.TB, content map[string][]byte, key ed25519.PrivateKey, edit func(*bundle.Manifest)) {
	tb.Helper()
	var m bundle.Manifest
	if err := json.Unmarshal(content[bundle.ManifestFile], &m); err != nil {
		tb.Fatal(err)
	}
	for i, f := range m.Files {
		sum := sha256.Sum256(content[f.Name])
		m.Files[i].Size = int64(len(content[f.Name]))
		m.Files[i].SHA256 = hex.EncodeToString(sum[:])
	}
	if edit != nil {
		edit(&m)
	}
	data, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	content[bundle.ManifestFile] = data
	content[bundle.SignatureFile] = []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(key, data)))
}
