package server_test

import (
	"bytes"
	"fmt"
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

// submitStage posts a case's submission form (multipart, with the CSRF
// token of the page at from) with a receipt when data is set.
func (b *browser) submitStage(from, path string, fields url.Values, fileName string, data []byte) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get(from)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s", from)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf_token", m[1])
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("file", fileName)
		fw.Write(data)
	}
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

var caseLocation = regexp.MustCompile(`^/cases/(\d+)`)

func TestReportingPages(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		s := newFeedSite(t, db)
		admin := s.browser(t)
		admin.post("/setup?token="+s.setup, "/setup", setupValues(s.setup))
		people := map[string]*browser{}
		for _, role := range []string{"member", "auditor", "security-officer"} {
			email := role + "@acme.example"
			if resp, _ := admin.post("/settings/users", "/settings/users", url.Values{"email": {email}, "role": {role}, "kind": {"person"}, "password": {"quartz-meadow-kiln-44"}}); resp.StatusCode != 303 {
				t.Fatalf("create %s: %d", role, resp.StatusCode)
			}
			b := s.browser(t)
			b.post("/login", "/login", url.Values{"email": {email}, "password": {"quartz-meadow-kiln-44"}})
			people[role] = b
		}
		member, auditor, officer := people["member"], people["auditor"], people["security-officer"]
		ctx := adminContext(t, s)
		mustContain := func(what, body string, wants ...string) {
			t.Helper()
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", what, w)
				}
			}
		}
		mustStatus := func(what string, resp *http.Response, body string, status int) {
			t.Helper()
			if resp.StatusCode != status {
				t.Fatalf("%s: %d, want %d: %s", what, resp.StatusCode, status, body)
			}
		}

		// A release on the market using acme-lib, which CISA KEV lists as
		// exploited: a review opens.
		resp, body := admin.post("/products/new", "/products", productValues("Nordlicht App", cra.LicensingProprietary))
		prodID := created(t, resp, body)
		prod := "/products/" + prodID
		resp, body = admin.post(prod+"/releases/new", prod+"/releases", url.Values{"version": {"1.0"}, "status": {"released"},
			"release_date": {"2026-01-10"}, "placed_on_market": {"2026-01-15"}, "support_end": {"2031-12"}})
		relID := created(t, resp, body)
		rel := "/releases/" + relID
		if _, err := s.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{osvAdvisory("GHSA-abcd-efgh-ijkl", "Acme lib path traversal", []string{"CVE-2024-12345"}, nil)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.svc.Vulns.ImportFile(ctx, "kev.json", []byte(kevCatalog)); err != nil {
			t.Fatal(err)
		}
		if resp, body := admin.uploadSBOM(rel, rel+"/sbom", "bom.json", cdxSBOM("1.0.0", []cdxComponent{{"acme-lib", "2.3.0", "pkg:pypi/acme-lib@2.3.0", true}}), ""); resp.StatusCode != 303 {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		rs, err := s.svc.Cases.Reviews(ctx, cra.ReviewFilter{OpenOnly: true})
		if err != nil || len(rs) != 1 {
			t.Fatalf("reviews: %+v %v", rs, err)
		}
		review := fmt.Sprintf("/reviews/%d", rs[0].ID)

		// The old placeholder moved; the nav leads to the reporting page,
		// which lists the review. Readers cannot open cases.
		if resp, _ := auditor.get("/reports"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/reporting" {
			t.Fatalf("/reports: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = auditor.get("/reporting")
		mustStatus("reporting", resp, body, 200)
		mustContain("reporting as auditor", body, `<a href="/reporting" aria-current="page">Reporting</a>`, `<tr data-review="`+fmt.Sprint(rs[0].ID)+`">`,
			`<a href="`+review+`">CVE-2024-12345</a>`, `<a href="/releases/`+relID+`">Nordlicht App 1.0</a>`, "acme-lib 2.3.0", "CISA KEV",
			`data-testid="no-cases"`, `src="/static/`)
		if strings.Contains(body, `action="/reporting/cases"`) {
			t.Error("an auditor sees the open-case form")
		}
		_, body = auditor.get("/")
		mustContain("dashboard", body, `data-testid="reporting-panel"`, `<strong>1</strong> review awaits a decision</a>`, "0 open cases")

		// A member reads the review but cannot decide it.
		_, body = member.get(review)
		mustContain("review as member", body, "Is CVE-2024-12345 reportable for Nordlicht App 1.0?", "Your role can read reviews but not decide them",
			`data-testid="finding-link"`)
		if resp, _ := member.post(review, review+"/decision", url.Values{"decision": {"open_case"}}); resp.StatusCode != 403 {
			t.Fatalf("a member decided: %d", resp.StatusCode)
		}
		// The officer must choose, and give a reason for not reportable.
		resp, body = officer.post(review, review+"/decision", url.Values{})
		mustStatus("no decision", resp, body, 400)
		mustContain("no decision", body, `id="err-decision"`)
		resp, body = officer.post(review, review+"/decision", url.Values{"decision": {"not_reportable"}})
		mustStatus("no reason", resp, body, 400)
		mustContain("no reason", body, `id="err-decision_reason"`, `value="not_reportable" checked`)
		resp, body = officer.post(review, review+"/decision", url.Values{"decision": {"open_case"}})
		m := caseLocation.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || m == nil || !strings.Contains(resp.Header.Get("Location"), "done=case-opened") {
			t.Fatalf("open case: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		caseID := m[1]
		cs := "/cases/" + caseID

		// The case page: deadlines in UTC for the script to localise,
		// the coordinator and its rule, the early warning's form in SRP
		// order with required markers and limits, and what is missing.
		resp, body = member.get(cs + "?done=case-opened")
		mustStatus("case", resp, body, 200)
		mustContain("case page", body, "Case opened.", "CVE-2024-12345 actively exploited in Nordlicht App", `<time datetime="`, "data-local>",
			`<tr data-stage="early_warning">`, "24 hours after becoming aware (Art. 14(2)(a)).", "Due 14 days after a corrective or mitigating measure is available",
			`data-testid="coordinator">France`, "Main establishment", `<span class="req">required</span>`, `name="f_3" rows="4" maxlength="4000"`,
			`<a href="#f-3">3 · Summary</a>`, `data-testid="stage-form"`, `src="/static/`, `js/cases.js`)
		ids := regexp.MustCompile(`<div class="srp-field" data-field="([^"]+)">`).FindAllStringSubmatch(body, -1)
		var order []string
		for _, id := range ids {
			order = append(order, id[1])
		}
		if got := strings.Join(order, " "); !strings.HasPrefix(got, "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 v19 v20 v21 v22 v23 v24 v25 v26 v27 v30") {
			t.Fatalf("early warning fields: %s", got)
		}
		if strings.Contains(body, `data-testid="submit-form"`) {
			t.Error("a member sees the submission form")
		}
		_, body = auditor.get(cs)
		if strings.Contains(body, `data-testid="stage-form"`) || !strings.Contains(body, "Your role can read this stage but not edit it.") {
			t.Error("an auditor sees the stage form")
		}

		// The awareness time moves with a reason, which the early warning
		// then states.
		aware := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Minute)
		resp, body = officer.post(cs, cs+"/awareness", url.Values{"awareness_at": {aware.Format("2006-01-02T15:04Z")}})
		mustStatus("awareness without reason", resp, body, 400)
		mustContain("awareness without reason", body, `id="err-awareness_reason"`, `<details open data-testid="awareness-form">`)
		if resp, body := officer.post(cs, cs+"/awareness", url.Values{"awareness_at": {aware.Format("2006-01-02 15:04")},
			"awareness_reason": {"The customer reported the attack two hours ago."}}); resp.StatusCode != 303 {
			t.Fatalf("awareness: %d %s", resp.StatusCode, body)
		}
		_, body = member.get(cs + "?done=awareness")
		mustContain("awareness changed", body, "Awareness time changed", `<time datetime="`+aware.Format(time.RFC3339)+`" data-local>`,
			`data-testid="awareness-history"`, "The customer reported the attack two hours ago.")

		// Drafting: text over its limit is refused, named by its field;
		// the typed values stay.
		form := url.Values{}
		_, body = member.get(cs)
		for _, mm := range regexp.MustCompile(`<input id="f-([^"]+)" name="f_[^"]+" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			form.Set("f_"+mm[1], htmlUnescape(mm[2]))
		}
		for _, mm := range regexp.MustCompile(`(?s)<textarea id="f-([^"]+)" name="f_[^"]+"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(body, -1) {
			form.Set("f_"+mm[1], htmlUnescape(mm[2]))
		}
		for _, mm := range regexp.MustCompile(`name="(f_[^"]+)" value="([^"]+)" checked`).FindAllStringSubmatch(body, -1) {
			form.Add(mm[1], mm[2])
		}
		for _, mm := range regexp.MustCompile(`<select id="f-([^"]+)"[^>]*>.*?</select>`).FindAllStringSubmatch(body, -1) {
			if sel := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(mm[0]); sel != nil {
				form.Set("f_"+mm[1], sel[1])
			}
		}
		if form.Get("f_v26") == "" || form.Get("f_6") != "Nordlicht App" || form.Get("f_4") != "ACME Devices SE" {
			t.Fatalf("pre-filled form: %v", form)
		}
		form.Set("f_3", strings.Repeat("x", 4001))
		resp, body = member.post(cs, cs+"/stages/early_warning", form)
		mustStatus("long summary", resp, body, 400)
		mustContain("long summary", body, `<p class="field-error" id="err-3">At most 4000 characters; this is 4001.</p>`, `aria-invalid="true" aria-describedby="err-3"`)
		form.Set("f_3", "Acme lib path traversal is exploited against Nordlicht App 1.0.")
		form.Set("f_v26", aware.Format(time.RFC3339))
		form.Set("then", "ready")
		resp, body = member.post(cs, cs+"/stages/early_warning", form)
		if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "done=stage-ready") {
			t.Fatalf("save and mark ready: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		_, body = officer.get(cs)
		mustContain("ready stage", body, `data-testid="stage-state">Ready to file</span>`, `data-testid="copy-ready"`,
			`<div class="copy-value" id="cv-3">Acme lib path traversal is exploited against Nordlicht App 1.0.</div>`, `data-copy="cv-3" hidden>Copy</button>`,
			`data-testid="submit-form"`, `/cases/`+caseID+`/stages/early_warning/print`)
		resp, body = member.get(cs + "/stages/early_warning/print")
		mustStatus("print", resp, body, 200)
		mustContain("print", body, `data-testid="print-report"`, `<tr data-field="3"><td>3</td><td>Summary <span class="req">required</span></td>`, "Ready to file")

		// Filing: a member may not; the officer records the submission
		// with the SRP's receipt; out of order is refused.
		if resp, _ := member.submitStage(cs, cs+"/stages/early_warning/submit", url.Values{"submitted_at": {time.Now().UTC().Format(time.RFC3339)}}, "r.png", []byte("png")); resp.StatusCode != 403 {
			t.Fatalf("a member submitted: %d", resp.StatusCode)
		}
		resp, body = officer.submitStage(cs, cs+"/stages/notification/submit", url.Values{"submitted_at": {time.Now().UTC().Format(time.RFC3339)}}, "", nil)
		mustStatus("out of order", resp, body, 400)
		resp, body = officer.submitStage(cs, cs+"/stages/early_warning/submit", url.Values{"submitted_at": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}, "", nil)
		mustStatus("future submission", resp, body, 400)
		mustContain("future submission", body, `id="err-submitted_at"`)
		resp, body = officer.submitStage(cs, cs+"/stages/early_warning/submit", url.Values{"submitted_at": {time.Now().UTC().Format(time.RFC3339)}, "srp_id": {"SRP-2026-0007"}},
			"srp-receipt.pdf", []byte("%PDF-1.7 receipt"))
		if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "done=stage-submitted") {
			t.Fatalf("submit: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		_, body = member.get(cs + "?stage=early_warning")
		mustContain("submitted stage", body, `data-testid="submission"`, "<code>SRP-2026-0007</code>", `data-testid="receipt-link"`, `data-testid="stage-revision">`,
			`data-testid="revisions"`, `data-testid="stage-state">Submitted</span>`)
		if strings.Contains(body, `data-testid="stage-form"`) {
			t.Error("a submitted stage still has its form")
		}
		if strings.Contains(body, `data-testid="tab-intermediate`) {
			t.Error("an intermediate report can start before the notification is submitted")
		}
		rev := regexp.MustCompile(`data-testid="stage-revision">([0-9a-f]{64})<`).FindStringSubmatch(body)
		if rev == nil {
			t.Fatalf("no revision hash")
		}
		// The receipt downloads through the API with the session.
		href := regexp.MustCompile(`href="(/api/v1/receipts/[0-9a-f]{64})" data-testid="receipt-link"`).FindStringSubmatch(body)
		if href == nil {
			t.Fatal("no receipt link")
		}
		if resp, got := auditor.get(href[1]); resp.StatusCode != 200 || got != "%PDF-1.7 receipt" {
			t.Fatalf("receipt: %d %q", resp.StatusCode, got)
		}
		// The next tab is the notification, pre-filled from the early warning.
		_, body = member.get(cs)
		mustContain("notification tab", body, `data-stage="notification"`, `data-testid="stage-prefill"`,
			`maxlength="4000" >Acme lib path traversal is exploited against Nordlicht App 1.0.</textarea>`)

		// The fix time cannot be in the future.
		resp, body = member.post(cs, cs+"/fix", url.Values{"fix_available_at": {time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04Z")}})
		mustStatus("future fix", resp, body, 400)
		mustContain("future fix", body, `id="err-fix_available_at"`)
		if resp, _ := member.post(cs, cs+"/fix", url.Values{"fix_available_at": {time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04Z")}}); resp.StatusCode != 303 {
			t.Fatalf("fix: %d", resp.StatusCode)
		}
		_, body = member.get(cs + "?done=fix")
		mustContain("after fix", body, "Fix time recorded", `data-testid="fix-available"><time datetime="`)

		// The notice to users: a suggestion, saved by a member, sent by
		// the officer, exported through the API.
		_, body = member.get(cs + "/notice")
		mustContain("notice suggestion", body, "Not drafted", "Security notice: CVE-2024-12345 in Nordlicht App")
		resp, body = member.post(cs+"/notice", cs+"/notice", url.Values{"subject": {""}, "body": {"x"}})
		mustStatus("notice without subject", resp, body, 400)
		mustContain("notice without subject", body, `id="err-subject"`)
		if resp, body := member.post(cs+"/notice", cs+"/notice", url.Values{"subject": {"Update Nordlicht App"}, "body": {"Update to 1.1.\n\nThanks."}}); resp.StatusCode != 303 {
			t.Fatalf("notice: %d %s", resp.StatusCode, body)
		}
		_, body = officer.get(cs + "/notice")
		mustContain("saved notice", body, "Drafted, not sent", `href="/api/v1/cases/`+caseID+`/notice.txt"`, `action="/cases/`+caseID+`/notice/sent"`)
		if resp, txt := auditor.get("/api/v1/cases/" + caseID + "/notice.txt"); resp.StatusCode != 200 || txt != "Update Nordlicht App\n\nUpdate to 1.1.\n\nThanks.\n" {
			t.Fatalf("notice text: %d %q", resp.StatusCode, txt)
		}
		if resp, body := officer.post(cs+"/notice", cs+"/notice/sent", url.Values{"sent_at": {time.Now().UTC().Format("2006-01-02T15:04Z")}, "channel": {"e-mail"}}); resp.StatusCode != 303 {
			t.Fatalf("notice sent: %d %s", resp.StatusCode, body)
		}
		_, body = member.get(cs + "/notice")
		mustContain("sent notice", body, `<span class="badge on">Sent</span>`, "via e-mail")
		if strings.Contains(body, `data-testid="notice-form"`) {
			t.Error("a sent notice can still be edited")
		}

		// The reporting profile: readers see it, the administrator sets
		// it; a bad line is named.
		_, body = auditor.get("/settings/reporting")
		mustContain("profile as auditor", body, "Only an administrator can change the reporting profile.", `<strong>France</strong> (FR)`)
		resp, body = admin.post("/settings/reporting", "/settings/reporting", url.Values{"size": {"small"}, "establishments": {"DE 40 Berlin\nFR lots"}})
		mustStatus("bad line", resp, body, 400)
		mustContain("bad line", body, `id="err-establishments">Line 2:`)
		resp, body = admin.post("/settings/reporting", "/settings/reporting", url.Values{"size": {"small"}, "establishments": {"DE 40 Berlin\nFR 12 Lyon"}})
		if resp.StatusCode != 303 {
			t.Fatalf("profile: %d %s", resp.StatusCode, body)
		}
		_, body = admin.get("/settings/reporting?done=profile")
		mustContain("profile", body, "Reporting profile saved.", `<strong>Germany</strong> (DE)`, "most employees", "Art. 64(10)(a)", "DE 40 Berlin\nFR 12 Lyon")
		_, body = member.get(cs)
		mustContain("case after profile", body, `data-testid="sme-note"`, `data-testid="coordinator">Germany`)

		// A case opened by hand: not with a future awareness time; closed
		// with a reason.
		_, body = officer.get("/reporting")
		mustContain("reporting as officer", body, `action="/reporting/cases"`, `<tr data-case="`+caseID+`"`, `data-testid="countdown"`)
		resp, body = officer.post("/reporting", "/reporting/cases", url.Values{"kind": {"si"}, "product_id": {prodID}, "release_ids": {relID},
			"title": {"Build server breach"}, "awareness_at": {time.Now().Add(2 * time.Hour).UTC().Format("2006-01-02T15:04Z")}})
		mustStatus("future awareness", resp, body, 400)
		mustContain("future awareness", body, `id="err-awareness_at"`, `value="Build server breach"`)
		resp, body = officer.post("/reporting", "/reporting/cases", url.Values{"kind": {"si"}, "product_id": {prodID}, "release_ids": {relID},
			"title": {"Build server breach"}, "awareness_at": {time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04Z")}, "member_states": {"DE, fr"}})
		m = caseLocation.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || m == nil {
			t.Fatalf("open by hand: %d %s", resp.StatusCode, body)
		}
		si := "/cases/" + m[1]
		_, body = officer.get(si)
		mustContain("incident", body, "Severe incident", "i31 · Incident is suspected of unlawful or malicious acts", "Germany, France")
		resp, body = officer.post(si, si+"/close", url.Values{"closed_reason": {""}})
		mustStatus("close without reason", resp, body, 400)
		mustContain("close without reason", body, `id="err-closed_reason"`)
		if resp, _ := officer.post(si, si+"/close", url.Values{"closed_reason": {"A test alarm, not an incident."}}); resp.StatusCode != 303 {
			t.Fatalf("close: %d", resp.StatusCode)
		}
		_, body = officer.get(si)
		mustContain("closed", body, `data-testid="case-state">Closed</span>`, "A test alarm, not an incident.")
		if strings.Contains(body, `data-testid="stage-form"`) {
			t.Error("a closed case still has a stage form")
		}
		_, body = auditor.get("/reporting")
		mustContain("closed list", body, `data-testid="closed-cases"`, "Build server breach")
		_, body = auditor.get("/")
		mustContain("dashboard with a case", body, "1 open case", `<li data-case="`+caseID+`"`, "Notification", `data-due="`)

		// An intermediate report takes the date the CSIRT asked for it by.
		iAware := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Second)
		pid, _ := strconv.ParseInt(prodID, 10, 64)
		iv, err := s.svc.Cases.OpenCase(ctx, cra.NewCase{Kind: cra.CaseSI, ProductID: pid, Title: "Signing key leak", AwarenessAt: iAware, MemberStates: []string{"DE"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []func() error{
			func() error {
				_, err := s.svc.Cases.SaveStage(ctx, iv.Case.ID, cra.StageEarlyWarning, 0, map[string]string{"3": "A signing key leaked.", "7": "1.0", "i31": "Yes"})
				return err
			},
			func() error {
				_, err := s.svc.Cases.SubmitStage(ctx, iv.Case.ID, cra.StageEarlyWarning, 0, cra.SubmissionInput{SubmittedAt: iAware.Add(time.Hour), SRPID: "SRP-3"})
				return err
			},
			func() error {
				_, err := s.svc.Cases.SaveStage(ctx, iv.Case.ID, cra.StageNotification, 0, map[string]string{"i32": "Key exfiltrated.", "i38": iAware.Format(time.RFC3339), "i39": "Key revoked."})
				return err
			},
			func() error {
				_, err := s.svc.Cases.SubmitStage(ctx, iv.Case.ID, cra.StageNotification, 0, cra.SubmissionInput{SubmittedAt: iAware.Add(2 * time.Hour), SRPID: "SRP-3"})
				return err
			},
		} {
			if err := step(); err != nil {
				t.Fatalf("%v %v", err, cra.ErrorFields(err))
			}
		}
		ic := fmt.Sprintf("/cases/%d", iv.Case.ID)
		_, body = member.get(ic + "?stage=intermediate&seq=1")
		mustContain("new intermediate report", body, `data-testid="requested-due"`)
		resp, body = member.post(ic+"?stage=intermediate&seq=1", ic+"/stages/intermediate", url.Values{"seq": {"1"}, "f_i33": {"Rotating keys."},
			"requested_due_at": {iAware.Add(-time.Hour).Format(time.RFC3339)}})
		mustStatus("due before awareness", resp, body, 400)
		mustContain("due before awareness", body, `id="err-requested_due_at"`)
		due := iAware.Add(time.Hour) // already passed
		if resp, body := member.post(ic+"?stage=intermediate&seq=1", ic+"/stages/intermediate", url.Values{"seq": {"1"}, "f_i33": {"Rotating keys."},
			"requested_due_at": {due.Format(time.RFC3339)}}); resp.StatusCode != 303 {
			t.Fatalf("intermediate with due date: %d %s", resp.StatusCode, body)
		}
		_, body = member.get(ic + "?stage=intermediate&seq=1")
		mustContain("intermediate report", body, `value="`+due.Format("2006-01-02T15:04:05Z")+`"`, "Overdue")

		// Unknown pages.
		for _, p := range []string{"/cases/99999", "/reviews/99999", cs + "?stage=intermediate&seq=1", cs + "?stage=nope", cs + "/stages/final_report/print"} {
			if resp, _ := member.get(p); resp.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", p, resp.StatusCode)
			}
		}
	})
}

// htmlUnescape undoes html/template's escaping of attribute values.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&#43;", "+", "&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
