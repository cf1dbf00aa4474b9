package kev_test

import (
	"testing"

	"cyra/internal/feeds/kev"
)

// FuzzParse checks that no input makes Parse panic and that an accepted
// catalog has entries with CVE ids. Run it with
// go test -run XXX -fuzz FuzzParse ./internal/feeds/kev/.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"catalogVersion":"1","dateReleased":"2025-08-25T17:04:19.9796Z","vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10","dueDate":"2021-12-24","cwes":["CWE-20"]}]}`))
	f.Add([]byte(`{"vulnerabilities":[{"cveID":"CVE-2021-1","dateAdded":"2021-12-10"},"x",{"cveID":"CVE-2021-1"}]}`))
	f.Add([]byte("\xef\xbb\xbf{\"vulnerabilities\":null}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := kev.Parse("fuzz.json", data, func(string) {})
		if err != nil {
			return
		}
		if len(cat.Entries) == 0 {
			t.Error("accepted a catalog without entries")
		}
		for _, e := range cat.Entries {
			if e.CVE == "" || e.DateAdded.IsZero() {
				t.Errorf("accepted entry %+v", e)
			}
		}
	})
}
