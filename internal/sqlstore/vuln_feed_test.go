package sqlstore_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

func kevEntry(cve string, due string) cra.KEVEntry {
	return cra.KEVEntry{CVE: cve, VendorProject: "Acme", Product: "Gateway", Name: "Acme Gateway RCE", DateAdded: date("2026-01-05"),
		DueDate: date(due), RansomwareUse: "Unknown", RequiredAction: "Apply updates.", ShortDescription: "Remote code execution.",
		CWEs: []string{"CWE-78"}}
}

func kevHistory(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	var out []string
	for _, c := range []string{"added", "changed", "removed", "relisted"} {
		out = append(out, c+"="+query(t, db, `SELECT count(*) FROM kev_history WHERE change = '`+c+`'`))
	}
	return fmt.Sprint(out)
}

func TestSaveKEVCatalog(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		at1, at2, at3, at4 := t0, t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)
		cat := cra.KEVCatalog{Version: "2026.01.05", Entries: []cra.KEVEntry{
			kevEntry("CVE-2024-0001", "2026-01-26"), kevEntry("CVE-2024-0002", "2026-01-26"), kevEntry("cve-2024-0003", "2026-01-26")}}
		var spy auditSpy
		st, err := db.SaveKEVCatalog(ctx, cat, at1, spy.fn)
		if err != nil || !reflect.DeepEqual(st, stats(3, 0, 0)) || spy.calls != 1 {
			t.Fatalf("first catalog: %+v %v", st, err)
		}
		// The same catalog again writes nothing.
		auditBefore, _ := verifyChain(t, db)
		st, err = db.SaveKEVCatalog(ctx, cat, at2, spy.fn)
		if err != nil || !reflect.DeepEqual(st, stats(0, 0, 3)) || spy.calls != 1 {
			t.Fatalf("same catalog: %+v %v", st, err)
		}
		if n, _ := verifyChain(t, db); n != auditBefore || query(t, db, `SELECT MAX(updated_at) FROM kev_entries`) != query(t, db, `SELECT MIN(updated_at) FROM kev_entries`) {
			t.Fatal("unchanged catalog wrote")
		}
		// One changed, one gone, one new.
		cat2 := cra.KEVCatalog{Version: "2026.01.06", Entries: []cra.KEVEntry{
			kevEntry("CVE-2024-0001", "2026-02-01"), kevEntry("CVE-2024-0002", "2026-01-26"), kevEntry("CVE-2024-0004", "2026-01-27")}}
		st, err = db.SaveKEVCatalog(ctx, cat2, at3, spy.fn)
		want := cra.ImportStats{Added: 1, Changed: 1, Unchanged: 1, Removed: 1}
		if err != nil || !reflect.DeepEqual(st, want) || spy.calls != 2 || !reflect.DeepEqual(spy.last, want) {
			t.Fatalf("second catalog: %+v %v", st, err)
		}
		entries, err := db.KEVEntries(ctx)
		if err != nil || len(entries) != 4 {
			t.Fatalf("entries %d %v", len(entries), err)
		}
		first := entries[0]
		if first.CVE != "CVE-2024-0001" || !first.FirstSeen.Equal(at1) || first.DueDate.String() != "2026-02-01" || first.Removed != nil ||
			first.DateAdded.String() != "2026-01-05" || !slices.Equal(first.CWEs, []string{"CWE-78"}) || first.ShortDescription != "Remote code execution." {
			t.Fatalf("changed entry %+v", first)
		}
		if gone := entries[2]; gone.CVE != "CVE-2024-0003" || gone.Removed == nil || !gone.Removed.Equal(at3) {
			t.Fatalf("removed entry %+v", gone)
		}
		if added := entries[3]; !added.FirstSeen.Equal(at3) {
			t.Fatalf("new entry %+v", added)
		}
		// The removed entry comes back: relisted.
		cat3 := cat2
		cat3.Entries = append(slices.Clone(cat2.Entries), kevEntry("CVE-2024-0003", "2026-01-26"))
		st, err = db.SaveKEVCatalog(ctx, cat3, at4, spy.fn)
		if err != nil || !reflect.DeepEqual(st, stats(1, 0, 3)) {
			t.Fatalf("relisting: %+v %v", st, err)
		}
		if e, _ := db.KEVEntries(ctx); e[2].Removed != nil || !e[2].FirstSeen.Equal(at1) {
			t.Fatalf("relisted entry %+v", e[2])
		}
		if h := kevHistory(t, db); h != "[added=4 changed=1 removed=1 relisted=1]" {
			t.Fatalf("history %s", h)
		}
		// An empty catalog is refused, not taken as "everything removed".
		if _, err := db.SaveKEVCatalog(ctx, cra.KEVCatalog{Version: "broken"}, at4, spy.fn); cra.ErrorCode(err) != cra.EINVALID {
			t.Fatalf("empty catalog: %v", err)
		}
		// KEV entries attach to the vulnerability of their CVE.
		mustImport(t, db, advisory(cra.SourceOSV, "GHSA-kkkk-kkkk-kkkk", "CVE-2024-0001", "CVE-2024-0003"))
		v := mustFind(t, db, "CVE-2024-0003")
		if len(v.KEV) != 2 || v.KEV[0].CVE != "CVE-2024-0001" || v.KEV[1].CVE != "CVE-2024-0003" {
			t.Fatalf("vulnerability's KEV %+v", v.KEV)
		}
	})
}

func TestSaveEPSS(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		score := func(cve, day string, s float64) cra.EPSSScore {
			return cra.EPSSScore{CVE: cve, Date: date(day), Score: s, Percentile: s / 2}
		}
		scores := []cra.EPSSScore{score("CVE-2024-0001", "2026-01-01", 0.1), score("CVE-2024-0001", "2026-01-02", 0.2),
			score("CVE-2024-0002", "2026-01-01", 0.3), score("CVE-2024-0001", "2026-01-02", 0.2), // twice
			score("not-a-cve", "2026-01-01", 0.1), score("CVE-2024-0003", "2026-01-01", 1.5)}
		var spy auditSpy
		st, err := db.SaveEPSS(ctx, scores, spy.fn)
		if err != nil || st.Added != 3 || st.Unchanged != 1 || st.Skipped != 2 || len(st.Problems) != 2 || spy.calls != 1 {
			t.Fatalf("first: %+v %v", st, err)
		}
		st, err = db.SaveEPSS(ctx, append(scores[:3:3], score("CVE-2024-0001", "2026-01-03", 0.4)), spy.fn)
		if err != nil || !reflect.DeepEqual(st, stats(1, 0, 3)) || spy.calls != 2 {
			t.Fatalf("second: %+v %v", st, err)
		}
		if st, _ := db.SaveEPSS(ctx, scores[:3], spy.fn); st.Wrote() || spy.calls != 2 {
			t.Fatalf("unchanged: %+v", st)
		}
		// Many scores, in batches, come back in (CVE, date) order.
		var many []cra.EPSSScore
		for i := range 6000 {
			many = append(many, score(fmt.Sprintf("CVE-2025-%05d", i%3000), fmt.Sprintf("2026-02-%02d", 1+i/3000), 0.5))
		}
		if st, err := db.SaveEPSS(ctx, many, nil); err != nil || st.Added != 6000 {
			t.Fatalf("many: %+v %v", st, err)
		}
		var walked []cra.EPSSScore
		if err := db.WalkEPSS(ctx, func(s cra.EPSSScore) error { walked = append(walked, s); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(walked) != 6004 || walked[0] != score("CVE-2024-0001", "2026-01-01", 0.1) || walked[6003].CVE != "CVE-2025-02999" ||
			!slices.IsSortedFunc(walked, func(a, b cra.EPSSScore) int { return cmpEPSS(a, b) }) {
			t.Fatalf("walked %d, first %+v", len(walked), walked[0])
		}
		// A vulnerability shows the scores of all its CVEs, newest first.
		mustImport(t, db, advisory(cra.SourceOSV, "GHSA-eeee-eeee-eeee", "CVE-2024-0001", "CVE-2024-0002"))
		v := mustFind(t, db, "CVE-2024-0002")
		if len(v.EPSS) != 4 || v.EPSS[0].Date.String() != "2026-01-03" || v.EPSS[3].Date.String() != "2026-01-01" {
			t.Fatalf("vulnerability's EPSS %+v", v.EPSS)
		}
		hits, _, err := db.SearchVulnerabilities(ctx, cra.VulnFilter{Query: "CVE-2024-0001"})
		if err != nil || len(hits) != 1 || hits[0].EPSS == nil || hits[0].EPSS.Score != 0.4 || hits[0].EPSS.Date.String() != "2026-01-03" {
			t.Fatalf("summary EPSS %+v %v", hits, err)
		}
	})
}

func cmpEPSS(a, b cra.EPSSScore) int {
	if a.CVE != b.CVE {
		if a.CVE < b.CVE {
			return -1
		}
		return 1
	}
	return a.Date.Compare(b.Date.Time)
}

func TestFeedLease(t *testing.T) {
	clock := testutil.NewClock(t0)
	testutil.EachDB(t, func() time.Time { return clock.Now() }, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clock = testutil.NewClock(t0)
		now := t0
		until := now.Add(10 * time.Minute)
		// Racing replicas: exactly one gets the lease.
		var wg sync.WaitGroup
		won := make(chan string, 8)
		for i := range 8 {
			wg.Go(func() {
				holder := fmt.Sprint("replica-", i)
				ok, err := db.AcquireFeedLease(ctx, cra.SourceOSV, holder, now, until)
				if err != nil {
					t.Error(err)
				}
				if ok {
					won <- holder
				}
			})
		}
		wg.Wait()
		close(won)
		var winners []string
		for h := range won {
			winners = append(winners, h)
		}
		if len(winners) != 1 {
			t.Fatalf("winners %v", winners)
		}
		holder := winners[0]
		if ok, _ := db.AcquireFeedLease(ctx, cra.SourceOSV, "other", now.Add(time.Minute), until); ok {
			t.Fatal("a live lease was taken")
		}
		if ok, _ := db.AcquireFeedLease(ctx, cra.SourceOSV, holder, now.Add(time.Minute), until); !ok {
			t.Fatal("the holder could not renew")
		}
		states, err := db.FeedStates(ctx)
		if err != nil || len(states) != 1 || !states[0].Running || states[0].Holder != holder || !states[0].LastStart.Equal(now.Add(time.Minute)) {
			t.Fatalf("states %+v %v", states, err)
		}
		// A successful run records its outcome and frees the lease; a
		// stranger's finish does not free it.
		mustImport(t, db, advisory(cra.SourceOSV, "GHSA-ffff-ffff-ffff"), advisory(cra.SourceOSV, "GO-2026-0001"))
		if err := db.FinishFeedRun(ctx, cra.SourceOSV, "stranger", now, cra.ImportStats{}, "", "boom"); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.FeedStates(ctx); !s[0].Running {
			t.Fatal("a stranger released the lease")
		}
		done := now.Add(5 * time.Minute)
		if err := db.FinishFeedRun(ctx, cra.SourceOSV, holder, done, stats(2, 0, 7), `{"since":"x"}`, ""); err != nil {
			t.Fatal(err)
		}
		s, _ := db.FeedStates(ctx)
		if s[0].Running || s[0].Holder != "" || !s[0].LastSuccess.Equal(done) || s[0].LastError != "" || s[0].LastErrorAt != nil ||
			s[0].Cursor != `{"since":"x"}` || !reflect.DeepEqual(s[0].LastStats, stats(2, 0, 7)) || s[0].Records != 2 {
			t.Fatalf("after success %+v", s[0])
		}
		// A failed run keeps the cursor, the last success and its stats.
		if ok, _ := db.AcquireFeedLease(ctx, cra.SourceOSV, "other", done, done.Add(time.Minute)); !ok {
			t.Fatal("a released lease could not be taken")
		}
		failed := done.Add(time.Minute)
		if err := db.FinishFeedRun(ctx, cra.SourceOSV, "other", failed, stats(1, 0, 0), `{"since":"y"}`, "HTTP 503"); err != nil {
			t.Fatal(err)
		}
		s, _ = db.FeedStates(ctx)
		if s[0].Running || s[0].LastError != "HTTP 503" || !s[0].LastErrorAt.Equal(failed) || s[0].Cursor != `{"since":"x"}` ||
			!s[0].LastSuccess.Equal(done) || s[0].LastStats.Added != 2 {
			t.Fatalf("after failure %+v", s[0])
		}
		// An expired lease can be taken, and is not shown as running.
		if ok, _ := db.AcquireFeedLease(ctx, cra.SourceKEV, "a", now, now.Add(time.Minute)); !ok {
			t.Fatal("kev lease")
		}
		clock.Advance(2 * time.Minute)
		if s, _ := db.FeedStates(ctx); s[1].Feed != cra.SourceKEV || s[1].Running {
			t.Fatalf("expired lease shown running: %+v", s)
		}
		if ok, _ := db.AcquireFeedLease(ctx, cra.SourceKEV, "b", now.Add(time.Minute), now.Add(time.Hour)); !ok {
			t.Fatal("an expired lease could not be taken")
		}
		// Records: listed KEV entries, CVEs with EPSS scores.
		if _, err := db.SaveKEVCatalog(ctx, cra.KEVCatalog{Entries: []cra.KEVEntry{kevEntry("CVE-2024-0001", "2026-02-01")}}, now, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveEPSS(ctx, []cra.EPSSScore{{CVE: "CVE-2024-0001", Date: date("2026-01-01")}, {CVE: "CVE-2024-0001", Date: date("2026-01-02")},
			{CVE: "CVE-2024-0002", Date: date("2026-01-01")}}, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishFeedRun(ctx, cra.SourceEPSS, "c", now, cra.ImportStats{}, "", ""); err != nil {
			t.Fatal(err)
		}
		s, _ = db.FeedStates(ctx)
		if len(s) != 3 || s[0].Feed != cra.SourceOSV || s[1].Records != 1 || s[2].Feed != cra.SourceEPSS || s[2].Records != 2 {
			t.Fatalf("records %+v", s)
		}
	})
}
