package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/service"
)

// notes records the reminders a notifier was given.
type notes struct {
	mu   sync.Mutex
	sent []cra.Reminder
}

func (n *notes) Notify(ctx context.Context, r cra.Reminder) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, r)
	return nil
}

func (n *notes) kinds() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, r := range n.sent {
		out = append(out, r.Kind)
	}
	return out
}

// TestKEVSignalToFiledFinalReport follows an exploitation signal to a
// filed final report: a KEV entry for a vulnerability in a shipped
// release opens a review at once, the review opens a case, and its three
// stages are filled, submitted and frozen.
func TestKEVSignalToFiledFinalReport(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		rec := &notes{}
		svc := service.New(e.db, service.Options{Now: e.clock.Now, Notifier: rec})
		ctx := e.adminCtx
		svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{npmAdv("GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", "lodash", "0", "4.17.21")})
		p, err := svc.Products.CreateProduct(ctx, cra.Product{Name: "Gateway", MemberStates: []string{"DE", "FR"}})
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := svc.Products.CreateRelease(ctx, p.ID, onMarket("1.0"))
		if _, err := svc.SBOMs.ImportSBOM(ctx, rel.ID, "bom.json", cdx("lodash@4.17.20"), ""); err != nil {
			t.Fatal(err)
		}
		if rs, _ := svc.Cases.Reviews(ctx, cra.ReviewFilter{OpenOnly: true}); len(rs) != 0 {
			t.Fatalf("a review without a signal: %+v", rs)
		}

		// The KEV import that lists the CVE opens a review, once.
		e.clock.Advance(time.Hour)
		kev := cra.KEVCatalog{Version: "1", Entries: []cra.KEVEntry{{CVE: "CVE-2021-23337", DateAdded: day("2026-11-25")}}}
		if _, err := svc.Vulns.ImportKEV(ctx, "kev.json", kev); err != nil {
			t.Fatal(err)
		}
		rs, err := svc.Cases.Reviews(ctx, cra.ReviewFilter{OpenOnly: true})
		if err != nil || len(rs) != 1 {
			t.Fatalf("reviews after KEV: %+v %v", rs, err)
		}
		rv := rs[0]
		if rv.Signal != cra.SignalKEV || !rv.SignalAt.Equal(day("2026-11-25").Time) || !rv.OpenedAt.Equal(e.clock.Now()) ||
			rv.VulnKey != "CVE-2021-23337" || rv.ReleaseID != rel.ID {
			t.Fatalf("review: %+v", rv)
		}
		if k := rec.kinds(); len(k) != 1 || k[0] != "review_opened" {
			t.Fatalf("officers not told: %v", k)
		}
		kev.Version, kev.Entries[0].Notes = "2", "changed"
		svc.Vulns.ImportKEV(ctx, "kev.json", kev)
		if rs, _ := svc.Cases.Reviews(ctx, cra.ReviewFilter{}); len(rs) != 1 {
			t.Fatalf("a second review for the same signal: %+v", rs)
		}

		// Deciding: a reason is needed to not report; an auditor cannot decide.
		if _, _, err := svc.Cases.DecideReview(ctx, rv.ID, cra.ReviewNotReportable, ""); code(err) != cra.EINVALID || cra.ErrorFields(err)["decision_reason"] == "" {
			t.Fatalf("not reportable without reason: %v", err)
		}
		auditor := e.mustUser(t, "auditor@example.com", cra.RoleAuditor)
		actx := cra.WithActor(context.Background(), &cra.Actor{Kind: cra.ActorSession, UserID: auditor.ID, Email: auditor.Email, Role: cra.RoleAuditor})
		if _, _, err := svc.Cases.DecideReview(actx, rv.ID, cra.ReviewOpenCase, ""); code(err) != cra.EFORBIDDEN {
			t.Fatalf("auditor decides: %v", err)
		}
		e.clock.Advance(time.Hour)
		decided, view, err := svc.Cases.DecideReview(ctx, rv.ID, cra.ReviewOpenCase, "")
		if err != nil {
			t.Fatal(err)
		}
		c := view.Case
		if decided.CaseID != c.ID || c.Kind != cra.CaseAEV || !c.AwarenessAt.Equal(e.clock.Now()) || c.VulnKey != "CVE-2021-23337" ||
			strings.Join(c.MemberStates, ",") != "DE,FR" || c.ReviewID != rv.ID {
			t.Fatalf("case: %+v review %+v", c, decided)
		}
		ew := c.Report(cra.StageEarlyWarning, 0)
		if ew == nil || ew.Fields["6"] != "Gateway" || ew.Fields["v19"] != "CVE-2021-23337" || ew.Fields["v26"] == "" {
			t.Fatalf("early warning pre-fill: %+v", ew)
		}
		if due := view.Deadlines.EarlyWarning.Due; due == nil || !due.Equal(c.AwarenessAt.Add(24*time.Hour)) {
			t.Fatalf("early warning due %v", due)
		}
		if len(view.Problems["early_warning"]) == 0 {
			t.Fatal("an incomplete early warning shows no missing field")
		}
		// Correcting the awareness time needs a reason, and the draft follows.
		earlier := c.AwarenessAt.Add(-30 * time.Minute)
		if _, err := svc.Cases.SetAwareness(ctx, c.ID, earlier, ""); code(err) != cra.EINVALID {
			t.Fatalf("awareness changed without a reason: %v", err)
		}
		if view, err = svc.Cases.SetAwareness(ctx, c.ID, earlier, "the logs show exploitation half an hour earlier"); err != nil {
			t.Fatal(err)
		}
		if got := view.Case.Report(cra.StageEarlyWarning, 0).Fields["v26"]; got != earlier.Format(time.RFC3339) || !view.Case.AwarenessAt.Equal(earlier) {
			t.Fatalf("awareness %v, draft v26 %q", view.Case.AwarenessAt, got)
		}

		// Early warning: complete, ready, submitted with its receipt, frozen.
		if _, err := svc.Cases.SaveStage(ctx, c.ID, cra.StageEarlyWarning, 0, map[string]string{"3": strings.Repeat("x", 4001)}); code(err) != cra.EINVALID || cra.ErrorFields(err)["3"] == "" {
			t.Fatalf("over the SRP limit: %v", err)
		}
		if _, err := svc.Cases.SaveStage(ctx, c.ID, cra.StageEarlyWarning, 0, map[string]string{"3": "lodash template() injection exploited in the wild"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Cases.MarkReady(ctx, c.ID, cra.StageEarlyWarning, 0); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		if _, err := svc.Cases.SubmitStage(actx, c.ID, cra.StageEarlyWarning, 0, cra.SubmissionInput{SubmittedAt: e.clock.Now()}); code(err) != cra.EFORBIDDEN {
			t.Fatalf("auditor submits: %v", err)
		}
		view, err = svc.Cases.SubmitStage(ctx, c.ID, cra.StageEarlyWarning, 0, cra.SubmissionInput{SubmittedAt: e.clock.Now(), SRPID: "SRP-2026-0042",
			ReceiptName: "receipt.pdf", ReceiptType: "application/pdf", Receipt: []byte("%PDF-1.7 receipt")})
		if err != nil {
			t.Fatal(err)
		}
		if view.States["early_warning"] != cra.StageSubmitted || len(view.Revisions) != 1 || view.Revisions[0].Revision != view.Case.Report(cra.StageEarlyWarning, 0).Revision {
			t.Fatalf("after submission: %+v %+v", view.States, view.Revisions)
		}
		r, data, err := svc.Cases.Receipt(ctx, view.Case.Report(cra.StageEarlyWarning, 0).ReceiptSHA256)
		if err != nil || string(data) != "%PDF-1.7 receipt" || r.Name != "receipt.pdf" {
			t.Fatalf("receipt: %+v %q %v", r, data, err)
		}
		if _, err := svc.Cases.SaveStage(ctx, c.ID, cra.StageEarlyWarning, 0, map[string]string{"3": "changed"}); code(err) != cra.EINVALID {
			t.Fatalf("a submitted stage was edited: %v", err)
		}

		// Notification, carried forward from the early warning.
		start, err := svc.Cases.StartStage(ctx, c.ID, cra.StageNotification, 0)
		if err != nil || start["3"] != "lodash template() injection exploited in the wild" {
			t.Fatalf("notification start: %v %v", start, err)
		}
		if _, err := svc.Cases.SaveStage(ctx, c.ID, cra.StageNotification, 0, map[string]string{"v21": "Template injection through lodash.template, exploited remotely."}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		if _, err := svc.Cases.SubmitStage(ctx, c.ID, cra.StageNotification, 0, cra.SubmissionInput{SubmittedAt: e.clock.Now(), SRPID: "SRP-2026-0042"}); err != nil {
			t.Fatal(err)
		}

		// Final report: refused without the fix time, then filed.
		final := map[string]string{"16": "Released Gateway 1.1 with lodash 4.17.21.", "17": "Upgrade to Gateway 1.1.",
			"v23": "Gateway 1.1", "v24": "Critical (CVSS 9.8).", "v25": "Remote code execution."}
		if _, err := svc.Cases.SaveStage(ctx, c.ID, cra.StageFinalReport, 0, final); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		if _, err := svc.Cases.SubmitStage(ctx, c.ID, cra.StageFinalReport, 0, cra.SubmissionInput{SubmittedAt: e.clock.Now()}); code(err) != cra.EINVALID {
			t.Fatalf("AEV final report without a fix time: %v", err)
		}
		fix := e.clock.Now().Add(-30 * time.Minute)
		if view, err = svc.Cases.SetFixAvailable(ctx, c.ID, fix); err != nil {
			t.Fatal(err)
		}
		if due := view.Deadlines.FinalReport.Due; due == nil || !due.Equal(fix.Add(14*24*time.Hour)) {
			t.Fatalf("final report due %v", due)
		}
		if _, err := svc.Cases.SaveStage(ctx, c.ID, cra.StageFinalReport, 0, map[string]string{"v22": fix.Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
		view, err = svc.Cases.SubmitStage(ctx, c.ID, cra.StageFinalReport, 0, cra.SubmissionInput{SubmittedAt: e.clock.Now(), SRPID: "SRP-2026-0042"})
		if err != nil {
			t.Fatal(err)
		}
		if !view.Case.Closed() || len(view.Revisions) != 3 {
			t.Fatalf("filed case: closed %v, %d revisions", view.Case.Closed(), len(view.Revisions))
		}
		if open, _ := svc.Cases.Cases(ctx, cra.CaseFilter{OpenOnly: true}); len(open) != 0 {
			t.Fatalf("a filed case is still open: %d", len(open))
		}

		// A case opened by hand refuses an awareness time in the future.
		_, err = svc.Cases.OpenCase(ctx, cra.NewCase{Kind: cra.CaseSI, ProductID: p.ID, Title: "Build server breach", AwarenessAt: e.clock.Now().Add(time.Hour)})
		if code(err) != cra.EINVALID || cra.ErrorFields(err)["awareness_at"] == "" {
			t.Fatalf("awareness in the future: %v", err)
		}
	})
}

// TestReviewFollowsIdentityMerge checks that a review follows its
// vulnerability when a later record shows two identities are one, so the
// release does not get a second review for the same vulnerability.
func TestReviewFollowsIdentityMerge(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		first := npmAdv("GHSA-aaaa-bbbb-cccc", "", "lodash", "0", "4.17.21")
		second := npmAdv("GO-2026-0001", "CVE-2026-1111", "lodash", "0", "4.17.21")
		e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{first, second})
		p, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Gateway"})
		rel, _ := e.svc.Products.CreateRelease(ctx, p.ID, onMarket("1.0"))
		e.svc.SBOMs.ImportSBOM(ctx, rel.ID, "bom.json", cdx("lodash@4.17.20"), "")
		e.svc.Vulns.ImportKEV(ctx, "kev.json", cra.KEVCatalog{Version: "1", Entries: []cra.KEVEntry{{CVE: "CVE-2026-1111", DateAdded: day("2026-11-25")}}})
		rs, _ := e.svc.Cases.Reviews(ctx, cra.ReviewFilter{})
		if len(rs) != 1 {
			t.Fatalf("reviews: %+v", rs)
		}
		// A record naming both ids merges the identities.
		link := npmAdv("GHSA-aaaa-bbbb-cccc", "CVE-2026-1111", "lodash", "0", "4.17.21")
		if st, err := e.svc.Vulns.ImportAdvisories(ctx, "test", []cra.Advisory{link}); err != nil || st.Merged != 1 {
			t.Fatalf("merge: %+v %v", st, err)
		}
		v, err := e.svc.Vulns.Vulnerability(ctx, "CVE-2026-1111")
		if err != nil {
			t.Fatal(err)
		}
		e.svc.Vulns.ImportKEV(ctx, "kev.json", cra.KEVCatalog{Version: "2", Entries: []cra.KEVEntry{{CVE: "CVE-2026-1111", DateAdded: day("2026-11-25"), Notes: "x"}}})
		rs, _ = e.svc.Cases.Reviews(ctx, cra.ReviewFilter{})
		if len(rs) != 1 || rs[0].VulnID != v.ID {
			t.Fatalf("after the merge: %+v (identity %d)", rs, v.ID)
		}
	})
}

// TestIntermediateReportDue checks the date a CSIRT asks an intermediate
// report by: it needs a saved report, is not before awareness, and makes
// the report overdue once passed.
func TestIntermediateReportDue(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		p, _ := e.svc.Products.CreateProduct(ctx, cra.Product{Name: "Gateway", MemberStates: []string{"DE"}})
		aware := e.clock.Now().Add(-3 * time.Hour)
		v, err := e.svc.Cases.OpenCase(ctx, cra.NewCase{Kind: cra.CaseSI, ProductID: p.ID, Title: "Build server breach", AwarenessAt: aware})
		if err != nil {
			t.Fatal(err)
		}
		id := v.Case.ID
		must := func(_ *cra.CaseView, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%v %v", err, cra.ErrorFields(err))
			}
		}
		must(e.svc.Cases.SaveStage(ctx, id, cra.StageEarlyWarning, 0, map[string]string{"3": "Our build server was breached.", "7": "1.0", "i31": "Yes"}))
		must(e.svc.Cases.SubmitStage(ctx, id, cra.StageEarlyWarning, 0, cra.SubmissionInput{SubmittedAt: aware.Add(time.Hour), SRPID: "SRP-9"}))
		if _, err := e.svc.Cases.SetRequestedDue(ctx, id, 1, e.clock.Now().Add(time.Hour)); code(err) != cra.EINVALID || cra.ErrorFields(err)["requested_due_at"] == "" {
			t.Fatalf("due date of a report not saved: %v", err)
		}
		must(e.svc.Cases.SaveStage(ctx, id, cra.StageNotification, 0, map[string]string{"i32": "Credentials stolen.", "i38": aware.Format(time.RFC3339), "i39": "Contained."}))
		must(e.svc.Cases.SubmitStage(ctx, id, cra.StageNotification, 0, cra.SubmissionInput{SubmittedAt: aware.Add(2 * time.Hour), SRPID: "SRP-9"}))
		must(e.svc.Cases.SaveStage(ctx, id, cra.StageIntermediate, 1, map[string]string{"i33": "Rotating keys."}))
		if _, err := e.svc.Cases.SetRequestedDue(ctx, id, 1, aware.Add(-time.Hour)); code(err) != cra.EINVALID {
			t.Fatalf("due before awareness: %v", err)
		}
		due := e.clock.Now().Add(time.Hour)
		v, err = e.svc.Cases.SetRequestedDue(ctx, id, 1, due)
		if err != nil || v.States["intermediate-1"] != cra.StageDraft || !v.Case.Report(cra.StageIntermediate, 1).RequestedDueAt.Equal(due) {
			t.Fatalf("due set: %+v %v", v, err)
		}
		e.clock.Advance(2 * time.Hour)
		if v, _ = e.svc.Cases.Case(ctx, id); v.States["intermediate-1"] != cra.StageOverdue {
			t.Fatalf("past the CSIRT's date: %s", v.States["intermediate-1"])
		}
	})
}
