package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/testutil"
)

// scanRecords are a critical and a medium advisory of jinja2, besides the
// KEV-listed, unrated lodash one of the feeds tests.
var scanRecords = map[string]string{
	"PyPI/PYSEC-2019-217.json": `{"id":"PYSEC-2019-217","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2019-10906","GHSA-462w-v97r-4m45"],
"summary":"Jinja2 sandbox escape","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
"affected":[{"package":{"ecosystem":"PyPI","name":"jinja2"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.10.1"}]}]}]}`,
	"PyPI/PYSEC-2021-66.json": `{"id":"PYSEC-2021-66","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2020-28493"],
"summary":"Jinja2 ReDoS","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
"affected":[{"package":{"ecosystem":"PyPI","name":"Jinja2"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.11.3"}]}]}]}`,
	"npm/GHSA-35jh-r3h4-6jhm.json": cliOSVRecord,
}

const scanSBOM = `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
"metadata":{"component":{"type":"application","name":"shop","version":"1.0","bom-ref":"shop"}},
"components":[
 {"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20","bom-ref":"lodash"},
 {"type":"library","name":"Jinja2","version":"2.10","purl":"pkg:pypi/Jinja2@2.10","bom-ref":"jinja2"},
 {"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0","bom-ref":"left-pad"},
 {"type":"library","name":"vendored-blob","version":"1","bom-ref":"blob"}],
"dependencies":[{"ref":"shop","dependsOn":["lodash","jinja2"]}]}`

// scanEnv returns a migrated database holding scanRecords and the KEV
// catalog, and a directory with the SBOM as app.cdx.json.
func scanEnv(t *testing.T, dialect string) (map[string]string, string) {
	t.Helper()
	env := dbEnv(t, dialect)
	if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
		t.Fatal(stderr)
	}
	dir := t.TempDir()
	for name, body := range scanRecords {
		writeFile(t, dir, filepath.Join("osv", name), body)
	}
	kev := writeFile(t, dir, "kev.json", cliKEV)
	if code, out, stderr := run(t, env, "", "feeds", "import", filepath.Join(dir, "osv"), kev); code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	writeFile(t, dir, "app.cdx.json", scanSBOM)
	return env, dir
}

func TestScanFormats(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env, dir := scanEnv(t, d)
			sbomPath := filepath.Join(dir, "app.cdx.json")

			code, out, stderr := run(t, env, "", "scan", sbomPath)
			if code != 0 || stderr != "" {
				t.Fatalf("table: %d\n%s\n%s", code, out, stderr)
			}
			for _, want := range []string{"SEVERITY", "CVE-2021-23337", "KEV", "CRITICAL 9.8", "PyPI/Jinja2", "2.10.1",
				"4 components, 3 findings (1 critical, 0 high, 1 medium, 0 low, 1 unrated; 1 exploited)", "vendored-blob@1: no purl"} {
				if !strings.Contains(out, want) {
					t.Errorf("table lacks %q:\n%s", want, out)
				}
			}
			if strings.Index(out, "CVE-2021-23337") > strings.Index(out, "CVE-2019-10906") {
				t.Errorf("the KEV-listed finding is not first:\n%s", out)
			}

			code, out, stderr = run(t, env, "", "scan", sbomPath, "--format", "json")
			var res cra.ScanResult
			if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
				t.Fatalf("json: %d\n%s\n%s", code, out, stderr)
			}
			if !strings.Contains(stderr, "3 findings") {
				t.Errorf("no summary on stderr: %q", stderr)
			}
			if res.Components != 4 || len(res.Findings) != 3 || len(res.NotMatchable) != 1 || res.Advisories != 3 {
				t.Fatalf("json result: %+v", res)
			}
			byID := map[string]cra.ScanFinding{}
			for _, f := range res.Findings {
				byID[f.VulnID] = f
			}
			l := byID["CVE-2021-23337"]
			if l.PURL != "pkg:npm/lodash@4.17.20" || !l.KEV || !l.Exploited || !contains(l.Aliases, "GHSA-35jh-r3h4-6jhm") || !contains(l.FixedVersions, "4.17.21") {
				t.Errorf("lodash finding: %+v", l)
			}
			if j := byID["CVE-2019-10906"]; j.Rating != "CRITICAL" || j.Score != 9.8 || !contains(j.Aliases, "PYSEC-2019-217") || j.KEV {
				t.Errorf("jinja2 finding: %+v", j)
			}
			// The raw JSON names the fields the CI integrations read.
			for _, key := range []string{`"purl"`, `"id"`, `"aliases"`, `"severity"`, `"kev"`, `"exploited"`, `"fixed_versions"`} {
				if !strings.Contains(out, key) {
					t.Errorf("JSON lacks %s", key)
				}
			}

			code, out, _ = run(t, env, "", "scan", sbomPath, "--format", "sarif")
			var sarif struct {
				Version string `json:"version"`
				Runs    []struct {
					Tool struct {
						Driver struct {
							Rules []struct{ ID string } `json:"rules"`
						} `json:"driver"`
					} `json:"tool"`
					Results []struct {
						RuleID string `json:"ruleId"`
						Level  string `json:"level"`
					} `json:"results"`
				} `json:"runs"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &sarif) != nil || sarif.Version != "2.1.0" ||
				len(sarif.Runs[0].Tool.Driver.Rules) != 3 || len(sarif.Runs[0].Results) != 3 {
				t.Fatalf("sarif: %d\n%s", code, out)
			}

			code, out, _ = run(t, env, "", "scan", sbomPath, "--format", "cyclonedx-vex")
			var vex struct {
				SpecVersion     string                  `json:"specVersion"`
				Components      []struct{ Purl string } `json:"components"`
				Vulnerabilities []struct {
					ID       string `json:"id"`
					Analysis struct {
						State string `json:"state"`
					} `json:"analysis"`
					Affects []struct{ Ref string } `json:"affects"`
				} `json:"vulnerabilities"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &vex) != nil || vex.SpecVersion != "1.6" || len(vex.Vulnerabilities) != 3 ||
				len(vex.Components) != 2 || vex.Vulnerabilities[0].Analysis.State != "in_triage" {
				t.Fatalf("vex: %d\n%s", code, out)
			}

			// --output writes the file and nothing to stdout; - reads stdin.
			outFile := filepath.Join(dir, "report.sarif")
			if code, out, _ := run(t, env, scanSBOM, "scan", "-", "--format", "sarif", "--output", outFile); code != 0 || out != "" {
				t.Fatalf("--output: %d %q", code, out)
			}
			if b, err := os.ReadFile(outFile); err != nil || !strings.Contains(string(b), `"2.1.0"`) || strings.Contains(string(b), `"physicalLocation"`) {
				t.Errorf("--output file: %v\n%s", err, b)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestScanFailOn(t *testing.T) {
	env, dir := scanEnv(t, "sqlite")
	sbomPath := filepath.Join(dir, "app.cdx.json")
	for _, tc := range []struct {
		threshold string
		code      int
	}{
		{"none", 0}, {"critical", 1}, {"high", 1}, {"medium", 1}, {"low", 1}, {"kev", 1}, {"exploited", 1}, {"any", 1},
	} {
		code, _, stderr := run(t, env, "", "scan", sbomPath, "--fail-on", tc.threshold)
		if code != tc.code {
			t.Errorf("--fail-on %s: exit %d, want %d\n%s", tc.threshold, code, tc.code, stderr)
		}
		if tc.code == 1 && !strings.Contains(stderr, "at or above "+tc.threshold) {
			t.Errorf("--fail-on %s: %q", tc.threshold, stderr)
		}
	}
	// The default reports and exits 0.
	if code, _, _ := run(t, env, "", "scan", sbomPath); code != 0 {
		t.Errorf("default: exit %d", code)
	}
	// A clean SBOM passes every threshold.
	clean := writeFile(t, dir, "clean.cdx.json", `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
"components":[{"type":"library","name":"lodash","version":"4.17.21","purl":"pkg:npm/lodash@4.17.21"}]}`)
	if code, out, stderr := run(t, env, "", "scan", clean, "--fail-on", "any"); code != 0 || !strings.Contains(out, "0 findings") {
		t.Errorf("clean: %d\n%s\n%s", code, out, stderr)
	}
}

func TestScanIgnore(t *testing.T) {
	env, dir := scanEnv(t, "sqlite")
	sbomPath := filepath.Join(dir, "app.cdx.json")
	ignore := writeFile(t, dir, "accepted.yaml", `ignore:
  - id: GHSA-462w-v97r-4m45
    purl: pkg:pypi/jinja2
    reason: templates are ours, never user input
    expires: 2999-12-31
  - id: CVE-2021-23337
    reason: template() is not called
    expires: 2020-01-31
`)
	code, out, stderr := run(t, env, "", "scan", sbomPath, "--ignore", ignore, "--fail-on", "critical", "--format", "json")
	if code != 0 {
		t.Fatalf("the critical finding is accepted, yet exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "1 finding ignored as accepted in "+ignore) {
		t.Errorf("ignored count: %q", stderr)
	}
	if !strings.Contains(stderr, "accepted.yaml:6: entry 2 (CVE-2021-23337) expired on 2020-01-31") {
		t.Errorf("no warning for the expired entry: %q", stderr)
	}
	var res cra.ScanResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Findings) != 2 {
		t.Fatalf("findings after ignoring: %v %s", err, out)
	}
	// The expired entry no longer applies: the KEV finding still fails.
	if code, _, _ := run(t, env, "", "scan", sbomPath, "--ignore", ignore, "--fail-on", "kev"); code != 1 {
		t.Errorf("expired entry still applies: exit %d", code)
	}
	bad := writeFile(t, dir, "bad.yaml", "ignore:\n  - id: CVE-2021-23337\n    expires: 2030-01-01\n")
	if code, _, stderr := run(t, env, "", "scan", sbomPath, "--ignore", bad); code != 2 || !strings.Contains(stderr, "bad.yaml:2: entry 1: reason is required") {
		t.Errorf("bad ignore file: %d %q", code, stderr)
	}
	if code, _, stderr := run(t, env, "", "scan", sbomPath, "--ignore", filepath.Join(dir, "missing.yaml")); code != 2 || !strings.Contains(stderr, "missing.yaml") {
		t.Errorf("missing ignore file: %d %q", code, stderr)
	}
}

func TestScanErrors(t *testing.T) {
	env, dir := scanEnv(t, "sqlite")
	sbomPath := filepath.Join(dir, "app.cdx.json")
	notSBOM := writeFile(t, dir, "notes.json", `{"hello": "world"}`)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"scan"}, "give the SBOM file"},
		{"two files", []string{"scan", sbomPath, sbomPath}, "unexpected argument"},
		{"unreadable", []string{"scan", filepath.Join(dir, "missing.json")}, "missing.json"},
		{"not an SBOM", []string{"scan", notSBOM}, "cyra scan:"},
		{"bad format", []string{"scan", sbomPath, "--format", "xml"}, `--format must be one of table, json, sarif, cyclonedx-vex, not "xml"`},
		{"bad threshold", []string{"scan", sbomPath, "--fail-on", "severe"}, "--fail-on must be one of"},
		{"unknown flag", []string{"scan", sbomPath, "--frobnicate"}, "frobnicate"},
		{"no database", []string{"scan", sbomPath, "--data", filepath.Join(dir, "nowhere")}, "no cyra database at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, env, "", tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, out, stderr, tc.want)
			}
		})
	}
	// A mistyped --data directory is not created.
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("scan created a data directory")
	}
	if code, out, _ := run(t, env, "", "scan", "-h"); code != 0 || out != "" {
		t.Errorf("-h: %d %q", code, out)
	}
}

func TestScanWarnsOnAnEmptyDatabase(t *testing.T) {
	env := dbEnv(t, "sqlite")
	if code, _, stderr := run(t, env, "", "migrate"); code != 0 {
		t.Fatal(stderr)
	}
	sbomPath := writeFile(t, t.TempDir(), "app.cdx.json", scanSBOM)
	code, out, stderr := run(t, env, "", "scan", sbomPath, "--fail-on", "any")
	if code != 0 || !strings.Contains(stderr, "holds no advisories") || !strings.Contains(stderr, "cyra feeds sync") || !strings.Contains(out, "against 0 known vulnerabilities") {
		t.Errorf("empty database: %d\n%s\n%s", code, out, stderr)
	}
}
