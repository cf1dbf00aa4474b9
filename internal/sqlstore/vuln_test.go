package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

// advisory returns an OSV-like record with one affected package, sealed
// (Raw and Digest set).
func advisory(src cra.VulnSource, id string, aliases ...string) cra.Advisory {
	pub := t0.Add(-72 * time.Hour)
	mod := t0.Add(-24*time.Hour + 123456*time.Microsecond)
	a := cra.Advisory{Source: src, ID: id, Aliases: aliases, Summary: "Flaw in " + id, Details: "Details of " + id,
		Published: &pub, Modified: &mod,
		Severity:   []cra.Severity{{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Rating: "CRITICAL"}},
		CWEs:       []string{"CWE-79"},
		References: []cra.Reference{{Type: "ADVISORY", URL: "https://example.com/" + id}},
		Affected: []cra.Affected{{Ecosystem: "PyPI", Name: "Requests", PURL: "pkg:pypi/requests",
			Ranges:   []cra.Range{{Type: "ECOSYSTEM", Events: []cra.RangeEvent{{Introduced: "0"}, {Fixed: "2.31.0"}}}},
			Versions: []string{"2.30.0", "2.29.0"}, Symbols: []string{"Session.request"}}},
	}
	return seal(a)
}

// seal sets Raw to the record's JSON and Digest to its SHA-256, as a feed
// does with the document it read.
func seal(a cra.Advisory) cra.Advisory {
	a.Raw, a.Digest = nil, ""
	a.Raw, _ = json.Marshal(a)
	sum := sha256.Sum256(a.Raw)
	a.Digest = hex.EncodeToString(sum[:])
	return a
}

// auditSpy is an AuditFunc that remembers its calls.
type auditSpy struct {
	calls int
	last  cra.ImportStats
}

func (s *auditSpy) fn(st cra.ImportStats) cra.AuditRecord {
	s.calls++
	s.last = st
	return rec("vuln.import", "feed", "test")
}

func mustImport(t *testing.T, db *sqlstore.DB, recs ...cra.Advisory) cra.ImportStats {
	t.Helper()
	st, err := db.ImportAdvisories(context.Background(), recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustFind(t *testing.T, db *sqlstore.DB, id string) *cra.Vulnerability {
	t.Helper()
	v, err := db.FindVulnerability(context.Background(), id)
	if err != nil {
		t.Fatalf("find %s: %v", id, err)
	}
	return v
}

func query(t *testing.T, db *sqlstore.DB, q string) string {
	t.Helper()
	s, err := db.QueryForTest(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func stats(added, changed, unchanged int) cra.ImportStats {
	return cra.ImportStats{Added: added, Changed: changed, Unchanged: unchanged}
}

func TestImportAdvisories(t *testing.T) {
	clock := testutil.NewClock(t0)
	testutil.EachDB(t, func() time.Time { return clock.Now() }, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clock = testutil.NewClock(t0)
		ghsa := advisory(cra.SourceOSV, "GHSA-abcd-efgh-ijkl", "CVE-2024-0001")
		pysec := advisory(cra.SourceOSV, "PYSEC-2024-1", "CVE-2024-0001", "GHSA-abcd-efgh-ijkl")
		pysec.Related = []string{"CVE-2023-9999"}
		pysec = seal(pysec)
		nvd := advisory(cra.SourceNVD, "CVE-2024-0001")
		nvd.Affected, nvd.CPEs = nil, []string{"cpe:2.3:a:psf:requests:*:*:*:*:*:*:*:*"}
		epss, exploited := 0.42, t0.Add(-time.Hour)
		euvd := advisory(cra.SourceEUVD, "EUVD-2024-0001", "CVE-2024-0001")
		euvd.EPSS, euvd.ExploitedSince, euvd.Affected = &epss, &exploited, nil
		euvd = seal(euvd)
		withdrawnAt := t0.Add(-2 * time.Hour)
		gone := advisory(cra.SourceOSV, "GO-2024-0003")
		gone.Withdrawn = &withdrawnAt
		gone = seal(gone)
		recs := []cra.Advisory{ghsa, pysec, nvd, euvd, gone}

		var spy auditSpy
		st, err := db.ImportAdvisories(ctx, recs, spy.fn)
		if err != nil || !reflect.DeepEqual(st, stats(5, 0, 0)) {
			t.Fatalf("first import: %+v %v", st, err)
		}
		if spy.calls != 1 || !reflect.DeepEqual(spy.last, st) {
			t.Fatalf("audit called %d times with %+v", spy.calls, spy.last)
		}
		entries, _ := db.FindAuditEntries(ctx, cra.AuditFilter{Action: "vuln.import"})
		if len(entries) != 1 {
			t.Fatalf("audit entries %d", len(entries))
		}

		// Any alias, in any spelling the normaliser knows, finds the identity.
		v := mustFind(t, db, " cve-2024-0001")
		if v.Key != "CVE-2024-0001" || !slices.Equal(v.Aliases, []string{"CVE-2024-0001", "EUVD-2024-0001", "GHSA-abcd-efgh-ijkl", "PYSEC-2024-1"}) {
			t.Fatalf("identity %s %v", v.Key, v.Aliases)
		}
		if w := mustFind(t, db, "GHSA-ABCD-EFGH-IJKL"); w.ID != v.ID {
			t.Fatalf("GHSA in upper case found %d, want %d", w.ID, v.ID)
		}
		// Every field comes back as imported, Raw byte for byte, ordered
		// by source then id; related ids are kept but not merged.
		want := []cra.Advisory{euvd, nvd, ghsa, pysec}
		if len(v.Advisories) != len(want) {
			t.Fatalf("%d advisories", len(v.Advisories))
		}
		for i := range want {
			if !reflect.DeepEqual(v.Advisories[i], want[i]) {
				t.Errorf("advisory %d:\n got %+v\nwant %+v", i, v.Advisories[i], want[i])
			}
		}
		if _, err := db.FindVulnerability(ctx, "CVE-2023-9999"); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("related id: %v", err)
		}
		if w := mustFind(t, db, "GO-2024-0003"); w.Withdrawn() == nil || !w.Withdrawn().Equal(withdrawnAt) {
			t.Fatalf("withdrawn %v", w.Withdrawn())
		}

		// The same records again write nothing at all.
		before := query(t, db, `SELECT MAX(updated_at) FROM advisories`) + query(t, db, `SELECT MAX(updated_at) FROM vulnerabilities`)
		auditBefore, _ := verifyChain(t, db)
		clock.Advance(time.Hour)
		st, err = db.ImportAdvisories(ctx, recs, spy.fn)
		if err != nil || !reflect.DeepEqual(st, stats(0, 0, 5)) || st.Wrote() || spy.calls != 1 {
			t.Fatalf("second import: %+v %v, audit calls %d", st, err, spy.calls)
		}
		after := query(t, db, `SELECT MAX(updated_at) FROM advisories`) + query(t, db, `SELECT MAX(updated_at) FROM vulnerabilities`)
		if auditAfter, _ := verifyChain(t, db); after != before || auditAfter != auditBefore {
			t.Fatalf("unchanged import wrote: %s -> %s, audit %d -> %d", before, after, auditBefore, auditAfter)
		}

		// A changed record replaces its fields and affected packages.
		ghsa.Summary = "Changed summary"
		ghsa.Affected = []cra.Affected{{Ecosystem: "npm", Name: "left-pad", Versions: []string{"1.0.0"}}, {Ecosystem: "npm", Name: "right-pad"}}
		ghsa = seal(ghsa)
		recs[0] = ghsa
		st, err = db.ImportAdvisories(ctx, recs, spy.fn)
		if err != nil || !reflect.DeepEqual(st, stats(0, 1, 4)) || spy.calls != 2 || spy.last.Changed != 1 {
			t.Fatalf("changed import: %+v %v", st, err)
		}
		v = mustFind(t, db, "GHSA-abcd-efgh-ijkl")
		if got := v.Advisories[2]; got.Summary != "Changed summary" || !reflect.DeepEqual(got.Affected, ghsa.Affected) {
			t.Fatalf("changed advisory %+v", got)
		}
		if n := query(t, db, `SELECT count(*) FROM advisory_affected`); n != "4" { // GHSA 2, PYSEC 1, GO 1
			t.Fatalf("affected rows %s", n)
		}

		// Invalid records are skipped with a reason, and only they.
		st, err = db.ImportAdvisories(ctx, []cra.Advisory{{Source: cra.SourceOSV}, ghsa}, nil)
		if err != nil || st.Skipped != 1 || st.Unchanged != 1 || len(st.Problems) != 1 {
			t.Fatalf("invalid record: %+v %v", st, err)
		}
		if _, err := db.FindVulnerability(ctx, "CVE-1999-0001"); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown id: %v", err)
		}
	})
}

func TestImportAdvisoriesMergesIdentities(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		const (
			a = "GHSA-aaaa-aaaa-aaaa"
			b = "GO-2024-0001"
			c = "PYSEC-2024-1"
			d = "CVE-2024-0009"
			e = "CVE-2024-0005"
		)
		// A aliases B, then C aliases B and D, then E aliases A and D: one
		// identity, its key the lowest CVE once there is one.
		mustImport(t, db, advisory(cra.SourceOSV, a, b))
		if v := mustFind(t, db, b); v.Key != a {
			t.Fatalf("key %s", v.Key)
		}
		mustImport(t, db, advisory(cra.SourceOSV, c, b, d))
		if v := mustFind(t, db, a); v.Key != d {
			t.Fatalf("key %s", v.Key)
		}
		mustImport(t, db, advisory(cra.SourceOSV, e, a, d))
		v := mustFind(t, db, c)
		if v.Key != e || !slices.Equal(v.Aliases, []string{e, d, a, b, c}) || len(v.Advisories) != 3 {
			t.Fatalf("transitive identity %s %v, %d advisories", v.Key, v.Aliases, len(v.Advisories))
		}

		// Two identities that a record shows to be one are merged into the
		// older (lower) id, with their advisories and affected packages.
		mustImport(t, db, advisory(cra.SourceOSV, "GHSA-xxxx-xxxx-xxxx", "CVE-2025-0001"))
		z := advisory(cra.SourceNVD, "CVE-2025-0002")
		z.Affected = []cra.Affected{{Ecosystem: "Go", Name: "example.com/zed"}}
		mustImport(t, db, seal(z))
		older, newer := mustFind(t, db, "CVE-2025-0001").ID, mustFind(t, db, "CVE-2025-0002").ID
		st := mustImport(t, db, advisory(cra.SourceEUVD, "EUVD-2025-0001", "CVE-2025-0001", "CVE-2025-0002"))
		if st.Added != 1 || st.Merged != 1 {
			t.Fatalf("merge stats %+v", st)
		}
		v = mustFind(t, db, "CVE-2025-0002")
		if v.ID != older || v.Key != "CVE-2025-0001" || len(v.Aliases) != 4 || len(v.Advisories) != 3 {
			t.Fatalf("merged identity %d (want %d, not %d) %s %v", v.ID, older, newer, v.Key, v.Aliases)
		}
		if n := query(t, db, fmt.Sprintf(`SELECT count(*) FROM vulnerabilities WHERE id = %d`, newer)); n != "0" {
			t.Fatal("merged-away identity still stored")
		}
		hits, total, err := db.SearchVulnerabilities(context.Background(), cra.VulnFilter{Package: "EXAMPLE.com/zed"})
		if err != nil || total != 1 || hits[0].ID != older {
			t.Fatalf("affected rows not moved: %+v %d %v", hits, total, err)
		}

		// Within one import too, and related ids stay apart.
		p := advisory(cra.SourceOSV, "GHSA-pppp-pppp-pppp", "CVE-2025-1000")
		p.Related = []string{"CVE-2025-3000"}
		st = mustImport(t, db, seal(p), advisory(cra.SourceOSV, "GHSA-rrrr-rrrr-rrrr", "CVE-2025-2000"),
			advisory(cra.SourceOSV, "GHSA-tttt-tttt-tttt", "CVE-2025-1000", "CVE-2025-2000"),
			advisory(cra.SourceNVD, "CVE-2025-3000"))
		if st.Added != 4 || st.Merged != 1 {
			t.Fatalf("in-batch merge %+v", st)
		}
		if v := mustFind(t, db, "CVE-2025-2000"); len(v.Aliases) != 5 || v.Key != "CVE-2025-1000" {
			t.Fatalf("in-batch identity %s %v", v.Key, v.Aliases)
		}
		if v := mustFind(t, db, "CVE-2025-3000"); len(v.Aliases) != 1 {
			t.Fatalf("related id merged: %v", v.Aliases)
		}
		// A stored identity and one new in this import: the new one's rows
		// go straight to the stored one.
		stored := mustFind(t, db, "CVE-2025-3000").ID
		st = mustImport(t, db, advisory(cra.SourceOSV, "GHSA-nnnn-nnnn-nnnn", "CVE-2025-4000"),
			advisory(cra.SourceOSV, "GHSA-mmmm-mmmm-mmmm", "CVE-2025-4000", "CVE-2025-3000"))
		if st.Added != 2 || st.Merged != 1 {
			t.Fatalf("stored+new merge %+v", st)
		}
		if v := mustFind(t, db, "GHSA-nnnn-nnnn-nnnn"); v.ID != stored || len(v.Aliases) != 4 || len(v.Advisories) != 3 || v.Key != "CVE-2025-3000" {
			t.Fatalf("stored+new identity %d (want %d) %s %v", v.ID, stored, v.Key, v.Aliases)
		}
		if n := query(t, db, `SELECT count(*) FROM vulnerabilities v WHERE NOT EXISTS (SELECT 1 FROM vuln_aliases a WHERE a.vuln_id = v.id)`); n != "0" {
			t.Fatalf("%s identities without aliases", n)
		}
		// One record twice in one import: the first adds, the second is
		// unchanged or, when it differs, changes it.
		q := advisory(cra.SourceOSV, "GHSA-qqqq-qqqq-qqqq")
		q2 := q
		q2.Summary = "Second version"
		if st := mustImport(t, db, q, q, seal(q2)); !reflect.DeepEqual(st, stats(1, 1, 1)) {
			t.Fatalf("duplicates %+v", st)
		}
		if v := mustFind(t, db, "GHSA-qqqq-qqqq-qqqq"); v.Advisories[0].Summary != "Second version" || len(v.Advisories[0].Affected) != 1 {
			t.Fatalf("duplicate record stored as %+v", v.Advisories[0])
		}
	})
}
