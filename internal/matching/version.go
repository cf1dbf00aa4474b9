package matching

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/google/osv-scalibr/semantic"
)

// Errors of the package; wrapped errors name the ecosystem or version.
var (
	// ErrUnsupportedEcosystem means cyra cannot order the versions of the
	// ecosystem, so its ECOSYSTEM ranges cannot be evaluated.
	ErrUnsupportedEcosystem = errors.New("unsupported ecosystem")
	// ErrInvalidVersion means a string is not a version of the ecosystem.
	ErrInvalidVersion = errors.New("invalid version")
	// ErrIncomparable means two versions were parsed for ecosystems with
	// different orderings.
	ErrIncomparable = errors.New("versions of different orderings")
)

// maxVersionLen bounds version strings. Real versions are far shorter
// (the longest in the OSV data are Go pseudo-versions and Debian
// revisions, under 100 bytes); the bound keeps hostile input from costing
// much in the parsers.
const maxVersionLen = 256

// Version is a version parsed by the rules of one ecosystem, ready to be
// compared many times. The zero Version is not a valid version. Versions
// are immutable and safe to share between goroutines.
type Version struct {
	raw string
	fam family
	// sem is the SemVer reading, used by SEMVER ranges whatever the
	// ecosystem, and by the SemVer-family ecosystems for everything.
	sem   semver
	semOK bool // raw is SemVer-like enough to be compared as SemVer
	// dist is the reading of the Debian and RPM families (distro.go).
	dist distVersion
	// native is scalibr's reading for the other families; nil for the
	// families above, or when raw does not parse.
	native semantic.Version
	// ordOK says raw parsed by its family's rules.
	ordOK bool
}

// Parse parses a version of an ecosystem (a suffix such as ":12" is
// ignored). It fails with ErrUnsupportedEcosystem for an ecosystem whose
// versions cyra cannot order and with ErrInvalidVersion for a string the
// ecosystem's rules reject: an empty string, one with white space or
// control characters, one longer than 256 bytes, a SemVer-family version
// that does not start with a digit (after an optional "v"), or one the
// ecosystem's parser refuses. For Go, toolchain tags such as "go1.21.3"
// are read as the Go vulnerability database writes them ("1.21.3").
func Parse(eco, s string) (Version, error) {
	fam := familyOf(eco)
	if fam == famNone {
		return Version{}, fmt.Errorf("%w %q", ErrUnsupportedEcosystem, eco)
	}
	v, err := parse(fam, BaseEcosystem(eco) == "Go", s)
	if err != nil {
		return Version{}, err
	}
	if !v.ordered() {
		return Version{}, fmt.Errorf("%w: %q is not a %s version", ErrInvalidVersion, s, BaseEcosystem(eco))
	}
	return v, nil
}

// parse reads s in both ways a range may need (SemVer and the family's
// own) and fails only when s is not a version in any ecosystem. Callers
// check semOK or ordered() for the reading they need.
func parse(fam family, goTags bool, s string) (Version, error) {
	if err := checkText(s); err != nil {
		return Version{}, err
	}
	text := s
	if goTags {
		text = goTagToSemver(s)
	}
	v := Version{raw: s, fam: fam, sem: parseSemver(text), semOK: startsWithDigit(text)}
	switch fam {
	case famNone:
	case famSemver:
		v.ordOK = v.semOK
	case famDebian:
		v.dist, v.ordOK = parseDebian(s)
	case famRPM:
		v.dist, v.ordOK = parseRPM(s), true
	default:
		v.native = parseNative(fam, s)
		v.ordOK = v.native != nil
	}
	return v, nil
}

// checkText rejects strings that are not versions in any ecosystem.
func checkText(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty", ErrInvalidVersion)
	}
	if len(s) > maxVersionLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidVersion, maxVersionLen)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %q is not UTF-8", ErrInvalidVersion, s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("%w: %q contains white space or control characters", ErrInvalidVersion, s)
		}
	}
	return nil
}

// parseNative parses s with scalibr's parser for the family, returning
// nil when the parser rejects it (or panics: a parser bug must not take
// the process down).
func parseNative(fam family, s string) (v semantic.Version) {
	defer func() {
		if recover() != nil {
			v = nil
		}
	}()
	var err error
	switch fam {
	case famAlpine:
		v, err = semantic.ParseAlpineVersion(s)
	case famCRAN:
		v, err = semantic.ParseCRANVersion(s)
	case famHackage:
		v, err = semantic.ParseHackageVersion(s)
	case famMaven:
		v = semantic.ParseMavenVersion(s)
	case famNuGet:
		v = semantic.ParseNuGetVersion(s)
	case famPackagist:
		v = semantic.ParsePackagistVersion(s)
	case famPub:
		v = semantic.ParsePubVersion(s)
	case famPyPI:
		v, err = semantic.ParsePyPIVersion(s)
	case famRubyGems:
		v = semantic.ParseRubyGemsVersion(s)
	}
	if err != nil {
		return nil
	}
	return v
}

// ordered reports whether v can be compared by its ecosystem's ordering.
func (v *Version) ordered() bool { return v.ordOK }

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// Compare orders v and w by their ecosystem's rules: -1 when v < w, 0
// when they are equivalent (such as "1.0" and "1.0.0" in Maven), +1 when
// v > w. Both must come from Parse for ecosystems of the same ordering
// (Debian and Ubuntu share one, so do the RPM distributions), else the
// error is ErrIncomparable.
func (v Version) Compare(w Version) (int, error) {
	if c, ok := compareOrdered(&v, &w); ok {
		return c, nil
	}
	return 0, fmt.Errorf("%w: %q and %q", ErrIncomparable, v.raw, w.raw)
}

// Compare parses a and b as versions of an ecosystem and orders them as
// Version.Compare does.
func Compare(eco, a, b string) (int, error) {
	va, err := Parse(eco, a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(eco, b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb)
}

// compareOrdered compares by the ecosystem ordering; ok is false when the
// two cannot be compared so.
func compareOrdered(a, b *Version) (c int, ok bool) {
	if a.fam != b.fam || !a.ordered() || !b.ordered() {
		return 0, false
	}
	switch a.fam {
	case famSemver:
		return compareSemver(&a.sem, &b.sem), true
	case famDebian:
		return compareDebian(&a.dist, &b.dist), true
	case famRPM:
		return compareRPM(&a.dist, &b.dist), true
	}
	c, err := a.native.Compare(b.native)
	return c, err == nil
}

// compareSem compares by SemVer 2.0 precedence, whatever the ecosystem.
func compareSem(a, b *Version) (c int, ok bool) {
	if !a.semOK || !b.semOK {
		return 0, false
	}
	return compareSemver(&a.sem, &b.sem), true
}
