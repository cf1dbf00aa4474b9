package matching

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"cyra/internal/cra"
)

// ErrInvalidRange means an affected entry's range breaks the OSV schema:
// an unknown type, an event with no field or several, no introduced
// event, or an event version the range's ordering cannot read.
var ErrInvalidRange = errors.New("invalid range")

// eventKind is the kind of a range event other than limit.
type eventKind uint8

const (
	evIntroduced eventKind = iota
	evFixed
	evLastAffected
	// evLimit marks a limit event while parsing; limits are kept apart
	// from the other events.
	evLimit
)

// event is one pre-parsed introduced, fixed or last_affected event.
type event struct {
	kind eventKind
	zero bool // introduced "0", which sorts before every version
	v    Version
}

// compiledRange is one SEMVER or ECOSYSTEM range with its events sorted.
type compiledRange struct {
	semver    bool      // compare by SemVer 2.0, else by the ecosystem
	events    []event   // sorted by version, stably
	limits    []Version // limit events other than "*"
	unbounded bool      // no limit events, or a "*" limit
}

// Compiled is one affected entry of an advisory, pre-parsed for fast
// evaluation. Build it once per advisory with Compile, then call Affects
// as often as needed; it is immutable and safe for concurrent use.
type Compiled struct {
	ecosystem, name string
	fam             family
	goTags          bool
	ranges          []compiledRange
	hasEcoRange     bool
	hasSemverRange  bool
	exact           map[string]struct{} // the versions list, as strings
	versions        []string            // the versions list as published
	bySig           map[string][]string // the versions list by digitSignature, where it decides equality
	listedOnce      sync.Once
	listed          []Version // the versions list entries that parse, sorted; built on first need
	fixes           []fix     // fixed events, sorted, without duplicates
	git             []cra.Range
}

// Compile pre-parses an affected entry: it sorts each range's events by
// version (introduced "0" first; events of equal versions keep their
// published order, which decides ties as the schema's pseudocode does)
// and parses the versions list. GIT ranges are kept but not evaluated.
//
// It fails with ErrUnsupportedEcosystem when the entry has an ECOSYSTEM
// range and cyra cannot order the ecosystem's versions, and with
// ErrInvalidRange when a range breaks the schema. Entries of unsupported
// ecosystems with only SEMVER ranges, GIT ranges or versions lists
// compile. Versions-list entries that do not parse still match by exact
// string.
func Compile(a cra.Affected) (*Compiled, error) {
	c := &Compiled{
		ecosystem: a.Ecosystem,
		name:      a.Name,
		fam:       familyOf(a.Ecosystem),
		goTags:    BaseEcosystem(a.Ecosystem) == "Go",
	}
	for i, r := range a.Ranges {
		switch r.Type { // the schema's types are upper-case; "semver" is no type
		case "GIT":
			c.git = append(c.git, r)
			continue
		case "SEMVER":
			c.hasSemverRange = true
		case "ECOSYSTEM":
			if c.fam == famNone {
				return nil, fmt.Errorf("%w %q: cannot evaluate its ECOSYSTEM range", ErrUnsupportedEcosystem, a.Ecosystem)
			}
			c.hasEcoRange = true
		default:
			return nil, fmt.Errorf("%w: range %d has unknown type %q", ErrInvalidRange, i, r.Type)
		}
		cr, err := c.compileRange(r)
		if err != nil {
			return nil, fmt.Errorf("%w: range %d: %w", ErrInvalidRange, i, err)
		}
		c.ranges = append(c.ranges, cr)
	}
	c.compileVersions(a.Versions)
	c.collectFixes()
	return c, nil
}

// compileRange parses and sorts one SEMVER or ECOSYSTEM range.
func (c *Compiled) compileRange(r cra.Range) (compiledRange, error) {
	cr := compiledRange{semver: r.Type == "SEMVER"}
	limits := 0
	for j, e := range r.Events {
		kind, s, err := eventField(e)
		if err != nil {
			return cr, fmt.Errorf("event %d: %w", j, err)
		}
		if kind == evIntroduced && s == "0" {
			cr.events = append(cr.events, event{kind: kind, zero: true})
			continue
		}
		if kind == evLimit && strings.Contains(s, "*") {
			limits++
			cr.unbounded = true
			continue
		}
		v, err := parse(c.fam, c.goTags, s)
		if err == nil && !cr.readable(&v) {
			err = fmt.Errorf("%w: %q", ErrInvalidVersion, s)
		}
		if err != nil {
			return cr, fmt.Errorf("event %d: %w", j, err)
		}
		if kind == evLimit {
			limits++
			cr.limits = append(cr.limits, v)
			continue
		}
		cr.events = append(cr.events, event{kind: kind, v: v})
	}
	if limits == 0 {
		cr.unbounded = true
	}
	if !slices.ContainsFunc(cr.events, func(e event) bool { return e.kind == evIntroduced }) {
		return cr, errors.New("no introduced event")
	}
	slices.SortStableFunc(cr.events, func(x, y event) int {
		switch {
		case x.zero && y.zero:
			return 0
		case x.zero:
			return -1
		case y.zero:
			return 1
		}
		n, _ := cr.compare(&x.v, &y.v)
		return n
	})
	return cr, nil
}

// eventField returns the one field an event sets.
func eventField(e cra.RangeEvent) (eventKind, string, error) {
	var kind eventKind
	var s string
	n := 0
	for _, f := range [...]struct {
		kind eventKind
		s    string
	}{{evIntroduced, e.Introduced}, {evFixed, e.Fixed}, {evLastAffected, e.LastAffected}, {evLimit, e.Limit}} {
		if f.s != "" {
			kind, s = f.kind, f.s
			n++
		}
	}
	if n != 1 {
		return 0, "", fmt.Errorf("sets %d fields; exactly one of introduced, fixed, last_affected and limit is allowed", n)
	}
	return kind, s, nil
}

// readable reports whether the range's ordering can compare v.
func (r *compiledRange) readable(v *Version) bool {
	if r.semver {
		return v.semOK
	}
	return v.ordered()
}

// compare orders two versions by the range's ordering.
func (r *compiledRange) compare(a, b *Version) (int, bool) {
	if r.semver {
		return compareSem(a, b)
	}
	return compareOrdered(a, b)
}

// contains evaluates the range for v literally as the OSV schema's
// IncludedInRanges does: v must be before a limit, and the last event (in
// sorted order) whose condition holds decides. The loop does not stop at
// the first event above v, although for a proper ordering no later
// condition could hold: scalibr's orderings are not transitive for some
// malformed versions (Alpine "A" > "1A" > "0" > "A"), and there only the
// literal loop gives the schema's answer.
func (r *compiledRange) contains(v *Version) bool {
	if !r.beforeLimits(v) {
		return false
	}
	vulnerable := false
	for i := range r.events {
		e := &r.events[i]
		if e.zero {
			vulnerable = true
			continue
		}
		n, ok := r.compare(v, &e.v)
		if !ok {
			return false
		}
		switch {
		case e.kind == evIntroduced && n >= 0:
			vulnerable = true
		case e.kind == evFixed && n >= 0:
			vulnerable = false
		case e.kind == evLastAffected && n > 0:
			vulnerable = false
		}
	}
	return vulnerable
}

// beforeLimits is the schema's BeforeLimits: true without limit events or
// with a "*" limit, else true when v is below some limit.
func (r *compiledRange) beforeLimits(v *Version) bool {
	if r.unbounded {
		return true
	}
	for i := range r.limits {
		if n, ok := r.compare(v, &r.limits[i]); ok && n < 0 {
			return true
		}
	}
	return false
}

// compileVersions records the versions list for exact and ordered
// membership. Parsing waits until a look-up needs it (see listedVersion):
// advisories of Maven and PyPI list hundreds of versions, and most
// entries are only ever asked about a few versions.
func (c *Compiled) compileVersions(versions []string) {
	if len(versions) == 0 {
		return
	}
	c.exact = make(map[string]struct{}, len(versions))
	for _, s := range versions {
		if s != "" {
			c.exact[s] = struct{}{}
		}
	}
	c.versions = versions
	if digitsDecideEquality(c.fam) {
		c.bySig = make(map[string][]string, len(versions))
		for _, s := range versions {
			if s != "" {
				k := digitSignature(s)
				c.bySig[k] = append(c.bySig[k], s)
			}
		}
	}
}

// digitsDecideEquality reports whether, in a family, two versions the
// ordering holds equal always have the same digitSignature. That holds
// for every "=" assertion of osv-scalibr's fixtures in these families;
// apk-tools ignores what follows a revision ("1-r0-1" = "1-r-2"), PHP's
// version_compare reads "#" as a number, and rpmvercmp reads "+" as a
// separator ("1.2.5-1" = "1.2+5-1", which the cut at "+" would split), so
// those three sort instead.
func digitsDecideEquality(f family) bool {
	return f != famAlpine && f != famPackagist && f != famRPM && f != famNone
}

// digitSignature is the non-zero digits of a version before any "+"
// (build metadata, which SemVer precedence ignores): "v1.0.0" and "1" both
// give "1", "1.0alpha1" and "1.0a1" both "11". Versions an ordering holds
// equal differ only in zeros, separators, letters and spelling, so a
// version can only equal listed versions of its own signature.
func digitSignature(s string) string {
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '1' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// sortListed parses and sorts the versions list for ordered membership,
// in the families where digitSignature does not narrow the candidates.
func (c *Compiled) sortListed() {
	for _, s := range c.versions {
		if s == "" {
			continue
		}
		if v, err := parse(c.fam, c.goTags, s); err == nil && v.ordered() {
			c.listed = append(c.listed, v)
		}
	}
	slices.SortFunc(c.listed, func(x, y Version) int {
		n, _ := compareOrdered(&x, &y)
		return n
	})
}

// listedVersion reports whether v is in the versions list: the same
// string, or a version the ecosystem's ordering holds equal to a listed
// one. The schema's pseudocode writes `v == version`; for ordered
// ecosystems equality is the ordering's, so "1.0.0" is listed by "1.0" in
// Maven and "v1.2.3" by "1.2.3" in Go. Most families compare v with the
// listed versions of its digit signature only; apk and Packagist
// binary-search the sorted list, which assumes the ordering is
// transitive (scalibr's are, except for some malformed versions such as
// Alpine "A", where an equal listed version could be missed). Exact
// strings are always found.
func (c *Compiled) listedVersion(v *Version) bool {
	if _, ok := c.exact[v.raw]; ok {
		return true
	}
	if len(c.versions) == 0 || v.fam != c.fam || !v.ordered() {
		return false
	}
	if c.bySig != nil {
		for _, s := range c.bySig[digitSignature(v.raw)] {
			w, err := parse(c.fam, c.goTags, s)
			if err != nil || !w.ordered() {
				continue
			}
			if n, ok := compareOrdered(&w, v); ok && n == 0 {
				return true
			}
		}
		return false
	}
	c.listedOnce.Do(c.sortListed)
	if len(c.listed) == 0 {
		return false
	}
	lo, hi := 0, len(c.listed)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		n, ok := compareOrdered(&c.listed[mid], v)
		if !ok {
			return false
		}
		if n == 0 {
			return true
		}
		if n < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return false
}
