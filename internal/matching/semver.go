package matching

import "strings"

// semver is a version parsed the way osv-scalibr's
// semantic.ParseSemverVersion parses it, so that cyra orders the SemVer
// ecosystems exactly as osv-scanner does, but compared without
// allocating (scalibr builds big.Ints and splits strings on every
// comparison). FuzzSemverDifferential checks the two agree.
//
// The parse is lenient, as scalibr's is: one leading "v" is dropped; the
// version is a run of dot-separated numeric components up to the first
// character that is neither a digit nor a dot; the rest is the
// "build" (pre-release and build metadata). Components beyond the third
// are appended to the build as ".N", so "1.2.3.4" sorts like a
// pre-release of 1.2.3, as in scalibr.
type semver struct {
	// comps are at most three numeric components without leading zeros
	// ("" is zero; a missing component is zero too).
	comps []string
	// build is the text after the components, "-rc.1+meta" in
	// "1.2.3-rc.1+meta".
	build string
}

// parseSemver parses s leniently; it never fails.
func parseSemver(s string) semver {
	s = strings.TrimPrefix(s, "v")
	var comps []string
	build := ""
	start := -1 // start of the current digit run
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			comps = append(comps, trimZeros(s[start:i]))
			start = -1
		}
		if c != '.' {
			build = s[i:]
			break
		}
	}
	if build == "" && start >= 0 {
		comps = append(comps, trimZeros(s[start:]))
	}
	if len(comps) > 3 {
		var b strings.Builder
		b.WriteString(build)
		for _, c := range comps[3:] {
			b.WriteByte('.')
			if c == "" {
				c = "0"
			}
			b.WriteString(c)
		}
		comps, build = comps[:3:3], b.String()
	}
	return semver{comps: comps, build: build}
}

// trimZeros removes the leading zeros of a digit run ("007" → "7",
// "000" → "").
func trimZeros(s string) string {
	for len(s) > 0 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// compareSemver orders two parsed versions: numerically by component,
// then by SemVer 2.0 pre-release precedence of the build (build metadata
// after "+" ignored, no pre-release above any pre-release).
func compareSemver(a, b *semver) int {
	n := max(len(a.comps), len(b.comps))
	for i := range n {
		var x, y string
		if i < len(a.comps) {
			x = a.comps[i]
		}
		if i < len(b.comps) {
			y = b.comps[i]
		}
		if c := compareMagnitude(x, y); c != 0 {
			return c
		}
	}
	return comparePrerelease(a.build, b.build)
}

// compareMagnitude compares two digit runs without leading zeros.
func compareMagnitude(x, y string) int {
	if len(x) != len(y) {
		if len(x) < len(y) {
			return -1
		}
		return 1
	}
	return strings.Compare(x, y)
}

// comparePrerelease compares two build strings as scalibr's
// compareBuildComponents does (SemVer 2.0 section 11).
func comparePrerelease(a, b string) int {
	if i := strings.IndexByte(a, '+'); i >= 0 {
		a = a[:i]
	}
	if i := strings.IndexByte(b, '+'); i >= 0 {
		b = b[:i]
	}
	a = strings.TrimPrefix(a, "-")
	b = strings.TrimPrefix(b, "-")
	switch {
	case a == "" && b != "":
		return 1
	case a != "" && b == "":
		return -1
	}
	for {
		x, restA, moreA := strings.Cut(a, ".")
		y, restB, moreB := strings.Cut(b, ".")
		if c := compareIdentifier(x, y); c != 0 {
			return c
		}
		switch {
		case moreA && !moreB:
			return 1
		case !moreA && moreB:
			return -1
		case !moreA && !moreB:
			return 0
		}
		a, b = restA, restB
	}
}

// compareIdentifier compares two pre-release identifiers: numbers
// numerically, other text in ASCII order, numbers below text. "Number"
// is what math/big accepts in base 10 (an optional sign and digits), as
// in scalibr.
func compareIdentifier(x, y string) int {
	nx, ny := isDecimal(x), isDecimal(y)
	switch {
	case nx && ny:
		return compareDecimal(x, y)
	case nx:
		return -1
	case ny:
		return 1
	}
	return strings.Compare(x, y)
}

// isDecimal reports whether s is an optionally signed run of ASCII
// digits.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareDecimal compares two strings for which isDecimal holds.
func compareDecimal(x, y string) int {
	negX, magX := splitSign(x)
	negY, magY := splitSign(y)
	switch {
	case negX && !negY:
		return -1
	case !negX && negY:
		return 1
	case negX:
		return -compareMagnitude(magX, magY)
	}
	return compareMagnitude(magX, magY)
}

// splitSign returns whether a decimal is negative and its magnitude
// without leading zeros; zero is never negative.
func splitSign(s string) (neg bool, mag string) {
	if s[0] == '+' || s[0] == '-' {
		neg, s = s[0] == '-', s[1:]
	}
	mag = trimZeros(s)
	return neg && mag != "", mag
}

// startsWithDigit reports whether s, after one optional leading "v",
// starts with an ASCII digit: the least a SemVer-family version must do
// to be a version at all ("latest" or "*" are not).
func startsWithDigit(s string) bool {
	s = strings.TrimPrefix(s, "v")
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// goTagToSemver turns a Go toolchain tag into the SemVer form the Go
// vulnerability database uses for the standard library: "go1.21.3" →
// "1.21.3", "go1.21" → "1.21.0", "go1.21rc2" → "1.21.0-rc.2". Other
// strings are returned unchanged.
func goTagToSemver(s string) string {
	if len(s) < 3 || s[:2] != "go" || s[2] < '0' || s[2] > '9' {
		return s
	}
	t := s[2:]
	i := 0
	for i < len(t) && (t[i] == '.' || ('0' <= t[i] && t[i] <= '9')) {
		i++
	}
	nums := strings.Split(strings.TrimSuffix(t[:i], "."), ".")
	for len(nums) < 3 {
		nums = append(nums, "0")
	}
	out := strings.Join(nums, ".")
	if pre := t[i:]; pre != "" {
		j := 0
		for j < len(pre) && !('0' <= pre[j] && pre[j] <= '9') {
			j++
		}
		if j > 0 && j < len(pre) {
			pre = pre[:j] + "." + pre[j:]
		}
		out += "-" + pre
	}
	return out
}
