package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// productValues is a complete product form.
func productValues(name string, licensing cra.Licensing) url.Values {
	return url.Values{"name": {name}, "model": {"NR-2"}, "sku": {"NR-2-EU"}, "description": {"A home router."},
		"intended_purpose": {"Connect a home network to the internet"}, "foreseeable_use": {"Small offices"},
		"foreseeable_misuse": {"Exposing the admin interface to the internet"}, "operating_environment": {"Indoors, consumer networks"},
		"remote_data_processing": {"yes"}, "rdp_description": {"Cloud management API"}, "operator_role": {"manufacturer"},
		"licensing": {string(licensing)}, "member_states": {"DE", "FR"}, "team": {"Edge"}, "lifecycle": {"on-market"}}
}

// inScopeAnswers answers every scope question so the product is in scope.
func inScopeAnswers() url.Values {
	v := url.Values{}
	for _, q := range cra.ScopeQuestions {
		v.Set("answers."+q.ID, map[bool]string{true: "no", false: "yes"}[q.Excludes])
	}
	return v
}

var locationID = regexp.MustCompile(`^/(?:products|releases)/(\d+)`)

// created returns the id in a redirect to a product or release page.
func created(t *testing.T, resp *http.Response, body string) string {
	t.Helper()
	m := locationID.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("expected a redirect to the new page, got %d %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return m[1]
}

// routeRow returns the conformity-route row of a module on a product page.
func routeRow(t *testing.T, page, module string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr data-module="` + regexp.QuoteMeta(strings.ReplaceAll(module, "+", "&#43;")) + `" data-allowed="(true|false)">.*?</tr>`).FindString(page)
	if m == "" {
		t.Fatalf("no route row for %s:\n%s", module, page)
	}
	return m
}

// upload posts a multipart evidence form with the CSRF token of the page
// at from (none when from is empty).
func (b *browser) upload(from, path, fileName string, data []byte) (*http.Response, string) {
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
	mw.WriteField("kind", "file")
	mw.WriteField("note", "Penetration test report")
	fw, _ := mw.CreateFormFile("file", fileName)
	fw.Write(data)
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

func adminContext(t *testing.T, s *site) context.Context {
	return cra.WithActor(t.Context(), cra.SystemActor("test"))
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestProductPagesThroughForms(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, false)
		b := s.browser(t)
		b.post("/setup?token="+s.setup, "/setup", setupValues(s.setup))
		now := time.Now().UTC()
		day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
		month := func(m int) string { return cra.MonthOf(now).AddMonths(m).String() }

		if _, body := b.get("/products"); !strings.Contains(body, "No products yet.") || !strings.Contains(body, `href="/products/new"`) {
			t.Fatalf("empty portfolio: %s", body)
		}
		if _, body := b.get("/"); !strings.Contains(body, "No products yet.") || !strings.Contains(body, "Obligations calendar") {
			t.Fatalf("dashboard without products: %s", body)
		}

		// Create a product; a problem is shown next to its field and the
		// form keeps the input.
		bad := productValues("Nordlicht Router", cra.LicensingProprietary)
		bad.Set("rdp_description", "")
		resp, body := b.post("/products/new", "/products", bad)
		if resp.StatusCode != 400 || !strings.Contains(body, `id="err-rdp_description"`) || !strings.Contains(body, `value="Nordlicht Router"`) ||
			!regexp.MustCompile(`value="FR" checked`).MatchString(body) {
			t.Fatalf("invalid product: %d %s", resp.StatusCode, body)
		}
		resp, body = b.post("/products/new", "/products", productValues("Nordlicht Router", cra.LicensingProprietary))
		router := created(t, resp, body)
		prod := "/products/" + router
		_, body = b.get(prod + "?done=product-created")
		for _, want := range []string{"Product created.", "Cloud management API", "Germany, France", "The scope check (Art. 2) has not been done.", `class="notice"`} {
			if !strings.Contains(body, want) {
				t.Errorf("product page lacks %q", want)
			}
		}
		if strings.Contains(body, `role="alert"`) {
			t.Error("warnings are announced as alerts")
		}

		// Scope check: every question must be answered.
		partial := inScopeAnswers()
		partial.Del("answers.medical_device")
		resp, body = b.post(prod+"/scope", prod+"/scope", partial)
		if resp.StatusCode != 400 || !strings.Contains(body, `id="err-answers.medical_device"`) || !strings.Contains(body, `aria-invalid="true" aria-describedby="err-answers.medical_device"`) {
			t.Fatalf("incomplete scope: %d %s", resp.StatusCode, body)
		}
		if resp, body = b.post(prod+"/scope", prod+"/scope", inScopeAnswers()); resp.StatusCode != 303 {
			t.Fatalf("scope: %d %s", resp.StatusCode, body)
		}
		if _, body = b.get(prod + "/scope"); strings.Count(body, `checked>`) != len(cra.ScopeQuestions) {
			t.Error("the questionnaire is not prefilled from the decision")
		}

		// Class I without standards: no internal control (Art. 32(2)).
		resp, body = b.post(prod+"/classification", prod+"/classification", url.Values{"category": {"I-12"}, "rationale": {""}, "standards": {"none"}})
		if resp.StatusCode != 400 || !strings.Contains(body, `id="err-rationale"`) {
			t.Fatalf("classification without rationale: %d", resp.StatusCode)
		}
		if !strings.Contains(body, `<optgroup label="Important, class I">`) || !strings.Contains(body, "I-12 — Routers, modems") {
			t.Errorf("category select lacks its groups or labels")
		}
		resp, body = b.post(prod+"/classification", prod+"/classification", url.Values{"category": {"I-12"}, "rationale": {"It routes between the home network and the internet."}, "standards": {"none"}})
		if resp.StatusCode != 303 {
			t.Fatalf("classify: %d %s", resp.StatusCode, body)
		}
		_, body = b.get(prod)
		if a := routeRow(t, body, "A"); !strings.Contains(a, `data-allowed="false"`) || !strings.Contains(a, "Art. 32(2)") {
			t.Errorf("module A row: %s", a)
		}
		if bc := routeRow(t, body, "B+C"); !strings.Contains(bc, `data-allowed="true"`) {
			t.Errorf("module B+C row: %s", bc)
		}
		if !strings.Contains(body, "In scope of the CRA") || !strings.Contains(body, "Important, class I") || !strings.Contains(body, "Routers, modems intended for the connection to the internet, and switches") {
			t.Errorf("product page lacks the scope or the class")
		}

		// Changing the intended purpose marks the decisions for review.
		edit := productValues("Nordlicht Router", cra.LicensingProprietary)
		edit.Set("intended_purpose", "Connect offices to the internet")
		if resp, body = b.post(prod+"/edit", prod+"/edit", edit); resp.StatusCode != 303 {
			t.Fatalf("edit: %d %s", resp.StatusCode, body)
		}
		if _, body = b.get(prod); !strings.Contains(body, "Needs review:") || !strings.Contains(body, "changed after its scope or classification was decided") {
			t.Errorf("no review notice after a purpose change")
		}

		// Open source with public technical documentation: module A under
		// Art. 32(5) even in class II.
		resp, body = b.post("/products/new", "/products", productValues("Nordlicht Firewall", cra.LicensingFOSSCommercial))
		fw := "/products/" + created(t, resp, body)
		b.post(fw+"/scope", fw+"/scope", inScopeAnswers())
		resp, body = b.post(fw+"/classification", fw+"/classification", url.Values{"category": {"II-2"}, "rationale": {"A firewall."}, "standards": {"none"}, "tech_doc_public": {"yes"}})
		if resp.StatusCode != 303 {
			t.Fatalf("classify FOSS: %d %s", resp.StatusCode, body)
		}
		_, body = b.get(fw)
		if a := routeRow(t, body, "A"); !strings.Contains(a, `data-allowed="true"`) || !strings.Contains(a, "Art. 32(5)") {
			t.Errorf("FOSS module A row: %s", a)
		}

		// Releases: a support period under five years is refused next to
		// the field and nothing is saved; a date that does not parse too.
		rel := url.Values{"version": {"1.0"}, "status": {"released"}, "release_date": {day(-10)}, "placed_on_market": {day(-5)}, "support_end": {month(24)}}
		resp, body = b.post(prod+"/releases/new", prod+"/releases", rel)
		if resp.StatusCode != 400 || !strings.Contains(body, `<p class="field-error" id="err-support_end">The support period must last at least five years`) || !strings.Contains(body, `value="1.0"`) {
			t.Fatalf("short support period: %d %s", resp.StatusCode, body)
		}
		garbled := url.Values{"version": {"1.0"}, "status": {"released"}, "release_date": {"soon"}, "support_end": {"2031-13"}}
		resp, body = b.post(prod+"/releases/new", prod+"/releases", garbled)
		if resp.StatusCode != 400 || !strings.Contains(body, `id="err-release_date"`) || !strings.Contains(body, `id="err-support_end"`) || !strings.Contains(body, `value="soon"`) {
			t.Fatalf("unparsable dates: %d %s", resp.StatusCode, body)
		}
		if rs, err := s.svc.Products.ListReleases(adminContext(t, s), mustID(t, router)); err != nil || len(rs) != 0 {
			t.Fatalf("a refused release was saved: %v %v", rs, err)
		}
		rel.Set("support_end", month(72))
		resp, body = b.post(prod+"/releases/new", prod+"/releases", rel)
		release := "/releases/" + created(t, resp, body)
		old := url.Values{"version": {"0.9"}, "status": {"released"}, "release_date": {"2018-12-01"}, "placed_on_market": {"2019-01-01"}, "support_end": {"2024-01"}}
		resp, body = b.post(prod+"/releases/new", prod+"/releases", old)
		created(t, resp, body)
		_, body = b.get(prod)
		if !strings.Contains(body, `<a href="`+release+`">1.0</a>`) || !strings.Contains(body, "on the market") || !strings.Contains(body, "0.9 is past its end of support") {
			t.Errorf("product page lacks the releases or the support warning: %s", body)
		}
		// A release of the firewall contains the router's release.
		fwRel := url.Values{"version": {"3.1"}, "status": {"planned"}, "components": {strings.TrimPrefix(release, "/releases/")}}
		resp, body = b.post(fw+"/releases/new", fw+"/releases", fwRel)
		fwRelease := "/releases/" + created(t, resp, body)
		if _, body = b.get(fwRelease); !strings.Contains(body, "Nordlicht Router 1.0") || !strings.Contains(body, "Nordlicht Router — 1.0</option>") {
			t.Errorf("the component is not shown")
		}

		// Annex I: not applicable needs a justification.
		req := prod + "/requirements/I.2.l"
		resp, body = b.post(req, req, url.Values{"status": {"not-applicable"}})
		if resp.StatusCode != 400 || !strings.Contains(body, `id="err-justification"`) {
			t.Fatalf("not applicable without justification: %d %s", resp.StatusCode, body)
		}
		if resp, body = b.post(req, req, url.Values{"status": {"not-applicable"}, "justification": {"The router keeps no logs of user activity."}}); resp.StatusCode != 303 {
			t.Fatalf("not applicable: %d %s", resp.StatusCode, body)
		}
		b.post(prod+"/requirements/I.2.a", prod+"/requirements/I.2.a", url.Values{"status": {"met"}, "how_met": {"Scanned before release."}})
		_, body = b.get(prod + "/requirements")
		if !strings.Contains(body, "Readiness: 9 %") || !regexp.MustCompile(`(?s)data-requirement="I.2.l">.*?Not applicable.*?The router keeps no logs`).MatchString(body) {
			t.Errorf("matrix: %s", body)
		}
		// A release overrides one requirement and follows the product again.
		rreq := release + "/requirements/II.3"
		if resp, _ = b.post(rreq, rreq, url.Values{"status": {"in-progress"}}); resp.StatusCode != 303 {
			t.Fatalf("override: %d", resp.StatusCode)
		}
		if _, body = b.get(release + "/requirements"); !strings.Contains(body, `<span class="badge warn">overrides product</span>`) {
			t.Errorf("release matrix lacks the override marker")
		}
		if resp, _ = b.post(rreq, rreq+"/clear", url.Values{}); resp.StatusCode != 303 {
			t.Fatalf("clear override: %d", resp.StatusCode)
		}
		if _, body = b.get(release + "/requirements"); strings.Contains(body, `<span class="badge warn">overrides product</span>`) {
			t.Errorf("the override is still there")
		}

		// Evidence: a file larger than the 64 KiB form limit goes through
		// the multipart form and comes back unchanged as a download.
		ev := prod + "/requirements/II.3"
		data := bytes.Repeat([]byte("<html><script>alert(1)</script>"), 4000)
		if resp, _ = b.upload("", ev+"/evidence", "report.html", data); resp.StatusCode != 403 {
			t.Fatalf("upload without CSRF token: %d", resp.StatusCode)
		}
		resp, body = b.upload(ev, ev+"/evidence", "report.html", data)
		if resp.StatusCode != 303 {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		_, body = b.get(ev)
		m := regexp.MustCompile(`href="(/evidence/(\d+)/file)"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "Penetration test report") {
			t.Fatalf("evidence not listed: %s", body)
		}
		resp, file := b.get(m[1])
		if resp.StatusCode != 200 || file != string(data) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
		}
		resp, body = b.upload(ev, ev+"/evidence", "huge.bin", make([]byte, cra.MaxEvidenceFile+1))
		if resp.StatusCode != 400 || !strings.Contains(body, `id="err-file"`) || !strings.Contains(body, "larger than 20 MiB") {
			t.Fatalf("oversized upload: %d", resp.StatusCode)
		}
		resp, body = b.post(ev, ev+"/evidence", url.Values{"kind": {"link"}, "url": {"javascript:alert(1)"}})
		if resp.StatusCode != 400 || !strings.Contains(body, `id="err-url"`) {
			t.Fatalf("bad link: %d", resp.StatusCode)
		}
		if resp, _ = b.post(ev, ev+"/evidence", url.Values{"kind": {"link"}, "url": {"https://ci.example/run/7"}}); resp.StatusCode != 303 {
			t.Fatalf("link: %d", resp.StatusCode)
		}
		if _, body = b.get(ev); !strings.Contains(body, `href="https://ci.example/run/7" target="_blank" rel="noopener noreferrer"`) {
			t.Errorf("link evidence: %s", body)
		}
		resp, _ = b.post(ev, "/evidence/"+m[2]+"/delete", url.Values{"next": {ev}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != ev+"?done=evidence-deleted" {
			t.Fatalf("delete evidence: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ = b.get(m[1]); resp.StatusCode != 404 {
			t.Errorf("deleted evidence still downloads: %d", resp.StatusCode)
		}

		// Risk assessment: problems show next to the row they belong to,
		// blank rows are ignored.
		risk := url.Values{"summary": {"Internet-facing router."}, "reviewed_on": {day(0)}, "review_due": {day(180)},
			"assets[0].name": {"Admin credentials"}, "assets[0].description": {""}, "assets[1].name": {""}, "assets[1].description": {""},
			"threats[0].title": {""}, "threats[0].misuse_case": {""}, "threats[0].likelihood": {""}, "threats[0].impact": {""}, "threats[0].decision": {""}, "threats[0].requirements": {""},
			"threats[1].title": {"Credential stuffing"}, "threats[1].misuse_case": {"Botnets try leaked passwords"}, "threats[1].likelihood": {""},
			"threats[1].impact": {"4"}, "threats[1].decision": {"Mitigate: rate limiting"}, "threats[1].requirements": {"i.2.d, II.6"}}
		resp, body = b.post(prod+"/risk", prod+"/risk", risk)
		if resp.StatusCode != 400 || !strings.Contains(body, `<select id="t1-likelihood" name="threats[1].likelihood" aria-invalid="true" aria-describedby="err-threats[1].likelihood">`) ||
			!strings.Contains(body, `id="err-threats[1].likelihood"`) {
			t.Fatalf("risk assessment without likelihood: %d %s", resp.StatusCode, body)
		}
		risk.Set("threats[1].likelihood", "4")
		if resp, body = b.post(prod+"/risk", prod+"/risk", risk); resp.StatusCode != 303 {
			t.Fatalf("risk assessment: %d %s", resp.StatusCode, body)
		}
		_, body = b.get(prod + "/risk")
		if !strings.Contains(body, "Version 1 (latest)") || !regexp.MustCompile(`(?s)data-threat="Credential stuffing">.*?16 <span class="badge off" data-level="high">high</span>.*?I.2.d</a>, <a [^>]*>II.6`).MatchString(body) {
			t.Errorf("risk page: %s", body)
		}
		if !strings.Contains(body, `name="threats[0].title" value="Credential stuffing"`) || !strings.Contains(body, `name="threats[3].title" value=""`) {
			t.Errorf("the new-version form is not prefilled with blank rows")
		}

		// Portfolio, compliance and dashboard.
		_, body = b.get("/products")
		if !strings.Contains(body, `<a href="`+prod+`">Nordlicht Router</a>`) || !strings.Contains(body, "Portfolio readiness: 5 %") || !strings.Contains(body, "<code>I-12</code> Important, class I") {
			t.Errorf("portfolio: %s", body)
		}
		if _, body = b.get("/compliance"); !strings.Contains(body, "Portfolio readiness: 5 %") || !strings.Contains(body, `href="`+prod+`/requirements"`) {
			t.Errorf("compliance: %s", body)
		}
		_, body = b.get("/")
		applies := func(d time.Time) string {
			if now.Before(d) {
				return "applies from " + d.Format("2 Jan 2006")
			}
			return "applies since " + d.Format("2 Jan 2006")
		}
		for _, want := range []string{`data-testid="product-count">2<`, `data-testid="portfolio-readiness">5 %<`,
			applies(cra.ReportingObligationsApply), applies(cra.FullApplication),
			"End of support: Nordlicht Router 0.9", "Risk assessment review due: Nordlicht Router", `<a href="` + prod + `">Nordlicht Router</a>`} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		if strings.Contains(body, "End of support: Nordlicht Router 1.0") {
			t.Error("the dashboard lists a support end years ahead")
		}
	})
}

func TestProductPagesByRole(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, false)
		admin := s.browser(t)
		admin.post("/setup?token="+s.setup, "/setup", setupValues(s.setup))
		for _, u := range []struct{ email, role string }{{"mo@acme.example", "member"}, {"au@acme.example", "auditor"}} {
			if resp, _ := admin.post("/settings/users", "/settings/users", url.Values{"email": {u.email}, "role": {u.role}, "kind": {"person"}, "password": {"quartz-meadow-kiln-44"}}); resp.StatusCode != 303 {
				t.Fatalf("create %s: %d", u.role, resp.StatusCode)
			}
		}
		member, auditor := s.browser(t), s.browser(t)
		member.post("/login", "/login", url.Values{"email": {"mo@acme.example"}, "password": {"quartz-meadow-kiln-44"}})
		auditor.post("/login", "/login", url.Values{"email": {"au@acme.example"}, "password": {"quartz-meadow-kiln-44"}})

		resp, body := member.post("/products/new", "/products", productValues("Nordlicht Router", cra.LicensingProprietary))
		prod := "/products/" + created(t, resp, body)

		resp, body = auditor.get("/products")
		if resp.StatusCode != 200 || !strings.Contains(body, "Nordlicht Router") || strings.Contains(body, `href="/products/new"`) {
			t.Fatalf("auditor's portfolio: %d", resp.StatusCode)
		}
		if _, body = auditor.get(prod); strings.Contains(body, prod+"/edit") || strings.Contains(body, "Add release") {
			t.Error("the auditor sees write controls")
		}
		if resp, _ = auditor.post("/products", "/products", productValues("Other", cra.LicensingProprietary)); resp.StatusCode != 403 {
			t.Fatalf("auditor creates a product: %d", resp.StatusCode)
		}
		if resp, _ = auditor.post(prod, prod+"/scope", inScopeAnswers()); resp.StatusCode != 403 {
			t.Fatalf("auditor decides scope: %d", resp.StatusCode)
		}
		if resp, _ = auditor.upload(prod, prod+"/requirements/II.3/evidence", "x.txt", []byte("x")); resp.StatusCode != 403 {
			t.Fatalf("auditor uploads evidence: %d", resp.StatusCode)
		}
		// Anonymous visitors are sent to the sign-in page.
		if resp, _ = s.browser(t).get(prod); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Fatalf("anonymous product page: %d", resp.StatusCode)
		}
	})
}
