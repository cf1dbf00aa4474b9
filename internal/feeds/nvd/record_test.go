package nvd

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

func TestParseCVE(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/cve-2021-44228.json")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := decodePage(body)
	if err != nil || len(pg.items) != 1 || pg.total != 1 {
		t.Fatalf("decodePage = %+v, %v", pg, err)
	}
	a, err := ParseCVE(pg.items[0])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(a.Raw)
	if a.Source != cra.SourceNVD || a.ID != "CVE-2021-44228" || a.Digest != hex.EncodeToString(sum[:]) || !json.Valid(a.Raw) {
		t.Errorf("source/id/digest = %s %s %s", a.Source, a.ID, a.Digest)
	}
	if !strings.HasPrefix(a.Summary, "Apache Log4j2 2.0-beta9 through 2.15.0") || a.Details != "" {
		t.Errorf("summary %q details %q; want the English description", a.Summary, a.Details)
	}
	if !a.Published.Equal(time.Date(2021, 12, 10, 10, 15, 9, 143e6, time.UTC)) ||
		!a.Modified.Equal(time.Date(2025, 2, 4, 15, 15, 13, 773e6, time.UTC)) || a.Withdrawn != nil {
		t.Errorf("published %v modified %v withdrawn %v", a.Published, a.Modified, a.Withdrawn)
	}
	want := []cra.Severity{
		{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10, Rating: "CRITICAL", Source: "nvd@nist.gov"},
		{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10, Rating: "CRITICAL", Source: "security@apache.org"},
		{Type: "CVSS_V2", Vector: "AV:N/AC:M/Au:N/C:C/I:C/A:C", Score: 9.3, Rating: "HIGH", Source: "nvd@nist.gov"},
	}
	if !slices.Equal(a.Severity, want) {
		t.Errorf("severity = %+v\nwant %+v", a.Severity, want)
	}
	if !slices.Equal(a.CWEs, []string{"CWE-20", "CWE-400", "CWE-502", "CWE-917"}) {
		t.Errorf("CWEs = %v", a.CWEs)
	}
	wantCPEs := []string{
		"cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*",
		"cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*",
		"cpe:2.3:o:siemens:sppa-t3000_ses3000_firmware:*:*:*:*:*:*:*:*",
	}
	if !slices.Equal(a.CPEs, wantCPEs) {
		t.Errorf("CPEs = %v; want the vulnerable criteria, deduplicated", a.CPEs)
	}
	if len(a.References) != 4 || a.References[0] != (cra.Reference{Type: "Release Notes, Vendor Advisory", URL: "https://logging.apache.org/log4j/2.x/security.html"}) || a.References[3].Type != "" {
		t.Errorf("references = %+v", a.References)
	}
}

func TestParseCVEFallbacks(t *testing.T) {
	t.Parallel()
	a, err := ParseCVE([]byte(`{"id":"cve-2025-0001","published":"2025-01-02T03:04:05Z","vulnStatus":"Rejected",
		"descriptions":[{"lang":"fr","value":" Description "}],
		"metrics":{"cvssMetricV31":[{"source":"cna","type":"Secondary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:Q","baseScore":6.1,"baseSeverity":"medium"}}],
		"cvssMetricV2":[{"source":"nvd","cvssData":{"version":"2.0","baseScore":5.0},"baseSeverity":""}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "CVE-2025-0001" || a.Summary != "Description" || a.Withdrawn == nil || !a.Withdrawn.Equal(*a.Published) {
		t.Errorf("advisory = %+v", a)
	}
	want := []cra.Severity{
		{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:Q", Score: 6.1, Rating: "MEDIUM", Source: "cna"},
		{Type: "CVSS_V2", Score: 5, Rating: "MEDIUM", Source: "nvd"},
	}
	if !slices.Equal(a.Severity, want) {
		t.Errorf("severity = %+v; want %+v", a.Severity, want)
	}
	for _, bad := range []string{`{}`, `{"id":"GHSA-xxxx"}`, `[]`, `{"id":"CVE-2025-0001","metrics":[]}`} {
		if _, err := ParseCVE([]byte(bad)); err == nil {
			t.Errorf("ParseCVE(%s) succeeded", bad)
		}
	}
}

func TestWindows(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := windows(from, from, MaxWindow); len(got) != 0 {
		t.Errorf("empty range gave %v", got)
	}
	got := windows(from, from.Add(2*MaxWindow), MaxWindow)
	if len(got) != 2 || got[0].to != got[1].from || got[1].to != from.Add(2*MaxWindow) {
		t.Errorf("windows = %v", got)
	}
	if got := windows(from, from.Add(MaxWindow+time.Millisecond), MaxWindow); len(got) != 2 || got[1].to.Sub(got[1].from) != time.Millisecond {
		t.Errorf("windows = %v", got)
	}
}

func FuzzParseCVE(f *testing.F) {
	for _, name := range []string{"cve-2021-44228.json", "lastmod-p0.json", "lastmod-p1.json"} {
		body, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		pg, _ := decodePage(body)
		for _, it := range pg.items {
			f.Add([]byte(it))
		}
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if a, err := ParseCVE(raw); err == nil && !cra.IsCVE(a.ID) {
			t.Fatalf("accepted id %q", a.ID)
		}
		decodePage(raw)
	})
}
