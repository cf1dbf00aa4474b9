package matching

import (
	"strings"
	"unicode/utf8"
)

// distVersion is a Debian or RPM version split into its three parts:
// epoch, upstream version (RPM: version) and revision (RPM: release).
// cyra compares these itself, exactly as osv-scalibr's DebianVersion and
// RedHatVersion do but without allocating, because distribution packages
// are the bulk of a container's SBOM; the fixtures and
// FuzzDistroDifferential check the two agree.
type distVersion struct {
	epoch, upstream, revision string
}

// parseDebian splits a Debian version as scalibr's ParseDebianVersion
// does: the epoch before the first ":" (a decimal, else the version is
// invalid), the revision after the last "-" ("0" when there is none).
func parseDebian(s string) (distVersion, bool) {
	d := distVersion{epoch: "0"}
	if e, rest, ok := strings.Cut(s, ":"); ok {
		if !isDecimal(e) {
			return distVersion{}, false
		}
		d.epoch, s = e, rest
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		d.upstream, d.revision = s[:i], s[i+1:]
	} else {
		d.upstream, d.revision = s, "0"
	}
	return d, true
}

// compareDebian orders two Debian versions as dpkg does.
func compareDebian(a, b *distVersion) int {
	if c := compareDecimal(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := compareDebianPart(a.upstream, b.upstream); c != 0 {
		return c
	}
	return compareDebianPart(a.revision, b.revision)
}

// compareDebianPart is dpkg's verrevcmp: alternately compare the
// non-digit prefixes character by character ("~" before the end, letters
// before other characters) and the digit prefixes as numbers.
func compareDebianPart(a, b string) int {
	for a != "" || b != "" {
		var ap, bp string
		ap, a = cutNonDigits(a)
		bp, b = cutNonDigits(b)
		for ap != "" || bp != "" {
			var ca, cb string
			ca, ap = cutRune(ap)
			cb, bp = cutRune(bp)
			if wa, wb := debianWeight(ca), debianWeight(cb); wa != wb {
				if wa < wb {
					return -1
				}
				return 1
			}
		}
		var an, bn string
		an, a = cutDigits(a)
		bn, b = cutDigits(b)
		if c := compareMagnitude(trimZeros(an), trimZeros(bn)); c != 0 {
			return c
		}
	}
	return 0
}

// debianWeight is the sort weight of one character (its first byte) in
// a non-digit run: "~" lowest, then the end of the run, then letters,
// then everything else.
func debianWeight(char string) int {
	switch char {
	case "~":
		return 1
	case "":
		return 2
	}
	c := int(char[0])
	if c < 'A' || (c > 'Z' && c < 'a') || c > 'z' {
		c += 122
	}
	return c
}

// cutNonDigits splits s before its first ASCII digit.
func cutNonDigits(s string) (prefix, rest string) {
	i := 0
	for i < len(s) && (s[i] < '0' || s[i] > '9') {
		i++
	}
	return s[:i], s[i:]
}

// cutDigits splits s after its leading ASCII digits.
func cutDigits(s string) (prefix, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// cutRune splits the first UTF-8 character off s ("" when s is empty).
func cutRune(s string) (char, rest string) {
	if s == "" {
		return "", ""
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n], s[n:]
}

// parseRPM splits an RPM version as scalibr's ParseRedHatVersion does:
// an all-digit epoch before the first ":" ("0" when absent), then the
// version, then the release from the first "-" on (with its "-").
func parseRPM(s string) distVersion {
	d := distVersion{epoch: "0"}
	vr := s
	if e, rest, ok := strings.Cut(s, ":"); ok && isDigits(e) {
		vr = rest
		if e != "" {
			d.epoch = e
		}
	}
	if v, r, ok := strings.Cut(vr, "-"); ok {
		d.upstream, d.revision = v, "-"+r
	} else {
		d.upstream = vr
	}
	return d
}

// isDigits reports whether s has only ASCII digits (true for "").
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareRPM orders two RPM versions: epoch, version, release, each with
// rpmvercmp.
func compareRPM(a, b *distVersion) int {
	if c := rpmvercmp(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := rpmvercmp(a.upstream, b.upstream); c != 0 {
		return c
	}
	return rpmvercmp(a.revision, b.revision)
}

// rpmvercmp compares two version parts as rpmvercmp(8) does, including
// "~" (sorts before anything) and "^" (sorts after the end but before
// anything else), with scalibr's treatment of an empty part (older than
// any other).
func rpmvercmp(a, b string) int {
	switch {
	case a == "" && b != "":
		return -1
	case a != "" && b == "":
		return 1
	}
	ai, bi := 0, 0
	for {
		for ai < len(a) && rpmSeparator(a[ai]) {
			ai++
		}
		for bi < len(b) && rpmSeparator(b[bi]) {
			bi++
		}
		aTilde, bTilde := ai < len(a) && a[ai] == '~', bi < len(b) && b[bi] == '~'
		if aTilde && bTilde {
			ai, bi = ai+1, bi+1
			continue
		} else if aTilde {
			return -1
		} else if bTilde {
			return 1
		}
		aCaret, bCaret := ai < len(a) && a[ai] == '^', bi < len(b) && b[bi] == '^'
		if aCaret && bCaret {
			ai, bi = ai+1, bi+1
			continue
		} else if aCaret {
			if bi == len(b) {
				return 1
			}
			return -1
		} else if bCaret {
			if ai == len(a) {
				return -1
			}
			return 1
		}
		if ai == len(a) || bi == len(b) {
			break
		}
		digits := isASCIIDigit(a[ai])
		as, bs := ai, bi
		for ai < len(a) && runOf(digits, a[ai]) {
			ai++
		}
		for bi < len(b) && runOf(digits, b[bi]) {
			bi++
		}
		x, y := a[as:ai], b[bs:bi]
		if y == "" {
			if digits {
				return 1
			}
			return -1
		}
		if digits {
			x, y = trimZeros(x), trimZeros(y)
			if c := compareMagnitude(x, y); c != 0 {
				return c
			}
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	switch al, bl := len(a)-ai, len(b)-bi; {
	case al > bl:
		return 1
	case al < bl:
		return -1
	}
	return 0
}

// rpmSeparator reports whether rpmvercmp skips c: anything but an ASCII
// letter or digit, "~" and "^".
func rpmSeparator(c byte) bool {
	return !isASCIIDigit(c) && !isASCIILetter(c) && c != '~' && c != '^'
}

// runOf reports whether c continues a run of digits (digits true) or of
// letters.
func runOf(digits bool, c byte) bool {
	if digits {
		return isASCIIDigit(c)
	}
	return isASCIILetter(c)
}

func isASCIIDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
