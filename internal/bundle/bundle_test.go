package bundle_test

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"cyra/internal/bundle"
	"cyra/internal/cra"
)

// date returns the day as cra.ParseDate does: midnight UTC.
func date(s string) cra.Date {
	d, err := cra.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at returns a UTC time.
func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	t = t.UTC()
	return &t
}

// withRaw sets a's Raw and its Digest.
func withRaw(a cra.Advisory, raw []byte) cra.Advisory {
	sum := sha256.Sum256(raw)
	a.Raw, a.Digest = raw, hex.EncodeToString(sum[:])
	return a
}

// handBuilt returns advisories of every source and shape the OSV records
// do not cover: NVD CPEs, EUVD exploitation and EPSS, HTML characters,
// a raw record that is not UTF-8, empty but non-nil lists, and no raw.
func handBuilt() []cra.Advisory {
	epss := 0.97125
	zero := 0.0
	return []cra.Advisory{
		withRaw(cra.Advisory{
			Source: cra.SourceNVD, ID: "CVE-2024-3094", Summary: "Malicious code in xz <5.6.2 & liblzma",
			Published: at("2024-03-29T17:15:21.15Z"), Modified: at("2025-02-06T09:15:10.82Z"),
			Severity:   []cra.Severity{{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10, Rating: "CRITICAL", Source: "nvd@nist.gov"}},
			CWEs:       []string{"CWE-506"},
			References: []cra.Reference{{URL: "https://www.openwall.com/lists/oss-security/2024/03/29/4"}},
			CPEs:       []string{"cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*", "cpe:2.3:a:tukaani:xz:5.6.1:*:*:*:*:*:*:*"},
		}, []byte(`{"cve":{"id":"CVE-2024-3094","descriptions":[{"lang":"en","value":"Malicious code <b>"}]}}`)),
		withRaw(cra.Advisory{
			Source: cra.SourceEUVD, ID: "EUVD-2024-0123", Aliases: []string{"CVE-2024-3094", "GHSA-rxwq-x6h5-x525"},
			Details: "Line one.\nLine two with \u2028 and \"quotes\".", Published: at("2024-03-30T00:00:00Z"),
			ExploitedSince: at("2024-04-01T08:00:00Z"), EPSS: &epss,
			Severity: []cra.Severity{{Type: "CVSS_V4", Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Score: 9.3}},
		}, []byte("{\n  \"id\": \"EUVD-2024-0123\"\n}\n")),
		withRaw(cra.Advisory{Source: cra.SourceEUVD, ID: "EUVD-2025-0001", EPSS: &zero, Aliases: []string{}, Related: []string{},
			Severity: []cra.Severity{}, CWEs: []string{}, References: []cra.Reference{}, CPEs: []string{},
			Affected: []cra.Affected{{Ecosystem: "npm", Name: "x", Ranges: []cra.Range{{Type: "SEMVER", Events: []cra.RangeEvent{}}}, Versions: []string{}, Symbols: []string{}}},
		}, []byte{'{', 0xff, 0xfe, '}'}),
		{Source: cra.SourceOSV, ID: "GHSA-hand-made0-0000", Summary: "no raw record", Modified: &time.Time{}},
	}
}

// testKEV returns KEV entries: listed, removed, and sparse.
func testKEV() []cra.KEVEntry {
	return []cra.KEVEntry{
		{CVE: "CVE-2024-3094", VendorProject: "Tukaani", Product: "xz", Name: "XZ Utils Embedded Malicious Code",
			DateAdded: date("2024-04-01"), DueDate: date("2024-04-22"), RansomwareUse: "Unknown",
			RequiredAction: "Apply mitigations per vendor instructions.", ShortDescription: "Backdoor <in> liblzma & sshd.",
			Notes: "https://nvd.nist.gov/vuln/detail/CVE-2024-3094", CWEs: []string{"CWE-506"}, FirstSeen: *at("2024-04-01T19:00:03Z")},
		{CVE: "CVE-2021-44228", VendorProject: "Apache", Product: "Log4j2", DateAdded: date("2021-12-10"),
			RansomwareUse: "Known", CWEs: []string{}, FirstSeen: *at("2021-12-10T12:00:00.123456Z"), Removed: at("2025-01-02T03:04:05Z")},
		{CVE: "CVE-2020-0001", FirstSeen: *at("2020-01-01T00:00:00Z")},
	}
}

// testEPSS returns scores at the edges of the number format.
func testEPSS() []cra.EPSSScore {
	return []cra.EPSSScore{
		{CVE: "CVE-2024-3094", Score: 0.97125, Percentile: 0.99876, Date: date("2026-02-28")},
		{CVE: "CVE-2021-44228", Score: 1, Percentile: 1, Date: date("2026-02-28")},
		{CVE: "CVE-2020-0001", Score: 0.00001, Percentile: 0, Date: date("2026-02-27")},
		{CVE: "CVE-2020-123456", Score: 1e-7, Percentile: 0.1234567890123, Date: date("2026-02-27")},
	}
}

// differingField returns the name of the first field in which two
// advisories differ (reflect.DeepEqual), "" when they are equal.
func differingField(got, want cra.Advisory) string {
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			return g.Type().Field(i).Name
		}
	}
	return ""
}

// realSource returns OSV records of golang/vulndb and RustSec plus the
// hand-built records, KEV entries and EPSS scores.
func realSource(t *testing.T) *memSource {
	t.Helper()
	dir := sharedData(t)
	var adv []cra.Advisory
	adv = append(adv, loadOSV(t, filepath.Join(dir, "osv", "Go"), 150, 30)...)
	adv = append(adv, loadOSV(t, filepath.Join(dir, "osv", "crates.io"), 60, 20)...)
	adv = append(adv, handBuilt()...)
	return &memSource{advisories: adv, kev: testKEV(), epss: testEPSS()}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	src := realSource(t)
	var buf bytes.Buffer
	m, err := bundle.Write(&buf, testKey, testMeta, src)
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts != (bundle.Counts{Advisories: len(src.advisories), KEV: len(src.kev), EPSS: len(src.epss)}) {
		t.Errorf("counts = %+v", m.Counts)
	}
	b := MustOpen(t, buf.Bytes())
	got := b.Manifest()
	if !reflect.DeepEqual(&got, m) {
		t.Errorf("Open's manifest = %+v, Write's = %+v", got, m)
	}
	if got.Format != bundle.Format || got.Version != 1 || !got.Created.Equal(testMeta.Created) || got.Generator != "cyra test" {
		t.Errorf("manifest header = %q %d %v %q", got.Format, got.Version, got.Created, got.Generator)
	}

	var advisories []cra.Advisory
	var batches []int
	if err := b.Advisories(7, func(batch []cra.Advisory) error {
		batches = append(batches, len(batch))
		advisories = append(advisories, batch...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(advisories) != len(src.advisories) {
		t.Fatalf("read %d advisories, wrote %d", len(advisories), len(src.advisories))
	}
	for i := range advisories {
		if field := differingField(advisories[i], src.advisories[i]); field != "" {
			t.Errorf("advisory %d (%s): %s differs:\n got %#v\nwant %#v", i, src.advisories[i].ID, field,
				reflect.ValueOf(advisories[i]).FieldByName(field), reflect.ValueOf(src.advisories[i]).FieldByName(field))
		}
	}
	for i, n := range batches {
		if n != 7 && i != len(batches)-1 {
			t.Errorf("batch %d has %d advisories, want 7", i, n)
		}
	}
	kev, err := b.KEV()
	if err != nil || !reflect.DeepEqual(kev, src.kev) {
		t.Errorf("KEV = %+v, %v\nwant %+v", kev, err, src.kev)
	}
	var epss []cra.EPSSScore
	if err := b.EPSS(0, func(batch []cra.EPSSScore) error { epss = append(epss, batch...); return nil }); err != nil || !reflect.DeepEqual(epss, src.epss) {
		t.Errorf("EPSS = %+v, %v\nwant %+v", epss, err, src.epss)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestTimesReadBackInUTC(t *testing.T) {
	t.Parallel()
	cet := time.FixedZone("CET", 3600)
	pub := time.Date(2024, 5, 6, 7, 8, 9, 123, cet)
	src := &memSource{
		advisories: []cra.Advisory{{Source: cra.SourceOSV, ID: "GO-2024-0001", Published: &pub}},
		kev:        []cra.KEVEntry{{CVE: "CVE-2024-0001", FirstSeen: pub, Removed: &pub}},
	}
	b := MustOpen(t, MustWrite(t, src))
	err := b.Advisories(0, func(batch []cra.Advisory) error {
		if got := *batch[0].Published; got != pub.UTC() {
			t.Errorf("published = %v, want %v", got, pub.UTC())
		}
		return nil
	})
	kev, err2 := b.KEV()
	if err != nil || err2 != nil || kev[0].FirstSeen != pub.UTC() || *kev[0].Removed != pub.UTC() {
		t.Errorf("KEV = %+v, %v %v", kev, err, err2)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	src := &memSource{advisories: handBuilt(), kev: testKEV(), epss: testEPSS()}
	first, second := MustWrite(t, src), MustWrite(t, src)
	if !bytes.Equal(first, second) {
		t.Fatal("two exports of the same data differ")
	}
	var other bytes.Buffer
	meta := testMeta
	meta.Created = meta.Created.Add(time.Hour).In(time.FixedZone("X", 7200))
	if _, err := bundle.Write(&other, testKey, meta, src); err != nil || bytes.Equal(first, other.Bytes()) {
		t.Fatalf("a later export is identical or fails: %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if !f.Modified.Equal(testMeta.Created) {
			t.Errorf("%s is dated %v, want %v", f.Name, f.Modified, testMeta.Created)
		}
	}
}

// TestAuditWithoutCyra checks the bundle the way docs/bundles.md tells an
// auditor to, with nothing but zip, SHA-256, base64 and Ed25519.
func TestAuditWithoutCyra(t *testing.T) {
	t.Parallel()
	names, content := zipFiles(t, MustWrite(t, &memSource{advisories: handBuilt(), kev: testKEV(), epss: testEPSS()}))
	want := []string{"advisories.jsonl", "kev.jsonl", "epss.csv", "manifest.json", "manifest.sig"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("entries = %q, want %q", names, want)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(content["manifest.sig"])))
	if err != nil || !ed25519.Verify(testPub, content["manifest.json"], sig) {
		t.Fatalf("manifest.sig does not verify: %v", err)
	}
	var m struct {
		Format  string         `json:"format"`
		Version int            `json:"version"`
		Created string         `json:"created"`
		Counts  map[string]int `json:"counts"`
		Files   []struct {
			Name   string `json:"name"`
			Size   int    `json:"size"`
			SHA256 string `json:"sha256"`
		} `json:"files"`
	}
	if err := json.Unmarshal(content["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if m.Format != "cyra-vuln-bundle" || m.Version != 1 || m.Created != "2026-03-01T12:30:45Z" || m.Counts["advisories"] != 4 || m.Counts["kev"] != 3 || m.Counts["epss"] != 4 {
		t.Errorf("manifest = %+v", m)
	}
	for _, f := range m.Files {
		sum := sha256.Sum256(content[f.Name])
		if f.Size != len(content[f.Name]) || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: manifest says %d %s", f.Name, f.Size, f.SHA256)
		}
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(content["advisories.jsonl"]), "\n"), "\n") {
		var rec struct {
			Raw       string `json:"raw"`
			RawBase64 string `json:"raw_base64"`
			Digest    string `json:"digest"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		raw := []byte(rec.Raw)
		if rec.RawBase64 != "" {
			raw, _ = base64.StdEncoding.DecodeString(rec.RawBase64)
		}
		if sum := sha256.Sum256(raw); rec.Digest != "" && rec.Digest != hex.EncodeToString(sum[:]) {
			t.Errorf("line %d: digest is not the SHA-256 of raw", i+1)
		}
	}
	wantCSV := "cve,date,epss,percentile\nCVE-2024-3094,2026-02-28,0.97125,0.99876\nCVE-2021-44228,2026-02-28,1,1\n" +
		"CVE-2020-0001,2026-02-27,0.00001,0\nCVE-2020-123456,2026-02-27,0.0000001,0.1234567890123\n"
	if got := string(content["epss.csv"]); got != wantCSV {
		t.Errorf("epss.csv =\n%s\nwant\n%s", got, wantCSV)
	}
	if line, _, _ := strings.Cut(string(content["kev.jsonl"]), "\n"); !strings.Contains(line, `"date_added":"2024-04-01"`) || !strings.Contains(line, `"first_seen":"2024-04-01T19:00:03Z"`) || !strings.Contains(line, "<in> liblzma & sshd") {
		t.Errorf("kev.jsonl line 1 = %s", line)
	}
}

func TestEmptyBundle(t *testing.T) {
	t.Parallel()
	b := MustOpen(t, MustWrite(t, &memSource{}))
	called := false
	if err := b.Advisories(0, func([]cra.Advisory) error { called = true; return nil }); err != nil || called {
		t.Errorf("Advisories: %v, called %v", err, called)
	}
	if err := b.EPSS(0, func([]cra.EPSSScore) error { called = true; return nil }); err != nil || called {
		t.Errorf("EPSS: %v, called %v", err, called)
	}
	if kev, err := b.KEV(); err != nil || kev != nil {
		t.Errorf("KEV = %v, %v", kev, err)
	}
}

func TestCallbackErrorStopsTheRead(t *testing.T) {
	t.Parallel()
	b := MustOpen(t, MustWrite(t, &memSource{advisories: handBuilt(), epss: testEPSS()}))
	stop := errors.New("stop")
	calls := 0
	if err := b.Advisories(1, func([]cra.Advisory) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("Advisories = %v after %d calls, want the callback's error after 1", err, calls)
	}
	calls = 0
	if err := b.EPSS(2, func([]cra.EPSSScore) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("EPSS = %v after %d calls, want the callback's error after 1", err, calls)
	}
}

// failingSource fails in WalkAdvisories.
type failingSource struct{ memSource }

var errStore = errors.New("store is down")

func (*failingSource) WalkAdvisories(func(cra.Advisory) error) error { return errStore }

func TestWriteRefuses(t *testing.T) {
	t.Parallel()
	good := handBuilt()[0]
	badDigest := good
	badDigest.Digest = strings.Repeat("0", 64)
	tests := []struct {
		name string
		key  ed25519.PrivateKey
		meta bundle.Meta
		src  bundle.Source
		want string
	}{
		{"short key", testKey[:10], testMeta, &memSource{}, "not an Ed25519 private key"},
		{"damaged key", append(bytes.Clone(testKey[:32]), make([]byte, 32)...), testMeta, &memSource{}, "signing key is damaged"},
		{"no creation time", testKey, bundle.Meta{}, &memSource{}, "Created is required"},
		{"digest of another record", testKey, testMeta, &memSource{advisories: []cra.Advisory{badDigest}}, "advisory nvd CVE-2024-3094: digest"},
		{"advisory without id", testKey, testMeta, &memSource{advisories: []cra.Advisory{{Source: "osv"}}}, "source and id are required"},
		{"KEV without CVE", testKey, testMeta, &memSource{kev: []cra.KEVEntry{{}}}, "KEV entry 1"},
		{"EPSS of a GHSA", testKey, testMeta, &memSource{epss: []cra.EPSSScore{{CVE: "GHSA-x", Date: date("2026-01-01")}}}, "not a CVE id"},
		{"EPSS over 1", testKey, testMeta, &memSource{epss: []cra.EPSSScore{{CVE: "CVE-2020-0001", Score: 1.5, Date: date("2026-01-01")}}}, "between 0 and 1"},
		{"EPSS without date", testKey, testMeta, &memSource{epss: []cra.EPSSScore{{CVE: "CVE-2020-0001"}}}, "no date"},
		{"store error", testKey, testMeta, &failingSource{}, "writing advisories.jsonl: store is down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := bundle.Write(&bytes.Buffer{}, tt.key, tt.meta, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	_, err := bundle.Write(&bytes.Buffer{}, testKey, testMeta, &failingSource{})
	if !errors.Is(err, errStore) {
		t.Errorf("the store's error is not wrapped: %v", err)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	data := MustWrite(t, &memSource{advisories: handBuilt(), kev: testKEV(), epss: testEPSS()})
	open := func(l bundle.Limits) (*bundle.Bundle, error) {
		return bundle.Open(bytes.NewReader(data), int64(len(data)), testPub, l)
	}
	if b, err := open(bundle.Limits{MaxFileSize: 100}); !errors.Is(err, bundle.ErrTooLarge) || b != nil || !strings.Contains(err.Error(), "advisories.jsonl") {
		t.Errorf("MaxFileSize: %v", err)
	}
	if _, err := open(bundle.Limits{MaxTotalSize: 1000}); !errors.Is(err, bundle.ErrTooLarge) {
		t.Errorf("MaxTotalSize: %v", err)
	}
	var ce *cra.Error
	if _, err := open(bundle.Limits{MaxTotalSize: 1000}); !errors.As(err, &ce) || ce.Code != cra.ETOOLARGE {
		t.Errorf("a limit is not ETOOLARGE: %v", err)
	}
	b, err := open(bundle.Limits{MaxLineSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	called := false
	err = b.Advisories(100, func([]cra.Advisory) error { called = true; return nil })
	if !errors.Is(err, bundle.ErrTooLarge) || !strings.Contains(err.Error(), "advisories.jsonl line 1 ") || called {
		t.Errorf("MaxLineSize: %v (callback called: %v)", err, called)
	}
}
