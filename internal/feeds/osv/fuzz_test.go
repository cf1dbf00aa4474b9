package osv_test

import (
	"os"
	"path/filepath"
	"testing"

	"cyra/internal/feeds/osv"
)

// FuzzParseRecord checks that no input makes ParseRecord panic and that
// every record it accepts has an id and a digest of its bytes. Run it with
// go test -run XXX -fuzz FuzzParseRecord ./internal/feeds/osv/.
func FuzzParseRecord(f *testing.F) {
	for _, rel := range []string{"Go/GO-2020-0001.json", "Maven/GHSA-h3gc-qfqq-6h8f.json", "PyPI/PYSEC-2017-27.json", "crates.io/RUSTSEC-2019-0001.json"} {
		path := filepath.Join("..", "..", "..", "..", "shared", "data", "osv", rel)
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"id":"GO-1","modified":"0001-01-01T00:00:00Z","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N"}]}`))
	f.Add([]byte(`{"id":"x","affected":[{"ecosystem_specific":{"imports":[{"path":"p","symbols":["S"]}]},"ranges":[{"type":"GIT","events":[{"fixed":"1"}]}]}]}`))
	f.Add([]byte("\xef\xbb\xbf{\"id\":\"GHSA-1\",\"database_specific\":{\"cwe_ids\":[\"cwe-1\"],\"severity\":\"MODERATE\"}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := osv.ParseRecord("fuzz.json", data)
		if err != nil {
			return
		}
		if a.ID == "" || len(a.Digest) != 64 || len(a.Raw) == 0 {
			t.Errorf("accepted a record without id, digest or raw bytes: %+v", a)
		}
	})
}
