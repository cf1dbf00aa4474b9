package matching

import "strings"

// family is a version ordering. Ecosystems that share one (Debian and
// Ubuntu; the RPM distributions; the apk distributions) compare versions
// the same way, so a Version parsed for one is comparable with the others.
type family uint8

const (
	famNone      family = iota // no known ordering
	famSemver                  // SemVer 2.0 precedence, leniently parsed (semver.go)
	famAlpine                  // apk-tools
	famCRAN                    // R compareVersion
	famDebian                  // dpkg
	famHackage                 // Haskell PVP
	famMaven                   // Maven ComparableVersion
	famNuGet                   // NuGet
	famPackagist               // PHP version_compare
	famPub                     // Dart pub_semver
	famPyPI                    // PEP 440
	famRPM                     // rpmvercmp
	famRubyGems                // Gem::Version
)

// suffixKind says what the part of an ecosystem string after the first
// colon means.
type suffixKind uint8

const (
	suffixNone       suffixKind = iota // the schema defines no suffix
	suffixRelease                      // a distribution release: "Debian:12"
	suffixRepository                   // a package repository: "Maven:https://…"
)

// ecosystemInfo is what cyra knows about one OSV ecosystem.
type ecosystemInfo struct {
	name   string // the canonical spelling, as the OSV schema writes it
	family family
	suffix suffixKind
}

// ecosystems lists every ecosystem of the OSV schema (1.7) plus "GIT".
// The families follow osv-scalibr's semantic.Parse, so cyra orders
// versions as osv-scanner does; ecosystems that scalibr cannot order are
// listed with famNone so that they are recognised but reported as
// unsupported.
var ecosystems = []ecosystemInfo{
	{"AlmaLinux", famRPM, suffixRelease},
	{"Alpaquita", famAlpine, suffixRelease},
	{"Alpine", famAlpine, suffixRelease},
	{"Android", famNone, suffixNone},
	{"Azure Linux", famNone, suffixRelease},
	{"BellSoft Hardened Containers", famAlpine, suffixRelease},
	{"Bioconductor", famSemver, suffixNone},
	{"Bitnami", famSemver, suffixNone},
	{"Chainguard", famAlpine, suffixNone},
	{"CleanStart", famNone, suffixNone},
	{"ConanCenter", famSemver, suffixNone},
	{"CRAN", famCRAN, suffixNone},
	{"crates.io", famSemver, suffixNone},
	{"Debian", famDebian, suffixRelease},
	{"Docker Hardened Images", famSemver, suffixNone},
	{"Echo", famNone, suffixNone},
	{"FreeBSD", famNone, suffixRelease},
	{"GHC", famSemver, suffixNone},
	{"GIT", famNone, suffixNone},
	{"GitHub Actions", famNone, suffixNone},
	{"Go", famSemver, suffixNone},
	{"Hackage", famHackage, suffixNone},
	{"Hex", famSemver, suffixNone},
	{"Julia", famSemver, suffixNone},
	{"Kubernetes", famNone, suffixNone},
	{"Linux", famNone, suffixNone},
	{"Mageia", famRPM, suffixRelease},
	{"Maven", famMaven, suffixRepository},
	{"MinimOS", famAlpine, suffixNone},
	{"npm", famSemver, suffixNone},
	{"NuGet", famNuGet, suffixNone},
	{"opam", famNone, suffixNone},
	{"openEuler", famRPM, suffixRelease},
	{"openSUSE", famRPM, suffixRelease},
	{"OSS-Fuzz", famNone, suffixNone},
	{"Packagist", famPackagist, suffixRepository},
	{"Photon OS", famNone, suffixRelease},
	{"Pub", famPub, suffixNone},
	{"PyPI", famPyPI, suffixNone},
	{"Red Hat", famRPM, suffixRelease},
	{"Rocky Linux", famRPM, suffixRelease},
	{"Root", famNone, suffixRelease},
	{"RubyGems", famRubyGems, suffixNone},
	{"SUSE", famRPM, suffixRelease},
	{"SwiftURL", famSemver, suffixNone},
	{"TuxCare", famNone, suffixRelease},
	{"Ubuntu", famDebian, suffixRelease},
	{"VSCode", famNone, suffixRepository},
	{"Wolfi", famAlpine, suffixNone},
}

// byName indexes ecosystems by their canonical name and byLowerName by
// their lower-cased name, so that "pypi" finds PyPI too.
var byName, byLowerName = func() (map[string]*ecosystemInfo, map[string]*ecosystemInfo) {
	m := make(map[string]*ecosystemInfo, len(ecosystems))
	lower := make(map[string]*ecosystemInfo, len(ecosystems))
	for i := range ecosystems {
		m[ecosystems[i].name] = &ecosystems[i]
		lower[strings.ToLower(ecosystems[i].name)] = &ecosystems[i]
	}
	return m, lower
}()

// splitEcosystem splits an ecosystem string at its first colon into the
// base and the suffix ("Ubuntu:Pro:18.04:LTS" → "Ubuntu", "Pro:18.04:LTS").
func splitEcosystem(eco string) (base, suffix string) {
	eco = strings.TrimSpace(eco)
	base, suffix, _ = strings.Cut(eco, ":")
	return strings.TrimSpace(base), strings.TrimSpace(suffix)
}

// lookup returns what cyra knows of an ecosystem string's base, nil when
// the base is not an OSV ecosystem.
func lookup(eco string) *ecosystemInfo {
	base, _ := splitEcosystem(eco)
	if info, ok := byName[base]; ok {
		return info
	}
	return byLowerName[strings.ToLower(base)]
}

// BaseEcosystem returns the ecosystem without its release or repository
// suffix, in the OSV schema's spelling: "Debian:12" → "Debian",
// "Packagist:https://packages.drupal.org/8" → "Packagist", "pypi" →
// "PyPI". An ecosystem the schema does not define is returned without its
// suffix and otherwise unchanged.
func BaseEcosystem(eco string) string {
	if info := lookup(eco); info != nil {
		return info.name
	}
	base, _ := splitEcosystem(eco)
	return base
}

// Supported reports whether cyra can order the versions of an ecosystem
// (with or without a suffix), that is whether ECOSYSTEM ranges of its
// advisories can be evaluated. SEMVER ranges and versions lists can be
// evaluated for every ecosystem.
func Supported(eco string) bool {
	info := lookup(eco)
	return info != nil && info.family != famNone
}

// Known reports whether eco names an ecosystem of the OSV schema (or
// "GIT"), supported or not.
func Known(eco string) bool { return lookup(eco) != nil }

// familyOf returns the version ordering of an ecosystem string.
func familyOf(eco string) family {
	if info := lookup(eco); info != nil {
		return info.family
	}
	return famNone
}

// NormalizeName returns the key under which a package name of an
// ecosystem compares equal to the same package named elsewhere (in an
// advisory, in a purl, in an SBOM). Two names denote the same package
// exactly when their keys are equal. The rules follow each registry's own
// notion of identity:
//
//   - PyPI: PEP 503 — lower-case, runs of "-", "_" and "." become "-".
//   - crates.io: lower-case with "_" as "-" (crates.io refuses names that
//     differ only so).
//   - NuGet, Packagist, Hex, Pub, Debian, Ubuntu, GitHub Actions:
//     lower-case (their registries are case-insensitive or lower-case by
//     rule).
//   - Go: lower-case. Module paths are case-sensitive in principle, but
//     package URLs lower-case them (the purl spec says so for golang), so
//     comparing case-insensitively is the only way to match a purl; no two
//     real modules differ only in case.
//   - Maven: "group:artifact", case kept; a "group/artifact" spelling (as
//     in purls) is accepted.
//   - SwiftURL: the repository URL without scheme, ".git" suffix or
//     trailing slash, lower-cased (hosts and GitHub paths are
//     case-insensitive).
//   - npm and every other ecosystem: the name as given. npm names are
//     case-sensitive (legacy packages such as "JSONStream" exist beside
//     lower-case ones), which is also how osv-scanner compares them.
//
// Surrounding white space is removed in every ecosystem.
func NormalizeName(eco, name string) string {
	name = strings.TrimSpace(name)
	switch BaseEcosystem(eco) {
	case "PyPI":
		return pep503(name)
	case "crates.io":
		return strings.ReplaceAll(strings.ToLower(name), "_", "-")
	case "NuGet", "Packagist", "Hex", "Pub", "Debian", "Ubuntu", "GitHub Actions", "Go":
		return strings.ToLower(name)
	case "Maven":
		if !strings.Contains(name, ":") {
			if i := strings.LastIndexByte(name, '/'); i >= 0 {
				return name[:i] + ":" + name[i+1:]
			}
		}
		return name
	case "SwiftURL":
		return swiftKey(name)
	}
	return name
}

// IndexKey returns the key under which to index an advisory's affected
// package, or look up a package, so that the same package meets itself:
// the base ecosystem and the normalised name, "PyPI/zope-interface". The
// release is not part of the key; check it with Applies.
func IndexKey(eco, name string) string {
	return BaseEcosystem(eco) + "/" + NormalizeName(eco, name)
}

// pep503 normalises a Python distribution name as PEP 503 defines:
// re.sub(r"[-_.]+", "-", name).lower().
func pep503(name string) string {
	name = strings.ToLower(name)
	var b strings.Builder
	b.Grow(len(name))
	run := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			if !run {
				b.WriteByte('-')
			}
			run = true
			continue
		}
		run = false
		b.WriteByte(c)
	}
	return b.String()
}

// swiftKey reduces a Swift package URL to "host/owner/repo".
func swiftKey(name string) string {
	s := strings.ToLower(name)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if at := strings.IndexByte(s, '@'); at >= 0 && at < strings.IndexByte(s+"/", '/') {
			s = s[at+1:] // user info
		}
	} else if at := strings.IndexByte(s, '@'); at >= 0 && at < strings.IndexByte(s+":", ':') {
		s = strings.Replace(s[at+1:], ":", "/", 1) // scp-like git@host:owner/repo
	}
	s = strings.TrimSuffix(strings.TrimRight(s, "/"), ".git")
	return s
}
