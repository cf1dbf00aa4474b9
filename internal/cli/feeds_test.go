package cli_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"cyra/internal/testutil"
)

const cliOSVRecord = `{"id":"GHSA-35jh-r3h4-6jhm","modified":"2024-03-11T05:04:39Z","published":"2021-05-06T16:05:51Z","aliases":["CVE-2021-23337"],
"summary":"Command Injection in lodash","affected":[{"package":{"ecosystem":"npm","name":"lodash"},
"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]}`

const cliKEV = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2026.11.25","dateReleased":"2026-11-25T15:00:00.000Z","count":1,
"vulnerabilities":[{"cveID":"CVE-2021-23337","vendorProject":"lodash","product":"lodash","vulnerabilityName":"lodash command injection",
"dateAdded":"2026-11-20","shortDescription":"Command injection.","requiredAction":"Apply updates.","dueDate":"2026-12-11",
"knownRansomwareCampaignUse":"Unknown","notes":"","cwes":["CWE-77"]}]}`

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFeedsImportAndVulnShow(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := dbEnv(t, d)
			if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
				t.Fatal(stderr)
			}
			dir := t.TempDir()
			writeFile(t, dir, "osv/npm/GHSA-35jh-r3h4-6jhm.json", cliOSVRecord)
			writeFile(t, dir, "osv/npm/broken.json", `{"id": "GHSA-xxxx-xxxx-xxxx",`)
			kev := writeFile(t, dir, "kev.json", cliKEV)
			code, out, stderr := run(t, env, "", "feeds", "import", filepath.Join(dir, "osv"), kev)
			if code != 0 || !strings.Contains(out, "(osv): 1 added") || !strings.Contains(out, "(kev): 1 added") || !strings.Contains(stderr, "broken.json") {
				t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
			}
			code, out, _ = run(t, env, "", "vuln", "show", "cve-2021-23337")
			if code != 0 || !strings.Contains(out, "CISA KEV: CVE-2021-23337 added 2026-11-20, due 2026-12-11") || !strings.Contains(out, "npm/lodash [ECOSYSTEM: introduced 0, fixed 4.17.21]") {
				t.Fatalf("vuln show: %d\n%s", code, out)
			}
			code, out, _ = run(t, env, "", "vuln", "search", "--kev", "--json")
			var res struct {
				Total int `json:"total"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Total != 1 {
				t.Fatalf("vuln search --kev: %d %s", code, out)
			}
			if code, _, stderr := run(t, env, "", "vuln", "show", "CVE-1999-0001"); code != 1 || !strings.Contains(stderr, "CVE-1999-0001") {
				t.Fatalf("unknown id: %d %s", code, stderr)
			}
			if code, _, stderr := run(t, env, "", "feeds", "import", filepath.Join(dir, "missing")); code != 1 || !strings.Contains(stderr, "missing") {
				t.Fatalf("missing path: %d %s", code, stderr)
			}
		})
	}
}

func TestFeedsSyncAgainstAServer(t *testing.T) {
	var fail atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "maintenance", http.StatusNotFound)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte(cliKEV))
	}))
	defer srv.Close()
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			fail.Store(false)
			env := dbEnv(t, d)
			env["CYRA_KEV_URL"] = srv.URL + "/kev.json"
			if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
				t.Fatal(stderr)
			}
			code, out, stderr := run(t, env, "", "feeds", "sync", "--only", "kev")
			if code != 0 || !strings.Contains(out, "kev   1 added") {
				t.Fatalf("sync: %d\n%s\n%s", code, out, stderr)
			}
			// Plain progress lines off a terminal.
			if !strings.Contains(stderr, "kev") {
				t.Errorf("no progress on stderr: %q", stderr)
			}
			// Unchanged: a 304, nothing written.
			if code, out, _ := run(t, env, "", "feeds", "sync", "--only", "kev"); code != 0 || !strings.Contains(out, "kev   0 added, 0 changed, 0 unchanged") {
				t.Fatalf("second sync: %d %s", code, out)
			}
			fail.Store(true)
			code, out, stderr = run(t, env, "", "feeds", "sync", "--only", "kev")
			if code != 1 || !strings.Contains(out, "FAILED") || !strings.Contains(stderr, "earlier data is kept") {
				t.Fatalf("failing sync: %d\n%s\n%s", code, out, stderr)
			}
			code, out, _ = run(t, env, "", "feeds", "status")
			if code != 0 || !strings.Contains(out, "failing") || !strings.Contains(out, "maintenance") {
				t.Fatalf("status: %d\n%s", code, out)
			}
			if code, out, _ := run(t, env, "", "vuln", "show", "CVE-2021-23337"); code != 0 || !strings.Contains(out, "CISA KEV") {
				t.Fatalf("the last good KEV data is gone: %d %s", code, out)
			}
			if code, _, stderr := run(t, env, "", "feeds", "sync", "--only", "ghsa"); code != 2 || !strings.Contains(stderr, `Unknown feed "ghsa"`) {
				t.Fatalf("unknown feed: %d %s", code, stderr)
			}
		})
	}
}

func TestBundleRoundTrip(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			from, to := dbEnv(t, d), dbEnv(t, d)
			for _, env := range []map[string]string{from, to} {
				if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
					t.Fatal(stderr)
				}
			}
			dir := t.TempDir()
			rec := writeFile(t, dir, "GHSA-35jh-r3h4-6jhm.json", cliOSVRecord)
			kev := writeFile(t, dir, "kev.json", cliKEV)
			if code, _, stderr := run(t, from, "", "feeds", "import", rec, kev); code != 0 {
				t.Fatal(stderr)
			}
			prefix := filepath.Join(dir, "signing")
			if code, out, stderr := run(t, nil, "", "feeds", "keygen", "--out", prefix); code != 0 || !strings.Contains(out, "SHA256:") {
				t.Fatalf("keygen: %d %s %s", code, out, stderr)
			}
			if st, _ := os.Stat(prefix + ".key"); st.Mode().Perm() != 0o600 {
				t.Errorf("private key mode %v", st.Mode().Perm())
			}
			if code, _, stderr := run(t, nil, "", "feeds", "keygen", "--out", prefix); code != 1 || !strings.Contains(stderr, "exists") {
				t.Fatalf("keygen over an existing key: %d %s", code, stderr)
			}
			bundlePath := filepath.Join(dir, "vulns.zip")
			code, out, stderr := run(t, from, "", "feeds", "export-bundle", bundlePath, "--key", prefix+".key")
			if code != 0 || !strings.Contains(out, "1 advisories, 1 KEV entries") {
				t.Fatalf("export: %d %s %s", code, out, stderr)
			}
			// A tampered bundle and a wrong key are refused before any write.
			data, _ := os.ReadFile(bundlePath)
			bad := append([]byte(nil), data...)
			bad[len(bad)/3] ^= 0xff
			badPath := writeFile(t, dir, "bad.zip", string(bad))
			otherKey := filepath.Join(dir, "other")
			run(t, nil, "", "feeds", "keygen", "--out", otherKey)
			for _, c := range [][]string{{badPath, "--key", prefix + ".pub"}, {bundlePath, "--key", otherKey + ".pub"}} {
				code, _, stderr := run(t, to, "", append([]string{"feeds", "import-bundle"}, c...)...)
				if code != 1 || !strings.Contains(stderr, "nothing was imported") {
					t.Fatalf("import-bundle %v: %d %s", c, code, stderr)
				}
			}
			if code, out, _ := run(t, to, "", "vuln", "search", "--json"); code != 0 || !strings.Contains(out, `"total": 0`) {
				t.Fatalf("a refused bundle wrote data: %s", out)
			}
			code, out, stderr = run(t, to, "", "feeds", "import-bundle", bundlePath, "--key", prefix+".pub")
			if code != 0 || !strings.Contains(out, ": 2 added") {
				t.Fatalf("import-bundle: %d %s %s", code, out, stderr)
			}
			if code, out, _ := run(t, to, "", "vuln", "show", "GHSA-35jh-r3h4-6jhm"); code != 0 || !strings.Contains(out, "CISA KEV: CVE-2021-23337") {
				t.Fatalf("after import: %d %s", code, out)
			}
		})
	}
}
