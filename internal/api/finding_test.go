package api_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// findingJSON is the part of a finding's JSON the tests read.
type findingJSON struct {
	ID            int64      `json:"id"`
	ProductID     int64      `json:"product_id"`
	Product       string     `json:"product"`
	ReleaseID     int64      `json:"release_id"`
	Release       string     `json:"release"`
	Package       string     `json:"package"`
	PURL          string     `json:"purl"`
	Component     string     `json:"component"`
	Version       string     `json:"version"`
	VulnID        string     `json:"vuln_id"`
	Aliases       []string   `json:"aliases"`
	Summary       string     `json:"summary"`
	Advisories    []string   `json:"advisories"`
	Score         *float64   `json:"cvss_score"`
	Severity      *string    `json:"severity"`
	KEV           bool       `json:"kev"`
	KEVAdded      *string    `json:"kev_added"`
	Exploited     bool       `json:"exploited"`
	EPSS          *float64   `json:"epss"`
	FixedVersions []string   `json:"fixed_versions"`
	Fix           *string    `json:"fix"`
	Direct        bool       `json:"direct"`
	Path          []string   `json:"path"`
	Status        string     `json:"status"`
	Triage        *triageRec `json:"triage"`
	FirstSeen     time.Time  `json:"first_seen"`
	LastSeen      time.Time  `json:"last_seen"`
	Resolved      *time.Time `json:"resolved"`
	URL           string     `json:"url"`
	History       []triageRec
}

// triageRec is a triage decision's JSON.
type triageRec struct {
	Status        string    `json:"status"`
	Scope         string    `json:"scope"`
	Justification string    `json:"justification"`
	Impact        string    `json:"impact"`
	Action        string    `json:"action"`
	Responses     []string  `json:"responses"`
	Comment       string    `json:"comment"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
}

// findingPage is a page of the findings list.
type findingPage struct {
	Total    int           `json:"total"`
	Findings []findingJSON `json:"findings"`
}

// lodashBOM is a CycloneDX SBOM of an application using lodash at version.
func lodashBOM(version string) string {
	return fmt.Sprintf(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
 "metadata":{"component":{"bom-ref":"app","type":"application","name":"gateway","version":"1"}},
 "components":[{"bom-ref":"lodash","type":"library","name":"lodash","version":%q,"purl":"pkg:npm/lodash@%s"},
  {"bom-ref":"left-pad","type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"}],
 "dependencies":[{"ref":"app","dependsOn":["lodash","left-pad"]}]}`, version, version)
}

// findingsFixture adds to the API fixture two releases of the product
// with vulnerable lodash versions: 0.9 (on the market, lodash 4.17.20:
// CVE-2021-23337, KEV-listed) and 0.8 (planned, lodash 4.17.15: that and
// CVE-2020-8203, which has no severity).
type findingsFixture struct {
	*fixture
	onMarket, planned *cra.Release
}

func newFindingsFixture(t *testing.T, db *sqlstore.DB) *findingsFixture {
	t.Helper()
	f := &findingsFixture{fixture: newFixture(t, db)}
	if _, _, err := f.svc.Vulns.ImportFile(f.admin, "GHSA-p6mc-m468-83gw.json", []byte(osvRecord2)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Vulns.ImportFile(f.admin, "kev.json", []byte(kevCatalog)); err != nil {
		t.Fatal(err)
	}
	day := func(s string) cra.Date { d, _ := cra.ParseDate(s); return d }
	end, _ := cra.ParseYearMonth("2031-12")
	var err error
	if f.onMarket, err = f.svc.Products.CreateRelease(f.admin, f.product.ID, cra.Release{Version: "0.9", Status: cra.ReleaseReleased,
		ReleaseDate: day("2026-01-15"), PlacedOnMarket: day("2026-01-20"), SupportEnd: end}); err != nil {
		t.Fatal(err)
	}
	if f.planned, err = f.svc.Products.CreateRelease(f.admin, f.product.ID, cra.Release{Version: "0.8", Status: cra.ReleasePlanned}); err != nil {
		t.Fatal(err)
	}
	for rel, v := range map[*cra.Release]string{f.onMarket: "4.17.20", f.planned: "4.17.15"} {
		if _, err := f.svc.SBOMs.ImportSBOM(f.admin, rel.ID, "bom.json", []byte(lodashBOM(v)), ""); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// list gets a page of findings as the role.
func (f *findingsFixture) list(t *testing.T, role cra.Role, query string) findingPage {
	t.Helper()
	status, body, _ := f.do(t, role, "GET", "/api/v1/findings"+query, "", "")
	var p findingPage
	decodeJSON(t, "findings"+query, status, body, &p)
	if status != 200 || p.Findings == nil {
		t.Fatalf("findings%s: %d %s", query, status, body)
	}
	return p
}

// get reads one finding with its history.
func (f *findingsFixture) get(t *testing.T, role cra.Role, id int64) findingJSON {
	t.Helper()
	status, body, _ := f.do(t, role, "GET", fmt.Sprintf("/api/v1/findings/%d", id), "", "")
	var out struct {
		findingJSON
		History []triageRec `json:"history"`
	}
	decodeJSON(t, "finding", status, body, &out)
	if status != 200 || out.History == nil {
		t.Fatalf("finding %d: %d %s", id, status, body)
	}
	out.findingJSON.History = out.History
	return out.findingJSON
}

// keys lists the findings as "release vuln_id".
func keys(p findingPage) []string {
	var out []string
	for _, f := range p.Findings {
		out = append(out, f.Release+" "+f.VulnID)
	}
	return out
}

func TestFindingsOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFindingsFixture(t, db)

		// Every finding, riskiest first: KEV-listed before the rest.
		all := f.list(t, cra.RoleAuditor, "")
		if all.Total != 3 || !slices.Equal(keys(all)[2:], []string{"0.8 CVE-2020-8203"}) ||
			!slices.Contains(keys(all), "0.9 CVE-2021-23337") || !slices.Contains(keys(all), "0.8 CVE-2021-23337") {
			t.Fatalf("all findings: %v", keys(all))
		}
		var kevFinding, otherFinding findingJSON
		for _, x := range all.Findings {
			switch x.Release + " " + x.VulnID {
			case "0.9 CVE-2021-23337":
				kevFinding = x
			case "0.8 CVE-2020-8203":
				otherFinding = x
			}
		}
		k := kevFinding
		if k.ProductID != f.product.ID || k.Product != "Gateway" || k.ReleaseID != f.onMarket.ID || k.Package != "pkg:npm/lodash" ||
			k.PURL != "pkg:npm/lodash@4.17.20" || k.Component != "lodash" || k.Version != "4.17.20" ||
			!slices.Equal(k.Aliases, []string{"CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"}) || k.Summary != "Command Injection in lodash" ||
			!slices.Equal(k.Advisories, []string{"GHSA-35jh-r3h4-6jhm"}) || k.Score == nil || *k.Score != 7.2 || k.Severity == nil || *k.Severity != "HIGH" ||
			!k.KEV || k.KEVAdded == nil || *k.KEVAdded != "2025-12-18" || !k.Exploited || k.EPSS != nil ||
			!slices.Equal(k.FixedVersions, []string{"4.17.21"}) || k.Fix == nil || *k.Fix != "4.17.21" || !k.Direct || k.Path == nil ||
			k.Status != "untriaged" || k.Triage != nil || k.FirstSeen.IsZero() || k.LastSeen.IsZero() || k.Resolved != nil ||
			k.URL != fmt.Sprintf("/api/v1/findings/%d", k.ID) {
			t.Fatalf("the KEV finding: %+v", k)
		}
		if o := otherFinding; o.Score != nil || o.Severity != nil || o.KEV || o.KEVAdded != nil || o.Exploited || o.Fix == nil || *o.Fix != "4.17.19" {
			t.Fatalf("the finding without severity: %+v", o)
		}

		// Filters, alone and combined.
		for q, want := range map[string][]string{
			fmt.Sprintf("?release=%d", f.onMarket.ID):                      {"0.9 CVE-2021-23337"},
			fmt.Sprintf("?release=%d&sort=component", f.planned.ID):        {"0.8 CVE-2020-8203", "0.8 CVE-2021-23337"},
			fmt.Sprintf("?product=%d&vuln=cve-2020-8203", f.product.ID):    {"0.8 CVE-2020-8203"},
			"?vuln=GHSA-p6mc-m468-83gw":                                    {"0.8 CVE-2020-8203"},
			"?severity=high&sort=first_seen&release=" + itoa(f.planned.ID): {"0.8 CVE-2021-23337"},
			"?severity=critical":                                           nil,
			"?kev=true&on_market=true":                                     {"0.9 CVE-2021-23337"},
			"?exploited=true&release=" + itoa(f.planned.ID):                {"0.8 CVE-2021-23337"},
			"?epss=0.5": nil,
			"?component=LODASH&status=untriaged&release=" + itoa(f.onMarket.ID): {"0.9 CVE-2021-23337"},
			"?component=left-pad":    nil,
			"?resolved=true":         nil,
			"?status=affected,fixed": nil,
			"?product=99999":         nil,
		} {
			p := f.list(t, cra.RoleMember, q)
			got := keys(p)
			slices.Sort(got)
			if p.Total != len(want) || !slices.Equal(got, want) {
				t.Errorf("findings%s: total %d, %v; want %v", q, p.Total, got, want)
			}
		}
		if p := f.list(t, cra.RoleMember, "?limit=1&offset=2"); p.Total != 3 || len(p.Findings) != 1 || p.Findings[0].ID != all.Findings[2].ID {
			t.Errorf("the second page of one: %d %v", p.Total, keys(p))
		}
		if p := f.list(t, cra.RoleMember, "?all=true&sort=epss"); p.Total != 3 {
			t.Errorf("all=true: %d", p.Total)
		}

		// Bad parameters are refused, naming each of them.
		for q, fields := range map[string][]string{
			"?severity=extreme":             {"severity"},
			"?epss=2":                       {"epss"},
			"?epss=high":                    {"epss"},
			"?epss=NaN":                     {"epss"},
			"?status=maybe":                 {"status"},
			"?status=untriaged,nope":        {"status"},
			"?sort=random":                  {"sort"},
			"?limit=-1":                     {"limit"},
			"?limit=501":                    {"limit"},
			"?offset=x":                     {"offset"},
			"?kev=yes":                      {"kev"},
			"?exploited=1":                  {"exploited"},
			"?resolved=TRUE":                {"resolved"},
			"?on_market=now":                {"on_market"},
			"?release=abc":                  {"release"},
			"?product=0":                    {"product"},
			"?severity=x&sort=y&release=-2": {"severity", "sort", "release"},
		} {
			status, body, _ := f.do(t, cra.RoleMember, "GET", "/api/v1/findings"+q, "", "")
			if status != 400 {
				t.Errorf("findings%s: %d %s, want 400", q, status, body)
				continue
			}
			msg, got := errorJSON(t, "findings"+q, status, body, "invalid")
			for _, name := range fields {
				if got[name] == "" || !strings.Contains(msg, name) {
					t.Errorf("findings%s: the error does not name %q: %s", q, name, body)
				}
			}
			if len(got) != len(fields) {
				t.Errorf("findings%s: fields %v, want %v", q, got, fields)
			}
		}
		if status, _, _ := f.do(t, "", "GET", "/api/v1/findings", "", ""); status != 401 {
			t.Errorf("anonymous list: %d", status)
		}

		// One finding, with an empty history.
		if got := f.get(t, cra.RoleAuditor, k.ID); got.VulnID != "CVE-2021-23337" || len(got.History) != 0 || got.Status != "untriaged" {
			t.Fatalf("finding: %+v", got)
		}
		for path, want := range map[string]int{"/api/v1/findings/99999": 404, "/api/v1/findings/abc": 400, "/api/v1/findings/0": 400} {
			if status, body, _ := f.do(t, cra.RoleMember, "GET", path, "", ""); status != want {
				t.Errorf("GET %s: %d %s, want %d", path, status, body, want)
			}
		}
	})
}

func TestTriageOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFindingsFixture(t, db)
		find := func(release *cra.Release, vuln string) findingJSON {
			t.Helper()
			p := f.list(t, cra.RoleMember, fmt.Sprintf("?release=%d&vuln=%s", release.ID, vuln))
			if len(p.Findings) != 1 {
				t.Fatalf("no finding of %s in %s: %v", vuln, release.Version, keys(p))
			}
			return p.Findings[0]
		}
		target := find(f.onMarket, "CVE-2021-23337")
		path := fmt.Sprintf("/api/v1/findings/%d/triage", target.ID)
		notAffected := `{"status":"not_affected","scope":"product","justification":"vulnerable_code_not_in_execute_path",
			"impact":"The gateway never calls lodash.template.","comment":"Checked with grep."}`

		// Who may not triage is refused before the body is read; an
		// auditor reads only.
		for _, role := range []cra.Role{cra.RoleAuditor} {
			if status, body, _ := f.do(t, role, "POST", path, "application/json", notAffected); status != 403 {
				t.Fatalf("%s triages: %d %s", role, status, body)
			}
		}
		if status, body, _ := f.do(t, cra.RoleAuditor, "POST", path, "application/json", `{"nonsense`); status != 403 {
			t.Fatalf("auditor with a broken body: %d %s", status, body)
		}
		if status, _, _ := f.do(t, "", "POST", path, "application/json", notAffected); status != 401 {
			t.Fatalf("anonymous triage: %d", status)
		}

		// Invalid decisions name their fields.
		for body, fields := range map[string][]string{
			`{"status":"not_affected","scope":"release"}`:                      {"justification", "impact"},
			`{"status":"closed"}`:                                              {"status"},
			`{"status":"affected","scope":"everything"}`:                       {"scope"},
			`{"status":"affected","justification":"code_not_present"}`:         {"justification"},
			`{"status":"not_affected","justification":"because","impact":"x"}`: {"justification"},
			`{"status":"affected","responses":["panic"]}`:                      {"responses"},
		} {
			status, resp, _ := f.do(t, cra.RoleMember, "POST", path, "application/json", body)
			if status != 400 {
				t.Errorf("triage %s: %d %s, want 400", body, status, resp)
				continue
			}
			_, got := errorJSON(t, "triage "+body, status, resp, "invalid")
			for _, name := range fields {
				if got[name] == "" {
					t.Errorf("triage %s: the error does not name %q: %s", body, name, resp)
				}
			}
		}
		for body, want := range map[string]int{`{"status":"affected","owner":"me"}`: 400, `{"status":`: 400, `[]`: 400} {
			if status, resp, _ := f.do(t, cra.RoleMember, "POST", path, "application/json", body); status != want {
				t.Errorf("triage %s: %d %s, want %d", body, status, resp, want)
			}
		}
		if status, _, _ := f.do(t, cra.RoleMember, "POST", path, "text/plain", notAffected); status != 415 {
			t.Errorf("triage as text/plain: %d", status)
		}
		if status, _, _ := f.do(t, cra.RoleMember, "POST", "/api/v1/findings/99999/triage", "application/json", notAffected); status != 404 {
			t.Errorf("triage of an unknown finding: %d", status)
		}
		if got := f.get(t, cra.RoleMember, target.ID); got.Status != "untriaged" || len(got.History) != 0 {
			t.Fatalf("refused decisions were recorded: %+v", got)
		}

		// A member decides for every version of the product: not affected.
		status, body, _ := f.do(t, cra.RoleMember, "POST", path, "application/json", notAffected)
		var triaged findingJSON
		decodeJSON(t, "triage", status, body, &triaged)
		if status != 200 || triaged.ID != target.ID || triaged.Status != "not_affected" || triaged.Triage == nil {
			t.Fatalf("triage: %d %s", status, body)
		}
		if tr := triaged.Triage; tr.Scope != "product" || tr.Justification != "vulnerable_code_not_in_execute_path" ||
			tr.Impact != "The gateway never calls lodash.template." || tr.Comment != "Checked with grep." || !strings.HasPrefix(tr.By, "member@acme.example") ||
			tr.At.IsZero() || tr.Responses == nil {
			t.Fatalf("the decision: %+v", tr)
		}
		// It applies to the same vulnerability in the other release too,
		// but not to another vulnerability.
		if got := find(f.planned, "CVE-2021-23337"); got.Status != "not_affected" || got.Triage == nil || got.Triage.Scope != "product" {
			t.Errorf("the other release's finding: %+v", got)
		}
		if got := find(f.planned, "CVE-2020-8203"); got.Status != "untriaged" {
			t.Errorf("another vulnerability: %+v", got)
		}

		// A security officer overrides it for the release on the market.
		status, body, _ = f.do(t, cra.RoleSecurityOfficer, "POST", path, "application/json",
			`{"status":"affected","scope":"release","action":"Upgrade to 0.9.1.","responses":["update","workaround_available"]}`)
		decodeJSON(t, "override", status, body, &triaged)
		if status != 200 || triaged.Status != "affected" || triaged.Triage.Scope != "release" ||
			!slices.Equal(triaged.Triage.Responses, []string{"update", "workaround_available"}) || !strings.HasPrefix(triaged.Triage.By, "security-officer@acme.example") {
			t.Fatalf("override: %d %s", status, body)
		}
		got := f.get(t, cra.RoleAuditor, target.ID)
		if got.Status != "affected" || len(got.History) != 2 || got.History[0].Status != "affected" || got.History[0].Action != "Upgrade to 0.9.1." ||
			got.History[1].Status != "not_affected" || !strings.HasPrefix(got.History[1].By, "member@acme.example") || got.History[0].At.Before(got.History[1].At) {
			t.Fatalf("history: %+v", got.History)
		}
		if got := find(f.planned, "CVE-2021-23337"); got.Status != "not_affected" {
			t.Errorf("the release decision leaked into another release: %+v", got)
		}

		// The status filter follows the decisions.
		for q, want := range map[string][]string{
			"?status=affected":                      {"0.9 CVE-2021-23337"},
			"?status=not_affected":                  {"0.8 CVE-2021-23337"},
			"?status=untriaged":                     {"0.8 CVE-2020-8203"},
			"?status=untriaged,under_investigation": {"0.8 CVE-2020-8203"},
		} {
			if p := f.list(t, cra.RoleMember, q); !slices.Equal(keys(p), want) {
				t.Errorf("findings%s: %v, want %v", q, keys(p), want)
			}
		}

		// Triage is audited.
		_, audit, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/audit?limit=5", "", "")
		if !strings.Contains(audit, "triage") {
			t.Errorf("no triage entry in the audit log: %s", audit)
		}
	})
}

func TestExposureOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFindingsFixture(t, db)
		var e struct {
			At       time.Time          `json:"at"`
			Releases int                `json:"releases"`
			Counts   cra.SeverityCounts `json:"counts"`
			AtRisk   []struct {
				ProductID   int64              `json:"product_id"`
				Product     string             `json:"product"`
				ReleaseID   int64              `json:"release_id"`
				Release     string             `json:"release"`
				Counts      cra.SeverityCounts `json:"counts"`
				Risk        int                `json:"risk"`
				FindingsURL string             `json:"findings_url"`
			} `json:"at_risk"`
			Trend []struct {
				Day    string             `json:"day"`
				Counts cra.SeverityCounts `json:"counts"`
			} `json:"trend"`
		}
		status, body, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/exposure?days=30", "", "")
		decodeJSON(t, "exposure", status, body, &e)
		// Only 0.9 is on the market; its one finding is high and KEV-listed.
		want := cra.SeverityCounts{High: 1, KEV: 1, Exploited: 1}
		if status != 200 || e.Releases != 1 || e.Counts != want || len(e.AtRisk) != 1 || e.Trend == nil || e.At.IsZero() {
			t.Fatalf("exposure: %d %s", status, body)
		}
		if r := e.AtRisk[0]; r.ReleaseID != f.onMarket.ID || r.Release != "0.9" || r.Product != "Gateway" || r.Counts != want ||
			r.Risk != cra.RiskScore(want) || r.FindingsURL != fmt.Sprintf("/api/v1/findings?release=%d", f.onMarket.ID) {
			t.Fatalf("at risk: %+v", r)
		}
		for _, p := range e.Trend {
			if _, err := cra.ParseDate(p.Day); err != nil {
				t.Errorf("trend day %q", p.Day)
			}
		}

		// Once triaged not affected, nothing is actionable.
		target := f.list(t, cra.RoleMember, "?on_market=true").Findings[0]
		if status, body, _ := f.do(t, cra.RoleMember, "POST", fmt.Sprintf("/api/v1/findings/%d/triage", target.ID), "application/json",
			`{"status":"not_affected","justification":"code_not_reachable","impact":"Never called."}`); status != 200 {
			t.Fatalf("triage: %d %s", status, body)
		}
		status, body, _ = f.do(t, cra.RoleMember, "GET", "/api/v1/exposure", "", "")
		decodeJSON(t, "exposure", status, body, &e)
		if status != 200 || e.Releases != 1 || e.Counts != (cra.SeverityCounts{}) {
			t.Fatalf("exposure after triage: %d %s", status, body)
		}

		for q, field := range map[string]string{"?days=abc": "days", "?days=-1": "days", "?days=3661": "days", "?days=99999999999999": "days"} {
			status, body, _ := f.do(t, cra.RoleMember, "GET", "/api/v1/exposure"+q, "", "")
			if status != 400 {
				t.Errorf("exposure%s: %d", q, status)
				continue
			}
			if _, fields := errorJSON(t, "exposure"+q, status, body, "invalid"); fields[field] == "" {
				t.Errorf("exposure%s does not name %s: %s", q, field, body)
			}
		}
	})
}

func TestRematchAndScanOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFindingsFixture(t, db)
		var ch struct{ Opened, Reopened, Updated, Resolved int }

		// Matching again finds the same findings.
		status, body, _ := f.do(t, cra.RoleSecurityOfficer, "POST", "/api/v1/findings/rematch", "application/json", fmt.Sprintf(`{"release_ids":[%d]}`, f.planned.ID))
		decodeJSON(t, "rematch", status, body, &ch)
		if status != 200 || ch.Opened != 0 || ch.Updated != 2 || ch.Resolved != 0 {
			t.Fatalf("rematch one release: %d %s", status, body)
		}
		status, body, _ = f.do(t, cra.RoleAdmin, "POST", "/api/v1/findings/rematch", "", "")
		decodeJSON(t, "rematch all", status, body, &ch)
		if status != 200 || ch.Opened != 0 || ch.Updated != 3 {
			t.Fatalf("rematch all: %d %s", status, body)
		}
		for body, want := range map[string]int{`{"release_ids":[0]}`: 400, `{"releases":[1]}`: 400, `{"release_ids":"all"}`: 400} {
			if status, resp, _ := f.do(t, cra.RoleAdmin, "POST", "/api/v1/findings/rematch", "application/json", body); status != want {
				t.Errorf("rematch %s: %d %s, want %d", body, status, resp, want)
			}
		}
		if status, body, _ := f.do(t, cra.RoleAuditor, "POST", "/api/v1/findings/rematch", "application/json", `{}`); status != 403 {
			t.Errorf("auditor rematch: %d %s", status, body)
		}

		// A scan reports what an SBOM would have, and stores nothing.
		type scanJSON struct {
			File         string `json:"file"`
			Format       string `json:"format"`
			Components   int    `json:"components"`
			NotMatchable []struct {
				Name         string `json:"name"`
				NotMatchable string `json:"not_matchable"`
			} `json:"not_matchable"`
			Findings []struct {
				PURL          string   `json:"purl"`
				VulnID        string   `json:"id"`
				Aliases       []string `json:"aliases"`
				Advisories    []string `json:"advisories"`
				KEV           bool     `json:"kev"`
				FixedVersions []string `json:"fixed_versions"`
				Fix           string   `json:"fix"`
				KEVAdded      string   `json:"kev_added"`
			} `json:"findings"`
			Advisories int `json:"advisories"`
		}
		bom := lodashBOM("4.17.15")
		bom = strings.Replace(bom, `,"purl":"pkg:npm/left-pad@1.3.0"`, "", 1)
		ct, form := multipartFile(t, "app.cdx.json", []byte(bom))
		for name, req := range map[string][2]string{
			"raw":       {"application/vnd.cyclonedx+json", bom},
			"multipart": {ct, form},
		} {
			status, body, _ := f.do(t, cra.RoleAuditor, "POST", "/api/v1/scan?filename=app.cdx.json", req[0], req[1])
			var res scanJSON
			decodeJSON(t, "scan "+name, status, body, &res)
			if status != 200 || res.File != "app.cdx.json" || res.Format != "cyclonedx-json" || res.Components != 2 || len(res.Findings) != 2 ||
				len(res.NotMatchable) != 1 || res.NotMatchable[0].Name != "left-pad" || res.NotMatchable[0].NotMatchable == "" {
				t.Fatalf("scan %s: %d %s", name, status, body)
			}
			var ids []string
			for _, sf := range res.Findings {
				ids = append(ids, sf.VulnID)
				if sf.PURL != "pkg:npm/lodash@4.17.15" || sf.Aliases == nil || len(sf.Advisories) != 1 || len(sf.FixedVersions) != 1 ||
					sf.KEV != (sf.KEVAdded == "2025-12-18") || (sf.VulnID == "CVE-2021-23337") != sf.KEV {
					t.Errorf("scan %s finding: %+v", name, sf)
				}
			}
			slices.Sort(ids)
			if !slices.Equal(ids, []string{"CVE-2020-8203", "CVE-2021-23337"}) {
				t.Errorf("scan %s: %v", name, ids)
			}
		}
		if p := f.list(t, cra.RoleMember, ""); p.Total != 3 {
			t.Errorf("a scan stored findings: %d", p.Total)
		}
		for name, req := range map[string][2]string{
			"garbage":      {"application/json", `{"bomFormat":`},
			"empty form":   {"multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XX--\r\n"},
			"bad format":   {"application/json", bom},
			"wrong medium": {"image/png", bom},
		} {
			path := "/api/v1/scan"
			if name == "bad format" {
				path += "?format=yaml"
			}
			status, body, _ := f.do(t, cra.RoleMember, "POST", path, req[0], req[1])
			if status != 400 && status != 415 {
				t.Errorf("scan %s: %d %s", name, status, body)
			}
		}
		if status, _, _ := f.do(t, "", "POST", "/api/v1/scan", "application/json", bom); status != 401 {
			t.Errorf("anonymous scan: %d", status)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// anyFinding returns the id of a finding for the role matrix, adding a
// release with a vulnerable lodash the first time.
func anyFinding(f *fixture, t *testing.T) int64 {
	t.Helper()
	list, _, err := f.svc.Findings.Findings(f.admin, cra.FindingFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) > 0 {
		return list[0].ID
	}
	rel, err := f.svc.Products.CreateRelease(f.admin, f.product.ID, cra.Release{Version: "0.1", Status: cra.ReleasePlanned})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SBOMs.ImportSBOM(f.admin, rel.ID, "bom.json", []byte(lodashBOM("4.17.20")), ""); err != nil {
		t.Fatal(err)
	}
	if list, _, err = f.svc.Findings.Findings(f.admin, cra.FindingFilter{Limit: 1}); err != nil || len(list) == 0 {
		t.Fatalf("no finding after importing a vulnerable SBOM: %v", err)
	}
	return list[0].ID
}

// findingPath is a matrix request on the path of a finding.
func findingPath(suffix, body string) func(*fixture, *testing.T, cra.Role) request {
	return func(f *fixture, t *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/findings/%d%s", anyFinding(f, t), suffix), body}
	}
}
