package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// cdxComponent is a component of a generated CycloneDX document.
type cdxComponent struct {
	name, version, purl string
	direct              bool
}

// cdxSBOM writes a CycloneDX 1.5 JSON SBOM of app@version whose subject
// depends on the direct components, and the first direct component on
// every other one.
func cdxSBOM(version string, comps []cdxComponent) []byte {
	type licence struct {
		License map[string]string `json:"license"`
	}
	type comp struct {
		Type     string            `json:"type"`
		Ref      string            `json:"bom-ref"`
		Name     string            `json:"name"`
		Version  string            `json:"version"`
		PURL     string            `json:"purl,omitempty"`
		Supplier map[string]string `json:"supplier"`
		Licenses []licence         `json:"licenses"`
		Hashes   []map[string]string
	}
	type dep struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	}
	doc := struct {
		BOMFormat    string         `json:"bomFormat"`
		SpecVersion  string         `json:"specVersion"`
		Serial       string         `json:"serialNumber"`
		Version      int            `json:"version"`
		Metadata     map[string]any `json:"metadata"`
		Components   []comp         `json:"components"`
		Dependencies []dep          `json:"dependencies"`
	}{BOMFormat: "CycloneDX", SpecVersion: "1.5", Serial: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b7" + version[:1], Version: 1,
		Metadata: map[string]any{
			"timestamp": "2026-03-01T10:00:00Z",
			"tools":     map[string]any{"components": []map[string]string{{"type": "application", "name": "syft", "version": "1.4.0"}}},
			"component": map[string]string{"type": "application", "bom-ref": "app", "name": "nordlicht-app", "version": version, "purl": "pkg:npm/nordlicht-app@" + version},
		}}
	root, first := dep{Ref: "app", DependsOn: []string{}}, dep{DependsOn: []string{}}
	for i, c := range comps {
		ref := fmt.Sprintf("c%d", i)
		doc.Components = append(doc.Components, comp{Type: "library", Ref: ref, Name: c.name, Version: c.version, PURL: c.purl,
			Supplier: map[string]string{"name": "npm community"}, Licenses: []licence{{License: map[string]string{"id": "MIT"}}},
			Hashes: []map[string]string{{"alg": "SHA-256", "content": fmt.Sprintf("%064x", i+1)}}})
		switch {
		case c.direct:
			root.DependsOn = append(root.DependsOn, ref)
			if first.Ref == "" {
				first.Ref = ref
			}
		default:
			first.DependsOn = append(first.DependsOn, ref)
		}
	}
	doc.Dependencies = []dep{root, first}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return out
}

// bigSBOM is release 1.0's SBOM: lodash and express directly, left-pad,
// a component whose purl does not parse and 600 fillers: over 64 KiB.
func bigSBOM() []byte {
	comps := []cdxComponent{
		{"lodash", "4.17.21", "pkg:npm/lodash@4.17.21", true},
		{"express", "4.18.2", "pkg:npm/express@4.18.2", true},
		{"left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0", false},
		{"vendored-blob", "0.1", "not a purl", false},
	}
	for i := range 600 {
		comps = append(comps, cdxComponent{fmt.Sprintf("filler-%03d", i), "1.0.0", fmt.Sprintf("pkg:npm/filler-%03d@1.0.0", i), false})
	}
	return cdxSBOM("1.0.0", comps)
}

// smallSBOM is release 2.0's SBOM: lodash upgraded, left-pad gone, axios
// new.
func smallSBOM() []byte {
	return cdxSBOM("2.0.0", []cdxComponent{
		{"lodash", "4.17.22", "pkg:npm/lodash@4.17.22", true},
		{"express", "4.18.2", "pkg:npm/express@4.18.2", true},
		{"axios", "1.6.0", "pkg:npm/axios@1.6.0", false},
	})
}

// uploadSBOM posts the release page's SBOM form with the CSRF token of the
// page at from (none when from is empty).
func (b *browser) uploadSBOM(from, path, fileName string, data []byte, format string) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if from != "" {
		_, page := b.get(from)
		m := csrfRE.FindStringSubmatch(page)
		if m == nil {
			b.t.Fatalf("no CSRF token on %s", from)
		}
		mw.WriteField("csrf_token", m[1])
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	fw.Write(data)
	mw.WriteField("format", format)
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp, out.String()
}

func TestSBOMPagesThroughForms(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, false)
		b := s.browser(t)
		b.post("/setup?token="+s.setup, "/setup", setupValues(s.setup))
		ctx := adminContext(t, s)
		mustContain := func(what, body string, wants ...string) {
			t.Helper()
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", what, w)
				}
			}
		}

		resp, body := b.post("/products/new", "/products", productValues("Nordlicht App", cra.LicensingProprietary))
		prodID := created(t, resp, body)
		prod := "/products/" + prodID
		resp, body = b.post(prod+"/releases/new", prod+"/releases", url.Values{"version": {"1.0"}, "status": {"planned"}})
		rel1ID := created(t, resp, body)
		rel1 := "/releases/" + rel1ID
		resp, body = b.post(prod+"/releases/new", prod+"/releases", url.Values{"version": {"2.0"}, "status": {"planned"}})
		rel2ID := created(t, resp, body)
		rel2 := "/releases/" + rel2ID

		// The release page offers the upload form, with the drop zone
		// script as a file of its own.
		_, body = b.get(rel1)
		mustContain("release page without SBOM", body, `<h2 id="sbom">SBOM</h2>`, "This release has no SBOM yet.",
			`<form method="post" action="`+rel1+`/sbom" enctype="multipart/form-data"`, `<div class="dropzone">`,
			`<input type="file" name="file" id="sbom-file" accept=".json,.xml,.spdx,.gz,.jsonld"`, `<label for="sbom-file">`,
			`<option value="">Detect automatically</option>`, `js/dropzone.js" defer></script>`, `aria-live="polite"`)
		if strings.Contains(body, "style=") || strings.Contains(body, "<script>") || regexp.MustCompile(`<[^>]*\son[a-z]+=`).MatchString(body) {
			t.Error("inline script or style on the release page")
		}
		if m := regexp.MustCompile(`(?s)<form method="post" action="` + rel1 + `/sbom"[^>]*>\s*<input type="hidden" name="csrf_token"`).MatchString(body); !m {
			t.Error("the CSRF field is not the upload form's first field")
		}
		if _, other := b.get(prod); strings.Contains(other, "dropzone.js") {
			t.Error("a page without an upload form loads dropzone.js")
		}

		// Without the CSRF token the upload is refused and nothing stored.
		big := bigSBOM()
		if len(big) <= 64<<10 {
			t.Fatalf("the generated SBOM has %d bytes, not more than the 64 KiB form limit", len(big))
		}
		if resp, _ = b.uploadSBOM("", rel1+"/sbom", "bom.json", big, ""); resp.StatusCode != 403 {
			t.Fatalf("upload without CSRF token: %d", resp.StatusCode)
		}
		if recs, err := s.svc.SBOMs.SBOMs(ctx, mustID(t, rel1ID)); err != nil || len(recs) != 0 {
			t.Fatalf("a refused upload was stored: %v %v", recs, err)
		}

		// A large SBOM passes the CSRF check and is imported.
		resp, body = b.uploadSBOM(rel1, rel1+"/sbom", "bom.json", big, "")
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), rel1+"?done=sbom-imported&sbom=") {
			t.Fatalf("upload: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		recs, err := s.svc.SBOMs.SBOMs(ctx, mustID(t, rel1ID))
		if err != nil || len(recs) != 1 || recs[0].ComponentCount != 604 {
			t.Fatalf("stored SBOMs: %v %v", recs, err)
		}
		first := recs[0]
		score := fmt.Sprintf("%d/100", first.Quality.Score)
		_, body = b.get(resp.Header.Get("Location"))
		mustContain("release page after the upload", body,
			`<p class="flash" role="status">Imported 604 components; quality score `+score+`.</p>`,
			`data-testid="sbom-components">604<`, `data-testid="sbom-score">`+score+`<`, `data-testid="sbom-direct">2<`,
			"CycloneDX JSON 1.5", "bom.json", first.SHA256, "syft 1.4.0", "nordlicht-app 1.0.0", `href="`+rel1+`/components"`,
			`href="`+rel1+`/sbom.cdx.json"`, `href="`+rel1+`/sbom.spdx.json"`, `href="/sboms/`+itoa(first.ID)+`/document"`,
			`data-check="top-level-dependencies"`, "BSI TR-03183-2", "vendored-blob", `<h3 id="sbom-warnings">Warnings</h3>`,
			`href="`+prod+`/diff?to=`+rel1ID+`"`, "Upload a new SBOM")
		if strings.Contains(body, "replaced the previous SBOM") {
			t.Error("the first upload claims to replace an SBOM")
		}

		// A broken document is refused with the parser's message next to
		// the file field; the previous SBOM stays current.
		broken := []byte("{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.5\",\n  \"components\": [{\"name\": }]\n}\n")
		resp, body = b.uploadSBOM(rel1, rel1+"/sbom", "broken.json", broken, "")
		if resp.StatusCode != 400 {
			t.Fatalf("broken SBOM: %d %s", resp.StatusCode, body)
		}
		m := regexp.MustCompile(`<p class="field-error" id="err-file">([^<]*)</p>`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(m[1], "broken.json") || !strings.Contains(m[1], "line 4") {
			t.Fatalf("broken SBOM message: %v\n%s", m, body)
		}
		mustContain("release page after a broken upload", body, `aria-invalid="true" aria-describedby="err-file sbom-file-hint"`,
			`data-testid="sbom-components">604<`, "nothing was stored")
		if recs, _ = s.svc.SBOMs.SBOMs(ctx, mustID(t, rel1ID)); len(recs) != 1 || recs[0].ID != first.ID || !recs[0].Current {
			t.Fatalf("the broken upload changed the SBOMs: %v", recs)
		}
		// A declared format that does not match is refused too.
		resp, body = b.uploadSBOM(rel1, rel1+"/sbom", "bom.json", big, string(cra.FormatSPDXJSON))
		if resp.StatusCode == 303 || !strings.Contains(body, `id="err-file"`) || !strings.Contains(body, "declared as spdx-json") {
			t.Fatalf("mismatched format: %d", resp.StatusCode)
		}
		if resp, body = b.uploadSBOM(rel1, rel1+"/sbom", "bom.json", big, "yaml"); resp.StatusCode != 400 || !strings.Contains(body, `id="err-format"`) {
			t.Fatalf("unknown format: %d", resp.StatusCode)
		}
		if resp, body = b.uploadSBOM(rel1, rel1+"/sbom", "", nil, ""); resp.StatusCode != 400 || !strings.Contains(body, "Choose an SBOM file") {
			t.Fatalf("no file: %d", resp.StatusCode)
		}

		// Uploading again replaces the SBOM; the first stays downloadable.
		resp, _ = b.uploadSBOM(rel1, rel1+"/sbom", "bom-again.json", big, string(cra.FormatCycloneDXJSON))
		if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "done=sbom-replaced") {
			t.Fatalf("second upload: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = b.get(resp.Header.Get("Location"))
		mustContain("release page after the second upload", body, "Imported 604 components; quality score "+score+". It replaced the previous SBOM",
			"bom-again.json", `href="/sboms/`+itoa(first.ID)+`/document">bom.json</a>`, `<span class="badge on">current</span>`)
		resp, doc := b.get("/sboms/" + itoa(first.ID) + "/document")
		if resp.StatusCode != 200 || doc != string(big) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Fatalf("original document: %d %v", resp.StatusCode, resp.Header)
		}

		// The components page filters and pages.
		comps := rel1 + "/components"
		_, body = b.get(comps)
		mustContain("components page", body, "Showing 1–100 of 604 components.", `href="`+comps+`?page=2" rel="next"`,
			"<th scope=\"col\">Package URL</th>", "Page 1 of 7")
		if strings.Contains(body, `rel="prev"`) {
			t.Error("the first page links to a previous one")
		}
		_, body = b.get(comps + "?page=2")
		mustContain("components page 2", body, "Showing 101–200 of 604 components.", `href="`+comps+`" rel="prev"`, `href="`+comps+`?page=3" rel="next"`)
		_, body = b.get(comps + "?page=99")
		mustContain("components past the end", body, "Showing 601–604 of 604 components.")
		_, body = b.get(comps + "?q=lodash")
		mustContain("components filtered by name", body, "Showing 1–1 of 1 matching components.", "pkg:npm/lodash@4.17.21",
			`<span class="badge on">direct</span>`, "MIT", "npm community", `value="lodash"`)
		_, body = b.get(comps + "?q=filler&direct=on")
		mustContain("filler components, direct only", body, "No components match the filter.")
		_, body = b.get(comps + "?direct=on")
		mustContain("direct components", body, "Showing 1–2 of 2 matching components.", "express", "lodash")
		_, body = b.get(comps + "?q=filler&page=2")
		mustContain("filtered second page", body, "Showing 101–200 of 600 matching components.", `href="`+comps+`?page=3&amp;q=filler" rel="next"`)
		_, body = b.get(comps + "?nopurl=on")
		mustContain("components without purl", body, "Showing 1–1 of 1 matching components.", "vendored-blob", `<span class="badge warn">no purl</span>`, "not a purl")

		// Exports download as attachments in both formats.
		for _, e := range []struct{ path, key, want string }{{"/sbom.cdx.json", "bomFormat", "CycloneDX"}, {"/sbom.spdx.json", "spdxVersion", "SPDX-2.3"}} {
			resp, doc := b.get(rel1 + e.path)
			var v map[string]any
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || json.Unmarshal([]byte(doc), &v) != nil || v[e.key] != e.want {
				t.Fatalf("export %s: %d %v %.200s", e.path, resp.StatusCode, resp.Header, doc)
			}
			if !strings.Contains(doc, "pkg:npm/lodash@4.17.21") {
				t.Errorf("export %s lacks lodash", e.path)
			}
		}
		if resp, _ = b.get(rel2 + "/sbom.cdx.json"); resp.StatusCode != 404 {
			t.Errorf("export of a release without SBOM: %d", resp.StatusCode)
		}

		// Compare two releases.
		if resp, _ = b.uploadSBOM(rel2, rel2+"/sbom", "bom2.json", smallSBOM(), ""); resp.StatusCode != 303 {
			t.Fatalf("upload 2.0: %d", resp.StatusCode)
		}
		_, body = b.get(prod)
		mustContain("product page", body, `<a href="`+prod+`/diff">Compare releases</a>`)
		resp, body = b.get(prod + "/diff?from=" + rel1ID + "&to=" + rel2ID)
		if resp.StatusCode != 200 {
			t.Fatalf("diff: %d", resp.StatusCode)
		}
		mustContain("diff page", body, `<h2 id="diff-result">1.0 → 2.0</h2>`, "<strong>1</strong> added, <strong>602</strong> removed, <strong>1</strong> changed, 1 unchanged.",
			"pkg:npm/axios@1.6.0", "left-pad", "vendored-blob", `<option value="`+rel1ID+`" selected>1.0 (604 components)</option>`)
		changed := regexp.MustCompile(`(?s)<table data-testid="diff-changed">.*?</table>`).FindString(body)
		if !strings.Contains(changed, "lodash") || !strings.Contains(changed, "4.17.21") || !strings.Contains(changed, "→ 4.17.22") {
			t.Errorf("changed table: %s", changed)
		}
		added := regexp.MustCompile(`(?s)<table data-testid="diff-added">.*?</table>`).FindString(body)
		if !strings.Contains(added, "axios") || strings.Contains(added, "left-pad") {
			t.Errorf("added table: %s", added)
		}
		// Without a choice the page compares the two releases with SBOMs.
		if resp, body = b.get(prod + "/diff"); resp.StatusCode != 200 || !strings.Contains(body, `id="diff-result"`) || !strings.Contains(body, "changed") {
			t.Fatalf("default diff: %d", resp.StatusCode)
		}
		if resp, body = b.get(prod + "/diff?from=" + rel1ID + "&to=999"); resp.StatusCode != 400 || !strings.Contains(body, `id="err-to"`) {
			t.Fatalf("diff with a foreign release: %d", resp.StatusCode)
		}

		// Find a component across the portfolio.
		for _, page := range []string{"/products", "/"} {
			if _, body = b.get(page); !strings.Contains(body, `href="/components"`) {
				t.Errorf("%s does not link to the component search", page)
			}
		}
		_, body = b.get("/components?purl=" + url.QueryEscape("pkg:npm/lodash"))
		mustContain("search by package", body, "2 releases contain", `<a href="`+rel1+`">1.0</a>`, `<a href="`+rel2+`">2.0</a>`, `<a href="`+prod+`">Nordlicht App</a>`)
		_, body = b.get("/components?purl=" + url.QueryEscape("pkg:npm/lodash@4.17.21"))
		mustContain("search by version", body, "1 release contains", `<a href="`+rel1+`">1.0</a>`)
		if strings.Contains(body, `<a href="`+rel2+`">`) {
			t.Error("the search by version finds the other version")
		}
		_, body = b.get("/components?purl=" + url.QueryEscape("pkg:npm/lodash") + "&version=4.17.0")
		mustContain("search for another version", body, "No release contains")
		if strings.Contains(body, `<a href="`+rel1+`">`) {
			t.Error("a different version finds the release")
		}
		resp, body = b.get("/components?purl=lodash")
		if resp.StatusCode != 400 || !strings.Contains(body, `<p class="field-error" id="err-purl">`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("invalid purl: %d %s", resp.StatusCode, body)
		}

		// An auditor reads every page but may not upload.
		if resp, _ := b.post("/settings/users", "/settings/users", url.Values{"email": {"au@acme.example"}, "role": {"auditor"}, "kind": {"person"}, "password": {"quartz-meadow-kiln-44"}}); resp.StatusCode != 303 {
			t.Fatalf("create auditor: %d", resp.StatusCode)
		}
		auditor := s.browser(t)
		auditor.post("/login", "/login", url.Values{"email": {"au@acme.example"}, "password": {"quartz-meadow-kiln-44"}})
		for _, p := range []string{rel1, comps, comps + "?q=lodash", prod + "/diff", "/components?purl=pkg:npm/lodash", rel1 + "/sbom.cdx.json", rel1 + "/sbom.spdx.json", "/sboms/" + itoa(first.ID) + "/document"} {
			if resp, _ := auditor.get(p); resp.StatusCode != 200 {
				t.Errorf("auditor reads %s: %d", p, resp.StatusCode)
			}
		}
		_, body = auditor.get(rel1)
		if !strings.Contains(body, `data-testid="sbom-components">604<`) || strings.Contains(body, `enctype="multipart/form-data"`) || strings.Contains(body, "dropzone.js") {
			t.Error("the auditor's release page shows the upload form or lacks the SBOM")
		}
		before, _ := s.svc.SBOMs.SBOMs(ctx, mustID(t, rel2ID))
		if resp, _ = auditor.uploadSBOM(rel1, rel2+"/sbom", "bom.json", smallSBOM(), ""); resp.StatusCode != 403 {
			t.Fatalf("auditor uploads a small SBOM: %d", resp.StatusCode)
		}
		if resp, _ = auditor.uploadSBOM(rel1, rel2+"/sbom", "bom.json", big, ""); resp.StatusCode != 403 {
			t.Fatalf("auditor uploads a large SBOM: %d", resp.StatusCode)
		}
		if after, _ := s.svc.SBOMs.SBOMs(ctx, mustID(t, rel2ID)); len(after) != len(before) {
			t.Fatal("the auditor's upload was stored")
		}

		// Anonymous visitors are sent to the sign-in page.
		for _, p := range []string{comps, "/components", prod + "/diff", rel1 + "/sbom.cdx.json"} {
			if resp, _ := s.browser(t).get(p); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
				t.Errorf("anonymous %s: %d", p, resp.StatusCode)
			}
		}
	})
}

func itoa(n int64) string { return fmt.Sprint(n) }
