package matching_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/matching"
)

// rng builds a range from "i:", "f:", "l:" and "x:" (limit) events.
func rng(typ string, events ...string) cra.Range {
	r := cra.Range{Type: typ}
	for _, e := range events {
		k, v, _ := strings.Cut(e, ":")
		switch k {
		case "i":
			r.Events = append(r.Events, cra.RangeEvent{Introduced: v})
		case "f":
			r.Events = append(r.Events, cra.RangeEvent{Fixed: v})
		case "l":
			r.Events = append(r.Events, cra.RangeEvent{LastAffected: v})
		case "x":
			r.Events = append(r.Events, cra.RangeEvent{Limit: v})
		default:
			panic("bad event " + e)
		}
	}
	return r
}

// MustCompile compiles an affected entry or fails the test.
func MustCompile(tb testing.TB, a cra.Affected) *matching.Compiled {
	tb.Helper()
	c, err := matching.Compile(a)
	if err != nil {
		tb.Fatalf("Compile(%+v): %v", a, err)
	}
	return c
}

func TestAffects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		affected cra.Affected
		yes, no  []string
	}{
		{"introduced 0 and fixed (spec example)",
			cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:1.0.2")}},
			[]string{"0.0.0", "0.0.1", "1.0.1", "1.0.2-rc.1", "v1.0.1"}, []string{"1.0.2", "1.0.2+build.5", "2.0.0"}},
		{"introduced 0 only: every version",
			cra.Affected{Ecosystem: "crates.io", Ranges: []cra.Range{rng("SEMVER", "i:0")}},
			[]string{"0.0.0-alpha", "1.0.0", "999.0.0"}, nil},
		{"last_affected is inclusive",
			cra.Affected{Ecosystem: "Maven", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "l:2.1.214")}},
			[]string{"1.0", "2.1.214", "2.1.214.0", "2.1.214-SNAPSHOT"}, []string{"2.1.215", "2.1.214.1", "2.1.214-sp1"}},
		{"introduced equal to last_affected",
			cra.Affected{Ecosystem: "PyPI", Ranges: []cra.Range{rng("ECOSYSTEM", "i:1.0", "l:1.0")}},
			[]string{"1.0", "1.0.0"}, []string{"0.9", "1.0.1", "1.0.post1"}},
		{"multiple pairs in one range (spec example)",
			cra.Affected{Ecosystem: "Go", Ranges: []cra.Range{rng("SEMVER", "i:1.0.0", "f:1.0.2", "i:3.0.0", "f:3.2.5")}},
			[]string{"1.0.0", "1.0.1", "3.0.0", "3.2.4", "v3.2.4"}, []string{"0.9.9", "1.0.2", "2.9.9", "3.2.5", "4.0.0"}},
		{"unsorted events give the same answer",
			cra.Affected{Ecosystem: "Go", Ranges: []cra.Range{rng("SEMVER", "f:3.2.5", "i:3.0.0", "f:1.0.2", "i:1.0.0")}},
			[]string{"1.0.0", "1.0.1", "3.0.0", "3.2.4"}, []string{"0.9.9", "1.0.2", "2.9.9", "3.2.5"}},
		{"multiple ranges are OR'ed",
			cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0.2.0", "f:1.9.0"), rng("SEMVER", "i:7.0.0", "f:8.0.0")}},
			[]string{"0.2.0", "1.8.9", "7.5.0"}, []string{"0.1.9", "1.9.0", "6.0.0", "8.0.0"}},
		{"limit bounds an open range",
			cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:1.0.0", "x:2.0.0")}},
			[]string{"1.0.0", "1.9.9"}, []string{"0.9.0", "2.0.0", "2.0.1"}},
		{"limit * is infinity",
			cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:1.0.0", "x:*")}},
			[]string{"1.0.0", "99.0.0"}, []string{"0.9.0"}},
		{"below any one of several limits",
			cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:1.5.0", "x:1.2.0", "x:3.0.0")}},
			[]string{"1.0.0", "1.4.0"}, []string{"1.5.0", "2.0.0", "3.0.0"}},
		{"versions list only, exact and by PEP 440 equality",
			cra.Affected{Ecosystem: "PyPI", Versions: []string{"1.0", "1.1rc1", "not a version"}},
			[]string{"1.0", "1.0.0", "1.1rc1", "1.1.0rc1", "1.1-rc.1"}, []string{"1.1", "0.9", "1.0.post1"}},
		{"versions list and ranges",
			cra.Affected{Ecosystem: "RubyGems", Ranges: []cra.Range{rng("ECOSYSTEM", "i:2.0", "f:2.1")}, Versions: []string{"1.5.3"}},
			[]string{"1.5.3", "2.0.0", "2.0.9", "2.1.0.pre"}, []string{"1.5.2", "2.1", "2.1.0"}},
		{"SEMVER pre-release and build metadata",
			cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:1.0.0-alpha", "f:1.0.0")}},
			[]string{"1.0.0-alpha", "1.0.0-alpha+meta", "1.0.0-alpha.1", "1.0.0-beta.11", "1.0.0-rc.1"}, []string{"0.9.9", "1.0.0", "1.0.0+build", "1.0.1"}},
		{"SEMVER ranges use SemVer even in a PEP 440 ecosystem",
			cra.Affected{Ecosystem: "PyPI", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:2.0.0")}},
			[]string{"1.9.9", "2.0.0-rc.1"}, []string{"2.0.0", "2.0.1"}},
		{"ECOSYSTEM ranges of PyPI use PEP 440",
			cra.Affected{Ecosystem: "PyPI", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "f:2.0")}},
			[]string{"1.9", "2.0rc1", "2.0.dev1", "2.0a1"}, []string{"2.0", "2.0.0", "2.0.post1", "1!0.5"}},
		{"Debian epochs and tildes",
			cra.Affected{Ecosystem: "Debian:12", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "f:1:2.3-1")}},
			[]string{"2.9-1", "1:2.3-1~deb12u1", "1:2.2"}, []string{"1:2.3-1", "1:2.3-1+b1", "2:0.1"}},
		{"Go toolchain tags read as the standard library's versions",
			cra.Affected{Ecosystem: "Go", Name: "stdlib", Ranges: []cra.Range{rng("SEMVER", "i:1.21.0-0", "f:1.21.4")}},
			[]string{"go1.21", "go1.21rc2", "go1.21.3", "v1.21.3"}, []string{"go1.20.9", "go1.21.4", "go1.22.0"}},
		{"zero-width pair: fixed where introduced, in published order",
			cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:1.0.0", "f:1.0.0")}},
			nil, []string{"0.9.0", "1.0.0", "1.0.1"}},
		{"re-introduced at the fixed version, in published order",
			cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:1.0.0", "i:1.0.0", "f:2.0.0")}},
			[]string{"0.5.0", "1.0.0", "1.5.0"}, []string{"2.0.0"}},
		{"GIT ranges are not evaluated",
			cra.Affected{Ecosystem: "PyPI", Ranges: []cra.Range{rng("GIT", "i:0", "f:3f38f73218e5e782fe411ccbb3b44a793c0b343a"), rng("ECOSYSTEM", "i:2.8.0", "f:2.10.0")}},
			[]string{"2.8.0", "2.9.2"}, []string{"2.7", "2.10.0"}},
		{"SEMVER ranges of an ecosystem cyra cannot order",
			cra.Affected{Ecosystem: "Kubernetes", Ranges: []cra.Range{rng("SEMVER", "i:1.27.0", "f:1.27.8")}},
			[]string{"1.27.0", "v1.27.7"}, []string{"1.26.9", "1.27.8"}},
		{"versions list of an ecosystem cyra cannot order",
			cra.Affected{Ecosystem: "Android", Versions: []string{"13", "14"}},
			[]string{"13", "14"}, []string{"13.0", "15"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := MustCompile(t, tt.affected)
			for _, want := range []bool{true, false} {
				versions := tt.no
				if want {
					versions = tt.yes
				}
				for _, v := range versions {
					got, err := c.AffectsString(v)
					if err != nil {
						t.Errorf("AffectsString(%q): %v", v, err)
					} else if got != want {
						t.Errorf("AffectsString(%q) = %v, want %v", v, got, want)
					}
					if pv, err := matching.Parse(tt.affected.Ecosystem, v); err == nil && c.Accepts(pv) && c.Affects(pv) != want {
						t.Errorf("Affects(Parse(%q)) = %v, want %v", v, !want, want)
					}
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		affected cra.Affected
		want     error
	}{
		{"ECOSYSTEM range of an unsupported ecosystem", cra.Affected{Ecosystem: "Linux", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "f:6.1")}}, matching.ErrUnsupportedEcosystem},
		{"ECOSYSTEM range of an unknown ecosystem", cra.Affected{Ecosystem: "Nonesuch", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "f:1")}}, matching.ErrUnsupportedEcosystem},
		{"unknown range type", cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("DATE", "i:0")}}, matching.ErrInvalidRange},
		{"range type in lower case", cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("semver", "i:0")}}, matching.ErrInvalidRange},
		{"no introduced event", cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "f:1.0.0")}}, matching.ErrInvalidRange},
		{"event with two fields", cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{{Type: "SEMVER", Events: []cra.RangeEvent{{Introduced: "0", Fixed: "1.0.0"}}}}}, matching.ErrInvalidRange},
		{"event with no field", cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{{Type: "SEMVER", Events: []cra.RangeEvent{{Introduced: "0"}, {}}}}}, matching.ErrInvalidRange},
		{"SEMVER event that is not a version", cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:latest")}}, matching.ErrInvalidVersion},
		{"PEP 440 event that is not a version", cra.Affected{Ecosystem: "Debian", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "f:a:1")}}, matching.ErrInvalidVersion},
		{"version with white space", cra.Affected{Ecosystem: "Maven", Ranges: []cra.Range{rng("ECOSYSTEM", "i:1.0 final")}}, matching.ErrInvalidVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if c, err := matching.Compile(tt.affected); !errors.Is(err, tt.want) {
				t.Errorf("Compile = %v, %v; want error %v", c, err, tt.want)
			}
		})
	}
}

func TestAffectsStringRefusesWhatItCannotCompare(t *testing.T) {
	t.Parallel()
	npm := MustCompile(t, cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:1.0.0")}})
	deb := MustCompile(t, cra.Affected{Ecosystem: "Debian:12", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "f:1.0-1")}})
	maven := MustCompile(t, cra.Affected{Ecosystem: "Maven", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:1.0.0")}})
	for _, tt := range []struct {
		c       *matching.Compiled
		version string
	}{{npm, "latest"}, {npm, ""}, {npm, "*"}, {deb, "a:1"}, {deb, "1.0 -1"}, {maven, "RELEASE"}} {
		if got, err := tt.c.AffectsString(tt.version); !errors.Is(err, matching.ErrInvalidVersion) {
			t.Errorf("%s AffectsString(%q) = %v, %v; want ErrInvalidVersion", tt.c.Ecosystem(), tt.version, got, err)
		}
		if _, err := tt.c.SmallestFixString(tt.version); !errors.Is(err, matching.ErrInvalidVersion) {
			t.Errorf("%s SmallestFixString(%q): %v; want ErrInvalidVersion", tt.c.Ecosystem(), tt.version, err)
		}
	}
	pypi, err := matching.Parse("PyPI", "1.0")
	if err != nil {
		t.Fatal(err)
	}
	if npm.Accepts(pypi) != true || deb.Accepts(pypi) {
		t.Errorf("Accepts: npm (SEMVER only) %v, Debian %v; want true, false", npm.Accepts(pypi), deb.Accepts(pypi))
	}
}

func TestFixes(t *testing.T) {
	t.Parallel()
	tomcat := cra.Affected{Ecosystem: "Maven", Name: "org.apache.tomcat:tomcat-coyote", Ranges: []cra.Range{
		rng("ECOSYSTEM", "i:11.0.0-M1", "f:11.0.0-M12"), rng("ECOSYSTEM", "i:10.0.0", "f:10.1.14"),
		rng("ECOSYSTEM", "i:9.0.0", "f:9.0.81"), rng("ECOSYSTEM", "i:8.5.0", "f:8.5.94"),
	}}
	overlapping := cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:2.0.0"), rng("SEMVER", "i:1.9.0", "f:2.1.0")}}
	tests := []struct {
		name     string
		affected cra.Affected
		version  string
		smallest string
		fixes    []string
	}{
		{"its own branch's fix", tomcat, "9.0.50", "9.0.81", []string{"9.0.81", "10.1.14", "11.0.0-M12"}},
		{"a milestone", tomcat, "11.0.0-M5", "11.0.0-M12", []string{"11.0.0-M12"}},
		{"not affected", tomcat, "8.0.1", "", nil},
		{"fixed already", tomcat, "9.0.81", "", nil},
		{"a fix inside another range is skipped", overlapping, "1.5.0", "2.1.0", []string{"2.1.0"}},
		{"last_affected only has no fix", cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0", "l:1.0.0")}}, "0.5.0", "", nil},
		{"open range has no fix", cra.Affected{Ecosystem: "Go", Ranges: []cra.Range{rng("SEMVER", "i:0")}}, "v1.0.0", "", nil},
		{"listed version with a range's fix", cra.Affected{Ecosystem: "PyPI", Versions: []string{"0.9"}, Ranges: []cra.Range{rng("ECOSYSTEM", "i:1.0", "f:1.2")}}, "0.9", "1.2", []string{"1.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := MustCompile(t, tt.affected)
			got, err := c.SmallestFixString(tt.version)
			if err != nil || got != tt.smallest {
				t.Errorf("SmallestFixString(%q) = %q, %v; want %q", tt.version, got, err, tt.smallest)
			}
			v, err := matching.Parse(tt.affected.Ecosystem, tt.version)
			if err != nil {
				t.Fatal(err)
			}
			if fixes := c.Fixes(v); !slices.Equal(fixes, tt.fixes) {
				t.Errorf("Fixes(%q) = %q, want %q", tt.version, fixes, tt.fixes)
			}
		})
	}
	c := MustCompile(t, tomcat)
	if got, want := c.FixedVersions(), []string{"8.5.94", "9.0.81", "10.1.14", "11.0.0-M12"}; !slices.Equal(got, want) {
		t.Errorf("FixedVersions = %q, want %q", got, want)
	}
	dup := MustCompile(t, cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{rng("SEMVER", "i:0", "f:1.0.0"), rng("SEMVER", "i:0.5.0", "f:1.0.0")}})
	if got := dup.FixedVersions(); !slices.Equal(got, []string{"1.0.0"}) {
		t.Errorf("FixedVersions with a duplicate = %q", got)
	}
}

func TestGitOnlyEntry(t *testing.T) {
	t.Parallel()
	git := rng("GIT", "i:6e5755a2a833bc64852eae12967d0a54d7adf629", "f:c43455749b914feef56b178b256f29b3016146eb")
	git.Repo = "https://github.com/unicode-org/icu.git"
	c := MustCompile(t, cra.Affected{Ecosystem: "OSS-Fuzz", Name: "icu", Ranges: []cra.Range{git}})
	if c.Evaluable() {
		t.Error("an entry with only GIT ranges is Evaluable")
	}
	if got := c.GitRanges(); len(got) != 1 || got[0].Repo != git.Repo {
		t.Errorf("GitRanges = %+v", got)
	}
	if got, err := c.AffectsString("70.1"); got || err != nil {
		t.Errorf("AffectsString = %v, %v; want false, nil", got, err)
	}
}
