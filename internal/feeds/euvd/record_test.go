package euvd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	utc := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, time.UTC)
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"May 2, 2025, 9:52:09 PM", utc(2025, 5, 2, 21, 52, 9)},
		{"Apr 9, 2025, 12:00:00 AM", utc(2025, 4, 9, 0, 0, 0)},
		{"Dec 31, 2024, 12:30:00 PM", utc(2024, 12, 31, 12, 30, 0)},
		{"  Mar 29, 2024, 4:51:12 PM\n", utc(2024, 3, 29, 16, 51, 12)},
		{"Apr 1, 2025, 12:00:00\u202fAM", utc(2025, 4, 1, 0, 0, 0)},
		{"Apr 1, 2025, 1:02:03\u00a0pm", utc(2025, 4, 1, 13, 2, 3)},
		{"Aug 18, 2026", utc(2026, 8, 18, 0, 0, 0)},
		{"Aug 18, 2026, 3:04 PM", utc(2026, 8, 18, 15, 4, 0)},
		{"August 18, 2026, 3:04:05 PM", utc(2026, 8, 18, 15, 4, 5)},
		{"2025-05-02T21:52:09Z", utc(2025, 5, 2, 21, 52, 9)},
		{"2025-05-02T23:52:09+02:00", utc(2025, 5, 2, 21, 52, 9)},
		{"2025-05-02T21:52:09.123", time.Date(2025, 5, 2, 21, 52, 9, 123e6, time.UTC)},
		{"2025-05-02 21:52:09", utc(2025, 5, 2, 21, 52, 9)},
		{"2025-05-02", utc(2025, 5, 2, 0, 0, 0)},
	} {
		got, err := ParseDate(tc.in)
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "May 32, 2025, 9:52:09 PM", "13/05/2025", "May 2, 2025, 25:00:00 PM"} {
		if got, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) = %v; want an error", bad, got)
		}
	}
}

func TestParseRecord(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/exploited-p0.json")
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := decodePage(body)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseRecord(items[0])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(a.Raw)
	if a.Source != cra.SourceEUVD || a.ID != "EUVD-2021-30163" || a.Digest != hex.EncodeToString(sum[:]) || !json.Valid(a.Raw) {
		t.Errorf("id/raw/digest = %s %s %s", a.Source, a.ID, a.Digest)
	}
	if !slices.Equal(a.Aliases, []string{"CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"}) {
		t.Errorf("aliases = %q", a.Aliases)
	}
	if !strings.HasPrefix(a.Summary, "Apache Log4j2 2.0-beta9") || strings.Contains(a.Summary, "\n") || !strings.Contains(a.Details, "message lookup substitution") {
		t.Errorf("summary %q, details %q", a.Summary, a.Details)
	}
	if a.Published == nil || !a.Published.Equal(time.Date(2021, 12, 10, 0, 0, 0, 0, time.UTC)) ||
		a.Modified == nil || !a.Modified.Equal(time.Date(2025, 5, 2, 21, 52, 9, 0, time.UTC)) {
		t.Errorf("published %v, modified %v", a.Published, a.Modified)
	}
	want := cra.Severity{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10, Rating: "CRITICAL", Source: "apache"}
	if len(a.Severity) != 1 || a.Severity[0] != want {
		t.Errorf("severity = %+v; want %+v", a.Severity, want)
	}
	if len(a.References) != 2 || a.References[1].URL != "https://www.cve.org/CVERecord?id=CVE-2021-44228" {
		t.Errorf("references = %+v", a.References)
	}
	if a.EPSS == nil || *a.EPSS < 0.9435 || *a.EPSS > 0.9437 {
		t.Errorf("epss = %v; want 0.9436 (94.36 %%)", a.EPSS)
	}
}

func TestParseRecordTolerance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		check    func(cra.Advisory) bool
	}{
		{"score only", `{"id":"EUVD-2025-1000","baseScore":7.5,"baseScoreVersion":"2.0"}`, func(a cra.Advisory) bool {
			return len(a.Severity) == 1 && a.Severity[0] == cra.Severity{Type: "CVSS_V2", Score: 7.5, Rating: "HIGH", Source: "euvd"}
		}},
		{"bad vector keeps score", `{"id":"EUVD-2025-1001","baseScore":8.1,"baseScoreVersion":"3.1","baseScoreVector":"CVSS:3.1/AV:X"}`, func(a cra.Advisory) bool {
			return len(a.Severity) == 1 && a.Severity[0].Score == 8.1 && a.Severity[0].Rating == "HIGH" && a.Severity[0].Vector == "CVSS:3.1/AV:X"
		}},
		{"vector wins", `{"id":"EUVD-2025-1002","baseScore":"1.0","baseScoreVector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}`, func(a cra.Advisory) bool {
			return a.Severity[0].Score == 9.8
		}},
		{"wrong types", `{"id":"EUVD-2025-1003","aliases":["CVE-2025-0001","",null],"references":{"x":1},"epss":"n/a","datePublished":17,"baseScore":true}`, func(a cra.Advisory) bool {
			return slices.Equal(a.Aliases, []string{"CVE-2025-0001"}) && a.References == nil && a.EPSS == nil && a.Published == nil && a.Severity == nil
		}},
		{"self alias and blanks", `{"id":"EUVD-2025-1004","aliases":"\n\nEUVD-2025-1004\ncve-2025-0002\n  \nCVE-2025-0002\n"}`, func(a cra.Advisory) bool {
			return slices.Equal(a.Aliases, []string{"CVE-2025-0002"})
		}},
		{"bad dates", `{"id":"EUVD-2025-1005","datePublished":"soon","exploitedSince":""}`, func(a cra.Advisory) bool {
			return a.Published == nil && a.ExploitedSince == nil
		}},
		{"epss out of range", `{"id":"EUVD-2025-1006","epss":250}`, func(a cra.Advisory) bool { return a.EPSS == nil }},
	} {
		a, err := ParseRecord([]byte(tc.in))
		if err != nil || !tc.check(a) {
			t.Errorf("%s: ParseRecord = %+v, %v", tc.name, a, err)
		}
	}
	for _, bad := range []string{`{}`, `null`, `[]`, `"EUVD-2025-1"`, `{"id":"CVE-2025-0001"}`, `{"id":{"v":1}}`} {
		if _, err := ParseRecord([]byte(bad)); err == nil {
			t.Errorf("ParseRecord(%s) succeeded; want an error", bad)
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, name := range []string{"exploited-p0.json", "exploited-p1.json", "updated.json"} {
		body, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		items, _, _ := decodePage(body)
		for _, it := range items {
			f.Add([]byte(it))
		}
	}
	f.Add([]byte(`{"id":"EUVD-2025-1","baseScoreVector":"AV:N","baseScoreVersion":"4"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, err := ParseRecord(raw)
		if err == nil && (!cra.IsEUVD(a.ID) || !json.Valid(a.Raw)) {
			t.Fatalf("ParseRecord accepted %q with id %q", raw, a.ID)
		}
		decodePage(raw)
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"May 2, 2025, 9:52:09 PM", "2025-05-02T21:52:09Z", "Apr 1, 2025, 12:00:00\u202fAM", "2025-05-02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := ParseDate(s); err == nil && got.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %v, not UTC", s, got)
		}
	})
}
