package bundle_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"cyra/internal/bundle"
	"cyra/internal/cra"
)

// fuzzLimits keep a fuzzed archive from asking for much memory.
var fuzzLimits = bundle.Limits{MaxFileSize: 1 << 20, MaxTotalSize: 2 << 20, MaxLineSize: 1 << 16}

// readAll reads everything of an opened bundle, as an importer would.
func readAll(b *bundle.Bundle) {
	_ = b.Advisories(3, func([]cra.Advisory) error { return nil })
	_, _ = b.KEV()
	_ = b.EPSS(3, func([]cra.EPSSScore) error { return nil })
}

// FuzzOpen feeds Open arbitrary bytes: it must refuse them or open them,
// never panic. Run with: go test -run XXX -fuzz FuzzOpen ./internal/bundle/
func FuzzOpen(f *testing.F) {
	valid := MustWrite(f, &memSource{advisories: handBuilt(), kev: testKEV(), epss: testEPSS()})
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(MustWrite(f, &memSource{}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := bundle.Open(bytes.NewReader(data), int64(len(data)), testPub, fuzzLimits)
		if err == nil {
			readAll(b)
		} else if b != nil {
			t.Fatalf("Open returned a bundle with the error %v", err)
		}
	})
}

// FuzzRecords signs arbitrary data files properly, so the fuzzer reaches
// the record parsers behind the signature check: they must return errors
// naming the file and line, never panic.
func FuzzRecords(f *testing.F) {
	names, content := zipFiles(f, MustWrite(f, &memSource{advisories: handBuilt(), kev: testKEV(), epss: testEPSS()}))
	f.Add(content["advisories.jsonl"], content["kev.jsonl"], content["epss.csv"])
	f.Add([]byte("{}\n"), []byte(`{"cve":"x","first_seen":"bad"}`+"\n"), []byte("cve,date,epss,percentile\n,,,\n"))
	f.Add([]byte(`{"source":"osv","id":"x","raw_base64":"!!"}`+"\n"), []byte("null\n"), []byte("cve,date,epss,percentile\nCVE-2020-0001,2020-01-01,NaN,0\n"))
	f.Fuzz(func(t *testing.T, adv, kev, epss []byte) {
		c := map[string][]byte{"advisories.jsonl": adv, "kev.jsonl": kev, "epss.csv": epss, "manifest.json": content["manifest.json"]}
		resign(t, c, testKey, func(m *bundle.Manifest) {
			m.Counts = bundle.Counts{Advisories: bytes.Count(adv, []byte("\n")), KEV: bytes.Count(kev, []byte("\n")), EPSS: bytes.Count(epss, []byte("\n")) - 1}
		})
		data := rezip(t, names, c)
		b, err := bundle.Open(bytes.NewReader(data), int64(len(data)), testPub, fuzzLimits)
		if err != nil {
			return
		}
		if err := b.Validate(); err != nil && !bytes.Contains([]byte(err.Error()), []byte(" line ")) {
			t.Errorf("a record error names no line: %v", err)
		}
		readAll(b)
	})
}

// syntheticAdvisories returns n advisories shaped like golang/vulndb
// records, each with a raw record of about 1.5 KB.
func syntheticAdvisories(n int) []cra.Advisory {
	out := make([]cra.Advisory, n)
	pub := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range out {
		id := fmt.Sprintf("GO-2024-%04d", i)
		raw := fmt.Sprintf(`{"schema_version":"1.3.1","id":%q,"modified":"0001-01-01T00:00:00Z","published":"2024-01-02T03:04:05Z",`+
			`"aliases":["CVE-2024-%05d","GHSA-xxxx-yyyy-%04d"],"summary":"Denial of service in example.com/module%d",`+
			`"details":"%s","affected":[{"package":{"name":"example.com/module%d","ecosystem":"Go"},`+
			`"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.%d.3"}]}]}],`+
			`"references":[{"type":"FIX","url":"https://example.com/module%d/commit/abcdef"}]}`,
			id, i, i, i, bytes.Repeat([]byte("A malformed request makes the parser loop forever. "), 20), i, i%50, i)
		out[i] = withRaw(cra.Advisory{
			Source: cra.SourceOSV, ID: id, Aliases: []string{fmt.Sprintf("CVE-2024-%05d", i), fmt.Sprintf("GHSA-xxxx-yyyy-%04d", i)},
			Summary: fmt.Sprintf("Denial of service in example.com/module%d", i), Published: &pub, Modified: &time.Time{},
			References: []cra.Reference{{Type: "FIX", URL: fmt.Sprintf("https://example.com/module%d/commit/abcdef", i)}},
			Affected: []cra.Affected{{Ecosystem: "Go", Name: fmt.Sprintf("example.com/module%d", i), Ranges: []cra.Range{
				{Type: "SEMVER", Events: []cra.RangeEvent{{Introduced: "0"}, {Fixed: fmt.Sprintf("1.%d.3", i%50)}}}}}},
		}, []byte(raw))
	}
	return out
}

// BenchmarkWriteOpen10k writes a bundle of 10,000 advisories, opens
// (verifies) it and reads every advisory back.
func BenchmarkWriteOpen10k(b *testing.B) {
	src := &memSource{advisories: syntheticAdvisories(10_000), kev: testKEV(), epss: testEPSS()}
	var size int
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			size = len(MustWrite(b, src))
		}
		b.ReportMetric(float64(size), "bundle-bytes")
	})
	data := MustWrite(b, src)
	b.Run("open", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			MustOpen(b, data)
		}
	})
	b.Run("open+read", func(b *testing.B) {
		for b.Loop() {
			n := 0
			if err := MustOpen(b, data).Advisories(500, func(batch []cra.Advisory) error { n += len(batch); return nil }); err != nil || n != 10_000 {
				b.Fatalf("read %d advisories: %v", n, err)
			}
		}
	})
}
