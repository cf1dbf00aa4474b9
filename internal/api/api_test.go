package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cyra/internal/api"
	"cyra/internal/cra"
	"cyra/internal/feeds"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

const password = "orchid-lantern-basalt-7"

// fixture is an API on a real store with one person per role, each with
// an API token of that role.
type fixture struct {
	srv    *httptest.Server
	svc    cra.Services
	db     *sqlstore.DB
	users  map[cra.Role]*cra.User
	tokens map[cra.Role]string
	admin  context.Context
	// target is a service account the role tests read and change; person
	// is a person whose password they reset.
	target, person *cra.User
	// product, release and evidence are what the product routes work on.
	product  *cra.Product
	release  *cra.Release
	evidence *cra.Evidence
	sbom     *cra.SBOMRecord
	seq      atomic.Int64
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	svc := service.New(db, service.Options{Feeds: service.FeedOptions{Feeds: []cra.Feed{quietFeed{}}, Reader: feeds.ReadFile}})
	// Background syncs end before the database closes (cleanups run last
	// registered first).
	t.Cleanup(svc.Vulns.(*service.VulnService).Wait)
	system := cra.WithActor(context.Background(), cra.SystemActor("test"))
	f := &fixture{svc: svc, db: db, users: map[cra.Role]*cra.User{}, tokens: map[cra.Role]string{}}
	for _, r := range cra.Roles {
		u, err := svc.Users.CreateUser(system, cra.NewUser{Email: string(r) + "@acme.example", Role: r, Kind: cra.KindPerson, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		f.users[r] = u
		ct, err := svc.Tokens.CreateToken(system, cra.NewToken{UserID: u.ID, Name: "test", Role: r})
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r] = ct.Secret
	}
	f.admin = cra.WithActor(context.Background(), &cra.Actor{Kind: cra.ActorSession, UserID: f.users[cra.RoleAdmin].ID, Email: "admin@acme.example", Role: cra.RoleAdmin})
	if _, err := svc.Organisation.UpdateOrganisation(f.admin, cra.Organisation{LegalName: "ACME", PostalAddress: "1 Main St", ContactEmail: "psirt@acme.example", MemberState: "IE"}); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.target, err = svc.Users.CreateUser(f.admin, cra.NewUser{Email: "target@acme.example", Role: cra.RoleMember, Kind: cra.KindService}); err != nil {
		t.Fatal(err)
	}
	if f.person, err = svc.Users.CreateUser(f.admin, cra.NewUser{Email: "person@acme.example", Role: cra.RoleMember, Kind: cra.KindPerson, Password: password}); err != nil {
		t.Fatal(err)
	}
	if f.product, err = svc.Products.CreateProduct(f.admin, cra.Product{Name: "Gateway"}); err != nil {
		t.Fatal(err)
	}
	if f.release, err = svc.Products.CreateRelease(f.admin, f.product.ID, cra.Release{Version: "1.0", Status: cra.ReleasePlanned}); err != nil {
		t.Fatal(err)
	}
	if f.evidence, err = svc.Compliance.AddEvidence(f.admin, f.product.ID, cra.NewEvidence{RequirementID: "II.3", FileName: "report.txt", Data: []byte("report")}); err != nil {
		t.Fatal(err)
	}
	imp, err := svc.SBOMs.ImportSBOM(f.admin, f.release.ID, "bom.json", []byte(cdxDoc), "")
	if err != nil {
		t.Fatal(err)
	}
	f.sbom = imp.SBOM
	if _, _, err := svc.Vulns.ImportFile(f.admin, "GHSA-35jh-r3h4-6jhm.json", []byte(osvRecord)); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux, api.Routes(api.Deps{Services: svc, SessionCookie: "cyra_session"}))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// osvRecord is GHSA-35jh-r3h4-6jhm (lodash command injection) in OSV
// form, shortened.
const osvRecord = `{"schema_version":"1.6.0","id":"GHSA-35jh-r3h4-6jhm","modified":"2024-03-11T05:04:39Z","published":"2021-05-06T16:05:51Z",
"aliases":["CVE-2021-23337"],"summary":"Command Injection in lodash",
"affected":[{"package":{"ecosystem":"npm","name":"lodash","purl":"pkg:npm/lodash"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}],
"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
"references":[{"type":"ADVISORY","url":"https://nvd.nist.gov/vuln/detail/CVE-2021-23337"}]}`

// quietFeed is a KEV feed that finds nothing new, so the sync endpoint
// has a feed to start without a network.
type quietFeed struct{}

func (quietFeed) Name() cra.VulnSource { return cra.SourceKEV }
func (quietFeed) Sync(_ context.Context, cursor string, _ cra.FeedWriter) (string, error) {
	return cursor, nil
}

// do sends a request with the role's token ("" for anonymous) and returns
// the status and body.
func (f *fixture) do(t *testing.T, role cra.Role, method, path, contentType, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// request is what one role sends to one route.
type request struct{ path, body string }

// routeCase says which roles a route allows and how to call it.
type routeCase struct {
	allowed []cra.Role
	req     func(f *fixture, t *testing.T, role cra.Role) request
}

var (
	everyone = []cra.Role{cra.RoleAdmin, cra.RoleSecurityOfficer, cra.RoleMember, cra.RoleAuditor}
	readers  = []cra.Role{cra.RoleAdmin, cra.RoleSecurityOfficer, cra.RoleAuditor}
	admins   = []cra.Role{cra.RoleAdmin}
	writers  = []cra.Role{cra.RoleAdmin, cra.RoleSecurityOfficer, cra.RoleMember}
	officers = []cra.Role{cra.RoleAdmin, cra.RoleSecurityOfficer}
)

// cdxDoc is a small CycloneDX SBOM.
const cdxDoc = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
 "metadata":{"timestamp":"2026-11-01T10:00:00Z","tools":{"components":[{"type":"application","name":"syft","version":"1.0"}]},
  "component":{"bom-ref":"app","type":"application","name":"gateway","version":"1.0"}},
 "components":[{"bom-ref":"lodash","type":"library","name":"lodash","version":"4.17.21","purl":"pkg:npm/lodash@4.17.21","licenses":[{"license":{"id":"MIT"}}]}],
 "dependencies":[{"ref":"app","dependsOn":["lodash"]}]}`

func productPath(suffix string, body ...string) func(*fixture, *testing.T, cra.Role) request {
	return func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/products/%d%s", f.product.ID, suffix), strings.Join(body, "")}
	}
}

func releasePath(suffix string, body ...string) func(*fixture, *testing.T, cra.Role) request {
	return func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/releases/%d%s", f.release.ID, suffix), strings.Join(body, "")}
	}
}

func evidencePath(suffix string) func(*fixture, *testing.T, cra.Role) request {
	return func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/evidence/%d%s", f.evidence.ID, suffix), ""}
	}
}

func scopeJSON() string {
	var parts []string
	for _, q := range cra.ScopeQuestions {
		parts = append(parts, fmt.Sprintf(`"%s":%v`, q.ID, !q.Excludes))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func fixed(path, body string) func(*fixture, *testing.T, cra.Role) request {
	return func(*fixture, *testing.T, cra.Role) request { return request{path, body} }
}

// matrix is the authorization matrix of the API. Every route in
// api.Routes must have an entry; a new endpoint without one fails the test.
// The reporting routes' rows are caseMatrix (case_test.go), added to it.
var matrix = map[string]routeCase{
	"GET /api/v1/me":           {everyone, fixed("/api/v1/me", "")},
	"GET /api/v1/organisation": {everyone, fixed("/api/v1/organisation", "")},
	"PUT /api/v1/organisation": {admins, fixed("/api/v1/organisation", `{"legal_name":"ACME Ltd","postal_address":"2 Main St","contact_email":"psirt@acme.example","website":"","member_state":"IE"}`)},
	"GET /api/v1/users":        {readers, fixed("/api/v1/users", "")},
	"POST /api/v1/users": {admins, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{"/api/v1/users", fmt.Sprintf(`{"email":"new%d@acme.example","role":"member","kind":"service"}`, f.seq.Add(1))}
	}},
	"GET /api/v1/users/{id}": {readers, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/users/%d", f.target.ID), ""}
	}},
	"PATCH /api/v1/users/{id}": {admins, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/users/%d", f.target.ID), `{"name":"Renamed"}`}
	}},
	"PUT /api/v1/users/{id}/password": {admins, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/users/%d/password", f.person.ID), `{"password":"walnut-harbor-crystal-62"}`}
	}},
	"GET /api/v1/tokens":  {everyone, fixed("/api/v1/tokens", "")},
	"POST /api/v1/tokens": {everyone, fixed("/api/v1/tokens", `{"name":"more","expires_in":"30d"}`)},
	"DELETE /api/v1/tokens/{id}": {everyone, func(f *fixture, t *testing.T, role cra.Role) request {
		// Each role revokes a token of its own.
		owner := f.users[cra.RoleMember]
		if u, ok := f.users[role]; ok {
			owner = u
		}
		ct, err := f.svc.Tokens.CreateToken(cra.WithActor(context.Background(), cra.SystemActor("test")), cra.NewToken{UserID: owner.ID, Name: "spare"})
		if err != nil {
			t.Fatal(err)
		}
		return request{fmt.Sprintf("/api/v1/tokens/%d", ct.Token.ID), ""}
	}},
	"GET /api/v1/products": {everyone, fixed("/api/v1/products", "")},
	"POST /api/v1/products": {writers, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{"/api/v1/products", fmt.Sprintf(`{"name":"Product %d"}`, f.seq.Add(1))}
	}},
	"GET /api/v1/products/{id}": {everyone, productPath("")},
	"PUT /api/v1/products/{id}": {writers, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/products/%d", f.product.ID), fmt.Sprintf(`{"name":"Gateway","description":"v%d"}`, f.seq.Add(1))}
	}},
	"PUT /api/v1/products/{id}/scope":          {writers, productPath("/scope", `{"answers":`+scopeJSON()+`}`)},
	"PUT /api/v1/products/{id}/classification": {writers, productPath("/classification", `{"category":"I-12","rationale":"routing"}`)},
	"GET /api/v1/products/{id}/releases":       {everyone, productPath("/releases")},
	"POST /api/v1/products/{id}/releases": {writers, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/products/%d/releases", f.product.ID), fmt.Sprintf(`{"version":"2.%d","status":"planned"}`, f.seq.Add(1))}
	}},
	"GET /api/v1/products/{id}/requirements":               {everyone, productPath("/requirements")},
	"PUT /api/v1/products/{id}/requirements/{requirement}": {writers, productPath("/requirements/I.2.a", `{"status":"in-progress"}`)},
	"POST /api/v1/products/{id}/evidence":                  {writers, productPath("/evidence", `{"requirement_id":"II.5","url":"https://acme.example/cvd"}`)},
	"GET /api/v1/products/{id}/risk-assessments":           {everyone, productPath("/risk-assessments")},
	"POST /api/v1/products/{id}/risk-assessments":          {writers, productPath("/risk-assessments", `{"reviewed_on":"2026-11-01","review_due":"2027-11-01"}`)},
	"GET /api/v1/releases/{id}":                            {everyone, releasePath("")},
	"PUT /api/v1/releases/{id}":                            {writers, releasePath("", `{"version":"1.0","status":"planned"}`)},
	"GET /api/v1/releases/{id}/requirements":               {everyone, releasePath("/requirements")},
	"PUT /api/v1/releases/{id}/requirements/{requirement}": {writers, releasePath("/requirements/II.2", `{"status":"met"}`)},
	"DELETE /api/v1/releases/{id}/requirements/{requirement}": {writers, func(f *fixture, t *testing.T, _ cra.Role) request {
		if _, err := f.svc.Compliance.SetRequirement(f.admin, f.product.ID, f.release.ID, cra.RequirementState{RequirementID: "II.4", Status: cra.StatusMet}); err != nil {
			t.Fatal(err)
		}
		return request{fmt.Sprintf("/api/v1/releases/%d/requirements/II.4", f.release.ID), ""}
	}},
	"GET /api/v1/evidence/{id}":      {everyone, evidencePath("")},
	"GET /api/v1/evidence/{id}/file": {everyone, evidencePath("/file")},
	"DELETE /api/v1/evidence/{id}": {writers, func(f *fixture, t *testing.T, _ cra.Role) request {
		e, err := f.svc.Compliance.AddEvidence(f.admin, f.product.ID, cra.NewEvidence{RequirementID: "II.6", URL: "https://acme.example/contact"})
		if err != nil {
			t.Fatal(err)
		}
		return request{fmt.Sprintf("/api/v1/evidence/%d", e.ID), ""}
	}},
	"POST /api/v1/releases/{id}/sbom": {writers, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/releases/%d/sbom", f.release.ID), cdxDoc}
	}},
	"GET /api/v1/releases/{id}/sbom":       {everyone, releasePath("/sbom")},
	"GET /api/v1/releases/{id}/sboms":      {everyone, releasePath("/sboms")},
	"GET /api/v1/releases/{id}/components": {everyone, releasePath("/components")},
	"GET /api/v1/sboms/{id}/document": {everyone, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/sboms/%d/document", f.sbom.ID), ""}
	}},
	"GET /api/v1/diff": {everyone, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/diff?from=%d&to=%d", f.release.ID, f.release.ID), ""}
	}},
	"GET /api/v1/components/search": {everyone, fixed("/api/v1/components/search?purl=pkg:npm/lodash", "")},
	"GET /api/v1/calendar":          {everyone, fixed("/api/v1/calendar", "")},
	"POST /api/v1/apply": {writers, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{"/api/v1/apply", fmt.Sprintf(`{"products":[{"name":"Applied %d"}]}`, f.seq.Add(1))}
	}},
	"GET /api/v1/vulnerabilities":       {everyone, fixed("/api/v1/vulnerabilities?q=lodash", "")},
	"GET /api/v1/vulnerabilities/{id}":  {everyone, fixed("/api/v1/vulnerabilities/cve-2021-23337", "")},
	"GET /api/v1/feeds":                 {everyone, fixed("/api/v1/feeds", "")},
	"POST /api/v1/feeds/sync":           {officers, fixed("/api/v1/feeds/sync", `{"feeds":["kev"]}`)},
	"POST /api/v1/feeds/import":         {officers, fixed("/api/v1/feeds/import?filename=GHSA-35jh-r3h4-6jhm.json", osvRecord)},
	"GET /api/v1/findings":              {everyone, fixed("/api/v1/findings?severity=low&sort=epss", "")},
	"GET /api/v1/findings/{id}":         {everyone, findingPath("", "")},
	"POST /api/v1/findings/{id}/triage": {writers, findingPath("/triage", `{"status":"under_investigation","comment":"looking"}`)},
	"POST /api/v1/findings/rematch":     {writers, fixed("/api/v1/findings/rematch", `{"release_ids":[]}`)},
	"GET /api/v1/exposure":              {everyone, fixed("/api/v1/exposure?days=7", "")},
	"POST /api/v1/scan":                 {everyone, fixed("/api/v1/scan?filename=bom.json", cdxDoc)},
	"GET /api/v1/audit":                 {readers, fixed("/api/v1/audit?limit=5", "")},
	"GET /api/v1/audit/verify":          {readers, fixed("/api/v1/audit/verify", "")},
}

func TestRoleMatrix(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		patterns := map[string]bool{}
		for _, rt := range api.Routes(api.Deps{}) {
			patterns[rt.Pattern()] = true
		}
		for p := range matrix {
			if !patterns[p] {
				t.Errorf("the authorization matrix names %s, which is not a route", p)
			}
		}
		for _, rt := range api.Routes(api.Deps{}) {
			if rt.Public {
				continue
			}
			c, ok := matrix[rt.Pattern()]
			if !ok {
				t.Errorf("route %s has no entry in the authorization matrix", rt.Pattern())
				continue
			}
			for _, role := range append([]cra.Role{""}, everyone...) {
				name := string(role)
				if name == "" {
					name = "anonymous"
				}
				t.Run(rt.Pattern()+"/"+name, func(t *testing.T) {
					req := c.req(f, t, role)
					ct := ""
					if req.body != "" {
						ct = "application/json"
					}
					status, body, _ := f.do(t, role, rt.Method, req.path, ct, req.body)
					want := "deny"
					for _, a := range c.allowed {
						if a == role {
							want = "allow"
						}
					}
					switch {
					case role == "" && status != http.StatusUnauthorized:
						t.Errorf("anonymous got %d, want 401: %s", status, body)
					case role != "" && want == "deny" && status != http.StatusForbidden:
						t.Errorf("%s got %d, want 403: %s", role, status, body)
					case want == "allow" && (status < 200 || status >= 300):
						t.Errorf("%s got %d, want 2xx: %s", role, status, body)
					}
				})
			}
		}
	})
}

func TestBadInput(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
		for _, tc := range []struct {
			name, method, path, ct, body string
			status                       int
			contains                     string
		}{
			{"malformed", "POST", "/api/v1/users", "application/json", `{"email": "a@b.c",}`, 400, "not valid JSON at byte"},
			{"truncated", "POST", "/api/v1/users", "application/json", `{"email": "a@b.c"`, 400, "ends in the middle"},
			{"empty", "POST", "/api/v1/users", "application/json", ``, 400, "empty"},
			{"unknown field", "POST", "/api/v1/users", "application/json", `{"email":"a@acme.example","role":"member","kind":"service","is_root":true}`, 400, `Unknown field \"is_root\"`},
			{"wrong type", "POST", "/api/v1/users", "application/json", `{"email":42}`, 400, `Field \"email\" must be a string`},
			{"not an object", "POST", "/api/v1/users", "application/json", `[1,2]`, 400, "must be a JSON object"},
			{"trailing data", "POST", "/api/v1/users", "application/json", `{"email":"a@acme.example"} {}`, 400, "single JSON value"},
			{"wrong content type", "POST", "/api/v1/users", "text/plain", `{}`, 415, "Content-Type: application/json"},
			{"form content type", "PUT", "/api/v1/organisation", "application/x-www-form-urlencoded", `legal_name=x`, 415, "application/json"},
			{"oversized", "POST", "/api/v1/tokens", "application/json", big, 413, "larger than 1048576 bytes"},
			{"invalid fields", "POST", "/api/v1/users", "application/json", `{"email":"not-an-email","role":"root","kind":"person","password":"short"}`, 400, `"role": "Choose one of`},
			{"bad id", "GET", "/api/v1/users/abc", "", ``, 400, "positive number"},
			{"missing user", "GET", "/api/v1/users/99999", "", ``, 404, "not found"},
			{"unknown endpoint", "GET", "/api/v1/nope", "", ``, 404, "openapi.json"},
			{"wrong method", "DELETE", "/api/v1/users", "", ``, 405, "use GET or POST"},
			{"both expiries", "POST", "/api/v1/tokens", "application/json", `{"name":"x","expires_in":"1d","expires_at":"2030-01-01T00:00:00Z"}`, 400, "not both"},
			{"bad lifetime", "POST", "/api/v1/tokens", "application/json", `{"name":"x","expires_in":"soon"}`, 400, "expires_in"},
			{"bad time", "POST", "/api/v1/tokens", "application/json", `{"name":"x","expires_at":"tomorrow"}`, 400, "not an RFC 3339 time"},
			{"bad query", "GET", "/api/v1/audit?limit=-3", "", ``, 400, "limit"},
			{"limit too high", "GET", "/api/v1/audit?limit=5000", "", ``, 400, "at most 1000"},
			{"bad boolean", "GET", "/api/v1/tokens?all=TRUE", "", ``, 400, "true or false"},
			{"empty update", "PATCH", "/api/v1/users/1", "application/json", `{}`, 400, "Nothing to change"},
			{"updated_at is not input", "PUT", "/api/v1/organisation", "application/json", `{"legal_name":"x","postal_address":"y","contact_email":"a@acme.example","website":"","member_state":"IE","updated_at":"2026-01-01T00:00:00Z"}`, 400, "updated_at"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body, hdr := f.do(t, cra.RoleAdmin, tc.method, tc.path, tc.ct, tc.body)
				if status != tc.status || !strings.Contains(body, tc.contains) {
					t.Fatalf("got %d %s; want %d containing %q", status, body, tc.status, tc.contains)
				}
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
					t.Fatalf("error body is not {error:{code,message}}: %s", body)
				}
				if tc.status == 405 && hdr.Get("Allow") != "GET, POST" {
					t.Errorf("Allow: %q", hdr.Get("Allow"))
				}
			})
		}
		// Nothing was created by the refused requests.
		us, _ := f.svc.Users.ListUsers(f.admin, cra.UserFilter{})
		if len(us) != 6 {
			t.Errorf("%d users after refused requests, want 6", len(us))
		}
	})
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t, "sqlite", nil))
	get := func(hdr map[string]string, method string) (int, string) {
		req, _ := http.NewRequest(method, f.srv.URL+"/api/v1/me", nil)
		if method == "POST" {
			req, _ = http.NewRequest(method, f.srv.URL+"/api/v1/tokens", strings.NewReader(`{"name":"x"}`))
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for name, tc := range map[string]struct {
		hdr    map[string]string
		method string
		status int
		body   string
	}{
		"basic scheme":   {map[string]string{"Authorization": "Basic YTpi"}, "GET", 401, "Authorization: Bearer"},
		"empty bearer":   {map[string]string{"Authorization": "Bearer "}, "GET", 401, "Authorization: Bearer"},
		"unknown token":  {map[string]string{"Authorization": "Bearer cyra_nope"}, "GET", 401, "not valid"},
		"lower-case ok":  {map[string]string{"Authorization": "bearer " + f.tokens[cra.RoleMember]}, "GET", 200, `"effective_role": "member"`},
		"bad session":    {map[string]string{"Cookie": "cyra_session=cyrasess_nope"}, "GET", 401, "session has ended"},
		"session writes": {map[string]string{"Cookie": "cyra_session=cyrasess_nope"}, "POST", 401, "API writes need an API token"},
	} {
		if status, body := get(tc.hdr, tc.method); status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	// A real browser session may read the API.
	_, sess, err := f.svc.Auth.Login(context.Background(), "auditor@acme.example", password, cra.ClientInfo{IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if status, body := get(map[string]string{"Cookie": "cyra_session=" + sess}, "GET"); status != 200 || !strings.Contains(body, `"authenticated_by": "session"`) {
		t.Errorf("session read: %d %s", status, body)
	}
}

func TestTokenLifecycleOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		status, body, _ := f.do(t, cra.RoleSecurityOfficer, "POST", "/api/v1/tokens", "application/json", `{"name":"ci","role":"member","expires_in":"90d"}`)
		var created struct {
			ID        int64
			Secret    string
			Role      string
			Status    string
			ExpiresAt time.Time `json:"expires_at"`
		}
		if err := json.Unmarshal([]byte(body), &created); status != 201 || err != nil || created.Role != "member" || !strings.HasPrefix(created.Secret, "cyra_") {
			t.Fatalf("create: %d %s", status, body)
		}
		if d := time.Until(created.ExpiresAt); d < 89*24*time.Hour || d > 91*24*time.Hour {
			t.Fatalf("expiry %v", created.ExpiresAt)
		}
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+created.Secret)
		resp, _ := http.DefaultClient.Do(req)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"effective_role": "member"`)) {
			t.Fatalf("use: %d %s", resp.StatusCode, b)
		}
		_, list, _ := f.do(t, cra.RoleSecurityOfficer, "GET", "/api/v1/tokens", "", "")
		if strings.Contains(list, created.Secret) || !strings.Contains(list, `"last_used_at": "`) {
			t.Fatalf("listing leaks the secret or lacks last use: %s", list)
		}
		if status, _, _ := f.do(t, cra.RoleSecurityOfficer, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", created.ID), "", ""); status != 204 {
			t.Fatalf("revoke: %d", status)
		}
		resp, _ = http.DefaultClient.Do(req)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("revoked token: %d", resp.StatusCode)
		}
		_, audit, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/audit?object_type=token&limit=2", "", "")
		if !strings.Contains(audit, `"action": "token.revoke"`) || !strings.Contains(audit, `"action": "token.create"`) {
			t.Fatalf("audit: %s", audit)
		}
	})
}
