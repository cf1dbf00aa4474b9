package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/jobs"
	"cyra/internal/service"
	"cyra/internal/testutil"
)

// adv builds an OSV-style advisory whose Raw and Digest follow from its
// content, as the feed parsers produce them.
func adv(id string, aliases []string, summary string) cra.Advisory {
	a := cra.Advisory{Source: cra.SourceOSV, ID: id, Aliases: aliases, Summary: summary,
		Affected: []cra.Affected{{Ecosystem: "npm", Name: "lodash", Ranges: []cra.Range{{Type: "SEMVER", Events: []cra.RangeEvent{{Introduced: "0"}, {Fixed: "4.17.21"}}}}}}}
	raw, _ := json.Marshal(map[string]any{"id": id, "aliases": aliases, "summary": summary})
	sum := sha256.Sum256(raw)
	a.Raw, a.Digest = raw, hex.EncodeToString(sum[:])
	return a
}

// testFeed is a cra.Feed that writes fixed data, or fails, so the runner's
// bookkeeping can be observed without a network.
type testFeed struct {
	name  cra.VulnSource
	recs  []cra.Advisory
	kev   *cra.KEVCatalog
	fail  error
	calls int
	// cursors are the cursors Sync was given.
	cursors []string
	block   chan struct{}
}

func (f *testFeed) Name() cra.VulnSource { return f.name }

func (f *testFeed) Sync(ctx context.Context, cursor string, w cra.FeedWriter) (string, error) {
	f.calls++
	f.cursors = append(f.cursors, cursor)
	if f.block != nil {
		<-f.block
	}
	w.Progress("records", 0, len(f.recs))
	if f.recs != nil {
		if _, err := w.Advisories(ctx, f.recs); err != nil {
			return "", err
		}
	}
	if f.kev != nil {
		if _, err := w.KEV(ctx, *f.kev); err != nil {
			return "", err
		}
	}
	if f.fail != nil {
		return "", f.fail
	}
	return "cursor-" + string(rune('0'+f.calls)), nil
}

func day(s string) cra.Date {
	d, err := cra.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestVulnImportSearchAndMerge(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := e.adminCtx
		recs := []cra.Advisory{
			adv("GHSA-35jh-r3h4-6jhm", []string{"cve-2021-23337"}, "Command injection in lodash"),
			adv("GHSA-29mw-wpgm-hmr9", []string{"CVE-2020-28500"}, "ReDoS in lodash"),
			{Source: cra.SourceOSV, ID: ""}, // no id: skipped with a reason
		}
		st, err := e.svc.Vulns.ImportAdvisories(ctx, "test.zip", recs)
		if err != nil || st.Added != 2 || st.Skipped != 1 || len(st.Problems) != 1 {
			t.Fatalf("import: %+v %v", st, err)
		}
		// The same data again writes nothing.
		before, _ := e.svc.Audit.ListAudit(ctx, cra.AuditFilter{Limit: 1000})
		st, err = e.svc.Vulns.ImportAdvisories(ctx, "test.zip", recs[:2])
		after, _ := e.svc.Audit.ListAudit(ctx, cra.AuditFilter{Limit: 1000})
		if err != nil || st.Unchanged != 2 || st.Wrote() || len(after) != len(before) {
			t.Fatalf("re-import: %+v %v; audit %d → %d", st, err, len(before), len(after))
		}
		// Any alias, in any spelling, finds the identity, shown under its CVE.
		v, err := e.svc.Vulns.Vulnerability(ctx, "ghsa-35JH-R3H4-6JHM")
		if err != nil || v.Key != "CVE-2021-23337" || !slices.Contains(v.Aliases, "GHSA-35jh-r3h4-6jhm") {
			t.Fatalf("by GHSA: %+v %v", v, err)
		}
		// An EUVD record aliasing both CVEs merges the two identities.
		euvd := adv("EUVD-2021-12345", []string{"CVE-2021-23337", "CVE-2020-28500"}, "")
		euvd.Source = cra.SourceEUVD
		st, err = e.svc.Vulns.ImportAdvisories(ctx, "euvd", []cra.Advisory{euvd})
		if err != nil || st.Added != 1 || st.Merged != 1 {
			t.Fatalf("merge: %+v %v", st, err)
		}
		v, _ = e.svc.Vulns.Vulnerability(ctx, "EUVD-2021-12345")
		if v.Key != "CVE-2020-28500" || len(v.Aliases) != 5 || len(v.Advisories) != 3 {
			t.Fatalf("merged identity: key %s aliases %v advisories %d", v.Key, v.Aliases, len(v.Advisories))
		}
		list, total, err := e.svc.Vulns.SearchVulnerabilities(ctx, cra.VulnFilter{Query: "lodash"})
		if err != nil || total != 1 || list[0].Key != "CVE-2020-28500" {
			t.Fatalf("search: %d %+v %v", total, list, err)
		}
		if _, err := e.svc.Vulns.Vulnerability(ctx, "CVE-1999-0001"); code(err) != cra.ENOTFOUND {
			t.Fatalf("unknown id: %v", err)
		}
		if _, _, err := e.svc.Vulns.SearchVulnerabilities(ctx, cra.VulnFilter{Limit: 501}); code(err) != cra.EINVALID {
			t.Fatalf("limit 501: %v", err)
		}
		// Members read but may not import.
		e.mustUser(t, "dev@acme.example", cra.RoleMember)
		member := cra.WithActor(context.Background(), &cra.Actor{Kind: cra.ActorToken, UserID: 99, Role: cra.RoleMember})
		if _, err := e.svc.Vulns.ImportAdvisories(member, "x", recs); code(err) != cra.EFORBIDDEN {
			t.Fatalf("member import: %v", err)
		}
		if _, err := e.svc.Vulns.Vulnerability(member, "CVE-2020-28500"); err != nil {
			t.Fatalf("member read: %v", err)
		}
	})
}

func TestFeedRunner(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			clock := testutil.NewClock(t0)
			db := testutil.MustOpenDB(t, d, clock.Now)
			kevCat := &cra.KEVCatalog{Version: "2026.11.25", Entries: []cra.KEVEntry{{CVE: "CVE-2021-23337", DateAdded: day("2026-11-20"),
				DueDate: day("2026-12-11"), RansomwareUse: "Unknown", Name: "lodash command injection"}}}
			osvFeed := &testFeed{name: cra.SourceOSV, recs: []cra.Advisory{adv("GHSA-35jh-r3h4-6jhm", []string{"CVE-2021-23337"}, "Command injection")}}
			kevFeed := &testFeed{name: cra.SourceKEV, kev: kevCat}
			svc := service.New(db, service.Options{Now: clock.Now, Feeds: service.FeedOptions{Feeds: []cra.Feed{osvFeed, kevFeed}, Holder: "replica-a"}})
			runs, err := svc.Vulns.SyncFeeds(system, nil, nil)
			if err != nil || len(runs) != 2 || runs[0].Feed != cra.SourceOSV || runs[0].Stats.Added != 1 || runs[1].Stats.Added != 1 {
				t.Fatalf("first sync: %+v %v", runs, err)
			}
			v, err := svc.Vulns.Vulnerability(system, "CVE-2021-23337")
			if err != nil || len(v.KEV) != 1 || v.KEV[0].DateAdded.String() != "2026-11-20" || !v.KEV[0].FirstSeen.Equal(t0) {
				t.Fatalf("KEV on the identity: %+v %v", v, err)
			}
			st, _ := svc.Vulns.Feeds(system)
			if !st[0].Enabled || st[0].LastSuccess == nil || st[0].Records != 1 || st[0].Stale || st[0].NextRun == nil || !st[0].NextRun.Equal(t0.Add(time.Hour)) {
				t.Fatalf("osv status: %+v", st[0])
			}
			if st[2].Feed != cra.SourceEUVD || st[2].Enabled {
				t.Fatalf("euvd should be listed as disabled: %+v", st[2])
			}

			// A failing run keeps the data and the cursor, and says so.
			clock.Advance(2 * time.Hour)
			osvFeed.fail = errors.New("osv bucket answered 503")
			runs, _ = svc.Vulns.SyncFeeds(system, []cra.VulnSource{cra.SourceOSV}, nil)
			if len(runs) != 1 || runs[0].Error == "" {
				t.Fatalf("failing run: %+v", runs)
			}
			st, _ = svc.Vulns.Feeds(system)
			if !st[0].Stale || st[0].LastError != "osv bucket answered 503" || st[0].Records != 1 || !st[0].NextRun.Equal(clock.Now().Add(15*time.Minute)) {
				t.Fatalf("status after failure: %+v", st[0])
			}
			osvFeed.fail = nil
			svc.Vulns.SyncFeeds(system, []cra.VulnSource{cra.SourceOSV}, nil)
			if got := osvFeed.cursors; len(got) != 3 || got[0] != "" || got[1] != "cursor-1" || got[2] != "cursor-1" {
				t.Fatalf("cursors given: %q; a failed run must not advance the cursor", got)
			}

			// Another replica holding the lease makes this one skip the feed.
			other := service.New(db, service.Options{Now: clock.Now, Feeds: service.FeedOptions{Feeds: []cra.Feed{&testFeed{name: cra.SourceKEV, kev: kevCat}}, Holder: "replica-b"}})
			kevFeed.block = make(chan struct{})
			done := make(chan []cra.FeedRun)
			go func() {
				r, _ := svc.Vulns.SyncFeeds(system, []cra.VulnSource{cra.SourceKEV}, nil)
				done <- r
			}()
			deadline := time.Now().Add(10 * time.Second)
			for {
				st, _ := other.Vulns.Feeds(system)
				if st[1].Running {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the lease never showed as running")
				}
				time.Sleep(5 * time.Millisecond)
			}
			runs, _ = other.Vulns.SyncFeeds(system, []cra.VulnSource{cra.SourceKEV}, nil)
			close(kevFeed.block)
			<-done
			if len(runs) != 1 || !runs[0].Busy {
				t.Fatalf("second replica: %+v; want busy", runs)
			}

			// The scheduler runs only what is due.
			clock.Advance(30 * time.Minute)
			sched := &jobs.Scheduler{Vulns: svc.Vulns, Now: clock.Now}
			due := sched.RunDue(context.Background())
			if len(due) != 0 {
				t.Fatalf("nothing is due yet, ran %+v", due)
			}
			clock.Advance(time.Hour)
			due = sched.RunDue(context.Background())
			if len(due) != 2 {
				t.Fatalf("both feeds are due, ran %+v", due)
			}
			// Syncing needs feeds:write.
			member := cra.WithActor(context.Background(), &cra.Actor{Kind: cra.ActorToken, UserID: 9, Role: cra.RoleMember})
			if _, err := svc.Vulns.SyncFeeds(member, nil, nil); code(err) != cra.EFORBIDDEN {
				t.Fatalf("member sync: %v", err)
			}
		})
	}
}
