package scanout_test

import (
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/scanout"
)

const ignoreYAML = `# Accepted findings, reviewed quarterly.
ignore:
  - id: GHSA-462w-v97r-4m45      # any alias works
    purl: pkg:pypi/jinja2
    reason: templates are ours, never user input
    expires: 2026-12-31
  - id: cve-2019-15551
    purl: pkg:cargo/smallvec@0.6.5
    reason: vendored copy patched
    expires: 2026-11-25
  - id: CVE-2023-44487
    reason: HTTP/2 disabled
    expires: 2026-01-31
  - id: RUSTSEC-2019-0009
    package: other-crate
    reason: not this one
    expires: 2030-01-01
`

func TestParseIgnore(t *testing.T) {
	t.Parallel()
	l, err := scanout.ParseIgnore("ignore.yaml", []byte(ignoreYAML))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Rules) != 4 || l.Rules[0].ID != "GHSA-462w-v97r-4m45" || l.Rules[0].PURL != "pkg:pypi/jinja2" ||
		l.Rules[0].Expires.String() != "2026-12-31" || l.Rules[1].Line != 7 || l.Rules[3].Package != "other-crate" {
		t.Fatalf("rules: %+v", l.Rules)
	}
	for _, empty := range []string{"", "# nothing yet\n", "ignore:\n", "ignore: []\n", "---\n"} {
		if l, err := scanout.ParseIgnore("e.yaml", []byte(empty)); err != nil || len(l.Rules) != 0 {
			t.Errorf("%q: %v %v", empty, l, err)
		}
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, doc, want string }{
		{"no reason", "ignore:\n  - id: CVE-1\n    expires: 2026-01-01\n", "f.yaml:2: entry 1: reason is required"},
		{"no expiry", "ignore:\n  - id: CVE-1\n    reason: r\n", "f.yaml:2: entry 1: expires is required"},
		{"no id", "ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2026-01-01\n  - reason: r\n    expires: 2026-01-01\n", "f.yaml:5: entry 2: id is required"},
		{"bad date", "ignore:\n  - id: CVE-1\n    reason: r\n    expires: 31.12.2026\n", `f.yaml:4: entry 1: expires "31.12.2026" is not a date`},
		{"timestamp", "ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2026-12-31T10:00:00Z\n", "f.yaml:4: entry 1: expires"},
		{"typo", "ignore:\n  - id: CVE-1\n    reason: r\n    expire: 2026-01-01\n", `f.yaml:4: entry 1: unknown key "expire"`},
		{"twice", "ignore:\n  - id: CVE-1\n    id: CVE-2\n", "f.yaml:3: entry 1: id is given twice"},
		{"list value", "ignore:\n  - id: [CVE-1, CVE-2]\n    reason: r\n    expires: 2026-01-01\n", "f.yaml:2: entry 1: id must be a single value"},
		{"bad purl", "ignore:\n  - id: CVE-1\n    purl: jinja2\n    reason: r\n    expires: 2026-01-01\n", "entry 1: purl \"jinja2\" is not a package URL"},
		{"scalar entry", "ignore:\n  - CVE-1\n", "f.yaml:2: entry 1: expected a mapping"},
		{"top list", "- id: CVE-1\n", "f.yaml:1: expected a mapping"},
		{"top key", "ignores:\n  - id: CVE-1\n", `f.yaml:1: unknown key "ignores"`},
		{"not a list", "ignore: CVE-1\n", `f.yaml:1: "ignore" must be a list`},
		{"syntax", "ignore:\n  - id: [\n", "f.yaml: line"},
		{"alias", "ignore:\n  - &a\n    id: CVE-1\n    reason: r\n    expires: 2026-01-01\n  - *a\n", "anchors and aliases"},
		{"json", `{"ignore": [{"id": "CVE-1", "reason": "r"}]}`, "f.yaml:1: entry 1: expires is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scanout.ParseIgnore("f.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := scanout.ParseIgnore("big.yaml", make([]byte, scanout.MaxIgnoreSize+1)); err == nil {
		t.Error("no error for an oversized file")
	}
}

func TestApplyIgnore(t *testing.T) {
	t.Parallel()
	l, err := scanout.ParseIgnore("ignore.yaml", []byte(ignoreYAML))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC)
	kept, ignored, warnings := l.Apply(sample().Findings, now)
	got := map[string]string{}
	for _, ig := range ignored {
		got[ig.Finding.PURL] = ig.Rule.ID
	}
	// jinja2 by alias and package purl; smallvec 0.6.5 by CVE alias,
	// lower case, on its last day; not 0.6.9 (another version).
	want := map[string]string{"pkg:pypi/jinja2@2.10": "GHSA-462w-v97r-4m45", "pkg:cargo/smallvec@0.6.5": "cve-2019-15551"}
	if len(got) != len(want) || got["pkg:pypi/jinja2@2.10"] != want["pkg:pypi/jinja2@2.10"] || got["pkg:cargo/smallvec@0.6.5"] != want["pkg:cargo/smallvec@0.6.5"] {
		t.Errorf("ignored %v, want %v", got, want)
	}
	if len(kept) != 3 {
		t.Errorf("kept %d, want 3", len(kept))
	}
	// The expired CVE-2023-44487 entry no longer applies and is reported.
	if len(warnings) != 1 || !strings.Contains(warnings[0], "ignore.yaml:11: entry 3 (CVE-2023-44487) expired on 2026-01-31") ||
		!strings.Contains(warnings[0], "1 finding") {
		t.Errorf("warnings: %q", warnings)
	}
	// The next day the smallvec entry has expired too.
	kept, _, warnings = l.Apply(sample().Findings, now.Add(time.Minute))
	if len(kept) != 4 || len(warnings) != 2 {
		t.Errorf("a day later: kept %d, warnings %q", len(kept), warnings)
	}
	var none *scanout.IgnoreList
	if kept, ig, w := none.Apply(sample().Findings, now); len(kept) != 5 || ig != nil || w != nil {
		t.Error("a nil list ignores something")
	}
}

func TestIgnorePURLScope(t *testing.T) {
	t.Parallel()
	f := cra.ScanFinding{PURL: "pkg:npm/%40babel/core@7.0.0?arch=x", Component: "@babel/core", VulnID: "CVE-1", Aliases: []string{"CVE-1"}}
	for purl, want := range map[string]bool{
		"pkg:npm/%40babel/core":                true,
		"pkg:npm/%40babel/core@7.0.0":          true,
		"pkg:npm/%40babel/core@7.0.1":          false,
		"pkg:npm/%40babel/core@7.0.0?arch=x":   true,
		"pkg:npm/%40babel/core@7.0.0?arch=y":   false,
		"pkg:npm/%40babel/cor":                 false,
		"PKG:NPM/%40BABEL/CORE":                true,
		"pkg:npm/%40babel/core@7.0.0#sub/path": false,
	} {
		r := scanout.IgnoreRule{ID: "cve-1", PURL: purl}
		if got := r.Matches(&f); got != want {
			t.Errorf("%s matches: %v, want %v", purl, got, want)
		}
	}
	if r := (scanout.IgnoreRule{ID: "CVE-1", Package: "@BABEL/core"}); !r.Matches(&f) {
		t.Error("package name match is case-sensitive")
	}
}

func FuzzParseIgnore(f *testing.F) {
	f.Add([]byte(ignoreYAML))
	f.Add([]byte("ignore:\n  - &a {id: x}\n  - *a\n"))
	f.Add([]byte(`{"ignore":[{"id":"CVE-1","reason":"r","expires":"2026-01-01"}]}`))
	f.Add([]byte("ignore: !!binary aGVsbG8=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := scanout.ParseIgnore("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, r := range l.Rules {
			if r.ID == "" || r.Reason == "" || r.Expires.IsZero() || r.Entry < 1 || r.Line < 1 {
				t.Fatalf("accepted an incomplete rule: %+v", r)
			}
		}
		l.Apply(sample().Findings, time.Now())
	})
}
