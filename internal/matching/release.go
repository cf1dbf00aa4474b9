package matching

import "strings"

// Applicability says whether the ecosystem of an advisory's affected entry
// covers the ecosystem of a package.
type Applicability uint8

const (
	// NotApplicable means different ecosystems, or different releases of
	// one distribution (a "Debian:12" advisory and a Debian 11 package).
	NotApplicable Applicability = iota
	// Applicable means the same ecosystem and, where both name a release,
	// the same release. An advisory that names no release covers every
	// release, and repository suffixes ("Maven:https://…",
	// "Packagist:https://packages.drupal.org/8") never narrow a match,
	// because package URLs rarely say which repository a package came from
	// and the names are shared.
	Applicable
	// ReleaseUnknown means the same distribution, with an advisory scoped
	// to one release and a package whose purl names none (no distro
	// qualifier). The package may or may not be of that release: callers
	// should report such a match as uncertain rather than drop it.
	// osv.dev answers a query that names no release with the advisories
	// of every release (osv-scanner relies on that, querying "Rocky
	// Linux" without one).
	ReleaseUnknown
)

// String returns "not-applicable", "applicable" or "release-unknown".
func (a Applicability) String() string {
	switch a {
	case Applicable:
		return "applicable"
	case ReleaseUnknown:
		return "release-unknown"
	}
	return "not-applicable"
}

// Applies reports whether an advisory whose affected entry names the
// ecosystem advisoryEco (as published, e.g. "Ubuntu:Pro:22.04:LTS")
// covers a package of packageEco (as ParsePURL returns it, e.g.
// "Ubuntu:22.04:LTS"). Releases compare by a per-distribution key:
//
//   - Debian: the major version; code names map to it ("bookworm" → 12).
//   - Ubuntu: the "YY.MM" release; ":LTS" and the ":Pro" (ESM) scope are
//     ignored, because ESM fixes apply to the release's packages too.
//     Other scopes ("Pro:FIPS:20.04:LTS") ship different packages and
//     match only the same scope.
//   - Alpine: "vMAJOR.MINOR" ("v3.18" and "3.18.4" agree).
//   - AlmaLinux, Rocky Linux: the major version.
//   - Red Hat: the product family and major version of the CPE suffix, so
//     "enterprise_linux:8::appstream" and "rhel_eus:8.6::baseos" both
//     cover a RHEL 8 package. Choosing between overlapping streams (EUS,
//     AUS) needs subscription data cyra does not have.
//   - SUSE: the trailing "15 SP5" of the product name, so the modules of
//     one service pack cover its packages.
//   - every other distribution: the suffix, case-insensitively.
func Applies(advisoryEco, packageEco string) Applicability {
	aBase, aSuffix := splitEcosystem(advisoryEco)
	pBase, pSuffix := splitEcosystem(packageEco)
	ai, pi := lookup(aBase), lookup(pBase)
	switch {
	case ai == nil || pi == nil:
		if ai != nil || pi != nil || !strings.EqualFold(aBase, pBase) {
			return NotApplicable
		}
	case ai != pi:
		return NotApplicable
	case ai.suffix == suffixRepository:
		return Applicable
	}
	base := BaseEcosystem(aBase)
	switch {
	case aSuffix == "":
		return Applicable
	case pSuffix == "":
		return ReleaseUnknown
	case releaseKey(base, aSuffix) == releaseKey(base, pSuffix):
		return Applicable
	}
	return NotApplicable
}

// releaseKey reduces a release suffix to the key two releases of one
// distribution are compared by (see Applies).
func releaseKey(base, suffix string) string {
	s := strings.ToLower(strings.TrimSpace(suffix))
	switch base {
	case "Debian":
		if n, ok := debianReleases[s]; ok {
			return n
		}
		if isNumeric(s) {
			return major(s)
		}
	case "Ubuntu":
		var rest []string
		for _, f := range strings.Split(s, ":") {
			if f != "pro" && f != "lts" && f != "" {
				rest = append(rest, f)
			}
		}
		if len(rest) == 1 {
			if r, ok := ubuntuReleases[rest[0]]; ok {
				return r
			}
		}
		return strings.Join(rest, ":")
	case "Alpine", "Alpaquita", "BellSoft Hardened Containers":
		t := strings.TrimPrefix(s, "v")
		if isNumeric(t) {
			parts := strings.SplitN(t, ".", 3)
			if len(parts) >= 2 {
				return parts[0] + "." + parts[1]
			}
			return parts[0]
		}
	case "AlmaLinux", "Rocky Linux":
		if isNumeric(s) {
			return major(s)
		}
	case "Red Hat":
		fields := strings.Split(s, ":")
		if len(fields) >= 2 {
			product := fields[0]
			if product == "enterprise_linux" || strings.HasPrefix(product, "rhel") {
				product = "rhel"
			}
			return product + ":" + major(fields[1])
		}
		if isNumeric(s) {
			return "rhel:" + major(s)
		}
	case "SUSE":
		f := strings.Fields(s)
		if n := len(f); n >= 2 && strings.HasPrefix(f[n-1], "sp") {
			return f[n-2] + " " + f[n-1]
		} else if n >= 1 {
			return f[n-1]
		}
	}
	return s
}

// isNumeric reports whether s is a dotted number such as "12" or "3.18.4".
func isNumeric(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// major returns the part of a dotted version before the first dot.
func major(s string) string {
	m, _, _ := strings.Cut(s, ".")
	return m
}

// debianReleases maps Debian code names to release numbers
// (distro-info-data's debian.csv); "sid" and other series without a number
// stay as they are.
var debianReleases = map[string]string{
	"buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2", "slink": "2.1",
	"potato": "2.2", "woody": "3", "sarge": "3.1", "etch": "4", "lenny": "5",
	"squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9",
	"buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13",
	"forky": "14", "duke": "15",
}

// ubuntuReleases maps Ubuntu code names (and release numbers, to
// themselves) to "YY.MM" releases; ubuntuLTS lists the LTS ones, whose
// OSV ecosystem strings carry ":LTS".
var ubuntuReleases, ubuntuLTS = func() (map[string]string, map[string]bool) {
	names := []struct {
		code, number string
		lts          bool
	}{
		{"warty", "4.10", false}, {"hoary", "5.04", false}, {"breezy", "5.10", false},
		{"dapper", "6.06", true}, {"edgy", "6.10", false}, {"feisty", "7.04", false},
		{"gutsy", "7.10", false}, {"hardy", "8.04", true}, {"intrepid", "8.10", false},
		{"jaunty", "9.04", false}, {"karmic", "9.10", false}, {"lucid", "10.04", true},
		{"maverick", "10.10", false}, {"natty", "11.04", false}, {"oneiric", "11.10", false},
		{"precise", "12.04", true}, {"quantal", "12.10", false}, {"raring", "13.04", false},
		{"saucy", "13.10", false}, {"trusty", "14.04", true}, {"utopic", "14.10", false},
		{"vivid", "15.04", false}, {"wily", "15.10", false}, {"xenial", "16.04", true},
		{"yakkety", "16.10", false}, {"zesty", "17.04", false}, {"artful", "17.10", false},
		{"bionic", "18.04", true}, {"cosmic", "18.10", false}, {"disco", "19.04", false},
		{"eoan", "19.10", false}, {"focal", "20.04", true}, {"groovy", "20.10", false},
		{"hirsute", "21.04", false}, {"impish", "21.10", false}, {"jammy", "22.04", true},
		{"kinetic", "22.10", false}, {"lunar", "23.04", false}, {"mantic", "23.10", false},
		{"noble", "24.04", true}, {"oracular", "24.10", false}, {"plucky", "25.04", false},
		{"questing", "25.10", false}, {"resolute", "26.04", true},
	}
	rel := make(map[string]string, 2*len(names))
	lts := make(map[string]bool)
	for _, n := range names {
		rel[n.code], rel[n.number] = n.number, n.number
		lts[n.number] = n.lts
	}
	return rel, lts
}()
