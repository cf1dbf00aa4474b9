// Package matching decides exactly whether a package version is affected
// by an OSV advisory. It is pure: it performs no I/O and holds no state
// beyond what its callers build.
//
// The package has four parts:
//
//   - Ecosystems (ecosystem.go, release.go): the OSV ecosystem strings,
//     their base names ("Debian:12" → "Debian"), whether cyra can order
//     their versions (Supported), the comparison key of a package name
//     (NormalizeName) and whether an advisory scoped to a distribution
//     release applies to a package (Applies).
//   - Package URLs (purl.go): ParsePURL maps a canonical purl to the OSV
//     ecosystem, package name and version that advisories use, including
//     distribution release qualifiers and source package names.
//   - Versions (version.go, semver.go): Parse and Compare order versions
//     by each ecosystem's own rules. The orderings come from
//     github.com/google/osv-scalibr/semantic, the library osv-scanner
//     uses. Three orderings are reimplemented here without allocations,
//     because they carry most advisories and most SBOM components: SemVer
//     (npm, Go, crates.io, Hex, SwiftURL, … and the SEMVER range type of
//     every ecosystem), Debian/Ubuntu (dpkg) and the RPM distributions
//     (rpmvercmp). They pass scalibr's fixtures and FuzzDifferential
//     checks they agree with scalibr.
//   - Ranges (compile.go, fix.go): Compile pre-parses one affected entry of
//     an advisory; Compiled.Affects evaluates a version exactly as the OSV
//     schema's evaluation pseudocode says, and SmallestFix names the
//     smallest upgrade that is no longer affected.
//
// Decisions worth knowing (each is documented where it is made):
//
//   - A version is affected when it is listed in the entry's versions or
//     lies in any of its SEMVER or ECOSYSTEM ranges. "Listed" means equal
//     to a listed version as a string or under the ecosystem's ordering
//     ("1.0" lists "1.0.0" in Maven), which is what the schema's `v ==
//     version` means for ordered ecosystems.
//   - GIT ranges are kept (Compiled.GitRanges) but never used: deciding
//     them needs the repository's commit graph.
//   - An ecosystem whose ordering is unknown is never silently "not
//     affected": Compile fails with ErrUnsupportedEcosystem when the entry
//     has an ECOSYSTEM range, while SEMVER ranges (whose ordering the type
//     defines) and exact versions lists still work.
//   - Withdrawn records and multiple affected entries per package are the
//     caller's concern.
package matching
