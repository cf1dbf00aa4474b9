package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/feeds"
	"cyra/internal/metrics"
	"cyra/internal/server"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// stubOSVFeed is an OSV feed that publishes one advisory on every sync.
type stubOSVFeed struct{}

func (stubOSVFeed) Name() cra.VulnSource { return cra.SourceOSV }

func (stubOSVFeed) Sync(ctx context.Context, cursor string, w cra.FeedWriter) (string, error) {
	_, err := w.Advisories(ctx, []cra.Advisory{osvAdvisory("GHSA-sync-sync-sync", "Synced advisory", nil, nil)})
	return "done", err
}

// newFeedSite is newSite with the stub OSV feed enabled and the real
// feed file reader, so that the feeds page can sync and import.
func newFeedSite(t *testing.T, db *sqlstore.DB) *site {
	t.Helper()
	svc := service.New(db, service.Options{Logger: slog.New(slog.DiscardHandler),
		Feeds: service.FeedOptions{Feeds: []cra.Feed{stubOSVFeed{}}, Reader: feeds.ReadFile, Context: t.Context()}})
	reg := metrics.NewRegistry()
	h, err := server.New(server.Config{Logger: slog.New(slog.DiscardHandler)}, svc, db, reg)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{srv: httptest.NewServer(h), svc: svc, db: db, reg: reg}
	t.Cleanup(s.srv.Close)
	// Background syncs end before the database closes.
	t.Cleanup(svc.Vulns.(*service.VulnService).Wait)
	s.setup, _, err = svc.Auth.IssueSetupToken(cra.WithActor(context.Background(), cra.SystemActor("test")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ptime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// osvAdvisory is an OSV record of acme-lib on PyPI.
func osvAdvisory(id, summary string, aliases []string, withdrawn *time.Time) cra.Advisory {
	raw := fmt.Appendf(nil, `{"id":%q,"summary":%q}`, id, summary)
	return cra.Advisory{Source: cra.SourceOSV, ID: id, Aliases: aliases, Summary: summary, Published: ptime("2024-05-01T00:00:00Z"),
		Withdrawn: withdrawn, Severity: []cra.Severity{{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Rating: "CRITICAL"}},
		Affected: []cra.Affected{{Ecosystem: "PyPI", Name: "acme-lib", Ranges: []cra.Range{{Type: "ECOSYSTEM", Events: []cra.RangeEvent{{Introduced: "0"}, {Fixed: "2.4.1"}}}}}},
		Raw:      raw, Digest: fmt.Sprintf("%064x", len(raw)+len(id)*7+len(summary))}
}

// kevCatalog is a KEV catalog listing CVE-2024-12345.
const kevCatalog = `{
  "title": "CISA Catalog of Known Exploited Vulnerabilities",
  "catalogVersion": "2024.07.01",
  "dateReleased": "2024-07-01T14:00:00.0000Z",
  "count": 1,
  "vulnerabilities": [
    {"cveID": "CVE-2024-12345", "vendorProject": "Acme", "product": "acme-lib", "vulnerabilityName": "Acme lib path traversal",
     "dateAdded": "2024-07-01", "shortDescription": "Acme lib lets a remote attacker read any file.", "requiredAction": "Apply the vendor's update.",
     "dueDate": "2024-07-22", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-22"]}
  ]
}`

// uploadFeedFile posts the feeds page's import form, with the CSRF token
// of /feeds when withToken is set.
func (b *browser) uploadFeedFile(withToken bool, fileName string, data []byte) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if withToken {
		_, page := b.get("/feeds")
		m := csrfRE.FindStringSubmatch(page)
		if m == nil {
			b.t.Fatalf("no CSRF token on /feeds")
		}
		mw.WriteField("csrf_token", m[1])
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("file", fileName)
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/feeds/import", &buf)
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

func TestVulnerabilityAndFeedPages(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		s := newFeedSite(t, db)
		admin := s.browser(t)
		admin.post("/setup?token="+s.setup, "/setup", setupValues(s.setup))
		if resp, _ := admin.post("/settings/users", "/settings/users", url.Values{"email": {"mo@acme.example"}, "role": {"member"}, "kind": {"person"}, "password": {"quartz-meadow-kiln-44"}}); resp.StatusCode != 303 {
			t.Fatalf("create member: %d", resp.StatusCode)
		}
		member := s.browser(t)
		member.post("/login", "/login", url.Values{"email": {"mo@acme.example"}, "password": {"quartz-meadow-kiln-44"}})
		ctx := adminContext(t, s)
		mustContain := func(what, body string, wants ...string) {
			t.Helper()
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", what, w)
				}
			}
		}

		// An OSV record and an EUVD record of one CVE, a withdrawn
		// record, and two days of EPSS.
		const cve, ghsa, euvd = "CVE-2024-12345", "GHSA-abcd-efgh-ijkl", "EUVD-2024-54321"
		if _, err := s.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{
			osvAdvisory(ghsa, "Acme lib path traversal", []string{cve}, nil),
			osvAdvisory("GHSA-wxyz-wxyz-wxyz", "Acme lib denial of service", nil, ptime("2024-06-15T08:00:00Z")),
		}); err != nil {
			t.Fatal(err)
		}
		euvdRaw := []byte(`{"id":"EUVD-2024-54321"}`)
		if _, err := s.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{{Source: cra.SourceEUVD, ID: euvd, Aliases: []string{cve},
			ExploitedSince: ptime("2024-06-01T09:30:00Z"), Raw: euvdRaw, Digest: fmt.Sprintf("%064x", 99)}}); err != nil {
			t.Fatal(err)
		}
		day := func(s string) cra.Date { d, _ := cra.ParseDate(s); return d }
		if _, err := s.svc.Vulns.ImportEPSS(ctx, "test", []cra.EPSSScore{
			{CVE: cve, Score: 0.12, Percentile: 0.9, Date: day("2024-07-01")},
			{CVE: cve, Score: 0.34, Percentile: 0.95, Date: day("2024-07-02")},
		}); err != nil {
			t.Fatal(err)
		}

		// The search page lists them; every role may read it.
		resp, body := member.get("/vulnerabilities?q=acme")
		if resp.StatusCode != 200 {
			t.Fatalf("search: %d %s", resp.StatusCode, body)
		}
		mustContain("search for acme", body, `<a href="/vulnerabilities/`+cve+`">`+cve+`</a>`, "Acme lib path traversal",
			`<a href="/vulnerabilities/GHSA-wxyz-wxyz-wxyz">GHSA-wxyz-wxyz-wxyz</a> <span class="badge neutral">withdrawn</span>`,
			`data-testid="vulns-summary">2 vulnerabilities.`, "PyPI/acme-lib", `title="EUVD: exploited since 2024-06-01 09:30 UTC"`, "34.00%")
		if _, body = member.get("/vulnerabilities?q=nothing-like-this"); !strings.Contains(body, "No vulnerability matches.") {
			t.Error("a search without results does not say so")
		}

		// An alias, in any case, leads to the identity's page.
		resp, _ = member.get("/vulnerabilities?q=" + url.QueryEscape(strings.ToLower(ghsa)))
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/vulnerabilities/"+cve) {
			t.Fatalf("alias search: %d %q", resp.StatusCode, loc)
		}
		resp, body = member.get(loc)
		if resp.StatusCode != 200 {
			t.Fatalf("vulnerability page: %d %s", resp.StatusCode, body)
		}
		mustContain("vulnerability page", body, "<h1>"+cve+"</h1>", "You searched for "+ghsa+", an alias of "+cve+".",
			`<li><code>`+cve+`</code></li>`, `<li><code>`+ghsa+`</code></li>`, `<li><code>`+euvd+`</code></li>`,
			`data-testid="euvd-badge">EUVD: exploited since 2024-06-01 09:30 UTC<`, `<span class="badge off">CRITICAL 9.8</span>`,
			`<svg class="trend" role="img" aria-label="EPSS from 12.00% on 2024-07-01 to 34.00% on 2024-07-02"`, "<polyline",
			"<strong>34.00%</strong>", "<td>PyPI</td><td class=\"wrap\">acme-lib</td>", "ECOSYSTEM: introduced 0, fixed 2.4.1",
			"OSV: "+ghsa, "EUVD: "+euvd)
		if strings.Contains(body, `data-testid="kev-badge"`) {
			t.Error("KEV badge before any KEV import")
		}
		if _, body = member.get("/vulnerabilities/" + strings.ToLower(cve)); !strings.Contains(body, "<h1>"+cve+"</h1>") || strings.Contains(body, "You searched for") {
			t.Error("the page of a lower-case key")
		}
		_, body = member.get("/vulnerabilities/GHSA-wxyz-wxyz-wxyz")
		mustContain("withdrawn vulnerability", body, `<span class="badge neutral">Withdrawn 2024-06-15 08:00 UTC: no longer matched</span>`)
		if resp, body = member.get("/vulnerabilities/CVE-1999-0001"); resp.StatusCode != 404 {
			t.Fatalf("unknown vulnerability: %d %s", resp.StatusCode, body)
		}

		// The feeds page lists every feed; a member sees no controls and
		// cannot use them.
		resp, body = member.get("/feeds")
		if n := strings.Count(body, "<tr data-feed="); resp.StatusCode != 200 || n != 5 {
			t.Fatalf("member's feeds page: %d, %d feeds", resp.StatusCode, n)
		}
		if strings.Contains(body, `action="/feeds/sync"`) || strings.Contains(body, `action="/feeds/import"`) {
			t.Error("the member sees the sync or import form")
		}
		if resp, _ = member.post("/feeds", "/feeds/sync", url.Values{"feed": {"osv"}}); resp.StatusCode != 403 {
			t.Fatalf("member syncs: %d", resp.StatusCode)
		}
		if resp, _ = member.uploadFeedFile(true, "kev.json", []byte(kevCatalog)); resp.StatusCode != 403 {
			t.Fatalf("member imports: %d", resp.StatusCode)
		}

		// The admin sees a sync form for the enabled feed only, and the
		// import form.
		_, body = admin.get("/feeds")
		if n := strings.Count(body, `action="/feeds/sync"`); n != 1 || !strings.Contains(body, `<input type="hidden" name="feed" value="osv">`) {
			t.Errorf("%d sync forms", n)
		}
		mustContain("admin's feeds page", body, `<form method="post" action="/feeds/import" enctype="multipart/form-data"`, `<input id="file" name="file" type="file"`,
			`<span class="badge neutral">disabled</span>`, `<span class="badge neutral">never run</span>`)
		resp, _ = admin.post("/feeds", "/feeds/sync", url.Values{"feed": {"osv"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/feeds?done=sync-started" {
			t.Fatalf("sync: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		s.svc.Vulns.(*service.VulnService).Wait()
		_, body = admin.get("/feeds?done=sync-started")
		mustContain("feeds page after the sync", body, "Sync started.", `<span class="badge on">current</span>`, "1 added, 0 changed, 0 unchanged")
		if resp, _ = admin.post("/feeds", "/feeds/sync", url.Values{"feed": {"nvd"}}); resp.StatusCode != 400 {
			t.Errorf("sync of a disabled feed: %d", resp.StatusCode)
		}

		// Without the CSRF token the import is refused.
		if resp, _ = admin.uploadFeedFile(false, "kev.json", []byte(kevCatalog)); resp.StatusCode != 403 {
			t.Fatalf("import without CSRF token: %d", resp.StatusCode)
		}
		// A KEV catalog is imported and the KEV badge shows with its date.
		resp, body = admin.uploadFeedFile(true, "kev.json", []byte(kevCatalog))
		if resp.StatusCode != 200 {
			t.Fatalf("KEV import: %d %s", resp.StatusCode, body)
		}
		mustContain("import result", body, `data-testid="import-result">Imported kev.json (kev): 1 added, 0 changed, 0 unchanged, 0 skipped.</p>`)
		_, body = member.get("/vulnerabilities/" + cve)
		mustContain("vulnerability page after the KEV import", body, `data-testid="kev-badge">CISA KEV since 2024-07-01<`,
			"<h2>CISA Known Exploited Vulnerabilities</h2>", "<td>2024-07-22</td>", "Apply the vendor&#39;s update.")
		if _, body = member.get("/vulnerabilities?kev=on"); !strings.Contains(body, `title="In CISA KEV since 2024-07-01">KEV</span>`) ||
			strings.Contains(body, "GHSA-wxyz-wxyz-wxyz") {
			t.Error("the KEV filter")
		}

		// A file that does not parse is refused next to the file field,
		// naming the position; nothing is imported.
		garbage := []byte("{\n  \"id\": \"GHSA-gggg-gggg-gggg\",\n  \"aliases\": [,]\n}\n")
		resp, body = admin.uploadFeedFile(true, "garbage.json", garbage)
		m := regexp.MustCompile(`<p class="field-error" id="err-file">([^<]*)</p>`).FindStringSubmatch(body)
		if resp.StatusCode != 400 || m == nil || !strings.Contains(m[1], "garbage.json:3:") {
			t.Fatalf("garbage upload: %d %v\n%s", resp.StatusCode, m, body)
		}
		mustContain("feeds page after a garbage upload", body, `aria-invalid="true"`)
		if strings.Contains(body, `data-testid="import-result"`) {
			t.Error("a refused upload reports an import")
		}
		if _, err := s.svc.Vulns.Vulnerability(ctx, "GHSA-gggg-gggg-gggg"); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Errorf("the garbage record was stored: %v", err)
		}
		if resp, body = admin.uploadFeedFile(true, "", nil); resp.StatusCode != 400 || !strings.Contains(body, "Choose an OSV record") {
			t.Fatalf("no file: %d", resp.StatusCode)
		}
	})
}
