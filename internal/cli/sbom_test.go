package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/testutil"
)

const bomV1 = `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
 "metadata":{"timestamp":"2026-11-01T10:00:00Z","tools":[{"vendor":"acme","name":"bomgen","version":"2"}],
  "component":{"bom-ref":"app","type":"application","name":"gateway","version":"1.0"}},
 "components":[
  {"bom-ref":"a","type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20","licenses":[{"license":{"id":"MIT"}}]},
  {"bom-ref":"b","type":"library","name":"debug","version":"2.6.9","purl":"pkg:npm/debug@2.6.9"},
  {"bom-ref":"c","type":"library","name":"vendored-thing","version":"1"}],
 "dependencies":[{"ref":"app","dependsOn":["a"]},{"ref":"a","dependsOn":["b"]}]}`

func TestSBOMOfflineCommands(t *testing.T) {
	dir := t.TempDir()
	bom := filepath.Join(dir, "bom.json")
	os.WriteFile(bom, []byte(bomV1), 0o644)
	code, out, stderr := run(t, nil, "", "sbom", "check", bom)
	if code != 0 || !strings.Contains(out, "components: 3 (1 direct, 1 without a purl)") || !strings.Contains(out, "quality score:") {
		t.Fatalf("check: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := run(t, nil, "", "sbom", "check", "--min-score", "100", bom); code != 1 || !strings.Contains(stderr, "below the threshold") {
		t.Fatalf("min-score: %d %q", code, stderr)
	}
	if code, out, _ := run(t, nil, bomV1, "sbom", "check", "--format", "json", "-"); code != 0 || !strings.Contains(out, `"without_purl": 1`) {
		t.Fatalf("check json from stdin: %d %q", code, out)
	}
	os.WriteFile(bom+".bad", []byte(bomV1[:120]), 0o644)
	if code, _, stderr := run(t, nil, "", "sbom", "check", bom+".bad"); code != 1 || !strings.Contains(stderr, "bom.json.bad") {
		t.Fatalf("truncated: %d %q", code, stderr)
	}
	spdx := filepath.Join(dir, "bom.spdx.json")
	if code, _, stderr := run(t, nil, "", "sbom", "convert", bom, "--to", "spdx-json", "-o", spdx); code != 0 {
		t.Fatalf("convert: %d %q", code, stderr)
	}
	if code, out, _ := run(t, nil, "", "sbom", "check", spdx); code != 0 || !strings.Contains(out, "spdx-json 2.3") || !strings.Contains(out, "components: 3") {
		t.Fatalf("check the converted SBOM: %q", out)
	}
	if code, out, _ := run(t, nil, "", "sbom", "convert", spdx, "--to", "cyclonedx-json"); code != 0 || !strings.Contains(out, `"specVersion": "1.6"`) {
		t.Fatalf("convert back: %.300q", out)
	}
	if code, _, stderr := run(t, nil, "", "sbom", "convert", bom, "--to", "pdf"); code != 2 || !strings.Contains(stderr, "cyclonedx-json or spdx-json") {
		t.Fatalf("convert to pdf: %d %q", code, stderr)
	}
}

func TestSBOMClientCommands(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			env, stop := serveWithToken(t, d, cra.RoleMember)
			defer stop()
			dir := t.TempDir()
			bom := filepath.Join(dir, "bom.json")
			os.WriteFile(bom, []byte(bomV1), 0o644)
			bom2 := filepath.Join(dir, "bom2.json")
			os.WriteFile(bom2, []byte(strings.NewReplacer("4.17.20", "4.17.21", `"bom-ref":"b"`, `"bom-ref":"b2"`, "debug", "ms", "2.6.9", "2.1.2", `"dependsOn":["b"]`, `"dependsOn":["b2"]`).Replace(bomV1)), 0o644)
			if code, _, _ := run(t, env, "", "product", "create", "--name", "Gateway"); code != 0 {
				t.Fatal("create product")
			}
			if code, _, stderr := run(t, env, "", "sbom", "upload", "--product", "Gateway", "--version", "1.0", bom); code != 1 || !strings.Contains(stderr, "no release 1.0") {
				t.Fatalf("upload without --create: %d %q", code, stderr)
			}
			code, out, stderr := run(t, env, "", "sbom", "upload", "--product", "Gateway", "--version", "1.0", "--create", bom)
			if code != 0 || !strings.Contains(out, "imported cyclonedx-json 1.5, 3 components") || !strings.Contains(stderr, "created release Gateway 1.0") {
				t.Fatalf("upload --create: %d %q %q", code, out, stderr)
			}
			if code, _, _ := run(t, env, "", "sbom", "upload", "--product", "Gateway", "--version", "1.1", "--create", bom2); code != 0 {
				t.Fatal("second upload")
			}
			code, out, _ = run(t, env, "", "sbom", "diff", "--product", "Gateway", "--from", "1.0", "--to", "1.1")
			if code != 0 || !strings.Contains(out, "+ ms 2.1.2") || !strings.Contains(out, "- debug 2.6.9") || !strings.Contains(out, "~ lodash 4.17.20 -> 4.17.21") {
				t.Fatalf("diff: %q", out)
			}
			code, out, _ = run(t, env, "", "sbom", "search", "--purl", "pkg:npm/lodash@4.17.21")
			if code != 0 || !strings.Contains(out, "1 release(s)") || !strings.Contains(out, "Gateway") {
				t.Fatalf("search: %q", out)
			}
			exp := filepath.Join(dir, "export.cdx.json")
			if code, _, stderr := run(t, env, "", "sbom", "export", "--product", "Gateway", "--version", "1.1", "--to", "cyclonedx-json", "-o", exp); code != 0 {
				t.Fatalf("export: %q", stderr)
			}
			if code, out, _ := run(t, nil, "", "sbom", "check", exp); code != 0 || !strings.Contains(out, "cyclonedx-json 1.6") || !strings.Contains(out, "components: 3") {
				t.Fatalf("check the export: %q", out)
			}
		})
	}
}
