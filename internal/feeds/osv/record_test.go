package osv_test

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/feeds/osv"
)

func TestParseRecordGo(t *testing.T) {
	t.Parallel()
	data := mustRead(t, "Go/GO-2020-0001.json")
	a, err := osv.ParseRecord("GO-2020-0001.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != cra.SourceOSV || a.ID != "GO-2020-0001" {
		t.Errorf("Source, ID = %q, %q", a.Source, a.ID)
	}
	if !slices.Equal(a.Aliases, []string{"CVE-2020-36567", "GHSA-6vm3-jj99-7229"}) {
		t.Errorf("Aliases = %v", a.Aliases)
	}
	// golang/vulndb says 0001-01-01 for every record: that is no time.
	if a.Modified != nil {
		t.Errorf("Modified = %v, want nil for the zero time", a.Modified)
	}
	if a.Published == nil || a.Published.Format("2006-01-02") != "2021-04-14" {
		t.Errorf("Published = %v", a.Published)
	}
	if len(a.Affected) == 0 || a.Affected[0].Ecosystem != "Go" || a.Affected[0].Name != "github.com/gin-gonic/gin" {
		t.Fatalf("Affected = %+v", a.Affected)
	}
	if !slices.Contains(a.Affected[0].Symbols, "github.com/gin-gonic/gin.LoggerWithConfig") {
		t.Errorf("Symbols = %v, want the imports' symbols", a.Affected[0].Symbols)
	}
	sum := sha256.Sum256(data)
	if string(a.Raw) != string(data) || a.Digest != hex.EncodeToString(sum[:]) {
		t.Errorf("Raw/Digest do not match the file")
	}
}

func TestParseRecordGHSA(t *testing.T) {
	t.Parallel()
	a, err := osv.ParseRecord("x.json", mustRead(t, "Maven/GHSA-h3gc-qfqq-6h8f.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.CWEs, []string{"CWE-770"}) {
		t.Errorf("CWEs = %v", a.CWEs)
	}
	want := []cra.Severity{
		{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Score: 7.5, Rating: "HIGH", Source: "GHSA"},
		{Type: "CVSS_V4", Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", Score: 8.7, Rating: "HIGH", Source: "GHSA"},
		{Type: "QUALITATIVE", Rating: "HIGH", Source: "GHSA"},
	}
	if !slices.Equal(a.Severity, want) {
		t.Errorf("Severity = %+v\nwant %+v", a.Severity, want)
	}
}

func TestParseRecordQuirks(t *testing.T) {
	t.Parallel()
	// RustSec withdrew this one: it stays readable, marked withdrawn.
	a, err := osv.ParseRecord("x.json", mustRead(t, "crates.io/RUSTSEC-2020-0053.json"))
	if err != nil || a.Withdrawn == nil || a.Withdrawn.Format("2006-01-02") != "2021-04-19" {
		t.Errorf("withdrawn record: %v, %v", a.Withdrawn, err)
	}
	// A GIT range whose "fixed" is no commit hash (it fails the OSV
	// schema): kept exactly as published.
	a, err = osv.ParseRecord("x.json", mustRead(t, "PyPI/PYSEC-2017-27.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := a.Affected[0].Ranges[0]
	want := []cra.RangeEvent{{Introduced: "0"}, {Fixed: "b27f38a67573f4c989710c9bfb726dd4c1eeb929.patch"}, {Fixed: "b27f38a67573f4c989710c9bfb726dd4c1eeb929"}}
	if r.Type != "GIT" || r.Repo != "https://github.com/fedora-infra/python-fedora" || !slices.Equal(r.Events, want) {
		t.Errorf("GIT range = %+v", r)
	}
	// RustSec names affected functions.
	a, err = osv.ParseRecord("x.json", mustRead(t, "crates.io/RUSTSEC-2019-0001.json"))
	if err != nil || !slices.Contains(a.Affected[0].Symbols, "ammonia::clean") {
		t.Errorf("RustSec symbols = %v, %v", a.Affected, err)
	}
}

func TestParseRecordNormalises(t *testing.T) {
	t.Parallel()
	data := `{"id":" ghsa-AAAA-bbbb-CCCC ","aliases":["cve-2024-0001","CVE-2024-0001","GHSA-aaaa-bbbb-cccc",""],
	"related":["pysec-2024-1"],"modified":"2024-05-01T10:00:00.5+02:00",
	"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:X"},{"type":"Ubuntu","score":"medium"}],
	"database_specific":{"cwe_ids":"CWE-79","severity":"moderate"},
	"affected":[{"package":{"ecosystem":"npm","name":"x"},"ecosystem_specific":{"imports":7}}]}`
	a, err := osv.ParseRecord("n.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "GHSA-aaaa-bbbb-cccc" || !slices.Equal(a.Aliases, []string{"CVE-2024-0001"}) || !slices.Equal(a.Related, []string{"PYSEC-2024-1"}) {
		t.Errorf("ids = %q %v %v", a.ID, a.Aliases, a.Related)
	}
	if a.Modified == nil || a.Modified.Format("2006-01-02T15:04:05.0Z07:00") != "2024-05-01T08:00:00.5Z" {
		t.Errorf("Modified = %v, want UTC", a.Modified)
	}
	// A bad vector is kept with score 0; free-form fields of an
	// unexpected shape are ignored.
	want := []cra.Severity{
		{Type: "CVSS_V3", Vector: "CVSS:3.1/AV:X", Source: "GHSA"},
		{Type: "Ubuntu", Rating: "MEDIUM", Source: "GHSA"},
		{Type: "QUALITATIVE", Rating: "MEDIUM", Source: "GHSA"},
	}
	if !slices.Equal(a.Severity, want) || a.CWEs != nil {
		t.Errorf("Severity = %+v, CWEs = %v", a.Severity, a.CWEs)
	}
}

func TestParseRecordErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, data, want string }{
		{"syntax", "{\n  \"id\": \"GO-1\",\n  \"aliases\": [\"a\" \"b\"]\n}", "bad.json:3:19: invalid JSON"},
		{"type", "{\n  \"id\": \"GO-1\",\n  \"aliases\": 5\n}", "bad.json:3:14: aliases is a JSON number where a list was expected"},
		{"nested type", `{"id":"GO-1","affected":[{"ranges":[{"type":"SEMVER","events":[{"introduced":0}]}]}]}`, "bad.json:1:78: affected.ranges.events.introduced is a JSON number where a string was expected"},
		{"truncated", `{"id":"GO-1","aliases":[`, "bad.json:1:24: invalid JSON: unexpected end of JSON input"},
		{"not an object", `"GO-1"`, "bad.json:1:6: the document is a JSON string where an object was expected"},
		{"no id", `{"summary":"x"}`, "bad.json: the record has no id"},
		{"bad time", `{"id":"GO-1","published":"yesterday"}`, `bad.json: GO-1: published: "yesterday" is not an RFC 3339 time`},
		{"empty", ``, "bad.json:1:1: invalid JSON"},
	}
	for _, c := range cases {
		_, err := osv.ParseRecord("bad.json", []byte(c.data))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want prefix %q", c.name, err, c.want)
		}
	}
}
