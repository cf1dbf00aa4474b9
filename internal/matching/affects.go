package matching

import (
	"fmt"
	"slices"

	"cyra/internal/cra"
)

// Ecosystem returns the entry's ecosystem as published ("Debian:12").
func (c *Compiled) Ecosystem() string { return c.ecosystem }

// Name returns the entry's package name as published.
func (c *Compiled) Name() string { return c.name }

// GitRanges returns the entry's GIT ranges, which Affects does not use:
// they need the repository's commit graph.
func (c *Compiled) GitRanges() []cra.Range { return slices.Clone(c.git) }

// Evaluable reports whether the entry says anything about versions, that
// is whether it has a SEMVER or ECOSYSTEM range or a versions list. An
// entry with GIT ranges only is never affected by a package version, and
// a caller may want to say so rather than report "not affected".
func (c *Compiled) Evaluable() bool { return len(c.ranges) > 0 || len(c.exact) > 0 }

// Accepts reports whether Affects can fully evaluate v: the entry's
// ECOSYSTEM ranges need v parsed for an ecosystem of the same ordering,
// its SEMVER ranges a version SemVer can read. Versions that Accepts
// refuses are evaluated against what they can be compared with (exact
// versions-list strings at least), so a false Accepts means Affects may
// miss a match.
func (c *Compiled) Accepts(v Version) bool {
	if c.hasEcoRange && (v.fam != c.fam || !v.ordered()) {
		return false
	}
	return !c.hasSemverRange || v.semOK
}

// Affects reports whether v is affected: listed in the versions list or
// inside one of the SEMVER or ECOSYSTEM ranges, per the OSV schema's
// IsVulnerable. v should come from Parse with the entry's ecosystem (or
// one of the same ordering; see Accepts). It does not allocate for the
// SemVer, Debian and RPM orderings, which cyra implements itself; the
// others are osv-scalibr's comparisons, some of which allocate (Maven).
func (c *Compiled) Affects(v Version) bool {
	return c.affects(&v)
}

func (c *Compiled) affects(v *Version) bool {
	if _, ok := c.exact[v.raw]; ok {
		return true
	}
	for i := range c.ranges {
		if c.ranges[i].contains(v) {
			return true
		}
	}
	// Last, because the ordered look-up in the versions list parses and
	// sorts the list on first use.
	return c.listedVersion(v)
}

// AffectsString parses version by the entry's ecosystem and reports
// whether it is affected. It fails with ErrInvalidVersion when a range
// needs a reading of the version that its text does not allow (an npm
// range and "latest", a Debian range and "1:x"), so that no version is
// reported unaffected merely because it could not be compared.
func (c *Compiled) AffectsString(version string) (bool, error) {
	v, err := c.parse(version)
	if err != nil {
		return false, err
	}
	return c.affects(&v), nil
}

// parse reads a version for this entry and checks that every range can
// compare it.
func (c *Compiled) parse(version string) (Version, error) {
	v, err := parse(c.fam, c.goTags, version)
	if err != nil {
		return Version{}, err
	}
	if !c.Accepts(v) {
		return Version{}, fmt.Errorf("%w: %q cannot be compared with the ranges of this %s advisory", ErrInvalidVersion, version, BaseEcosystem(c.ecosystem))
	}
	return v, nil
}

// fix is a fixed event's version with the ordering of its range.
type fix struct {
	v      Version
	semver bool
}

// compareTo orders f against v by f's range ordering.
func (f *fix) compareTo(v *Version) (int, bool) {
	if f.semver {
		return compareSem(&f.v, v)
	}
	return compareOrdered(&f.v, v)
}

// collectFixes gathers the fixed events of all ranges, without
// duplicates, in ascending order (by the ecosystem's ordering where both
// versions allow it, else by SemVer, else as strings).
func (c *Compiled) collectFixes() {
	seen := map[string]bool{}
	for i := range c.ranges {
		r := &c.ranges[i]
		for j := range r.events {
			e := &r.events[j]
			if e.kind == evFixed && !seen[e.v.raw] {
				seen[e.v.raw] = true
				c.fixes = append(c.fixes, fix{v: e.v, semver: r.semver})
			}
		}
	}
	slices.SortStableFunc(c.fixes, func(x, y fix) int {
		if n, ok := compareOrdered(&x.v, &y.v); ok {
			return n
		}
		if n, ok := compareSem(&x.v, &y.v); ok {
			return n
		}
		return 0
	})
}

// FixedVersions returns every fixed version of the entry's SEMVER and
// ECOSYSTEM ranges, ascending, without duplicates. Entries with only
// last_affected or open ranges have none.
func (c *Compiled) FixedVersions() []string {
	out := make([]string, len(c.fixes))
	for i := range c.fixes {
		out[i] = c.fixes[i].v.raw
	}
	return out
}

// Fixes returns the fixed versions that fix v: those above v that are not
// themselves affected (a fix of one range may lie inside another range),
// ascending. It returns nil when v is not affected.
func (c *Compiled) Fixes(v Version) []string {
	if !c.affects(&v) {
		return nil
	}
	var out []string
	for i := range c.fixes {
		f := &c.fixes[i]
		if n, ok := f.compareTo(&v); ok && n > 0 && !c.affects(&f.v) {
			out = append(out, f.v.raw)
		}
	}
	return out
}

// SmallestFix returns the smallest upgrade of v that is not affected: the
// first of Fixes(v), or "" when v is not affected or no fixed version
// above it is unaffected (only last_affected events, or no fix published
// for v's line).
func (c *Compiled) SmallestFix(v Version) string {
	if !c.affects(&v) {
		return ""
	}
	for i := range c.fixes {
		f := &c.fixes[i]
		if n, ok := f.compareTo(&v); ok && n > 0 && !c.affects(&f.v) {
			return f.v.raw
		}
	}
	return ""
}

// SmallestFixString parses version as AffectsString does and returns
// SmallestFix of it.
func (c *Compiled) SmallestFixString(version string) (string, error) {
	v, err := c.parse(version)
	if err != nil {
		return "", err
	}
	return c.SmallestFix(v), nil
}
