package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// vulnJSON is the part of a vulnerability's JSON the tests read.
type vulnJSON struct {
	ID       int64    `json:"id"`
	Key      string   `json:"key"`
	Aliases  []string `json:"aliases"`
	Summary  string   `json:"summary"`
	Severity *struct {
		Type   string  `json:"type"`
		Vector string  `json:"vector"`
		Score  float64 `json:"score"`
		Rating string  `json:"rating"`
	} `json:"severity"`
	KEV []struct {
		CVE           string `json:"cve"`
		DateAdded     string `json:"date_added"`
		DueDate       string `json:"due_date"`
		RansomwareUse string `json:"known_ransomware_campaign_use"`
	} `json:"kev"`
	EPSS       []json.RawMessage `json:"epss"`
	Advisories []struct {
		Source     string            `json:"source"`
		ID         string            `json:"id"`
		Aliases    []string          `json:"aliases"`
		Affected   json.RawMessage   `json:"affected"`
		References []json.RawMessage `json:"references"`
		Digest     string            `json:"digest"`
		Raw        json.RawMessage   `json:"raw"`
	} `json:"advisories"`
}

// searchJSON is a search result page.
type searchJSON struct {
	Total           int `json:"total"`
	Vulnerabilities []struct {
		Key      string   `json:"key"`
		Aliases  []string `json:"aliases"`
		KEVAdded *string  `json:"kev_date_added"`
		Sources  []string `json:"sources"`
		Packages []string `json:"packages"`
		URL      string   `json:"url"`
	} `json:"vulnerabilities"`
}

// feedJSON is one feed's status.
type feedJSON struct {
	Feed        string     `json:"feed"`
	Title       string     `json:"title"`
	Enabled     bool       `json:"enabled"`
	Interval    int64      `json:"interval_seconds"`
	NextRun     *time.Time `json:"next_run"`
	LastSuccess *time.Time `json:"last_success"`
	LastError   string     `json:"last_error"`
	Stale       bool       `json:"stale"`
	LastStats   struct {
		Problems []string `json:"problems"`
	} `json:"last_stats"`
}

// feedsJSON is the feeds list.
type feedsJSON struct {
	Feeds []feedJSON `json:"feeds"`
}

// importJSON is an import's answer.
type importJSON struct {
	Kind  string `json:"kind"`
	Stats struct {
		Added     int      `json:"added"`
		Changed   int      `json:"changed"`
		Unchanged int      `json:"unchanged"`
		Skipped   int      `json:"skipped"`
		Problems  []string `json:"problems"`
	} `json:"stats"`
}

// kevCatalog is a KEV catalog listing CVE-2021-23337 and a CVE that no
// advisory names.
const kevCatalog = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2026.01.05","dateReleased":"2026-01-05T15:00:00.000Z","count":1,
"vulnerabilities":[{"cveID":"CVE-2021-23337","vendorProject":"Lodash","product":"Lodash","vulnerabilityName":"Lodash Command Injection Vulnerability",
"dateAdded":"2025-12-18","shortDescription":"Lodash contains a command injection vulnerability via the template function.","requiredAction":"Apply mitigations per vendor instructions.",
"dueDate":"2026-01-08","knownRansomwareCampaignUse":"Unknown","notes":"https://nvd.nist.gov/vuln/detail/CVE-2021-23337","cwes":["CWE-94"]},
{"cveID":"CVE-2025-99999","vendorProject":"Acme","product":"Widget","vulnerabilityName":"Acme Widget Vulnerability","dateAdded":"2026-01-02",
"shortDescription":"A CVE no advisory names yet.","requiredAction":"Apply updates.","dueDate":"2026-01-23","knownRansomwareCampaignUse":"Known","notes":"","cwes":[]}]}`

// osvRecord2 is a second OSV record, for the zip import.
const osvRecord2 = `{"schema_version":"1.6.0","id":"GHSA-p6mc-m468-83gw","modified":"2024-02-01T00:00:00Z","published":"2020-07-15T19:15:48Z",
"aliases":["CVE-2020-8203"],"summary":"Prototype Pollution in lodash",
"affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"3.7.0"},{"fixed":"4.17.19"}]}]}]}`

func decodeJSON(t *testing.T, what string, status int, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%s: %d, not JSON (%v): %s", what, status, err, body)
	}
}

// errorJSON checks that body is an error of the code and returns it.
func errorJSON(t *testing.T, what string, status int, body, code string) (msg string, fields map[string]string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	decodeJSON(t, what, status, body, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("%s: %d, want error code %q with a message: %s", what, status, code, body)
	}
	return e.Error.Message, e.Error.Fields
}

// multipartFile builds a multipart form with data as the field "file".
func multipartFile(t *testing.T, filename string, data []byte) (contentType, body string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "ignored"); err != nil {
		t.Fatal(err)
	}
	w, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.String()
}

func TestVulnerabilitiesOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)

		// Any alias, in any spelling, finds the identity.
		for _, q := range []string{"CVE-2021-23337", "cve-2021-23337", " CVE-2021-23337 ", "GHSA-35jh-r3h4-6jhm", "ghsa-35JH-R3H4-6JHM", "lodash", "Command Injection"} {
			status, body, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/vulnerabilities?q="+url.QueryEscape(q), "", "")
			var res searchJSON
			decodeJSON(t, "search "+q, status, body, &res)
			if status != 200 || res.Total != 1 || len(res.Vulnerabilities) != 1 {
				t.Fatalf("search %q: %d %s", q, status, body)
			}
			v := res.Vulnerabilities[0]
			if v.Key != "CVE-2021-23337" || !slices.Equal(v.Aliases, []string{"CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"}) ||
				!slices.Equal(v.Sources, []string{"osv"}) || v.KEVAdded != nil || v.URL != "/api/v1/vulnerabilities/CVE-2021-23337" ||
				!slices.ContainsFunc(v.Packages, func(p string) bool { return strings.Contains(p, "lodash") }) {
				t.Fatalf("search %q: %s", q, body)
			}
		}
		for _, q := range []string{"?q=CVE-2099-0001", "?q=nothing-like-this", "?kev=true", "?exploited=true", "?q=lodash&kev=true", "?package=left-pad", "?ecosystem=PyPI"} {
			status, body, _ := f.do(t, cra.RoleMember, "GET", "/api/v1/vulnerabilities"+q, "", "")
			var res searchJSON
			decodeJSON(t, "search "+q, status, body, &res)
			if status != 200 || res.Total != 0 || res.Vulnerabilities == nil || len(res.Vulnerabilities) != 0 {
				t.Fatalf("search %s: %d %s (want none, as an empty list)", q, status, body)
			}
		}
		for _, q := range []string{"?package=LODASH", "?ecosystem=npm&package=lodash", "?limit=1", "?limit=500&offset=0"} {
			status, body, _ := f.do(t, cra.RoleMember, "GET", "/api/v1/vulnerabilities"+q, "", "")
			var res searchJSON
			decodeJSON(t, "search "+q, status, body, &res)
			if status != 200 || res.Total != 1 || len(res.Vulnerabilities) != 1 {
				t.Fatalf("search %s: %d %s", q, status, body)
			}
		}
		// Bad parameters are refused, naming the field.
		for q, field := range map[string]string{"?limit=abc": "limit", "?limit=-1": "limit", "?limit=501": "limit", "?offset=-2": "offset", "?kev=yes": "kev", "?exploited=1": "exploited", "?q=" + strings.Repeat("x", 201): "q"} {
			status, body, _ := f.do(t, cra.RoleMember, "GET", "/api/v1/vulnerabilities"+q, "", "")
			if status != 400 {
				t.Fatalf("search %.40s: %d %s, want 400", q, status, body)
			}
			if _, fields := errorJSON(t, "search "+q, status, body, "invalid"); fields[field] == "" {
				t.Fatalf("search %.40s: the error does not name %q: %s", q, field, body)
			}
		}

		// One vulnerability, by any alias.
		var first vulnJSON
		for i, id := range []string{"CVE-2021-23337", "cve-2021-23337", "GHSA-35jh-r3h4-6jhm", "ghsa-35jh-r3h4-6jhm"} {
			status, body, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/vulnerabilities/"+id, "", "")
			var v vulnJSON
			decodeJSON(t, "get "+id, status, body, &v)
			if status != 200 || v.Key != "CVE-2021-23337" {
				t.Fatalf("get %s: %d %s", id, status, body)
			}
			if i == 0 {
				first = v
				if strings.Contains(body, `"raw"`) {
					t.Fatalf("raw without ?raw=true: %s", body)
				}
			} else if v.ID != first.ID {
				t.Fatalf("get %s: identity %d, want %d", id, v.ID, first.ID)
			}
		}
		v := first
		if !slices.Equal(v.Aliases, []string{"CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"}) || v.Summary != "Command Injection in lodash" {
			t.Fatalf("aliases/summary: %+v", v)
		}
		if v.Severity == nil || v.Severity.Score != 7.2 || v.Severity.Type != "CVSS_V3" || v.Severity.Vector != "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H" || v.Severity.Rating != "HIGH" {
			t.Fatalf("severity: %+v", v.Severity)
		}
		if v.KEV == nil || len(v.KEV) != 0 || v.EPSS == nil || len(v.EPSS) != 0 {
			t.Fatalf("kev/epss must be empty lists: %+v", v)
		}
		if len(v.Advisories) != 1 {
			t.Fatalf("advisories: %+v", v.Advisories)
		}
		a := v.Advisories[0]
		if a.Source != "osv" || a.ID != "GHSA-35jh-r3h4-6jhm" || !slices.Equal(a.Aliases, []string{"CVE-2021-23337"}) || len(a.Digest) != 64 || len(a.References) != 1 {
			t.Fatalf("advisory: %+v", a)
		}
		var affected []map[string]any
		if err := json.Unmarshal(a.Affected, &affected); err != nil {
			t.Fatal(err)
		}
		wantAffected := []map[string]any{{"ecosystem": "npm", "name": "lodash", "purl": "pkg:npm/lodash",
			"ranges": []any{map[string]any{"type": "ECOSYSTEM", "events": []any{map[string]any{"introduced": "0"}, map[string]any{"fixed": "4.17.21"}}}}}}
		if got, _ := json.Marshal(affected); string(got) != mustJSON(t, wantAffected) {
			t.Fatalf("affected:\n got %s\nwant %s", got, mustJSON(t, wantAffected))
		}
		// ?raw=true adds the record as published.
		status, body, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/vulnerabilities/GHSA-35jh-r3h4-6jhm?raw=true", "", "")
		var withRaw vulnJSON
		decodeJSON(t, "raw", status, body, &withRaw)
		if status != 200 || len(withRaw.Advisories) != 1 {
			t.Fatalf("raw: %d %s", status, body)
		}
		var gotRaw, wantRaw any
		json.Unmarshal(withRaw.Advisories[0].Raw, &gotRaw)
		json.Unmarshal([]byte(osvRecord), &wantRaw)
		if gotRaw == nil || mustJSON(t, gotRaw) != mustJSON(t, wantRaw) {
			t.Fatalf("raw record: %s", withRaw.Advisories[0].Raw)
		}
		if status, body, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/vulnerabilities/CVE-2021-23337?raw=maybe", "", ""); status != 400 || !strings.Contains(body, `"raw"`) {
			t.Fatalf("raw=maybe: %d %s", status, body)
		}
		// Unknown ids are 404 with a JSON error.
		for _, id := range []string{"CVE-2099-0001", "GHSA-xxxx-xxxx-xxxx", "nonsense"} {
			status, body, _ := f.do(t, cra.RoleMember, "GET", "/api/v1/vulnerabilities/"+id, "", "")
			if status != 404 {
				t.Fatalf("get %s: %d %s, want 404", id, status, body)
			}
			if msg, _ := errorJSON(t, "get "+id, status, body, "not_found"); !strings.Contains(msg, id) {
				t.Fatalf("get %s: the message does not name the id: %s", id, body)
			}
		}
		if status, _, _ := f.do(t, "", "GET", "/api/v1/vulnerabilities/CVE-2021-23337", "", ""); status != 401 {
			t.Fatalf("anonymous: %d", status)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFeedsOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		listFeeds := func() feedsJSON {
			t.Helper()
			status, body, _ := f.do(t, cra.RoleMember, "GET", "/api/v1/feeds", "", "")
			var out feedsJSON
			decodeJSON(t, "feeds", status, body, &out)
			if status != 200 {
				t.Fatalf("feeds: %d %s", status, body)
			}
			return out
		}
		fs := listFeeds()
		var names []string
		for _, fd := range fs.Feeds {
			names = append(names, fd.Feed)
			if fd.Title == "" || fd.Interval <= 0 || len(fd.LastStats.Problems) != 0 {
				t.Errorf("feed %s: %+v", fd.Feed, fd)
			}
			if want := fd.Feed == "kev"; fd.Enabled != want || (fd.NextRun != nil) != want {
				t.Errorf("feed %s: enabled %v, next_run %v; want enabled %v", fd.Feed, fd.Enabled, fd.NextRun, want)
			}
			if fd.LastSuccess != nil || fd.Stale {
				t.Errorf("feed %s ran before any sync: %+v", fd.Feed, fd)
			}
		}
		if !slices.Equal(names, []string{"osv", "kev", "euvd", "nvd", "epss"}) {
			t.Fatalf("feeds: %v", names)
		}

		// A disabled feed cannot be synced; an unknown one is refused too.
		for _, body := range []string{`{"feeds":["osv"]}`, `{"feeds":["nvd","epss"]}`} {
			status, resp, _ := f.do(t, cra.RoleSecurityOfficer, "POST", "/api/v1/feeds/sync", "application/json", body)
			if status != 400 {
				t.Fatalf("sync %s: %d %s, want 400", body, status, resp)
			}
			if msg, _ := errorJSON(t, "sync "+body, status, resp, "invalid"); !strings.Contains(msg, "enabled") {
				t.Fatalf("sync %s: %s", body, resp)
			}
		}
		for _, body := range []string{`{"feeds":["cve"]}`, `{"feed":["kev"]}`, `{"feeds":"kev"}`} {
			if status, resp, _ := f.do(t, cra.RoleAdmin, "POST", "/api/v1/feeds/sync", "application/json", body); status != 400 {
				t.Fatalf("sync %s: %d %s, want 400", body, status, resp)
			}
		}
		if status, resp, _ := f.do(t, cra.RoleMember, "POST", "/api/v1/feeds/sync", "application/json", `{"feeds":["kev"]}`); status != 403 {
			t.Fatalf("member sync: %d %s", status, resp)
		}

		// Syncing the KEV feed answers 202 and runs in the background.
		for _, body := range []string{`{"feeds":["kev"]}`, ""} {
			ct := "application/json"
			if body == "" {
				ct = ""
			}
			status, resp, _ := f.do(t, cra.RoleSecurityOfficer, "POST", "/api/v1/feeds/sync", ct, body)
			var started struct {
				Started   []string `json:"started"`
				StatusURL string   `json:"status_url"`
			}
			decodeJSON(t, "sync", status, resp, &started)
			if status != 202 || !slices.Equal(started.Started, []string{"kev"}) || started.StatusURL != "/api/v1/feeds" {
				t.Fatalf("sync %q: %d %s", body, status, resp)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				fs := listFeeds()
				kev := fs.Feeds[slices.IndexFunc(fs.Feeds, func(fd feedJSON) bool { return fd.Feed == "kev" })]
				if kev.LastSuccess != nil {
					if kev.LastError != "" || kev.Stale || kev.NextRun == nil || !kev.NextRun.After(*kev.LastSuccess) {
						t.Fatalf("kev after sync: %+v", kev)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("kev shows no last_success after sync: %+v", kev)
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Let the run end (it releases the feed's lease) before the next.
			f.svc.Vulns.(*service.VulnService).Wait()
		}
	})
}

func TestFeedImportOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)

		// A KEV catalog as a multipart upload marks the CVE exploited.
		ct, body := multipartFile(t, "known_exploited_vulnerabilities.json", []byte(kevCatalog))
		status, resp, _ := f.do(t, cra.RoleSecurityOfficer, "POST", "/api/v1/feeds/import", ct, body)
		var imp importJSON
		decodeJSON(t, "kev import", status, resp, &imp)
		if status != 200 || imp.Kind != "kev" || imp.Stats.Added != 2 || imp.Stats.Skipped != 0 || len(imp.Stats.Problems) != 0 {
			t.Fatalf("kev import: %d %s", status, resp)
		}
		status, resp, _ = f.do(t, cra.RoleAuditor, "GET", "/api/v1/vulnerabilities/GHSA-35jh-r3h4-6jhm", "", "")
		var v vulnJSON
		decodeJSON(t, "get", status, resp, &v)
		if status != 200 || len(v.KEV) != 1 || v.KEV[0].CVE != "CVE-2021-23337" || v.KEV[0].DateAdded != "2025-12-18" || v.KEV[0].DueDate != "2026-01-08" || v.KEV[0].RansomwareUse != "Unknown" {
			t.Fatalf("vulnerability after the KEV import: %d %s", status, resp)
		}
		// A CVE only KEV knows is still shown, without advisories.
		status, resp, _ = f.do(t, cra.RoleMember, "GET", "/api/v1/vulnerabilities/cve-2025-99999", "", "")
		var kevOnly vulnJSON
		decodeJSON(t, "kev-only", status, resp, &kevOnly)
		if status != 200 || kevOnly.Key != "CVE-2025-99999" || !slices.Equal(kevOnly.Aliases, []string{"CVE-2025-99999"}) || kevOnly.Severity != nil ||
			len(kevOnly.KEV) != 1 || kevOnly.KEV[0].DateAdded != "2026-01-02" || kevOnly.KEV[0].RansomwareUse != "Known" || kevOnly.Advisories == nil || len(kevOnly.Advisories) != 0 {
			t.Fatalf("a CVE only KEV lists: %d %s", status, resp)
		}
		for _, q := range []string{"?kev=true", "?exploited=true", "?q=lodash&kev=true"} {
			status, resp, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/vulnerabilities"+q, "", "")
			var res searchJSON
			decodeJSON(t, "search "+q, status, resp, &res)
			if status != 200 || res.Total != 1 || res.Vulnerabilities[0].KEVAdded == nil || *res.Vulnerabilities[0].KEVAdded != "2025-12-18" {
				t.Fatalf("search %s after the KEV import: %d %s", q, status, resp)
			}
		}
		// The same catalog again changes nothing.
		status, resp, _ = f.do(t, cra.RoleAdmin, "POST", "/api/v1/feeds/import?filename=kev.json", "application/json", kevCatalog)
		decodeJSON(t, "kev again", status, resp, &imp)
		if status != 200 || imp.Kind != "kev" || imp.Stats.Added != 0 || imp.Stats.Changed != 0 {
			t.Fatalf("kev import again: %d %s", status, resp)
		}

		// Garbage is refused, naming the file and the position.
		status, resp, _ = f.do(t, cra.RoleAdmin, "POST", "/api/v1/feeds/import?filename=broken.json", "application/json", "{\"id\":\"GHSA-x\",\n \"aliases\": [}")
		if status != 400 {
			t.Fatalf("garbage: %d %s", status, resp)
		}
		if msg, _ := errorJSON(t, "garbage", status, resp, "invalid"); !strings.Contains(msg, "broken.json:2:") {
			t.Fatalf("garbage: the message does not name the file and position: %s", resp)
		}
		if status, resp, _ := f.do(t, cra.RoleAdmin, "POST", "/api/v1/feeds/import", "application/octet-stream", ""); status != 400 {
			t.Fatalf("empty body: %d %s", status, resp)
		}
		if status, resp, _ := f.do(t, cra.RoleMember, "POST", "/api/v1/feeds/import", "application/json", kevCatalog); status != 403 {
			t.Fatalf("member import: %d %s", status, resp)
		}
		if status, resp, _ := f.do(t, cra.RoleAdmin, "POST", "/api/v1/feeds/import", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XX--\r\n"); status != 400 || !strings.Contains(resp, `"file"`) {
			t.Fatalf("form without a file: %d %s", status, resp)
		}

		// An OSV zip with one bad record: the good ones are imported, the
		// bad one skipped with the entry named.
		var zbuf bytes.Buffer
		zw := zip.NewWriter(&zbuf)
		for name, data := range map[string]string{"GHSA-p6mc-m468-83gw.json": osvRecord2, "GHSA-35jh-r3h4-6jhm.json": osvRecord, "bad/GHSA-bad.json": `{"id":"GHSA-bad",`, "README.txt": "not a record"} {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(data))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		status, resp, _ = f.do(t, cra.RoleSecurityOfficer, "POST", "/api/v1/feeds/import?filename=npm-all.zip", "application/zip", zbuf.String())
		decodeJSON(t, "zip", status, resp, &imp)
		if status != 200 || imp.Kind != "osv" || imp.Stats.Added != 1 || imp.Stats.Unchanged != 1 || imp.Stats.Skipped != 1 || len(imp.Stats.Problems) != 1 ||
			!strings.Contains(imp.Stats.Problems[0], "npm-all.zip!bad/GHSA-bad.json") {
			t.Fatalf("zip import: %d %s", status, resp)
		}
		status, resp, _ = f.do(t, cra.RoleAuditor, "GET", "/api/v1/vulnerabilities/cve-2020-8203", "", "")
		if status != 200 || !strings.Contains(resp, `"key": "CVE-2020-8203"`) || !strings.Contains(resp, `"fixed": "4.17.19"`) {
			t.Fatalf("the zip's record: %d %s", status, resp)
		}
		// A corrupt zip is refused and nothing is written.
		corrupt := zbuf.Bytes()[:zbuf.Len()/2]
		if status, resp, _ := f.do(t, cra.RoleAdmin, "POST", "/api/v1/feeds/import?filename=cut.zip", "application/zip", string(corrupt)); status != 400 || !strings.Contains(resp, "cut.zip") {
			t.Fatalf("corrupt zip: %d %s", status, resp)
		}
	})
}
