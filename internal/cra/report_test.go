package cra_test

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
)

var (
	reportNow   = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	reportAware = time.Date(2026, 9, 14, 9, 15, 0, 0, time.UTC)
)

func newAEVCase() *cra.Case {
	return &cra.Case{ID: 1, Kind: cra.CaseAEV, ProductID: 7, ReleaseIDs: []int64{3, 2, 3}, Title: "Exploited flaw in Widget",
		AwarenessAt: reportAware, MemberStates: []string{"fr", "GR", "de"}, VulnKey: "cve-2026-12345", CreatedBy: "ada@example.com", CreatedAt: reportAware}
}

// mustField asserts err is EINVALID naming field (and, when non-empty, a
// phrase of its message).
func mustField(t *testing.T, err error, field, phrase string) {
	t.Helper()
	if cra.ErrorCode(err) != cra.EINVALID {
		t.Fatalf("error %v; want EINVALID naming %s", err, field)
	}
	msg, ok := cra.ErrorFields(err)[field]
	if !ok {
		t.Fatalf("error fields %v; want %s", cra.ErrorFields(err), field)
	}
	if phrase != "" && !strings.Contains(msg, phrase) {
		t.Fatalf("%s: %q; want it to say %q", field, msg, phrase)
	}
}

func TestCaseValidate(t *testing.T) {
	t.Parallel()
	c := newAEVCase()
	if err := c.Validate(reportNow); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.MemberStates, ","); got != "DE,EL,FR" {
		t.Errorf("member states %s", got)
	}
	if c.VulnKey != "CVE-2026-12345" || len(c.ReleaseIDs) != 2 {
		t.Errorf("not normalised: %s %v", c.VulnKey, c.ReleaseIDs)
	}
	future := reportNow.Add(time.Second)
	for _, tc := range []struct {
		name, field, phrase string
		edit                func(c *cra.Case)
	}{
		{"AwarenessInFuture", "awareness_at", "", func(c *cra.Case) { c.AwarenessAt = future }},
		{"AwarenessMissing", "awareness_at", "", func(c *cra.Case) { c.AwarenessAt = time.Time{} }},
		{"MemberStateOutsideEU", "member_states", "", func(c *cra.Case) { c.MemberStates = []string{"DE", "CH"} }},
		{"FixInFuture", "fix_available_at", "", func(c *cra.Case) { c.FixAvailableAt = &future }},
		{"FixOnIncident", "fix_available_at", "", func(c *cra.Case) { c.Kind = cra.CaseSI; c.FixAvailableAt = &reportAware }},
		{"NoTitle", "title", "", func(c *cra.Case) { c.Title = "  " }},
		{"TitleOverSRPLimit", "title", "", func(c *cra.Case) { c.Title = strings.Repeat("t", 256) }},
		{"UnknownKind", "kind", "", func(c *cra.Case) { c.Kind = "bug" }},
		{"NoProduct", "product_id", "", func(c *cra.Case) { c.ProductID = 0 }},
		{"ClosedWithoutReason", "closed_reason", "", func(c *cra.Case) { c.ClosedAt = &reportNow }},
		{"StageOverdueStored", "stage", "", func(c *cra.Case) {
			c.Stages = []cra.StageReport{{Stage: cra.StageEarlyWarning, Status: cra.StageOverdue}}
		}},
		{"IntermediateWithoutSeq", "stage", "", func(c *cra.Case) { c.Stages = []cra.StageReport{{Stage: cra.StageIntermediate}} }},
		{"SubmittedOutOfOrder", "stage", "early warning before", func(c *cra.Case) {
			at := reportAware.Add(time.Hour)
			c.Stages = []cra.StageReport{{Stage: cra.StageNotification, Status: cra.StageSubmitted, SubmittedAt: &at}}
			c.Stages[0].Revision = c.Stages[0].ComputeRevision(c.Kind)
		}},
		{"SubmittedContentChanged", "stage", "revision", func(c *cra.Case) {
			at := reportAware.Add(time.Hour)
			c.Stages = []cra.StageReport{{Stage: cra.StageEarlyWarning, Status: cra.StageSubmitted, SubmittedAt: &at, Fields: map[string]string{"2": "x"}}}
			c.Stages[0].Revision = c.Stages[0].ComputeRevision(c.Kind)
			c.Stages[0].Fields["2"] = "y"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newAEVCase()
			tc.edit(c)
			mustField(t, c.Validate(reportNow), tc.field, tc.phrase)
		})
	}
}

func TestCaseRetroactive(t *testing.T) {
	t.Parallel()
	c := newAEVCase()
	if c.Retroactive() {
		t.Error("aware after 11 September 2026 is not retroactive")
	}
	c.AwarenessAt = cra.ReportingObligationsApply.Add(-time.Second)
	if !c.Retroactive() {
		t.Error("aware before 11 September 2026 is retroactive (FAQ Q13)")
	}
}

// submitStage saves fields as the draft of stage and submits it at at.
func submitStage(t *testing.T, c *cra.Case, stage cra.Stage, seq int, fields map[string]string, at time.Time) *cra.StageReport {
	t.Helper()
	if _, err := c.SaveDraft(stage, seq, fields, "ada@example.com", at); err != nil {
		t.Fatalf("save %s: %v", stage, err)
	}
	if err := c.Submit(stage, seq, cra.Submission{SubmittedAt: at, By: "ada@example.com", SRPID: "SRP-1"}, reportNow); err != nil {
		t.Fatalf("submit %s: %v", stage, err)
	}
	return c.Report(stage, seq)
}

func notificationFields(ew map[string]string) map[string]string {
	n := cra.CarryForward(cra.CaseAEV, cra.StageEarlyWarning, cra.StageNotification, ew)
	n["v21"] = "An authentication bypass in the management API is exploited remotely."
	return n
}

func finalFields(prev map[string]string, fix time.Time) map[string]string {
	f := cra.CarryForward(cra.CaseAEV, cra.StageNotification, cra.StageFinalReport, prev)
	maps.Copy(f, map[string]string{"16": "Released 4.2.2.", "17": "Install 4.2.2.", "v22": fix.Format(time.RFC3339),
		"v23": "Widget 4.2.2", "v24": "High.", "v25": "Remote takeover."})
	return f
}

func TestCaseLifecycleAEV(t *testing.T) {
	t.Parallel()
	c := newAEVCase()
	if c.NextStage() != cra.StageEarlyWarning {
		t.Fatalf("next %s", c.NextStage())
	}
	if st := c.StateOf(cra.StageEarlyWarning, 0, reportAware.Add(time.Hour)); st != cra.StageDraft {
		t.Errorf("no report yet: %s; want draft", st)
	}
	if st := c.StateOf(cra.StageEarlyWarning, 0, reportAware.Add(24*time.Hour+time.Second)); st != cra.StageOverdue {
		t.Errorf("past 24h: %s; want overdue", st)
	}
	// The early warning: incomplete drafts save, but are not ready.
	if _, err := c.SaveDraft(cra.StageEarlyWarning, 0, map[string]string{"2": "Draft"}, "ada", reportAware); err != nil {
		t.Fatal(err)
	}
	mustField(t, c.MarkReady(cra.StageEarlyWarning, 0, "ada", reportAware), "v26", "Required")
	ew := completeEW()
	if _, err := c.SaveDraft(cra.StageEarlyWarning, 0, ew, "ada", reportAware); err != nil {
		t.Fatal(err)
	}
	if err := c.MarkReady(cra.StageEarlyWarning, 0, "ada", reportAware); err != nil {
		t.Fatal(err)
	}
	if st := c.StateOf(cra.StageEarlyWarning, 0, reportAware.Add(time.Hour)); st != cra.StageReady {
		t.Errorf("ready: %s", st)
	}
	// Editing a ready draft makes it a draft again.
	ew["3"] = "An auth bypass is exploited in the wild."
	if r, _ := c.SaveDraft(cra.StageEarlyWarning, 0, ew, "ada", reportAware); r.Status != cra.StageDraft {
		t.Errorf("changed ready report is %s; want draft", r.Status)
	}
	// Out of order: the notification before the early warning.
	if _, err := c.SaveDraft(cra.StageNotification, 0, notificationFields(ew), "ada", reportAware); err != nil {
		t.Fatal(err)
	}
	mustField(t, c.Submit(cra.StageNotification, 0, cra.Submission{SubmittedAt: reportAware.Add(time.Hour)}, reportNow), "stage", "early warning")
	// Submission times: not before awareness, not in the future.
	mustField(t, c.Submit(cra.StageEarlyWarning, 0, cra.Submission{SubmittedAt: reportAware.Add(-time.Minute)}, reportNow), "submitted_at", "aware")
	mustField(t, c.Submit(cra.StageEarlyWarning, 0, cra.Submission{SubmittedAt: reportNow.Add(time.Second)}, reportNow), "submitted_at", "future")
	mustField(t, c.Submit(cra.StageEarlyWarning, 0, cra.Submission{SubmittedAt: reportAware.Add(time.Hour), ReceiptSHA256: "abc"}, reportNow), "receipt_sha256", "")
	ewAt := reportAware.Add(5 * time.Hour)
	r := submitStage(t, c, cra.StageEarlyWarning, 0, ew, ewAt)
	if r.Revision != r.ComputeRevision(cra.CaseAEV) || len(r.Revision) != 64 || r.Status != cra.StageSubmitted {
		t.Errorf("revision %q status %s", r.Revision, r.Status)
	}
	if d := c.Deadlines(); d.Late(cra.StageEarlyWarning, ewAt) {
		t.Error("submitted after 5 hours is in time")
	}
	// A submitted stage can never be edited.
	_, err := c.SaveDraft(cra.StageEarlyWarning, 0, ew, "ada", reportNow)
	mustField(t, err, "stage", "can never be edited")
	// Intermediate reports follow the notification.
	_, err = c.SaveDraft(cra.StageIntermediate, 1, ew, "ada", reportNow)
	mustField(t, err, "stage", "submit the notification first")
	// The notification, not before the early warning's submission.
	n := notificationFields(ew)
	mustField(t, c.Submit(cra.StageNotification, 0, cra.Submission{SubmittedAt: ewAt.Add(-time.Second)}, reportNow), "submitted_at", "early warning")
	nAt := reportAware.Add(70 * time.Hour)
	submitStage(t, c, cra.StageNotification, 0, n, nAt)
	if c.NextStage() != cra.StageFinalReport {
		t.Errorf("next %s", c.NextStage())
	}
	_, err = c.SaveDraft(cra.StageNotification, 0, n, "ada", reportNow)
	mustField(t, err, "stage", "intermediate report")
	// Intermediate reports: numbered in turn, one open at a time.
	_, err = c.SaveDraft(cra.StageIntermediate, 2, n, "ada", reportNow)
	mustField(t, err, "stage", "number 1")
	inter := cra.CarryForward(cra.CaseAEV, cra.StageNotification, cra.StageIntermediate, n)
	inter["16"] = "Workaround published."
	if _, err := c.SaveDraft(cra.StageIntermediate, 1, inter, "ada", reportNow); err != nil {
		t.Fatal(err)
	}
	_, err = c.SaveDraft(cra.StageIntermediate, 2, inter, "ada", reportNow)
	mustField(t, err, "stage", "not submitted yet")
	c.Report(cra.StageIntermediate, 1).RequestedDueAt = &nAt
	if st := c.StateOf(cra.StageIntermediate, 1, nAt.Add(time.Second)); st != cra.StageOverdue {
		t.Errorf("intermediate past the CSIRT's date: %s", st)
	}
	interAt := reportAware.Add(100 * time.Hour)
	submitStage(t, c, cra.StageIntermediate, 1, inter, interAt)
	if c.NextIntermediateSeq() != 2 {
		t.Errorf("next intermediate %d", c.NextIntermediateSeq())
	}
	// The final report needs the fix time, and must agree with it.
	fix := reportAware.Add(6 * 24 * time.Hour)
	fr := finalFields(inter, fix)
	if _, err := c.SaveDraft(cra.StageFinalReport, 0, fr, "ada", reportNow); err != nil {
		t.Fatal(err)
	}
	mustField(t, c.Submit(cra.StageFinalReport, 0, cra.Submission{SubmittedAt: reportNow}, reportNow), "fix_available_at", "Art. 14(2)(c)")
	other := fix.Add(time.Hour)
	c.FixAvailableAt = &other
	mustField(t, c.Submit(cra.StageFinalReport, 0, cra.Submission{SubmittedAt: reportNow}, reportNow), "v22", "agree")
	c.FixAvailableAt = &fix
	mustField(t, c.Submit(cra.StageFinalReport, 0, cra.Submission{SubmittedAt: interAt.Add(-time.Second)}, reportNow), "submitted_at", "Intermediate report 1")
	if due := c.Deadlines().FinalReport.Due; due == nil || !due.Equal(fix.Add(14*24*time.Hour)) {
		t.Errorf("final due %v", due)
	}
	submitStage(t, c, cra.StageFinalReport, 0, fr, reportNow)
	if !c.Closed() || c.NextStage() != "" {
		t.Error("a submitted final report closes the case")
	}
	_, err = c.SaveDraft(cra.StageIntermediate, 2, inter, "ada", reportNow)
	mustField(t, err, "stage", "no change after it")
	if err := c.Validate(reportNow); err != nil {
		t.Errorf("the finished case is not valid: %v", err)
	}
	for _, s := range c.Stages {
		if s.Revision != s.ComputeRevision(c.Kind) {
			t.Errorf("%s %d: revision changed", s.Stage, s.Seq)
		}
	}
}

func TestCaseFinalBeforeNotification(t *testing.T) {
	t.Parallel()
	c := newAEVCase()
	fix := reportAware
	c.FixAvailableAt = &fix
	submitStage(t, c, cra.StageEarlyWarning, 0, completeEW(), reportAware.Add(time.Hour))
	if _, err := c.SaveDraft(cra.StageFinalReport, 0, finalFields(notificationFields(completeEW()), fix), "ada", reportNow); err != nil {
		t.Fatal(err)
	}
	mustField(t, c.Submit(cra.StageFinalReport, 0, cra.Submission{SubmittedAt: reportNow}, reportNow), "stage", "notification before the final report")
}

func TestCaseReportMustAgreeOnAwareness(t *testing.T) {
	t.Parallel()
	c := newAEVCase()
	ew := completeEW()
	ew["v26"] = "2026-09-14T10:15:00+02:00" // 08:15 UTC, an hour before the case's
	if _, err := c.SaveDraft(cra.StageEarlyWarning, 0, ew, "ada", reportNow); err != nil {
		t.Fatal(err)
	}
	mustField(t, c.MarkReady(cra.StageEarlyWarning, 0, "ada", reportNow), "v26", "agree")
	ew["v26"] = "2026-09-14T11:15:00+02:00"
	if _, err := c.SaveDraft(cra.StageEarlyWarning, 0, ew, "ada", reportNow); err != nil {
		t.Fatal(err)
	}
	if err := c.MarkReady(cra.StageEarlyWarning, 0, "ada", reportNow); err != nil {
		t.Errorf("the same instant in another zone: %v", err)
	}
}

func TestCaseDraftOverLimitNamesField(t *testing.T) {
	t.Parallel()
	c := newAEVCase()
	_, err := c.SaveDraft(cra.StageEarlyWarning, 0, map[string]string{"3": strings.Repeat("s", 4001), "v27": strings.Repeat("a", 101)}, "ada", reportNow)
	mustField(t, err, "3", "4000")
	mustField(t, err, "v27", "100")
	if len(c.Stages) != 0 {
		t.Error("a refused draft was stored")
	}
	_, err = c.SaveDraft("weekly", 0, nil, "ada", reportNow)
	mustField(t, err, "stage", "Unknown stage")
}

func TestCaseSetAwareness(t *testing.T) {
	t.Parallel()
	c := newAEVCase()
	earlier := reportAware.Add(-2 * time.Hour)
	mustField(t, c.SetAwareness(earlier, " ", "ada", reportNow), "awareness_reason", "deadlines")
	mustField(t, c.SetAwareness(reportNow.Add(time.Minute), "typo", "ada", reportNow), "awareness_at", "future")
	if err := c.SetAwareness(earlier, "The SOC ticket was opened earlier.", "ada", reportNow); err != nil {
		t.Fatal(err)
	}
	if !c.AwarenessAt.Equal(earlier) || len(c.AwarenessChanges) != 1 || !c.AwarenessChanges[0].From.Equal(reportAware) {
		t.Errorf("awareness %v, changes %+v", c.AwarenessAt, c.AwarenessChanges)
	}
	if due := c.Deadlines().EarlyWarning.Due; !due.Equal(earlier.Add(24 * time.Hour)) {
		t.Errorf("early warning due %v", due)
	}
	ew := completeEW()
	ew["v26"] = earlier.Format(time.RFC3339)
	submitStage(t, c, cra.StageEarlyWarning, 0, ew, earlier.Add(time.Hour))
	mustField(t, c.SetAwareness(earlier.Add(2*time.Hour), "later after all", "ada", reportNow), "awareness_at", "submitted")
}

func TestCaseCloseAndSI(t *testing.T) {
	t.Parallel()
	c := &cra.Case{Kind: cra.CaseSI, ProductID: 1, Title: "Update server compromised", AwarenessAt: reportAware}
	if err := c.Validate(reportNow); err != nil {
		t.Fatal(err)
	}
	ew := map[string]string{"1": "Incident", "2": c.Title, "3": "Malicious update served.", "4": "Acme GmbH", "5": "AT",
		"6": "Widget", "7": "4.2", "i31": "yes", "i37": "2026-09-14T09:15:00Z"}
	submitStage(t, c, cra.StageEarlyWarning, 0, ew, reportAware.Add(time.Hour))
	if c.Deadlines().FinalReport.Due != nil {
		t.Error("SI final is pending until the notification is submitted")
	}
	n := cra.CarryForward(cra.CaseSI, cra.StageEarlyWarning, cra.StageNotification, ew)
	maps.Copy(n, map[string]string{"i32": "x", "i37": "2026-09-14T09:15:00Z", "i38": "2026-09-13T22:00:00Z", "i39": "y"})
	nAt := time.Date(2026, 9, 16, 9, 0, 0, 0, time.UTC)
	submitStage(t, c, cra.StageNotification, 0, n, nAt)
	if due := c.Deadlines().FinalReport.Due; due == nil || !due.Equal(time.Date(2026, 10, 16, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("SI final due %v", due)
	}
	mustField(t, c.Close("", "ada", reportNow), "closed_reason", "before its final report")
	if err := c.Close("Merged into case 4.", "ada", reportNow); err != nil {
		t.Fatal(err)
	}
	mustField(t, c.Close("again", "ada", reportNow), "closed_reason", "already")
	_, err := c.SaveDraft(cra.StageFinalReport, 0, n, "ada", reportNow)
	mustField(t, err, "stage", "closed")
	if err := c.Validate(reportNow); err != nil {
		t.Errorf("closed case: %v", err)
	}
}

// TestComputeRevisionCanonical pins the canonical form so that anyone can
// recompute a revision from stored fields.
func TestComputeRevisionCanonical(t *testing.T) {
	t.Parallel()
	s := cra.StageReport{Stage: cra.StageEarlyWarning, ModelVersion: "1.3", Fields: map[string]string{"2": "A <b> & c", "1": "Vulnerability"}}
	doc := `{"fields":{"1":"Vulnerability","2":"A <b> & c"},"kind":"aev","model":"1.3","seq":0,"stage":"early_warning"}`
	sum := sha256.Sum256([]byte(doc))
	if got := s.ComputeRevision(cra.CaseAEV); got != hex.EncodeToString(sum[:]) {
		t.Errorf("revision %s; want SHA-256 of %s", got, doc)
	}
	before := s.ComputeRevision(cra.CaseAEV)
	s.Fields["2"] += "."
	if s.ComputeRevision(cra.CaseAEV) == before {
		t.Error("a changed field keeps the revision")
	}
	if (&cra.StageReport{}).ComputeRevision(cra.CaseSI) == "" {
		t.Error("an empty report has a revision too")
	}
}

func TestReview(t *testing.T) {
	t.Parallel()
	kev := cra.Date{Time: time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)}
	exploited := time.Date(2026, 9, 18, 0, 0, 0, 0, time.UTC)
	f := &cra.Finding{ID: 9, ProductID: 7, ReleaseID: 3, VulnID: 5, VulnKey: "CVE-2026-12345", KEVAdded: &kev, ExploitedSince: &exploited}
	r, ok := cra.ReviewFromFinding(f, reportNow)
	if !ok || r.Signal != cra.SignalKEV || !r.SignalAt.Equal(kev.Time) || r.FindingID != 9 || !r.Open() {
		t.Fatalf("review %+v", r)
	}
	f.KEVAdded = nil
	if r, _ := cra.ReviewFromFinding(f, reportNow); r.Signal != cra.SignalEUVDExploited || !r.SignalAt.Equal(exploited) {
		t.Errorf("EUVD review %+v", r)
	}
	f.ExploitedSince = nil
	if _, ok := cra.ReviewFromFinding(f, reportNow); ok {
		t.Error("no signal, no review")
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	mustField(t, r.Decide(cra.ReviewNotReportable, " ", "ada", reportNow), "decision_reason", "")
	if !r.Open() {
		t.Error("a refused decision was kept")
	}
	mustField(t, r.Decide("maybe", "", "ada", reportNow), "decision", "")
	if err := r.Decide(cra.ReviewNotReportable, "The vulnerable code is not in the execute path.", "ada", reportNow); err != nil {
		t.Fatal(err)
	}
	mustField(t, r.Decide(cra.ReviewOpenCase, "", "ada", reportNow), "decision", "already")
	mustField(t, (&cra.Review{ProductID: 1, Signal: "rumour"}).Validate(), "signal", "")
}

func TestPrefillFields(t *testing.T) {
	t.Parallel()
	org := &cra.Organisation{LegalName: "Acme GmbH", MemberState: "DE"}
	p := &cra.Product{ID: 7, Name: "Widget Vault", MemberStates: []string{"de", "at"},
		Classification: &cra.Classification{Category: "I-3"}}
	ended := &cra.Release{Version: "3.9", SupportEnd: cra.YearMonth{Year: 2026, Month: 8}}
	running := &cra.Release{Version: "4.2", SupportEnd: cra.YearMonth{Year: 2031, Month: 12}}
	v := &cra.Vulnerability{Key: "CVE-2026-12345", Aliases: []string{"CVE-2026-12345", "EUVD-2026-4242", "GHSA-abcd-efgh-ijkl"},
		Advisories: []cra.Advisory{{Source: cra.SourceNVD, Severity: []cra.Severity{
			{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Rating: "CRITICAL", Source: "nvd@nist.gov"}}}}}
	f := &cra.Finding{Component: "libauth", Version: "1.2.0", Fix: "1.2.1", Aliases: v.Aliases}
	fix := time.Date(2026, 9, 20, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	got := cra.PrefillFields(cra.PrefillInput{Kind: cra.CaseAEV, Title: "Exploited flaw", Organisation: org, Product: p,
		Releases: []*cra.Release{running}, Vuln: v, Finding: f, FixRelease: "4.2.1",
		AwarenessAt: reportAware, FixAvailableAt: &fix, Now: reportNow})
	want := map[string]string{
		"1": "Vulnerability", "2": "Exploited flaw", "4": "Acme GmbH", "5": "AT,DE", "6": "Widget Vault", "7": "4.2",
		"8": "Important", "9": "Class I", "10": "Password managers", "11": "No", "12": "libauth 1.2.0",
		"v19": "CVE-2026-12345", "v20": "EUVD-2026-4242", "v22": "2026-09-20T10:00:00Z",
		"v23": "Security update: Widget Vault 4.2.1 (updates libauth to 1.2.1).", "v26": "2026-09-14T09:15:00Z",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("field %s = %q; want %q", id, got[id], w)
		}
	}
	if s := got["v24"]; !strings.Contains(s, "CVSS v3 base score 9.8 (CRITICAL)") || !strings.Contains(s, "AV:N") || !strings.Contains(s, "nvd@nist.gov") {
		t.Errorf("v24 = %q", s)
	}
	for _, id := range []string{"3", "13", "14", "15", "16", "17", "v21", "v25", "v27"} {
		if _, ok := got[id]; ok {
			t.Errorf("field %s filled with %q; cyra does not know it", id, got[id])
		}
	}
	for _, stage := range []cra.Stage{cra.StageEarlyWarning, cra.StageNotification} {
		if probs := cra.CurrentFieldModel().CheckFormats(cra.CaseAEV, stage, got); len(probs) != 0 {
			t.Errorf("%s: prefilled values have problems: %+v", stage, probs)
		}
	}

	// End of support: every release ended, mixed, or unknown.
	for _, tc := range []struct {
		rels []*cra.Release
		want string
	}{
		{[]*cra.Release{ended}, "Yes"},
		{[]*cra.Release{ended, running}, ""},
		{[]*cra.Release{running, {Version: "5.0"}}, ""},
		{nil, ""},
	} {
		got := cra.PrefillFields(cra.PrefillInput{Kind: cra.CaseAEV, Releases: tc.rels, Now: reportNow})
		if got["11"] != tc.want {
			t.Errorf("end of support of %d releases = %q; want %q", len(tc.rels), got["11"], tc.want)
		}
	}

	// Long text is cut to the SRP limit, counting as the SRP does.
	for _, title := range []string{strings.Repeat("é", 300), strings.Repeat("\U0001F600", 200), strings.Repeat("word ", 80)} {
		s := cra.PrefillFields(cra.PrefillInput{Kind: cra.CaseAEV, Title: title})["2"]
		if !strings.HasSuffix(s, "…") || len(cra.CheckStage(cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": s})) != 7 {
			t.Errorf("title cut to %q: %+v", s, cra.CheckStage(cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": s}))
		}
	}

	// Many versions stay within the SRP limit.
	var many []*cra.Release
	for i := range 60 {
		many = append(many, &cra.Release{Version: "10.0." + string(rune('a'+i%26)) + strings.Repeat("x", 3)})
	}
	if s := cra.PrefillFields(cra.PrefillInput{Kind: cra.CaseAEV, Releases: many})["7"]; len(s) > 255 || !strings.Contains(s, " more") {
		t.Errorf("versions = %q (%d)", s, len(s))
	}

	// An incident: no vulnerability fields; awareness in i37; a default
	// product has no class or category.
	p.Classification = &cra.Classification{Category: "default"}
	si := cra.PrefillFields(cra.PrefillInput{Kind: cra.CaseSI, Organisation: org, Product: p, Vuln: v, Finding: f, FixRelease: "4.2.1", AwarenessAt: reportAware})
	if si["1"] != "Incident" || si["i37"] != "2026-09-14T09:15:00Z" || si["8"] != "Default" || si["9"] != "" || si["10"] != "" {
		t.Errorf("SI prefill %v", si)
	}
	for id := range si {
		if strings.HasPrefix(id, "v") {
			t.Errorf("SI prefill has %s", id)
		}
	}
	if probs := cra.CurrentFieldModel().CheckFormats(cra.CaseSI, cra.StageEarlyWarning, si); len(probs) != 0 {
		t.Errorf("SI prefill problems %+v", probs)
	}
}
