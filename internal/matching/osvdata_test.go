package matching_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/matching"
)

// osvRecord is the part of an OSV record the tests read.
type osvRecord struct {
	ID        string `json:"id"`
	Withdrawn string `json:"withdrawn"`
	Affected  []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			PURL      string `json:"purl"`
		} `json:"package"`
		cra.Affected
	} `json:"affected"`
}

// loadOSV reads every record under ../shared/data/osv/<ecosystem>/.
func loadOSV(t testing.TB) map[string]osvRecord {
	t.Helper()
	dir := sharedData(t, "osv")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	recs := make(map[string]osvRecord, len(files))
	for _, f := range files {
		if filepath.Base(f) == "MANIFEST.json" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r osvRecord
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range r.Affected {
			a := &r.Affected[i]
			a.Ecosystem, a.Name, a.PURL = a.Package.Ecosystem, a.Package.Name, a.Package.PURL
		}
		recs[filepath.Base(filepath.Dir(f))+"/"+r.ID] = r
	}
	if len(recs) < 9000 {
		t.Fatalf("read %d OSV records, want the 9,349 of the README", len(recs))
	}
	return recs
}

// knownQuirks are the listed versions of the real data that its ranges do
// not cover, each checked by hand against the record (key: record id,
// package name, version). They are affected all the same, through the
// versions list.
var knownQuirks = func() map[string]string {
	m := map[string]string{}
	add := func(id, name, why string, versions ...string) {
		for _, v := range versions {
			m[id+" "+name+" "+v] = why
		}
	}
	// One ECOSYSTEM range holds the overlapping pairs [2.11, 2.11.7) and
	// [0, 2.11.6); sorted as the schema says, the events read [0, 2.11.6)
	// ∪ [2.12, 2.12.4), so 2.11.6 is outside. osv.dev enumerated the pairs
	// one by one.
	add("PYSEC-2021-114", "wagtail", "overlapping pairs in one range", "2.11.6")
	// Listed although at or above the only fixed version.
	add("PYSEC-2023-177", "gevent", "listed at the fixed version", "23.9.0", "23.9.0.post1")
	// Pre-releases of an introduced version sort below it in PEP 440.
	add("PYSEC-2023-61", "django", "pre-releases of the introduced version", "3.2a1", "3.2b1", "3.2rc1", "4.2a1", "4.2b1", "4.2rc1")
	return m
}()

// TestOSVConsistency checks OSV's own consistency property on every real
// record: a version the versions list names is inside the ranges too, and
// no fixed version is affected unless another range of the same entry
// covers it.
func TestOSVConsistency(t *testing.T) {
	t.Parallel()
	recs := loadOSV(t)
	var entries, compiled, listChecked, fixChecked, fixOverlap, purlChecked, quirks int
	var problems []string
	report := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	keys := make([]string, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		r := recs[key]
		for _, a := range r.Affected {
			entries++
			c, err := matching.Compile(a.Affected)
			if err != nil {
				report("%s %s: Compile: %v", r.ID, a.Name, err)
				continue
			}
			compiled++
			if a.PURL != "" {
				purlChecked++
				checkPURL(t, r.ID, a.Affected)
			}
			if len(a.Versions) > 0 && hasOrderedRange(a.Affected) {
				rangesOnly := a.Affected
				rangesOnly.Versions = nil
				rc := MustCompile(t, rangesOnly)
				for _, v := range a.Versions {
					listChecked++
					got, err := rc.AffectsString(v)
					if err == nil && !got && knownQuirks[r.ID+" "+a.Name+" "+v] != "" {
						quirks++
					} else if err != nil || !got {
						report("%s %s: listed version %q is not in the ranges (%v)", r.ID, a.Name, v, err)
					}
				}
			}
			for _, f := range c.FixedVersions() {
				fixChecked++
				got, err := c.AffectsString(f)
				if err != nil {
					report("%s %s: fixed %q: %v", r.ID, a.Name, f, err)
				} else if got && coveredByOtherRange(t, a.Affected, f) {
					fixOverlap++
				} else if got {
					report("%s %s: fixed version %q is affected", r.ID, a.Name, f)
				}
			}
		}
	}
	t.Logf("%d record files, %d affected entries, %d compiled; %d listed versions checked (%d known quirks), "+
		"%d fixed versions checked (%d inside another range of the entry), %d purls checked",
		len(recs), entries, compiled, listChecked, quirks, fixChecked, fixOverlap, purlChecked)
	if quirks != len(knownQuirks) {
		t.Errorf("found %d of the %d known quirks; update knownQuirks", quirks, len(knownQuirks))
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// hasOrderedRange reports whether an entry has a SEMVER or ECOSYSTEM range.
func hasOrderedRange(a cra.Affected) bool {
	return slices.ContainsFunc(a.Ranges, func(r cra.Range) bool { return r.Type != "GIT" })
}

// coveredByOtherRange reports whether a fixed version lies in a range
// other than the one(s) it fixes, or in the versions list: GHSA records
// describe overlapping ranges this way.
func coveredByOtherRange(t *testing.T, a cra.Affected, fixed string) bool {
	t.Helper()
	for i, r := range a.Ranges {
		if r.Type == "GIT" || slices.ContainsFunc(r.Events, func(e cra.RangeEvent) bool { return e.Fixed == fixed }) {
			continue
		}
		one := cra.Affected{Ecosystem: a.Ecosystem, Ranges: a.Ranges[i : i+1]}
		if got, err := MustCompile(t, one).AffectsString(fixed); err == nil && got {
			return true
		}
	}
	return slices.Contains(a.Versions, fixed)
}

// checkPURL checks that the purl an entry carries maps back to its
// ecosystem and name.
func checkPURL(t *testing.T, id string, a cra.Affected) {
	t.Helper()
	p, err := matching.ParsePURL(a.PURL)
	if err != nil {
		t.Errorf("%s: ParsePURL(%q): %v", id, a.PURL, err)
		return
	}
	if matching.Applies(a.Ecosystem, p.Ecosystem) != matching.Applicable {
		t.Errorf("%s: purl %q maps to %q, which %q does not cover", id, a.PURL, p.Ecosystem, a.Ecosystem)
	}
	if got, want := matching.IndexKey(p.Ecosystem, p.Name), matching.IndexKey(a.Ecosystem, a.Name); got != want {
		t.Errorf("%s: purl %q names %q (key %q), the entry %q (key %q)", id, a.PURL, p.Name, got, a.Name, want)
	}
}
