package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

func TestSBOMOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		path := fmt.Sprintf("/api/v1/releases/%d/sbom", f.release.ID)
		// Media types: a CycloneDX type is a declaration the content must match.
		status, body, _ := f.do(t, cra.RoleMember, "POST", path, "application/spdx+json", cdxDoc)
		if status != 415 || !strings.Contains(body, "declared as spdx-json, but the content is cyclonedx-json") {
			t.Fatalf("declared SPDX, sent CycloneDX: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", path+"?format=pdf", "application/json", cdxDoc); status != 400 || !strings.Contains(body, `"format"`) {
			t.Fatalf("unknown declared format: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", path, "image/png", cdxDoc); status != 415 || !strings.Contains(body, "application/vnd.cyclonedx+json") {
			t.Fatalf("wrong media type: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", path+"?filename=bad.json", "application/json", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`); status != 400 || !strings.Contains(body, "bad.json") {
			t.Fatalf("truncated: %d %s", status, body)
		}
		status, body, _ = f.do(t, cra.RoleMember, "POST", path+"?filename=gw.cdx.json", "application/vnd.cyclonedx+json", cdxDoc)
		var up struct {
			SBOM struct {
				ID             int64  `json:"id"`
				ComponentCount int    `json:"component_count"`
				FileName       string `json:"file_name"`
				Current        bool   `json:"current"`
				Quality        struct {
					Score int `json:"score"`
				} `json:"quality"`
			} `json:"sbom"`
			Replaced bool `json:"replaced"`
		}
		if err := json.Unmarshal([]byte(body), &up); status != 201 || err != nil || up.SBOM.ComponentCount != 1 || !up.Replaced || up.SBOM.FileName != "gw.cdx.json" || !up.SBOM.Current ||
			up.SBOM.Quality.Score == 0 || !strings.Contains(body, `"score":`) {
			t.Fatalf("upload: %d %s", status, body)
		}
		// Components, exports, history and the original.
		if status, body, _ := f.do(t, cra.RoleAuditor, "GET", fmt.Sprintf("/api/v1/releases/%d/components?q=lod&direct=true", f.release.ID), "", ""); status != 200 || !strings.Contains(body, `"total": 1`) || !strings.Contains(body, `"purl": "pkg:npm/lodash@4.17.21"`) {
			t.Fatalf("components: %d %s", status, body)
		}
		for format, marker := range map[string]string{"cyclonedx-json": `"bomFormat": "CycloneDX"`, "spdx-json": `"spdxVersion": "SPDX-2.3"`} {
			status, body, hdr := f.do(t, cra.RoleAuditor, "GET", path+"?format="+format, "", "")
			if status != 200 || !strings.Contains(body, marker) || !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment") {
				t.Fatalf("export %s: %d %.200s", format, status, body)
			}
		}
		if status, _, _ := f.do(t, cra.RoleAuditor, "GET", path+"?format=spdx-tag-value", "", ""); status != 400 {
			t.Fatalf("export tag-value: %d", status)
		}
		status, body, _ = f.do(t, cra.RoleAuditor, "GET", fmt.Sprintf("/api/v1/releases/%d/sboms", f.release.ID), "", "")
		if status != 200 || strings.Count(body, `"sha256"`) != 2 {
			t.Fatalf("history: %d %s", status, body)
		}
		status, body, hdr := f.do(t, cra.RoleAuditor, "GET", fmt.Sprintf("/api/v1/sboms/%d/document", up.SBOM.ID), "", "")
		if status != 200 || body != cdxDoc || hdr.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("document: %d %s", status, hdr)
		}
		// Search and diff.
		if status, body, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/components/search?purl="+strings.ReplaceAll("pkg:npm/lodash@4.17.21", "@", "%40"), "", ""); status != 200 || !strings.Contains(body, `"release": "1.0"`) {
			t.Fatalf("search: %d %s", status, body)
		}
		if status, _, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/components/search?purl=lodash", "", ""); status != 400 {
			t.Fatalf("search without a purl: %d", status)
		}
		if status, _, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/diff?from=1", "", ""); status != 400 {
			t.Fatalf("diff without to: %d", status)
		}
		// A multipart upload works too.
		var mp strings.Builder
		mp.WriteString("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mp.json\"\r\nContent-Type: application/json\r\n\r\n")
		mp.WriteString(cdxDoc)
		mp.WriteString("\r\n--XX--\r\n")
		status, body, _ = f.do(t, cra.RoleMember, "POST", path, "multipart/form-data; boundary=XX", mp.String())
		if status != 201 || !strings.Contains(body, `"file_name": "mp.json"`) {
			t.Fatalf("multipart: %d %s", status, body)
		}
	})
}
