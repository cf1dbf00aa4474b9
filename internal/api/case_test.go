package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// caseJSON is the part of a case's JSON the tests read.
type caseJSON struct {
	ID               int64     `json:"id"`
	Kind             string    `json:"kind"`
	Title            string    `json:"title"`
	ProductID        int64     `json:"product_id"`
	Product          string    `json:"product"`
	VulnID           string    `json:"vuln_id"`
	ReviewID         *int64    `json:"review_id"`
	AwarenessAt      time.Time `json:"awareness_at"`
	AwarenessChanges []struct {
		Reason string `json:"reason"`
	} `json:"awareness_changes"`
	FixAvailableAt *time.Time `json:"fix_available_at"`
	Open           bool       `json:"open"`
	NextStage      string     `json:"next_stage"`
	NextDeadline   *time.Time `json:"next_deadline"`
	Releases       []struct {
		ID      int64  `json:"id"`
		Version string `json:"version"`
	} `json:"releases"`
	Deadlines []struct {
		Stage         string     `json:"stage"`
		Due           *time.Time `json:"due"`
		PendingReason string     `json:"pending_reason"`
		Rule          string     `json:"rule"`
		State         string     `json:"state"`
	} `json:"deadlines"`
	Stages []struct {
		Key         string            `json:"key"`
		Status      string            `json:"status"`
		State       string            `json:"state"`
		Fields      map[string]string `json:"fields"`
		Problems    []FieldProblem    `json:"problems"`
		SubmittedAt *time.Time        `json:"submitted_at"`
		SRPID       string            `json:"srp_id"`
		ReceiptURL  string            `json:"receipt_url"`
		Revision    string            `json:"revision"`
	} `json:"stages"`
	Coordinator *struct {
		MemberState string `json:"member_state"`
		Rule        string `json:"rule"`
		Error       string `json:"error"`
	} `json:"coordinator"`
	SMENote   string `json:"sme_note"`
	Revisions []struct {
		Stage    string `json:"stage"`
		Revision string `json:"revision"`
	} `json:"revisions"`
	Notice *struct {
		Subject string `json:"subject"`
		Sent    bool   `json:"sent"`
	} `json:"notice"`
}

// FieldProblem is a stage's problem in the case JSON.
type FieldProblem struct {
	Field, Name, Code, Message string
}

// stage returns the stage of the case with the key.
func (c caseJSON) stage(t *testing.T, key string) (status, state string, fields map[string]string, revision string) {
	t.Helper()
	for _, s := range c.Stages {
		if s.Key == key {
			return s.Status, s.State, s.Fields, s.Revision
		}
	}
	t.Fatalf("case %d has no stage %s", c.ID, key)
	return
}

// getCase reads a case as the role.
func (f *fixture) getCase(t *testing.T, role cra.Role, id int64) caseJSON {
	t.Helper()
	status, body, _ := f.do(t, role, "GET", fmt.Sprintf("/api/v1/cases/%d", id), "", "")
	var c caseJSON
	decodeJSON(t, "case", status, body, &c)
	if status != 200 || c.ID != id {
		t.Fatalf("case %d: %d %s", id, status, body)
	}
	return c
}

// rfc3339 formats a time as the API takes it.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// openTestCase opens an AEV case on the fixture's release as an
// administrator, with an early warning complete but for nothing.
func openTestCase(f *fixture, t *testing.T, title string) *cra.CaseView {
	t.Helper()
	v, err := f.svc.Cases.OpenCase(f.admin, cra.NewCase{Kind: cra.CaseAEV, ProductID: f.product.ID, ReleaseIDs: []int64{f.release.ID},
		Title: title, AwarenessAt: time.Now().Add(-2 * time.Hour), MemberStates: []string{"IE"}, VulnID: "CVE-2021-23337"})
	if err != nil {
		t.Fatal(err)
	}
	if v, err = f.svc.Cases.SaveStage(f.admin, v.Case.ID, cra.StageEarlyWarning, 0, map[string]string{"3": "Lodash command injection exploited."}); err != nil {
		t.Fatal(err)
	}
	return v
}

// anyCase returns the id of the role matrix's shared open case.
func anyCase(f *fixture, t *testing.T) int64 {
	t.Helper()
	list, err := f.svc.Cases.Cases(f.admin, cra.CaseFilter{OpenOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range list {
		if v.Case.Title == "Shared case" {
			return v.Case.ID
		}
	}
	return openTestCase(f, t, "Shared case").Case.ID
}

// readyCase opens a case whose early warning is ready to submit.
func readyCase(f *fixture, t *testing.T) int64 {
	t.Helper()
	v := openTestCase(f, t, fmt.Sprintf("Case %d", f.seq.Add(1)))
	if _, err := f.svc.Cases.MarkReady(f.admin, v.Case.ID, cra.StageEarlyWarning, 0); err != nil {
		t.Fatal(err)
	}
	return v.Case.ID
}

// intermediateCase opens a case whose early warning and notification are
// submitted and whose first intermediate report is drafted.
func intermediateCase(f *fixture, t *testing.T) int64 {
	t.Helper()
	id := openTestCase(f, t, fmt.Sprintf("Case %d", f.seq.Add(1))).Case.ID
	at := time.Now().Add(-90 * time.Minute)
	steps := []func() error{
		func() error {
			_, err := f.svc.Cases.SubmitStage(f.admin, id, cra.StageEarlyWarning, 0, cra.SubmissionInput{SubmittedAt: at, SRPID: "SRP-1"})
			return err
		},
		func() error {
			_, err := f.svc.Cases.SaveStage(f.admin, id, cra.StageNotification, 0, map[string]string{"v21": "Command injection through template()."})
			return err
		},
		func() error {
			_, err := f.svc.Cases.SubmitStage(f.admin, id, cra.StageNotification, 0, cra.SubmissionInput{SubmittedAt: at.Add(time.Minute), SRPID: "SRP-1"})
			return err
		},
		func() error {
			_, err := f.svc.Cases.SaveStage(f.admin, id, cra.StageIntermediate, 1, map[string]string{"16": "Workaround published."})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// noticeCase opens a case with a drafted notice.
func noticeCase(f *fixture, t *testing.T) int64 {
	t.Helper()
	id := openTestCase(f, t, fmt.Sprintf("Case %d", f.seq.Add(1))).Case.ID
	if _, err := f.svc.Cases.SaveNotice(f.admin, id, "Update Gateway", "Update Gateway to 1.1."); err != nil {
		t.Fatal(err)
	}
	return id
}

// receiptSHA submits a case's early warning with a receipt and returns
// the receipt's SHA-256.
func receiptSHA(f *fixture, t *testing.T) string {
	t.Helper()
	id := readyCase(f, t)
	data := []byte(fmt.Sprintf("SRP receipt %d", f.seq.Add(1)))
	if _, err := f.svc.Cases.SubmitStage(f.admin, id, cra.StageEarlyWarning, 0, cra.SubmissionInput{SubmittedAt: time.Now().Add(-time.Hour),
		SRPID: "SRP-1", ReceiptName: "receipt.png", ReceiptType: "image/png", Receipt: data}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// newReview adds a release on the market with a KEV-listed vulnerable
// lodash, which opens a review, and returns the review's id.
func newReview(f *fixture, t *testing.T) int64 {
	t.Helper()
	if _, _, err := f.svc.Vulns.ImportFile(f.admin, "kev.json", []byte(kevCatalog)); err != nil {
		t.Fatal(err)
	}
	day := func(s string) cra.Date { d, _ := cra.ParseDate(s); return d }
	end, _ := cra.ParseYearMonth("2031-12")
	rel, err := f.svc.Products.CreateRelease(f.admin, f.product.ID, cra.Release{Version: fmt.Sprintf("3.%d", f.seq.Add(1)), Status: cra.ReleaseReleased,
		ReleaseDate: day("2026-01-15"), PlacedOnMarket: day("2026-01-20"), SupportEnd: end})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SBOMs.ImportSBOM(f.admin, rel.ID, "bom.json", []byte(lodashBOM("4.17.20")), ""); err != nil {
		t.Fatal(err)
	}
	rs, err := f.svc.Cases.Reviews(f.admin, cra.ReviewFilter{OpenOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.ReleaseID == rel.ID {
			return r.ID
		}
	}
	t.Fatalf("no review for release %d: %+v", rel.ID, rs)
	return 0
}

// casePath is a matrix request on a path of the shared case.
func casePath(suffix, body string) func(*fixture, *testing.T, cra.Role) request {
	return func(f *fixture, t *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/cases/%d%s", anyCase(f, t), suffix), body}
	}
}

// freshCasePath is a matrix request on a path of a case made for it.
func freshCasePath(make func(*fixture, *testing.T) int64, suffix string, body func() string) func(*fixture, *testing.T, cra.Role) request {
	return func(f *fixture, t *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/cases/%d%s", make(f, t), suffix), body()}
	}
}

func init() { maps.Copy(matrix, caseMatrix) }

// caseMatrix are the role matrix's rows of the reporting routes:
// reading needs products:read, drafting findings:triage, filing and
// decisions reports:submit, the reporting profile organisation:write.
var caseMatrix = map[string]routeCase{
	"GET /api/v1/reviews": {everyone, fixed("/api/v1/reviews?open=true", "")},
	"GET /api/v1/reviews/{id}": {everyone, func(f *fixture, t *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/reviews/%d", newReview(f, t)), ""}
	}},
	"POST /api/v1/reviews/{id}/decision": {officers, func(f *fixture, t *testing.T, _ cra.Role) request {
		return request{fmt.Sprintf("/api/v1/reviews/%d/decision", newReview(f, t)), `{"decision":"not_reportable","reason":"Not exploitable in Gateway."}`}
	}},
	"GET /api/v1/cases": {everyone, fixed("/api/v1/cases?open=true", "")},
	"POST /api/v1/cases": {officers, func(f *fixture, _ *testing.T, _ cra.Role) request {
		return request{"/api/v1/cases", fmt.Sprintf(`{"kind":"si","product_id":%d,"title":"Incident %d","awareness_at":%q,"member_states":["IE"]}`,
			f.product.ID, f.seq.Add(1), rfc3339(time.Now().Add(-time.Hour)))}
	}},
	"GET /api/v1/cases/{id}": {everyone, casePath("", "")},
	"POST /api/v1/cases/{id}/awareness": {officers, freshCasePath(func(f *fixture, t *testing.T) int64 {
		return openTestCase(f, t, fmt.Sprintf("Case %d", f.seq.Add(1))).Case.ID
	}, "/awareness", func() string {
		return fmt.Sprintf(`{"awareness_at":%q,"reason":"The CSIRT told us earlier."}`, rfc3339(time.Now().Add(-3*time.Hour)))
	})},
	"POST /api/v1/cases/{id}/fix": {writers, casePath("/fix", fmt.Sprintf(`{"fix_available_at":%q}`, rfc3339(time.Now().Add(-time.Hour))))},
	"POST /api/v1/cases/{id}/intermediate-due": {writers, freshCasePath(intermediateCase, "/intermediate-due", func() string {
		return fmt.Sprintf(`{"seq":1,"requested_due_at":%q}`, rfc3339(time.Now().Add(48*time.Hour)))
	})},
	"GET /api/v1/cases/{id}/stages/{stage}/draft":  {everyone, casePath("/stages/notification/draft", "")},
	"PUT /api/v1/cases/{id}/stages/{stage}":        {writers, casePath("/stages/early_warning", `{"fields":{"3":"Lodash command injection exploited in Gateway."}}`)},
	"POST /api/v1/cases/{id}/stages/{stage}/ready": {writers, casePath("/stages/early_warning/ready", "")},
	"POST /api/v1/cases/{id}/stages/{stage}/submit": {officers, freshCasePath(readyCase, "/stages/early_warning/submit", func() string {
		return fmt.Sprintf(`{"submitted_at":%q,"srp_id":"SRP-2026-1"}`, rfc3339(time.Now().Add(-time.Hour)))
	})},
	"POST /api/v1/cases/{id}/close": {officers, freshCasePath(func(f *fixture, t *testing.T) int64 {
		return openTestCase(f, t, fmt.Sprintf("Case %d", f.seq.Add(1))).Case.ID
	}, "/close", func() string { return `{"reason":"Not exploited after all."}` })},
	"GET /api/v1/cases/{id}/export":      {everyone, casePath("/export", "")},
	"GET /api/v1/cases/{id}/notice":      {everyone, freshCasePath(noticeCase, "/notice", func() string { return "" })},
	"PUT /api/v1/cases/{id}/notice":      {writers, casePath("/notice", `{"subject":"Update Gateway","body":"Update Gateway to 1.1."}`)},
	"GET /api/v1/cases/{id}/notice.txt":  {everyone, freshCasePath(noticeCase, "/notice.txt", func() string { return "" })},
	"GET /api/v1/cases/{id}/notice.html": {everyone, freshCasePath(noticeCase, "/notice.html", func() string { return "" })},
	"POST /api/v1/cases/{id}/notice/sent": {officers, freshCasePath(noticeCase, "/notice/sent", func() string {
		return fmt.Sprintf(`{"sent_at":%q,"channel":"e-mail"}`, rfc3339(time.Now().Add(-time.Minute)))
	})},
	"GET /api/v1/receipts/{sha}": {everyone, func(f *fixture, t *testing.T, _ cra.Role) request {
		return request{"/api/v1/receipts/" + receiptSHA(f, t), ""}
	}},
	"GET /api/v1/reporting-profile": {everyone, fixed("/api/v1/reporting-profile", "")},
	"PUT /api/v1/reporting-profile": {admins, fixed("/api/v1/reporting-profile", `{"size":"small","routing":{"main_establishment":"IE"}}`)},
}

// submitForm builds the multipart submission form.
func submitForm(t *testing.T, at time.Time, srpID, fileName string, receipt []byte) (contentType, body string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("submitted_at", rfc3339(at))
	mw.WriteField("srp_id", srpID)
	if receipt != nil {
		w, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(receipt)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.String()
}

// TestCaseFromReviewToFinalReportOverHTTP follows a KEV signal through the
// API: the review, its decision, each stage (an intermediate report too)
// drafted, marked ready and submitted by the roles allowed to, to a closed
// case with four frozen revisions, and what each role may not do on the
// way.
func TestCaseFromReviewToFinalReportOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFindingsFixture(t, db)
		if _, err := f.svc.Products.UpdateProduct(f.admin, f.product.ID, cra.Product{Name: "Gateway", MemberStates: []string{"IE", "DE"}}); err != nil {
			t.Fatal(err)
		}

		// The KEV-listed finding of the release on the market opened a
		// review; the planned release has none.
		status, body, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/reviews?open=true", "", "")
		var reviews struct {
			Reviews []struct {
				ID         int64  `json:"id"`
				ReleaseID  int64  `json:"release_id"`
				VulnID     string `json:"vuln_id"`
				Signal     string `json:"signal"`
				Open       bool   `json:"open"`
				FindingURL string `json:"finding_url"`
			} `json:"reviews"`
		}
		decodeJSON(t, "reviews", status, body, &reviews)
		if status != 200 || len(reviews.Reviews) != 1 {
			t.Fatalf("reviews: %d %s", status, body)
		}
		rv := reviews.Reviews[0]
		if rv.ReleaseID != f.onMarket.ID || rv.VulnID != "CVE-2021-23337" || rv.Signal != "kev" || !rv.Open || !strings.HasPrefix(rv.FindingURL, "/api/v1/findings/") {
			t.Fatalf("review: %+v", rv)
		}
		decision := fmt.Sprintf("/api/v1/reviews/%d/decision", rv.ID)
		if status, body, _ := f.do(t, cra.RoleMember, "POST", decision, "application/json", `{"decision":"open_case"}`); status != 403 {
			t.Fatalf("a member decided: %d %s", status, body)
		}
		_, fields := func() (string, map[string]string) {
			status, body, _ := f.do(t, cra.RoleSecurityOfficer, "POST", decision, "application/json", `{"decision":"not_reportable"}`)
			return errorJSON(t, "no reason", status, body, cra.EINVALID)
		}()
		if fields["decision_reason"] == "" {
			t.Fatalf("not reportable without a reason: %v", fields)
		}
		status, body, _ = f.do(t, cra.RoleSecurityOfficer, "POST", decision, "application/json", `{"decision":"open_case"}`)
		var decided struct {
			Review struct {
				Open     bool    `json:"open"`
				Decision *string `json:"decision"`
				CaseID   *int64  `json:"case_id"`
			} `json:"review"`
			Case *caseJSON `json:"case"`
		}
		decodeJSON(t, "decision", status, body, &decided)
		if status != 200 || decided.Case == nil || decided.Review.Open || decided.Review.CaseID == nil || *decided.Review.CaseID != decided.Case.ID {
			t.Fatalf("open case: %d %s", status, body)
		}
		id := decided.Case.ID
		base := fmt.Sprintf("/api/v1/cases/%d", id)
		c := f.getCase(t, cra.RoleAuditor, id)
		_, state, ew, _ := c.stage(t, "early_warning")
		if c.Kind != "aev" || c.VulnID != "CVE-2021-23337" || c.ReviewID == nil || c.Product != "Gateway" || len(c.Releases) != 1 ||
			c.Releases[0].Version != "0.9" || !c.Open || c.NextStage != "early_warning" || state != "draft" ||
			ew["v19"] != "CVE-2021-23337" || ew["6"] != "Gateway" || ew["7"] != "0.9" || ew["5"] != "DE,IE" || ew["4"] != "ACME" {
			t.Fatalf("opened case: %+v", c)
		}
		if len(c.Deadlines) != 3 || c.Deadlines[0].Due == nil || !c.Deadlines[0].Due.Equal(c.AwarenessAt.Add(24*time.Hour)) ||
			c.Deadlines[2].Due != nil || !strings.Contains(c.Deadlines[2].PendingReason, "14 days") || c.NextDeadline == nil {
			t.Fatalf("deadlines: %+v", c.Deadlines)
		}
		if c.Coordinator == nil || c.Coordinator.MemberState != "IE" || !strings.Contains(c.Coordinator.Rule, "Art. 14(7)") {
			t.Fatalf("coordinator: %+v", c.Coordinator)
		}
		// The early warning lacks its summary, named by SRP field.
		var probs []string
		for _, s := range c.Stages {
			if s.Key == "early_warning" {
				for _, p := range s.Problems {
					probs = append(probs, p.Field+" "+p.Code)
				}
			}
		}
		if !slices.Equal(probs, []string{"3 required"}) {
			t.Fatalf("early warning problems: %v", probs)
		}

		// The awareness time moves, with a reason; not into the future.
		aware := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
		status, body, _ = f.do(t, cra.RoleSecurityOfficer, "POST", base+"/awareness", "application/json", fmt.Sprintf(`{"awareness_at":%q}`, rfc3339(time.Now().Add(time.Hour))))
		if _, fields := errorJSON(t, "future awareness", status, body, cra.EINVALID); fields["awareness_at"] == "" || fields["awareness_reason"] == "" {
			t.Fatalf("future awareness without a reason: %v", fields)
		}
		status, body, _ = f.do(t, cra.RoleSecurityOfficer, "POST", base+"/awareness", "application/json",
			fmt.Sprintf(`{"awareness_at":%q,"reason":"The customer's report reached us three hours ago."}`, rfc3339(aware)))
		if status != 200 {
			t.Fatalf("awareness: %d %s", status, body)
		}
		if c = f.getCase(t, cra.RoleAuditor, id); !c.AwarenessAt.Equal(aware) || len(c.AwarenessChanges) != 1 {
			t.Fatalf("awareness after change: %v %+v", c.AwarenessAt, c.AwarenessChanges)
		}

		// Drafting: the auditor may not, a member may; text over its
		// limit is refused by field id; the pre-filled awareness follows.
		ewPath := base + "/stages/early_warning"
		if status, body, _ := f.do(t, cra.RoleAuditor, "PUT", ewPath, "application/json", `{"fields":{"3":"x"}}`); status != 403 {
			t.Fatalf("an auditor drafted: %d %s", status, body)
		}
		status, body, _ = f.do(t, cra.RoleMember, "PUT", ewPath, "application/json", fmt.Sprintf(`{"fields":{"3":%q}}`, strings.Repeat("x", 4001)))
		if msg, fields := errorJSON(t, "long summary", status, body, cra.EINVALID); !strings.Contains(fields["3"], "4000") {
			t.Fatalf("over the limit: %s %v", msg, fields)
		}
		status, body, _ = f.do(t, cra.RoleMember, "PUT", ewPath, "application/json",
			fmt.Sprintf(`{"fields":{"3":"Lodash command injection is exploited against Gateway 0.9.","v26":%q}}`, rfc3339(aware)))
		if status != 200 {
			t.Fatalf("draft: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", ewPath+"/ready", "", ""); status != 200 {
			t.Fatalf("ready: %d %s", status, body)
		}
		// Filing: a member may not submit; the security officer does, with
		// the SRP's receipt.
		receipt := []byte("%PDF-1.7 SRP receipt")
		ct, form := submitForm(t, time.Now().Add(-time.Minute), "SRP-2026-0042", "srp-receipt.pdf", receipt)
		if status, body, _ := f.do(t, cra.RoleMember, "POST", ewPath+"/submit", ct, form); status != 403 {
			t.Fatalf("a member submitted: %d %s", status, body)
		}
		// The notification cannot be submitted before it is drafted, nor
		// the final report before the notification.
		status, body, _ = f.do(t, cra.RoleSecurityOfficer, "POST", base+"/stages/final_report/submit", "application/json", fmt.Sprintf(`{"submitted_at":%q}`, rfc3339(time.Now())))
		if _, fields := errorJSON(t, "final first", status, body, cra.EINVALID); fields["stage"] == "" {
			t.Fatalf("final report out of order: %v", fields)
		}
		status, body, _ = f.do(t, cra.RoleSecurityOfficer, "POST", ewPath+"/submit", ct, form)
		if status != 200 {
			t.Fatalf("submit: %d %s", status, body)
		}
		c = f.getCase(t, cra.RoleAuditor, id)
		var receiptURL string
		for _, s := range c.Stages {
			if s.Key == "early_warning" {
				receiptURL = s.ReceiptURL
				if s.Status != "submitted" || s.SRPID != "SRP-2026-0042" || len(s.Revision) != 64 || s.SubmittedAt == nil {
					t.Fatalf("submitted early warning: %+v", s)
				}
			}
		}
		sum := sha256.Sum256(receipt)
		if receiptURL != "/api/v1/receipts/"+hex.EncodeToString(sum[:]) || c.NextStage != "notification" {
			t.Fatalf("receipt %q, next %q", receiptURL, c.NextStage)
		}
		status, got, hdr := f.do(t, cra.RoleAuditor, "GET", receiptURL, "", "")
		if status != 200 || got != string(receipt) || hdr.Get("Content-Type") != "application/octet-stream" ||
			!strings.Contains(hdr.Get("Content-Disposition"), "srp-receipt.pdf") || !strings.Contains(hdr.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("receipt: %d %q %v", status, got, hdr)
		}
		// A submitted stage is frozen.
		status, body, _ = f.do(t, cra.RoleMember, "PUT", ewPath, "application/json", `{"fields":{"3":"changed"}}`)
		if _, fields := errorJSON(t, "frozen", status, body, cra.EINVALID); !strings.Contains(fields["stage"], "never be edited") {
			t.Fatalf("edit after submission: %v", fields)
		}

		// The notification starts from what the early warning carries.
		status, body, _ = f.do(t, cra.RoleAuditor, "GET", base+"/stages/notification/draft", "", "")
		var draft struct {
			Key    string            `json:"key"`
			Fields map[string]string `json:"fields"`
		}
		decodeJSON(t, "draft", status, body, &draft)
		if status != 200 || draft.Key != "notification" || draft.Fields["3"] != "Lodash command injection is exploited against Gateway 0.9." {
			t.Fatalf("notification draft: %d %s", status, body)
		}
		nPath := base + "/stages/notification"
		if status, body, _ := f.do(t, cra.RoleMember, "PUT", nPath, "application/json",
			`{"fields":{"v21":"Command injection through the template function; exploited by crafted requests.","16":"Blocked the endpoint."}}`); status != 200 {
			t.Fatalf("notification draft: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", nPath+"/ready", "", ""); status != 200 {
			t.Fatalf("notification ready: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleSecurityOfficer, "POST", nPath+"/submit", "application/json",
			fmt.Sprintf(`{"submitted_at":%q,"srp_id":"SRP-2026-0042"}`, rfc3339(time.Now().Add(-30*time.Second)))); status != 200 {
			t.Fatalf("notification submit: %d %s", status, body)
		}

		// The CSIRT asks for an update: intermediate reports are numbered
		// and follow the notification.
		imPath := base + "/stages/intermediate"
		status, body, _ = f.do(t, cra.RoleMember, "PUT", imPath+"?seq=2", "application/json", `{"fields":{"16":"x"}}`)
		if _, fields := errorJSON(t, "intermediate 2 first", status, body, cra.EINVALID); !strings.Contains(fields["stage"], "number 1") {
			t.Fatalf("intermediate report 2 before 1: %s", body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "PUT", imPath+"?seq=1", "application/json", `{"fields":{"16":"Blocked the endpoint; a fix is in testing."}}`); status != 200 {
			t.Fatalf("intermediate draft: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", imPath+"/ready?seq=1", "", ""); status != 200 {
			t.Fatalf("intermediate ready: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleSecurityOfficer, "POST", imPath+"/submit?seq=1", "application/json",
			fmt.Sprintf(`{"submitted_at":%q,"srp_id":"SRP-2026-0042"}`, rfc3339(time.Now().Add(-20*time.Second)))); status != 200 {
			t.Fatalf("intermediate submit: %d %s", status, body)
		}
		if status, _, _, rev := f.getCase(t, cra.RoleAuditor, id).stage(t, "intermediate-1"); status != "submitted" || len(rev) != 64 {
			t.Fatalf("intermediate report 1: %s %q", status, rev)
		}

		// The final report of a vulnerability needs the fix time.
		frPath := base + "/stages/final_report"
		if status, body, _ := f.do(t, cra.RoleMember, "PUT", frPath, "application/json", `{"fields":{"16":"Released Gateway 1.0 with lodash 4.17.21.",
			"17":"Update to Gateway 1.0.","v23":"Gateway 1.0 updates lodash to 4.17.21.","v24":"High: remote code execution.","v25":"Full control of the gateway."}}`); status != 200 {
			t.Fatalf("final draft: %d %s", status, body)
		}
		status, body, _ = f.do(t, cra.RoleMember, "POST", frPath+"/ready", "", "")
		if _, fields := errorJSON(t, "final without fix", status, body, cra.EINVALID); fields["fix_available_at"] == "" || fields["v22"] == "" {
			t.Fatalf("final report without a fix time: %v", fields)
		}
		fix := time.Now().Add(-20 * time.Second).Truncate(time.Second)
		if status, body, _ := f.do(t, cra.RoleAuditor, "POST", base+"/fix", "application/json", fmt.Sprintf(`{"fix_available_at":%q}`, rfc3339(fix))); status != 403 {
			t.Fatalf("an auditor set the fix: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", base+"/fix", "application/json", fmt.Sprintf(`{"fix_available_at":%q}`, rfc3339(fix))); status != 200 {
			t.Fatalf("fix: %d %s", status, body)
		}
		if c = f.getCase(t, cra.RoleAuditor, id); c.Deadlines[2].Due == nil || !c.Deadlines[2].Due.Equal(fix.Add(14*24*time.Hour)) {
			t.Fatalf("final deadline after the fix: %+v", c.Deadlines[2])
		}
		if status, body, _ := f.do(t, cra.RoleMember, "PUT", frPath, "application/json", fmt.Sprintf(`{"fields":{"v22":%q}}`, rfc3339(fix))); status != 200 {
			t.Fatalf("final v22: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", frPath+"/ready", "", ""); status != 200 {
			t.Fatalf("final ready: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleSecurityOfficer, "POST", frPath+"/submit", "application/json",
			fmt.Sprintf(`{"submitted_at":%q,"srp_id":"SRP-2026-0042"}`, rfc3339(time.Now()))); status != 200 {
			t.Fatalf("final submit: %d %s", status, body)
		}
		c = f.getCase(t, cra.RoleAuditor, id)
		if c.Open || c.NextStage != "" || len(c.Revisions) != 4 || c.NextDeadline != nil {
			t.Fatalf("filed case: %+v", c)
		}
		for _, key := range []string{"early_warning", "notification", "final_report"} {
			if status, state, _, rev := c.stage(t, key); status != "submitted" || state != "submitted" || len(rev) != 64 {
				t.Fatalf("%s: %s %s %q", key, status, state, rev)
			}
		}
		if status, body, _ := f.do(t, cra.RoleAuditor, "GET", "/api/v1/cases?open=true", "", ""); status != 200 || strings.Contains(body, fmt.Sprintf(`"id": %d,`, id)) {
			t.Fatalf("a filed case is listed as open: %d %s", status, body)
		}

		// The export lists each stage's SRP fields in SRP order.
		status, body, hdr = f.do(t, cra.RoleAuditor, "GET", base+"/export", "", "")
		var exp struct {
			Case struct {
				ID     int64             `json:"id"`
				Stages []json.RawMessage `json:"stages"`
			} `json:"case"`
			Stages []struct {
				Key      string `json:"key"`
				Revision string `json:"revision"`
				Fields   []struct {
					ID, Name, Value string
					Required        bool
				} `json:"fields"`
			} `json:"stages"`
			Deadlines []json.RawMessage `json:"deadlines"`
			Revisions []json.RawMessage `json:"revisions"`
		}
		decodeJSON(t, "export", status, body, &exp)
		if status != 200 || exp.Case.ID != id || exp.Case.Stages != nil || len(exp.Stages) != 4 || len(exp.Deadlines) != 3 || len(exp.Revisions) != 4 ||
			!strings.Contains(hdr.Get("Content-Disposition"), fmt.Sprintf("cyra-case-%d.json", id)) {
			t.Fatalf("export: %d %s", status, body)
		}
		var ids []string
		for _, fl := range exp.Stages[0].Fields {
			ids = append(ids, fl.ID)
		}
		if exp.Stages[0].Key != "early_warning" || ids[0] != "1" || ids[1] != "2" || slices.Contains(ids, "18") || !slices.Contains(ids, "v26") ||
			exp.Stages[0].Fields[2].Name != "Summary" || !exp.Stages[0].Fields[2].Required || exp.Stages[2].Key != "intermediate-1" || exp.Stages[3].Key != "final_report" {
			t.Fatalf("export stages: %v %+v", ids, exp.Stages[0].Fields[:3])
		}
	})
}

func TestCaseBadInputOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		id := anyCase(f, t)
		base := fmt.Sprintf("/api/v1/cases/%d", id)
		future := rfc3339(time.Now().Add(48 * time.Hour))
		for _, tc := range []struct {
			name, method, path, ct, body string
			status                       int
			field                        string
		}{
			{"awareness in the future", "POST", "/api/v1/cases", "application/json",
				fmt.Sprintf(`{"kind":"aev","product_id":%d,"title":"Zero-day","awareness_at":%q}`, f.product.ID, future), 400, "awareness_at"},
			{"no awareness", "POST", "/api/v1/cases", "application/json", fmt.Sprintf(`{"kind":"aev","product_id":%d,"title":"Zero-day"}`, f.product.ID), 400, "awareness_at"},
			{"unknown kind", "POST", "/api/v1/cases", "application/json",
				fmt.Sprintf(`{"kind":"breach","product_id":%d,"title":"x","awareness_at":%q}`, f.product.ID, rfc3339(time.Now())), 400, "kind"},
			{"unknown member state", "POST", "/api/v1/cases", "application/json",
				fmt.Sprintf(`{"kind":"si","product_id":%d,"title":"x","awareness_at":%q,"member_states":["UK"]}`, f.product.ID, rfc3339(time.Now())), 400, "member_states"},
			{"release of another product", "POST", "/api/v1/cases", "application/json",
				fmt.Sprintf(`{"kind":"si","product_id":%d,"release_ids":[99999],"title":"x","awareness_at":%q}`, f.product.ID, rfc3339(time.Now())), 400, "release_ids"},
			{"awareness moved into the future", "POST", base + "/awareness", "application/json", fmt.Sprintf(`{"awareness_at":%q,"reason":"typo"}`, future), 400, "awareness_at"},
			{"fix in the future", "POST", base + "/fix", "application/json", fmt.Sprintf(`{"fix_available_at":%q}`, future), 400, "fix_available_at"},
			{"unknown stage", "PUT", base + "/stages/draft", "application/json", `{"fields":{}}`, 400, "stage"},
			{"intermediate without number", "GET", base + "/stages/intermediate/draft", "", ``, 400, "seq"},
			{"numbered early warning", "POST", base + "/stages/early_warning/ready?seq=2", "", ``, 400, "seq"},
			{"text over its limit", "PUT", base + "/stages/early_warning", "application/json", fmt.Sprintf(`{"fields":{"2":%q}}`, strings.Repeat("t", 256)), 400, "2"},
			{"field of another stage", "PUT", base + "/stages/early_warning", "application/json", `{"fields":{"18":"network"}}`, 400, "18"},
			{"field of another kind", "PUT", base + "/stages/early_warning", "application/json", `{"fields":{"i31":"Yes"}}`, 400, "i31"},
			{"bad CVE id", "PUT", base + "/stages/early_warning", "application/json", `{"fields":{"v19":"CVE-21-1"}}`, 400, "v19"},
			{"notification without a draft", "POST", base + "/stages/notification/submit", "application/json",
				fmt.Sprintf(`{"submitted_at":%q}`, rfc3339(time.Now())), 400, "stage"},
			{"submitted in the future", "POST", base + "/stages/early_warning/submit", "application/json", fmt.Sprintf(`{"submitted_at":%q}`, future), 400, "submitted_at"},
			{"bad submission time", "POST", base + "/stages/early_warning/submit", "application/json", `{"submitted_at":"yesterday"}`, 400, "submitted_at"},
			{"final report without a draft", "POST", base + "/stages/final_report/ready", "", ``, 400, "stage"},
			{"close without reason", "POST", base + "/close", "application/json", `{}`, 400, "closed_reason"},
			{"bad decision", "POST", fmt.Sprintf("/api/v1/reviews/%d/decision", newReview(f, t)), "application/json", `{"decision":"maybe"}`, 400, "decision"},
			{"notice sent before drafted", "POST", base + "/notice/sent", "application/json", fmt.Sprintf(`{"sent_at":%q,"channel":"e-mail"}`, rfc3339(time.Now())), 400, "body"},
			{"notice without subject", "PUT", base + "/notice", "application/json", `{"subject":"","body":"x"}`, 400, "subject"},
			{"unknown size", "PUT", "/api/v1/reporting-profile", "application/json", `{"size":"huge"}`, 400, "size"},
			{"unknown member state in routing", "PUT", "/api/v1/reporting-profile", "application/json", `{"routing":{"main_establishment":"XX"}}`, 400, "main_establishment"},
			{"bad open filter", "GET", "/api/v1/cases?open=yes", "", ``, 400, "open"},
			{"bad product filter", "GET", "/api/v1/reviews?product=x", "", ``, 400, "product"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body, _ := f.do(t, cra.RoleAdmin, tc.method, tc.path, tc.ct, tc.body)
				if status != tc.status {
					t.Fatalf("got %d %s; want %d", status, body, tc.status)
				}
				if _, fields := errorJSON(t, tc.name, status, body, cra.EINVALID); fields[tc.field] == "" {
					t.Fatalf("the error does not name %q: %s", tc.field, body)
				}
			})
		}
		// Stages are submitted in order: a drafted notification waits for
		// the early warning.
		if status, body, _ := f.do(t, cra.RoleAdmin, "PUT", base+"/stages/notification", "application/json", `{"fields":{"v21":"Command injection."}}`); status != 200 {
			t.Fatalf("notification draft: %d %s", status, body)
		}
		status, body, _ := f.do(t, cra.RoleAdmin, "POST", base+"/stages/notification/submit", "application/json", fmt.Sprintf(`{"submitted_at":%q}`, rfc3339(time.Now())))
		if _, fields := errorJSON(t, "out of order", status, body, cra.EINVALID); !strings.Contains(fields["stage"], "early warning before the notification") {
			t.Fatalf("notification before the early warning: %s", body)
		}
		// An AEV final report needs its fix time: with a notification
		// submitted, marking the final report ready names it.
		v := openTestCase(f, t, "Final without fix")
		now := time.Now()
		for _, st := range []cra.Stage{cra.StageEarlyWarning, cra.StageNotification} {
			if st == cra.StageNotification {
				if _, err := f.svc.Cases.SaveStage(f.admin, v.Case.ID, st, 0, map[string]string{"v21": "Command injection."}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.svc.Cases.SubmitStage(f.admin, v.Case.ID, st, 0, cra.SubmissionInput{SubmittedAt: now.Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		status, body, _ = f.do(t, cra.RoleAdmin, "PUT", fmt.Sprintf("/api/v1/cases/%d/stages/final_report", v.Case.ID), "application/json", `{"fields":{"16":"Patched."}}`)
		if status != 200 {
			t.Fatalf("final draft: %d %s", status, body)
		}
		status, body, _ = f.do(t, cra.RoleAdmin, "POST", fmt.Sprintf("/api/v1/cases/%d/stages/final_report/submit", v.Case.ID), "application/json",
			fmt.Sprintf(`{"submitted_at":%q}`, rfc3339(now)))
		if _, fields := errorJSON(t, "final without fix", status, body, cra.EINVALID); fields["fix_available_at"] == "" {
			t.Fatalf("final report without fix time: %s", body)
		}
		// A receipt over the limit is refused before anything is stored.
		ct, form := submitForm(t, now, "SRP-1", "big.png", bytes.Repeat([]byte("x"), 10<<20+1))
		status, body, _ = f.do(t, cra.RoleAdmin, "POST", fmt.Sprintf("/api/v1/cases/%d/stages/final_report/submit", v.Case.ID), ct, form)
		if status != 413 {
			t.Fatalf("big receipt: %d %s", status, body)
		}
	})
}

func TestNoticeAndProfileOverHTTP(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		id := anyCase(f, t)
		base := fmt.Sprintf("/api/v1/cases/%d", id)
		if status, body, _ := f.do(t, cra.RoleAuditor, "GET", base+"/notice", "", ""); status != 404 || !strings.Contains(body, "No notice") {
			t.Fatalf("notice before drafting: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleAuditor, "PUT", base+"/notice", "application/json", `{"subject":"s","body":"b"}`); status != 403 {
			t.Fatalf("an auditor drafted the notice: %d %s", status, body)
		}
		status, body, _ := f.do(t, cra.RoleMember, "PUT", base+"/notice", "application/json",
			`{"subject":"Gateway 1.0: update <now>","body":"Gateway 1.0 is affected.\nAttackers run commands.\n\nUpdate to 1.1 & restart."}`)
		if status != 200 || !strings.Contains(body, `"text_url": "/api/v1/cases/`) {
			t.Fatalf("draft notice: %d %s", status, body)
		}
		status, txt, hdr := f.do(t, cra.RoleAuditor, "GET", base+"/notice.txt", "", "")
		if status != 200 || txt != "Gateway 1.0: update <now>\n\nGateway 1.0 is affected.\nAttackers run commands.\n\nUpdate to 1.1 & restart.\n" ||
			!strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
			t.Fatalf("text: %d %q %v", status, txt, hdr)
		}
		status, html, hdr := f.do(t, cra.RoleAuditor, "GET", base+"/notice.html", "", "")
		if status != 200 || !strings.Contains(html, "<title>Gateway 1.0: update &lt;now&gt;</title>") ||
			!strings.Contains(html, "<p>Gateway 1.0 is affected.<br>\nAttackers run commands.</p>") || !strings.Contains(html, "<p>Update to 1.1 &amp; restart.</p>") ||
			!strings.Contains(hdr.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("html: %d %s %v", status, html, hdr)
		}
		if status, body, _ := f.do(t, cra.RoleMember, "POST", base+"/notice/sent", "application/json", `{"sent_at":"2026-11-01T10:00:00Z","channel":"e-mail"}`); status != 403 {
			t.Fatalf("a member marked the notice sent: %d %s", status, body)
		}
		status, body, _ = f.do(t, cra.RoleSecurityOfficer, "POST", base+"/notice/sent", "application/json",
			fmt.Sprintf(`{"sent_at":%q,"channel":"CSAF advisory"}`, rfc3339(time.Now().Add(-time.Minute))))
		if status != 200 || !strings.Contains(body, `"sent": true`) || !strings.Contains(body, `"channel": "CSAF advisory"`) {
			t.Fatalf("sent: %d %s", status, body)
		}
		if c := f.getCase(t, cra.RoleAuditor, id); c.Notice == nil || !c.Notice.Sent {
			t.Fatalf("case notice: %+v", c.Notice)
		}

		// The reporting profile routes to the main establishment; a small
		// enterprise sees the fines note, with the deadline unchanged.
		status, body, _ = f.do(t, cra.RoleAuditor, "GET", "/api/v1/reporting-profile", "", "")
		if status != 200 || !strings.Contains(body, `"member_state": "IE"`) || !strings.Contains(body, `"updated_at": null`) {
			t.Fatalf("profile before saving: %d %s", status, body)
		}
		if status, body, _ := f.do(t, cra.RoleSecurityOfficer, "PUT", "/api/v1/reporting-profile", "application/json", `{"size":"small"}`); status != 403 {
			t.Fatalf("a security officer saved the profile: %d %s", status, body)
		}
		status, body, _ = f.do(t, cra.RoleAdmin, "PUT", "/api/v1/reporting-profile", "application/json",
			`{"size":"small","routing":{"establishments":[{"member_state":"DE","name":"Berlin","count":40},{"member_state":"FR","name":"Lyon","count":12}]}}`)
		var prof struct {
			Size        string `json:"size"`
			SMENote     string `json:"sme_note"`
			Coordinator struct {
				MemberState string `json:"member_state"`
				Rule        string `json:"rule"`
				Error       string `json:"error"`
			} `json:"coordinator"`
			UpdatedAt *time.Time `json:"updated_at"`
		}
		decodeJSON(t, "profile", status, body, &prof)
		if status != 200 || prof.Size != "small" || prof.Coordinator.MemberState != "DE" || !strings.Contains(prof.Coordinator.Rule, "most employees") ||
			!strings.Contains(prof.SMENote, "Art. 64(10)(a)") || prof.UpdatedAt == nil {
			t.Fatalf("saved profile: %d %s", status, body)
		}
		if c := f.getCase(t, cra.RoleAuditor, id); !strings.Contains(c.SMENote, "Art. 64(10)(a)") || c.Coordinator == nil || c.Coordinator.MemberState != "DE" {
			t.Fatalf("case after profile: %q %+v", c.SMENote, c.Coordinator)
		}
		// A tie between Member States is refused: the manufacturer chooses
		// by naming its main establishment.
		status, body, _ = f.do(t, cra.RoleAdmin, "PUT", "/api/v1/reporting-profile", "application/json",
			`{"routing":{"establishments":[{"member_state":"DE","count":10},{"member_state":"FR","count":10}]}}`)
		if _, fields := errorJSON(t, "tie", status, body, cra.EINVALID); !strings.Contains(fields["establishments"], "choose the coordinator yourself") {
			t.Fatalf("tie: %d %s", status, body)
		}
	})
}
