package matching_test

import (
	"testing"

	"cyra/internal/cra"
	"cyra/internal/matching"
)

// benchCases are typical entries of the real data, one per ordering, with
// an affected version to evaluate.
var benchCases = []struct {
	name     string
	affected cra.Affected
	version  string
}{
	{"npm", cra.Affected{Ecosystem: "npm", Ranges: []cra.Range{
		rng("SEMVER", "i:0.2.0", "f:1.9.0"), rng("SEMVER", "i:0", "f:0.1.10"), rng("SEMVER", "i:7.0.0", "f:8.0.0"),
		rng("SEMVER", "i:2.0.0", "f:3.3.0"), rng("SEMVER", "i:4.0.0", "f:6.3.0")}}, "6.2.1"},
	{"Go", cra.Affected{Ecosystem: "Go", Ranges: []cra.Range{
		rng("SEMVER", "i:2.3.1", "f:2.14.4", "i:2.15.0", "f:2.15.3", "i:2.16.0", "f:2.16.1")}}, "v2.15.2"},
	{"PyPI", cra.Affected{Ecosystem: "PyPI", Ranges: []cra.Range{
		rng("ECOSYSTEM", "i:3.2", "f:3.2.19", "i:4.0", "f:4.1.9", "i:4.2", "f:4.2.1")},
		Versions: []string{"3.2", "3.2.1", "3.2.10", "3.2.18", "4.0", "4.1", "4.1.8", "4.2"}}, "4.1.7"},
	{"Maven", cra.Affected{Ecosystem: "Maven", Ranges: []cra.Range{
		rng("ECOSYSTEM", "i:9.3.0", "f:9.4.53"), rng("ECOSYSTEM", "i:10.0.0", "f:10.0.17"), rng("ECOSYSTEM", "i:11.0.0", "f:11.0.17")}}, "9.4.52.v20230823"},
	{"Debian", cra.Affected{Ecosystem: "Debian:12", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "f:3.0.11-1~deb12u2")}}, "3.0.9-1"},
	{"RPM", cra.Affected{Ecosystem: "Red Hat:enterprise_linux:8::baseos", Ranges: []cra.Range{rng("ECOSYSTEM", "i:0", "f:1:1.1.1k-7.el8_6")}}, "1:1.1.1k-6.el8_5"},
}

// BenchmarkAffects measures one evaluation of a pre-parsed version
// against a compiled entry, the matching engine's inner loop.
func BenchmarkAffects(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			c := MustCompile(b, bc.affected)
			v, err := matching.Parse(bc.affected.Ecosystem, bc.version)
			if err != nil {
				b.Fatal(err)
			}
			if !c.Affects(v) {
				b.Fatalf("%s is not affected", bc.version)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.Affects(v)
			}
		})
	}
}

// BenchmarkCompile measures compiling an entry, done once per advisory
// when an index is built.
func BenchmarkCompile(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				MustCompile(b, bc.affected)
			}
		})
	}
}

// TestAffectsDoesNotAllocateForSemVer pins the allocation-free inner loop
// of the SemVer ecosystems (most advisories: npm, Go, crates.io).
func TestAffectsDoesNotAllocateForSemVer(t *testing.T) {
	for _, bc := range benchCases[:2] {
		c := MustCompile(t, bc.affected)
		v, err := matching.Parse(bc.affected.Ecosystem, bc.version)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { c.Affects(v) }); n != 0 {
			t.Errorf("%s: Affects allocates %v times", bc.name, n)
		}
	}
}
