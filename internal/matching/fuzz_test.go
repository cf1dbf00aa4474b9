package matching_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/osv-scalibr/semantic"

	"cyra/internal/cra"
	"cyra/internal/matching"
)

// fuzzEcosystems are the ecosystems the fuzz tests pick from: one of each
// ordering, and one cyra cannot order.
var fuzzEcosystems = []string{"npm", "Go", "PyPI", "Maven", "Debian:12", "Alpine:v3.18", "Red Hat", "RubyGems",
	"NuGet", "Packagist", "Pub", "CRAN", "Hackage", "Android"}

// FuzzDifferential checks that cyra's allocation-free orderings (SemVer,
// Debian, RPM) agree with osv-scalibr's on every version Parse accepts.
func FuzzDifferential(f *testing.F) {
	for _, s := range [][2]string{{"1.2.3", "1.2.3-rc.1"}, {"v1.2", "1.2.0+b"}, {"1.2.3.4", "1.2.3-a.-1"},
		{"1.0.0-a.+5", "1.0.0-a.05"}, {"00.1", "0.1.0-"}, {"1..2", "1.2-x.y.z"}, {"2-x", "2.0.0.0.07"},
		{"1:2.3-1~deb12u1", "2.3-1+b1"}, {"-1:1.0", "+0:1.0~~a"}, {"1.0ä-1", "1.0a-1"},
		{"1:1.1.1k-7.el8_6", "1.1.1k-7.el8"}, {"1.0^git1-1", "1.0~rc1-1"}, {":1.0-1", "a:1.0-1"}} {
		for i := range differentialOrderings {
			f.Add(uint8(i), s[0], s[1])
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, a, b string) {
		o := differentialOrderings[int(i)%len(differentialOrderings)]
		va, errA := matching.Parse(o.eco, a)
		vb, errB := matching.Parse(o.eco, b)
		if errA != nil || errB != nil {
			return
		}
		got, err := va.Compare(vb)
		if err != nil {
			t.Fatal(err)
		}
		want, err := o.scalibr(a, b)
		if err != nil {
			t.Fatalf("%s: scalibr cannot compare %q and %q, which Parse accepts: %v", o.eco, a, b, err)
		}
		if got != want {
			t.Fatalf("%s: Compare(%q, %q) = %d, scalibr says %d", o.eco, a, b, got, want)
		}
	})
}

// differentialOrderings are the orderings cyra implements itself, with
// scalibr's implementation of each.
var differentialOrderings = []struct {
	eco     string
	scalibr func(a, b string) (int, error)
}{
	{"npm", func(a, b string) (int, error) { return semantic.ParseSemverVersion(a).CompareStr(b) }},
	{"Debian", func(a, b string) (int, error) {
		v, err := semantic.ParseDebianVersion(a)
		if err != nil {
			return 0, err
		}
		return v.CompareStr(b)
	}},
	{"Red Hat", func(a, b string) (int, error) { return semantic.ParseRedHatVersion(a).CompareStr(b) }},
}

// FuzzParse checks that parsing never panics and that the orderings are
// reflexive and antisymmetric.
func FuzzParse(f *testing.F) {
	f.Add(uint8(0), "1.2.3", "1.2.3-rc.1")
	f.Add(uint8(2), "1!2.0.post1", "2.0rc1")
	f.Add(uint8(3), "1.0-SNAPSHOT", "1.0.0.RELEASE")
	f.Add(uint8(4), "1:2.3-1~deb12u1", "2.3-1+b1")
	f.Add(uint8(5), "1.2.3_rc1-r0", "1.2.3a-r1")
	f.Add(uint8(6), "1:1.1.1k-7.el8_6", "1.1.1k-7.el8")
	f.Fuzz(func(t *testing.T, i uint8, a, b string) {
		eco := fuzzEcosystems[int(i)%len(fuzzEcosystems)]
		va, errA := matching.Parse(eco, a)
		vb, errB := matching.Parse(eco, b)
		if errA != nil || errB != nil {
			return
		}
		if n, err := va.Compare(va); err != nil || n != 0 {
			t.Fatalf("%s: %q compared with itself = %d, %v", eco, a, n, err)
		}
		ab, errAB := va.Compare(vb)
		ba, errBA := vb.Compare(va)
		if (errAB == nil) != (errBA == nil) || ab != -ba {
			t.Fatalf("%s: Compare(%q, %q) = %d, %v but Compare(%q, %q) = %d, %v", eco, a, b, ab, errAB, b, a, ba, errBA)
		}
	})
}

// FuzzAffects compiles random affected entries and checks Affects against
// a literal transcription of the OSV schema's evaluation pseudocode. It
// also checks that nothing panics.
func FuzzAffects(f *testing.F) {
	f.Add(uint8(0), "SEMVER", "i:0 f:1.0.2", "", "1.0.1")
	f.Add(uint8(0), "SEMVER", "f:3.2.5 i:3.0.0 f:1.0.2 i:1.0.0", "", "3.1.0")
	f.Add(uint8(2), "ECOSYSTEM", "i:2.11 f:2.11.7 i:0 f:2.11.6", "2.11.6 2.11rc1", "2.11.6")
	f.Add(uint8(3), "ECOSYSTEM", "i:0 l:2.1.214 x:3.0", "3.0-RC1", "2.1.214")
	f.Add(uint8(4), "ECOSYSTEM", "i:1:1.0-1 f:1:1.0-2 x:*", "", "1:1.0-1+b1")
	f.Add(uint8(13), "SEMVER", "i:1.0.0 f:1.0.0", "13", "1.0.0")
	f.Add(uint8(1), "GIT", "i:0 f:abc", "v1.0.0", "1.0.0")
	f.Fuzz(func(t *testing.T, i uint8, typ, events, versions, version string) {
		a := cra.Affected{Ecosystem: fuzzEcosystems[int(i)%len(fuzzEcosystems)], Versions: strings.Fields(versions)}
		for _, part := range strings.Split(events, "|") {
			r := cra.Range{Type: typ}
			for _, e := range strings.Fields(part) {
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
				}
			}
			a.Ranges = append(a.Ranges, r)
		}
		c, err := matching.Compile(a)
		if err != nil {
			if !errors.Is(err, matching.ErrInvalidRange) && !errors.Is(err, matching.ErrUnsupportedEcosystem) {
				t.Fatalf("Compile: unexpected error %v", err)
			}
			return
		}
		c.FixedVersions()
		got, err := c.AffectsString(version)
		if _, fixErr := c.SmallestFixString(version); (fixErr == nil) != (err == nil) {
			t.Fatalf("AffectsString and SmallestFixString disagree on %q: %v, %v", version, err, fixErr)
		}
		if err != nil {
			return
		}
		if want := specIsVulnerable(a, version); got != want {
			t.Fatalf("%+v: AffectsString(%q) = %v, the schema's pseudocode says %v", a, version, got, want)
		}
		if fix, _ := c.SmallestFixString(version); fix != "" {
			if bad, err := c.AffectsString(fix); err != nil || bad || !got {
				t.Fatalf("SmallestFix(%q) = %q, which is affected (%v, %v) or the version was not", version, fix, bad, err)
			}
		}
	})
}

// specIsVulnerable transcribes IsVulnerable of the OSV schema for one
// affected entry, ordering versions with the public Compare (SEMVER
// ranges by the npm ordering, which is SemVer's).
func specIsVulnerable(a cra.Affected, v string) bool {
	eco := a.Ecosystem
	for _, listed := range a.Versions {
		if listed == v {
			return true
		}
		if n, err := matching.Compare(eco, v, listed); err == nil && n == 0 {
			return true
		}
	}
	for _, r := range a.Ranges {
		if r.Type == "GIT" {
			continue
		}
		cmpEco := eco
		if r.Type == "SEMVER" && matching.BaseEcosystem(eco) != "Go" {
			cmpEco = "npm" // SemVer; Go's own ordering is SemVer too, with toolchain tags
		}
		cmp := func(x, y string) int {
			n, err := matching.Compare(cmpEco, x, y)
			if err != nil {
				panic(err) // Compile accepted both, so they compare
			}
			return n
		}
		if !specBeforeLimits(r, v, cmp) {
			continue
		}
		events := slices.Clone(r.Events)
		events = slices.DeleteFunc(events, func(e cra.RangeEvent) bool { return e.Limit != "" })
		slices.SortStableFunc(events, func(x, y cra.RangeEvent) int {
			switch {
			case x.Introduced == "0" && y.Introduced == "0":
				return 0
			case x.Introduced == "0":
				return -1
			case y.Introduced == "0":
				return 1
			}
			return cmp(eventVersion(x), eventVersion(y))
		})
		vulnerable := false
		for _, e := range events {
			if e.Introduced != "" && (e.Introduced == "0" || cmp(v, e.Introduced) >= 0) {
				vulnerable = true
			} else if e.Fixed != "" && cmp(v, e.Fixed) >= 0 {
				vulnerable = false
			} else if e.LastAffected != "" && cmp(v, e.LastAffected) > 0 {
				vulnerable = false
			}
		}
		if vulnerable {
			return true
		}
	}
	return false
}

// specBeforeLimits transcribes BeforeLimits of the schema.
func specBeforeLimits(r cra.Range, v string, cmp func(x, y string) int) bool {
	limits := 0
	for _, e := range r.Events {
		if e.Limit == "" {
			continue
		}
		limits++
		if strings.Contains(e.Limit, "*") || cmp(v, e.Limit) < 0 {
			return true
		}
	}
	return limits == 0
}

// eventVersion returns the version an event sets.
func eventVersion(e cra.RangeEvent) string {
	return e.Introduced + e.Fixed + e.LastAffected + e.Limit
}
