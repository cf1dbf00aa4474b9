package feeds_test

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/feeds"
	"cyra/internal/service"
	"cyra/internal/testutil"
)

var system = cra.WithActor(context.Background(), cra.SystemActor("test"))

// sharedData returns ../shared/data beside the repository, skipping the
// test when it is not there (a clone outside the work tree).
func sharedData(tb testing.TB, sub ...string) string {
	tb.Helper()
	dir := filepath.Join(append([]string{"..", "..", "..", "shared", "data"}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("shared test data not found at %s: %v", dir, err)
	}
	return dir
}

const record = `{"id":"GHSA-35jh-r3h4-6jhm","modified":"2024-03-11T05:04:39Z","aliases":["CVE-2021-23337"],"summary":"Command Injection in lodash",
"affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]}`

func TestReadFile(t *testing.T) {
	t.Parallel()
	f, err := feeds.ReadFile("GHSA-35jh-r3h4-6jhm.json", []byte(record))
	if err != nil || f.Kind != "osv" || len(f.Advisories) != 1 || f.Advisories[0].Aliases[0] != "CVE-2021-23337" {
		t.Fatalf("OSV record: %+v %v", f, err)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for name, body := range map[string]string{"GHSA-35jh-r3h4-6jhm.json": record, "broken.json": `{"id": "X-1", "aliases": [`} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	f, err = feeds.ReadFile("all.zip", zbuf.Bytes())
	if err != nil || f.Kind != "osv" || len(f.Advisories) != 1 || f.Skipped.Skipped != 1 || !strings.Contains(f.Skipped.Problems[0], "broken.json") {
		t.Fatalf("OSV zip with a broken entry: %+v %v", f, err)
	}
	kev := `{"title":"CISA Catalog","catalogVersion":"2026.11.25","dateReleased":"2026-11-25T15:00:00.000Z","count":1,"vulnerabilities":[
{"cveID":"CVE-2021-23337","vendorProject":"lodash","product":"lodash","vulnerabilityName":"lodash command injection","dateAdded":"2026-11-20",
"shortDescription":"x","requiredAction":"Apply updates.","dueDate":"2026-12-11","knownRansomwareCampaignUse":"Unknown","notes":""}]}`
	f, err = feeds.ReadFile("kev.json", []byte(kev))
	if err != nil || f.Kind != "kev" || f.KEV == nil || len(f.KEV.Entries) != 1 || f.KEV.Entries[0].DueDate.String() != "2026-12-11" {
		t.Fatalf("KEV catalog: %+v %v", f, err)
	}
	for name, data := range map[string]string{"garbage.json": `{"id": `, "truncated.zip": "PK\x03\x04garbage"} {
		if _, err := feeds.ReadFile(name, []byte(data)); cra.ErrorCode(err) != cra.EINVALID || !strings.Contains(cra.ErrorMessage(err), name) {
			t.Errorf("%s: %v; want EINVALID naming the file", name, err)
		}
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	t.Parallel()
	if _, err := feeds.New(feeds.Config{Enabled: cra.FeedNames, KEVURL: "ftp://mirror"}); err == nil {
		t.Fatal("an ftp mirror was accepted")
	}
	fs, err := feeds.New(feeds.Config{Enabled: []cra.VulnSource{cra.SourceKEV, cra.SourceOSV}})
	if err != nil || len(fs) != 2 || fs[0].Name() != cra.SourceOSV || fs[1].Name() != cra.SourceKEV {
		t.Fatalf("New: %v %v", fs, err)
	}
}

// TestImportSharedData imports every OSV record of ../shared/data and
// the real KEV catalog through the service, on each database, and then
// again, which must find everything unchanged.
func TestImportSharedData(t *testing.T) {
	osvDir := sharedData(t, "osv")
	kevFile := sharedData(t, "kev", "known_exploited_vulnerabilities.json")
	if testing.Short() {
		t.Skip("imports ~9,400 records")
	}
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testutil.MustOpenDB(t, d, nil)
			svc := service.New(db, service.Options{})
			st, kind, err := feeds.ImportPath(system, osvDir, svc.Vulns)
			if err != nil || kind != "osv" {
				t.Fatalf("import: %v", err)
			}
			// Every record parses (7 PYSEC records have GIT ranges that
			// the OSV schema rejects; they are kept as published). The one
			// file skipped is MANIFEST.json, which is not a record; some
			// GHSA records appear under two ecosystems and count once.
			if st.Skipped != 1 || !strings.Contains(st.Problems[0], "MANIFEST.json") || st.Added != 9349 {
				t.Fatalf("import: %+v", st)
			}
			t.Logf("%s: %d added, %d merged", d, st.Added, st.Merged)
			again, _, err := feeds.ImportPath(system, osvDir, svc.Vulns)
			if err != nil || again.Wrote() || again.Unchanged != st.Added+st.Unchanged {
				t.Fatalf("second import wrote: %+v %v", again, err)
			}
			kst, kind, err := feeds.ImportPath(system, kevFile, svc.Vulns)
			if err != nil || kind != "kev" || kst.Added != 1404 {
				t.Fatalf("KEV import: %+v %v", kst, err)
			}
			// HTTP/2 Rapid Reset: a Go advisory aliases it and KEV lists it
			// (kev-osv-join.csv lists the 29 such CVEs).
			v, err := svc.Vulns.Vulnerability(system, "GHSA-qppj-fm5r-hxr3")
			if err != nil || len(v.KEV) != 1 || v.KEV[0].CVE != "CVE-2023-44487" || v.KEV[0].DateAdded.String() != "2023-10-10" {
				t.Fatalf("CVE-2023-44487: %+v %v", v, err)
			}
			// A CVE that only KEV knows is still found, with its KEV entry.
			v, err = svc.Vulns.Vulnerability(system, "CVE-2021-44228")
			if err != nil || v.Key != "CVE-2021-44228" || len(v.KEV) != 1 || v.KEV[0].RansomwareUse != "Known" {
				t.Fatalf("Log4Shell: %+v %v", v, err)
			}
			// Withdrawn records stay visible.
			list, total, err := svc.Vulns.SearchVulnerabilities(system, cra.VulnFilter{Ecosystem: "PyPI", Limit: 500})
			if err != nil || total < 1000 || len(list) != 500 {
				t.Fatalf("PyPI search: %d %v", total, err)
			}
		})
	}
}

// BenchmarkImportSharedOSV measures a full import of ../shared/data/osv
// into an empty SQLite database: records/s and peak heap.
func BenchmarkImportSharedOSV(b *testing.B) {
	osvDir := sharedData(b, "osv")
	for b.Loop() {
		b.StopTimer()
		db := testutil.MustOpenDB(b, "sqlite", nil)
		svc := service.New(db, service.Options{})
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		st, _, err := feeds.ImportPath(system, osvDir, svc.Vulns)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(st.Added), "records")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "MB-alloc")
		b.StartTimer()
	}
}

// BenchmarkUnchangedImport measures a re-import that finds nothing new.
func BenchmarkUnchangedImport(b *testing.B) {
	osvDir := sharedData(b, "osv")
	db := testutil.MustOpenDB(b, "sqlite", nil)
	svc := service.New(db, service.Options{})
	if _, _, err := feeds.ImportPath(system, osvDir, svc.Vulns); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		st, _, err := feeds.ImportPath(system, osvDir, svc.Vulns)
		if err != nil || st.Wrote() {
			b.Fatal(st, err)
		}
	}
}
