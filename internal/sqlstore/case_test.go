package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// clock is the store's clock in the case tests: defaults are t0.
func clock() time.Time { return t0 }

// mustCase creates an AEV case of the product with a draft early warning.
func mustCase(t *testing.T, db *sqlstore.DB, productID int64, releaseIDs ...int64) *cra.Case {
	t.Helper()
	fix := t0.Add(48 * time.Hour)
	c := &cra.Case{Kind: cra.CaseAEV, ProductID: productID, ReleaseIDs: releaseIDs, Title: "Exploited RCE in the gateway",
		AwarenessAt: t0, MemberStates: []string{"DE", "FR"}, FixAvailableAt: &fix, VulnID: 7, VulnKey: "CVE-2026-0001",
		Stages: []cra.StageReport{{Stage: cra.StageEarlyWarning, ModelVersion: "1.3", Fields: map[string]string{"1": "AEV", "2": "Exploited RCE"},
			Status: cra.StageDraft, UpdatedBy: "officer@acme.example", UpdatedAt: t0}},
		CreatedBy: "officer@acme.example", CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateCase(context.Background(), c, rec("case.open", "case", "")); err != nil {
		t.Fatal(err)
	}
	return c
}

// submit marks the case's report of stage submitted at at (adding it when
// missing) and returns the revision that freezes it.
func submit(c *cra.Case, stage cra.Stage, seq int, at time.Time) cra.StageRevision {
	r := c.Report(stage, seq)
	if r == nil {
		c.Stages = append(c.Stages, cra.StageReport{Stage: stage, Seq: seq, ModelVersion: "1.3", Fields: map[string]string{"2": "Exploited RCE"}})
		r = &c.Stages[len(c.Stages)-1]
	}
	r.SubmittedAt, r.SubmittedBy, r.SRPID, r.Status = &at, "officer@acme.example", "SRP-42", cra.StageSubmitted
	r.Revision = r.ComputeRevision(c.Kind)
	return cra.StageRevision{CaseID: c.ID, Stage: stage, Seq: seq, Revision: r.Revision, Content: r.CanonicalContent(c.Kind),
		SubmittedAt: at, SubmittedBy: r.SubmittedBy, SRPID: r.SRPID, RecordedAt: at}
}

// updateCase runs UpdateCase with an audit record and the revisions fn
// makes.
func updateCase(db *sqlstore.DB, id int64, fn func(c *cra.Case) ([]cra.StageRevision, error)) (*cra.Case, error) {
	return db.UpdateCase(context.Background(), id, func(c *cra.Case) (cra.AuditRecord, []cra.StageRevision, error) {
		revs, err := fn(c)
		return rec("case.update", "case", fmt.Sprint(id)), revs, err
	})
}

func TestCases(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		p, other := mustProduct(t, db, "Gateway"), mustProduct(t, db, "Sensor")
		r1, r2 := mustRelease(t, db, p.ID, "1.0"), mustRelease(t, db, p.ID, "2.0")
		c := mustCase(t, db, p.ID, r1.ID, r2.ID)
		if c.ID == 0 {
			t.Fatal("case id not set")
		}
		got, err := db.FindCase(ctx, c.ID)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("round trip:\n got %+v %v\nwant %+v", got, err, c)
		}
		entries, err := db.FindAuditEntries(ctx, cra.AuditFilter{ObjectType: "case"})
		if err != nil || len(entries) != 1 || entries[0].ObjectID != fmt.Sprint(c.ID) {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		if _, err := db.FindCase(ctx, c.ID+100); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown case: %v", err)
		}
		if err := db.CreateCase(ctx, &cra.Case{Kind: cra.CaseSI, ProductID: 999, Title: "x", AwarenessAt: t0}, rec("case.open", "case", "")); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown product: %v", err)
		}

		// Every field survives an update, awareness changes and an
		// intermediate report's requested date included.
		due := t0.Add(10 * 24 * time.Hour)
		got, err = updateCase(db, c.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
			c.AwarenessChanges = []cra.AwarenessChange{{From: t0.Add(time.Hour), To: t0, Reason: "log review", By: "o@acme.example", At: t0.Add(2 * time.Hour)}}
			c.Stages = append(c.Stages, cra.StageReport{Stage: cra.StageIntermediate, Seq: 1, Fields: map[string]string{}, RequestedDueAt: &due})
			c.Title, c.UpdatedAt = "Renamed", t0.Add(2*time.Hour)
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if again, err := db.FindCase(ctx, c.ID); err != nil || !reflect.DeepEqual(again, got) || again.Title != "Renamed" {
			t.Fatalf("after update:\n got %+v %v\nwant %+v", again, err, got)
		}

		// A zero record and an error from fn write nothing.
		for _, fn := range []func(*cra.Case) (cra.AuditRecord, []cra.StageRevision, error){
			func(c *cra.Case) (cra.AuditRecord, []cra.StageRevision, error) {
				c.Title = "Ignored"
				return cra.AuditRecord{}, nil, nil
			},
			func(c *cra.Case) (cra.AuditRecord, []cra.StageRevision, error) {
				c.Title = "Ignored"
				return rec("case.update", "case", "1"), nil, cra.Errorf(cra.EINVALID, "no")
			},
		} {
			db.UpdateCase(ctx, c.ID, fn)
		}
		if again, _ := db.FindCase(ctx, c.ID); again.Title != "Renamed" {
			t.Fatalf("title %q", again.Title)
		}

		closed := mustCase(t, db, p.ID)
		if _, err := updateCase(db, closed.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
			return nil, c.Close("not exploited after all", "o@acme.example", t0.Add(time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		final := mustCase(t, db, p.ID)
		if _, err := updateCase(db, final.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
			return []cra.StageRevision{submit(c, cra.StageEarlyWarning, 0, t0.Add(time.Hour)), submit(c, cra.StageNotification, 0, t0.Add(2*time.Hour)),
				submit(c, cra.StageFinalReport, 0, t0.Add(3*time.Hour))}, nil
		}); err != nil {
			t.Fatal(err)
		}
		elsewhere := mustCase(t, db, other.ID)
		ids := func(f cra.CaseFilter) []int64 {
			t.Helper()
			cs, err := db.FindCases(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		for _, tc := range []struct {
			f    cra.CaseFilter
			want []int64
		}{
			{cra.CaseFilter{}, []int64{elsewhere.ID, final.ID, closed.ID, c.ID}},
			{cra.CaseFilter{ProductID: p.ID}, []int64{final.ID, closed.ID, c.ID}},
			{cra.CaseFilter{OpenOnly: true}, []int64{elsewhere.ID, c.ID}},
			{cra.CaseFilter{ProductID: p.ID, OpenOnly: true}, []int64{c.ID}},
		} {
			if got := ids(tc.f); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
			}
		}
		if n, err := verifyChain(t, db); err != nil || n == 0 {
			t.Fatalf("audit chain: %d %v", n, err)
		}
	})
}

func TestSubmittedStagesAreFrozen(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		p := mustProduct(t, db, "Gateway")
		c := mustCase(t, db, p.ID)
		submitted := t0.Add(time.Hour)
		var ew cra.StageRevision
		if _, err := updateCase(db, c.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
			ew = submit(c, cra.StageEarlyWarning, 0, submitted)
			ew.CaseID, ew.SubmittedBy, ew.RecordedAt = 0, "", time.Time{} // the store fills them in
			return []cra.StageRevision{ew}, nil
		}); err != nil {
			t.Fatal(err)
		}
		revs, err := db.StageRevisions(ctx, c.ID)
		sum := sha256.Sum256(revs[0].Content)
		if err != nil || len(revs) != 1 || revs[0].CaseID != c.ID || revs[0].Stage != cra.StageEarlyWarning || revs[0].Revision != ew.Revision ||
			hex.EncodeToString(sum[:]) != ew.Revision || !revs[0].SubmittedAt.Equal(submitted) || revs[0].SubmittedBy != "officer@acme.example" ||
			revs[0].SRPID != "SRP-42" || !revs[0].RecordedAt.Equal(t0) {
			t.Fatalf("revisions %+v %v", revs, err)
		}
		if _, err := db.StageRevisions(ctx, c.ID+100); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("revisions of an unknown case: %v", err)
		}
		before, _ := db.FindCase(ctx, c.ID)
		entries, _ := verifyChain(t, db)

		// A draft of the next stage can change while the early warning
		// stays as it was submitted.
		if _, err := updateCase(db, c.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
			c.Stages = append(c.Stages, cra.StageReport{Stage: cra.StageNotification, ModelVersion: "1.3", Fields: map[string]string{"2": "Draft"}, Status: cra.StageDraft})
			r := c.Report(cra.StageEarlyWarning, 0)
			r.UpdatedAt = t0.Add(5 * time.Hour)
			return nil, nil
		}); err != nil {
			t.Fatalf("changing a draft: %v", err)
		}
		before, _ = db.FindCase(ctx, c.ID)
		entries++

		refused := map[string]func(c *cra.Case) ([]cra.StageRevision, error){
			"fields": func(c *cra.Case) ([]cra.StageRevision, error) {
				c.Report(cra.StageEarlyWarning, 0).Fields["2"] = "Rewritten"
				return nil, nil
			},
			"fields and revision": func(c *cra.Case) ([]cra.StageRevision, error) {
				r := c.Report(cra.StageEarlyWarning, 0)
				r.Fields = map[string]string{"2": "Rewritten"}
				r.Revision = r.ComputeRevision(c.Kind)
				return nil, nil
			},
			"kind": func(c *cra.Case) ([]cra.StageRevision, error) {
				c.Kind = cra.CaseSI
				return nil, nil
			},
			"srp id": func(c *cra.Case) ([]cra.StageRevision, error) {
				c.Report(cra.StageEarlyWarning, 0).SRPID = "SRP-43"
				return nil, nil
			},
			"submission time": func(c *cra.Case) ([]cra.StageRevision, error) {
				at := submitted.Add(time.Minute)
				c.Report(cra.StageEarlyWarning, 0).SubmittedAt = &at
				return nil, nil
			},
			"unsubmitted": func(c *cra.Case) ([]cra.StageRevision, error) {
				r := c.Report(cra.StageEarlyWarning, 0)
				r.SubmittedAt, r.Status = nil, cra.StageDraft
				return nil, nil
			},
			"removed": func(c *cra.Case) ([]cra.StageRevision, error) {
				c.Stages = c.Stages[1:]
				return nil, nil
			},
			"revision again": func(c *cra.Case) ([]cra.StageRevision, error) {
				return []cra.StageRevision{submit(c, cra.StageEarlyWarning, 0, submitted)}, nil
			},
		}
		for name, fn := range refused {
			_, err := updateCase(db, c.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
				revs, err := fn(c)
				c.Title = "Changed with " + name
				return revs, err
			})
			if cra.ErrorCode(err) != cra.ECONFLICT || !strings.Contains(cra.ErrorMessage(err), "A submitted stage cannot change") {
				t.Errorf("%s: %v", name, err)
			}
		}
		// Revisions that do not match their stage are bugs of the caller.
		internal := map[string]func(c *cra.Case) ([]cra.StageRevision, error){
			"submitted without revision": func(c *cra.Case) ([]cra.StageRevision, error) {
				submit(c, cra.StageNotification, 0, submitted.Add(time.Hour))
				return nil, nil
			},
			"content": func(c *cra.Case) ([]cra.StageRevision, error) {
				rev := submit(c, cra.StageNotification, 0, submitted.Add(time.Hour))
				rev.Content = append(rev.Content, ' ')
				return []cra.StageRevision{rev}, nil
			},
			"not submitted": func(c *cra.Case) ([]cra.StageRevision, error) {
				rev := submit(c, cra.StageNotification, 0, submitted.Add(time.Hour))
				c.Report(cra.StageNotification, 0).SubmittedAt = nil
				return []cra.StageRevision{rev}, nil
			},
			"other case": func(c *cra.Case) ([]cra.StageRevision, error) {
				rev := submit(c, cra.StageNotification, 0, submitted.Add(time.Hour))
				rev.CaseID++
				return []cra.StageRevision{rev}, nil
			},
		}
		for name, fn := range internal {
			if _, err := updateCase(db, c.ID, fn); cra.ErrorCode(err) != cra.EINTERNAL {
				t.Errorf("%s: %v", name, err)
			}
		}
		// Nothing was written by the refused updates.
		after, err := db.FindCase(ctx, c.ID)
		if err != nil || !reflect.DeepEqual(after, before) {
			t.Fatalf("case after refused updates:\n got %+v\nwant %+v", after, before)
		}
		if n, err := verifyChain(t, db); err != nil || n != entries {
			t.Fatalf("audit entries %d, want %d: %v", n, entries, err)
		}
		if revs, _ := db.StageRevisions(ctx, c.ID); len(revs) != 1 {
			t.Fatalf("revisions after refused updates: %+v", revs)
		}

		// The next stage's submission adds its revision after the first.
		if _, err := updateCase(db, c.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
			return []cra.StageRevision{submit(c, cra.StageNotification, 0, submitted.Add(time.Hour))}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if revs, _ := db.StageRevisions(ctx, c.ID); len(revs) != 2 || revs[0].Stage != cra.StageEarlyWarning || revs[1].Stage != cra.StageNotification {
			t.Fatalf("revisions: %+v", revs)
		}
	})
}

func TestEvidenceIsAppendOnly(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		p := mustProduct(t, db, "Gateway")
		c := mustCase(t, db, p.ID)
		if _, err := updateCase(db, c.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
			return []cra.StageRevision{submit(c, cra.StageEarlyWarning, 0, t0.Add(time.Hour))}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveReceipt(ctx, &cra.Receipt{CaseID: c.ID, Name: "receipt.pdf"}, []byte("%PDF")); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE stage_revisions SET srp_id = 'forged'`,
			`UPDATE stage_revisions SET content = content`,
			`DELETE FROM stage_revisions`,
			`UPDATE receipts SET name = 'other.pdf'`,
			`DELETE FROM receipts`,
		} {
			if err := db.ExecForTest(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v", q, err)
			}
		}
		if db.Dialect() == "postgres" {
			for _, table := range []string{"stage_revisions", "receipts"} {
				if err := db.ExecForTest(ctx, `TRUNCATE `+table+` CASCADE`); err == nil {
					t.Errorf("TRUNCATE %s succeeded", table)
				}
			}
		}
		if n, err := db.QueryForTest(ctx, `SELECT count(*) FROM stage_revisions WHERE srp_id = 'SRP-42'`); err != nil || n != "1" {
			t.Fatalf("revisions left: %s %v", n, err)
		}
	})
}

func TestReviews(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		p, other := mustProduct(t, db, "Gateway"), mustProduct(t, db, "Sensor")
		r1, r2, r3 := mustRelease(t, db, p.ID, "1.0"), mustRelease(t, db, p.ID, "2.0"), mustRelease(t, db, other.ID, "1.0")
		review := func(productID, releaseID, vulnID int64) cra.Review {
			return cra.Review{ProductID: productID, ReleaseID: releaseID, FindingID: vulnID * 10, VulnID: vulnID, VulnKey: fmt.Sprintf("CVE-2026-%04d", vulnID),
				Signal: cra.SignalKEV, SignalAt: t0.Add(-24 * time.Hour)}
		}
		var audited []int64
		audit := func(r cra.Review) cra.AuditRecord {
			audited = append(audited, r.ID)
			return rec("review.open", "review", "")
		}
		batch := []cra.Review{review(p.ID, r1.ID, 1), review(p.ID, r2.ID, 1), review(p.ID, r1.ID, 1), review(other.ID, r3.ID, 2)}
		created, err := db.CreateReviews(ctx, batch, audit)
		if err != nil || len(created) != 3 || created[0].ID == 0 || created[1].ReleaseID != r2.ID || created[2].VulnID != 2 ||
			!created[0].OpenedAt.Equal(t0) || !reflect.DeepEqual(audited, []int64{created[0].ID, created[1].ID, created[2].ID}) {
			t.Fatalf("created %+v %v; audited %v", created, err, audited)
		}
		// Each (release, vulnerability) has one review ever, decided or not.
		audited = nil
		again, err := db.CreateReviews(ctx, append(batch, review(p.ID, r2.ID, 3)), audit)
		if err != nil || len(again) != 1 || again[0].VulnID != 3 || len(audited) != 1 {
			t.Fatalf("second call: %+v %v", again, err)
		}
		if _, err := db.CreateReviews(ctx, []cra.Review{review(p.ID, 999, 4)}, audit); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown release: %v", err)
		}

		got, err := db.FindReview(ctx, created[0].ID)
		if err != nil || !reflect.DeepEqual(*got, created[0]) {
			t.Fatalf("find:\n got %+v %v\nwant %+v", got, err, created[0])
		}
		if _, err := db.FindReview(ctx, 999); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown review: %v", err)
		}
		decided, err := db.UpdateReview(ctx, created[0].ID, func(r *cra.Review) (cra.AuditRecord, error) {
			if err := r.Decide(cra.ReviewNotReportable, "Not reachable in this product.", "o@acme.example", t0.Add(time.Hour)); err != nil {
				return cra.AuditRecord{}, err
			}
			return rec("review.decide", "review", fmt.Sprint(r.ID)), nil
		})
		if err != nil || decided.Open() {
			t.Fatalf("decide: %+v %v", decided, err)
		}
		if got, _ := db.FindReview(ctx, created[0].ID); !reflect.DeepEqual(got, decided) || !got.DecidedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("after decision: %+v", got)
		}
		if _, err := db.UpdateReview(ctx, created[0].ID, func(r *cra.Review) (cra.AuditRecord, error) {
			return cra.AuditRecord{}, r.Decide(cra.ReviewOpenCase, "", "o@acme.example", t0)
		}); cra.ErrorCode(err) != cra.EINVALID {
			t.Fatalf("decided twice: %v", err)
		}
		ids := func(f cra.ReviewFilter) []int64 {
			t.Helper()
			rs, err := db.FindReviews(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		all := []int64{again[0].ID, created[2].ID, created[1].ID, created[0].ID}
		for _, tc := range []struct {
			f    cra.ReviewFilter
			want []int64
		}{
			{cra.ReviewFilter{}, all},
			{cra.ReviewFilter{OpenOnly: true}, all[:3]},
			{cra.ReviewFilter{ProductID: p.ID}, []int64{again[0].ID, created[1].ID, created[0].ID}},
			{cra.ReviewFilter{ProductID: p.ID, OpenOnly: true}, []int64{again[0].ID, created[1].ID}},
		} {
			if got := ids(tc.f); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
			}
		}

		// A review opens one case.
		c := &cra.Case{Kind: cra.CaseAEV, ProductID: p.ID, Title: "From review", AwarenessAt: t0, ReviewID: created[1].ID}
		if err := db.CreateCase(ctx, c, rec("case.open", "case", "")); err != nil {
			t.Fatal(err)
		}
		c2 := *c
		if err := db.CreateCase(ctx, &c2, rec("case.open", "case", "")); cra.ErrorCode(err) != cra.ECONFLICT {
			t.Fatalf("second case from one review: %v", err)
		}
		if n, err := verifyChain(t, db); err != nil || n != 2+3+4+1+1 { // products, releases, reviews, decision, case
			t.Fatalf("audit entries %d %v", n, err)
		}
	})
}

func TestReceipts(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		c := mustCase(t, db, mustProduct(t, db, "Gateway").ID)
		data := []byte("%PDF-1.7 receipt\x00\xff")
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		r := &cra.Receipt{SHA256: strings.ToUpper(sha), CaseID: c.ID, Name: "receipt.pdf", ContentType: "application/pdf", UploadedBy: "o@acme.example"}
		if err := db.SaveReceipt(ctx, r, data); err != nil || r.SHA256 != sha || r.Size != int64(len(data)) || !r.UploadedAt.Equal(t0) {
			t.Fatalf("save: %+v %v", r, err)
		}
		// The same content again changes nothing.
		if err := db.SaveReceipt(ctx, &cra.Receipt{CaseID: c.ID, Name: "again.pdf"}, data); err != nil {
			t.Fatal(err)
		}
		got, content, err := db.FindReceipt(ctx, strings.ToUpper(sha))
		if err != nil || !reflect.DeepEqual(got, r) || string(content) != string(data) {
			t.Fatalf("find: %+v %q %v", got, content, err)
		}
		if err := db.SaveReceipt(ctx, &cra.Receipt{SHA256: sha, CaseID: c.ID}, []byte("other")); cra.ErrorCode(err) != cra.EINVALID {
			t.Fatalf("wrong SHA-256: %v", err)
		}
		if err := db.SaveReceipt(ctx, &cra.Receipt{CaseID: c.ID + 100}, []byte("other")); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown case: %v", err)
		}
		if _, _, err := db.FindReceipt(ctx, strings.Repeat("0", 64)); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown receipt: %v", err)
		}
	})
}

func TestUserNotices(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		c := mustCase(t, db, mustProduct(t, db, "Gateway").ID)
		if _, err := db.FindNotice(ctx, c.ID); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("before: %v", err)
		}
		n := &cra.UserNotice{CaseID: c.ID, Subject: "Update now", Body: "Install 2.0.1.", UpdatedBy: "o@acme.example"}
		if err := db.SaveNotice(ctx, n, rec("case.notice_save", "case", "")); err != nil || n.ID == 0 || !n.UpdatedAt.Equal(t0) {
			t.Fatalf("save: %+v %v", n, err)
		}
		sent := t0.Add(time.Hour)
		n2 := &cra.UserNotice{CaseID: c.ID, Subject: "Update now", Body: "Install 2.0.2.", UpdatedBy: "p@acme.example", UpdatedAt: sent,
			SentAt: &sent, SentBy: "p@acme.example", Channel: "email"}
		if err := db.SaveNotice(ctx, n2, rec("case.notice_sent", "case", "")); err != nil || n2.ID != n.ID {
			t.Fatalf("update: %+v %v", n2, err)
		}
		got, err := db.FindNotice(ctx, c.ID)
		if err != nil || !reflect.DeepEqual(got, n2) {
			t.Fatalf("find: %+v %v", got, err)
		}
		// A draft saved from a stale read cannot undo the sending.
		stale := &cra.UserNotice{CaseID: c.ID, Subject: "Changed", Body: "Changed.", UpdatedBy: "x@acme.example", UpdatedAt: sent}
		if err := db.SaveNotice(ctx, stale, rec("case.notice_save", "case", "")); cra.ErrorCode(err) != cra.ECONFLICT {
			t.Fatalf("draft over a sent notice: %v", err)
		}
		if got, _ := db.FindNotice(ctx, c.ID); !reflect.DeepEqual(got, n2) {
			t.Fatalf("the sent notice changed: %+v", got)
		}
		if err := db.SaveNotice(ctx, &cra.UserNotice{CaseID: c.ID + 100}, rec("case.notice_save", "case", "")); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown case: %v", err)
		}
		entries, err := db.FindAuditEntries(ctx, cra.AuditFilter{ObjectType: "case", ObjectID: fmt.Sprint(c.ID)})
		if err != nil || len(entries) != 3 {
			t.Fatalf("audit: %+v %v", entries, err)
		}
	})
}

func TestReportingProfile(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if _, err := db.FindReportingProfile(ctx); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("before: %v", err)
		}
		p := &cra.ReportingProfile{Size: cra.SizeSmall, Routing: cra.RoutingFacts{MainEstablishment: "DE"}}
		if err := db.SaveReportingProfile(ctx, p, rec("reporting_profile.update", "reporting_profile", "1")); err != nil || !p.UpdatedAt.Equal(t0) {
			t.Fatalf("save: %+v %v", p, err)
		}
		p = &cra.ReportingProfile{Size: cra.SizeLarge, UpdatedAt: t0.Add(time.Hour), Routing: cra.RoutingFacts{
			Establishments:            []cra.Presence{{MemberState: "FR", Name: "ACME SAS", Count: 40}, {MemberState: "EL", Count: 3}},
			AuthorisedRepresentatives: []cra.Presence{{MemberState: "NL", Name: "Rep BV", Count: 2}},
			Importers:                 []cra.Presence{{MemberState: "IT", Count: 1}},
			Distributors:              []cra.Presence{{MemberState: "ES", Count: 5}},
			Users:                     []cra.Presence{{MemberState: "PL", Count: 1000}},
		}}
		if err := db.SaveReportingProfile(ctx, p, rec("reporting_profile.update", "reporting_profile", "1")); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindReportingProfile(ctx)
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("round trip:\n got %+v %v\nwant %+v", got, err, p)
		}
		if n, err := verifyChain(t, db); err != nil || n != 2 {
			t.Fatalf("audit entries %d %v", n, err)
		}
	})
}

func TestMarkReminderOnce(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if first, err := db.MarkReminder(ctx, "case:1:early_warning:4h", t0); err != nil || !first {
			t.Fatalf("first: %v %v", first, err)
		}
		if first, err := db.MarkReminder(ctx, "case:1:early_warning:4h", t0.Add(time.Minute)); err != nil || first {
			t.Fatalf("again: %v %v", first, err)
		}
		// Of concurrent senders, exactly one sends.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 10 {
			wg.Go(func() {
				first, err := db.MarkReminder(ctx, "review:7", t0)
				if err != nil {
					t.Error(err)
				}
				if first {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d concurrent first sends", wins)
		}
	})
}

func TestConcurrentCaseUpdatesLoseNothing(t *testing.T) {
	testutil.EachDB(t, clock, func(t *testing.T, db *sqlstore.DB) {
		c := mustCase(t, db, mustProduct(t, db, "Gateway").ID)
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				if _, err := updateCase(db, c.ID, func(c *cra.Case) ([]cra.StageRevision, error) {
					c.AwarenessChanges = append(c.AwarenessChanges, cra.AwarenessChange{From: t0, To: t0, Reason: fmt.Sprint(i), At: t0})
					return nil, nil
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := db.FindCase(context.Background(), c.ID)
		if err != nil || len(got.AwarenessChanges) != 10 {
			t.Fatalf("%d changes kept, want 10: %v", len(got.AwarenessChanges), err)
		}
	})
}
