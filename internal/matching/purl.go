package matching

import (
	"errors"
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"
)

// Errors of ParsePURL.
var (
	// ErrInvalidPURL means the string is not a package URL.
	ErrInvalidPURL = errors.New("invalid package URL")
	// ErrUnsupportedPURL means no OSV ecosystem covers the purl's type (or
	// distribution): pkg:generic, pkg:docker, pkg:rpm/fedora, …
	ErrUnsupportedPURL = errors.New("no OSV ecosystem for package URL")
	// ErrGitPURL means the purl names a source repository (pkg:github,
	// pkg:gitlab, pkg:bitbucket). OSV covers such code only with GIT
	// ranges, which need the repository's commit graph, so the package
	// cannot be matched by version.
	ErrGitPURL = errors.New("package URL names a Git repository")
)

// Package is a package as OSV advisories name it.
type Package struct {
	// Ecosystem is the OSV ecosystem, with the distribution release when
	// the purl names one: "PyPI", "Debian:12", "Ubuntu:22.04:LTS",
	// "Alpine:v3.18", "Red Hat:enterprise_linux:8"; just "Debian" when
	// the purl has no distro qualifier (see Applies). "GIT" for
	// repositories (with ErrGitPURL).
	Ecosystem string
	// Name is the package name the ecosystem's advisories use:
	// "@angular/core", "org.apache.logging.log4j:log4j-core",
	// "github.com/foo/bar/v2", "drupal/core", the PEP 503 form for PyPI.
	// Distribution advisories name source packages, so for deb, apk and
	// rpm purls Name is the source package when the purl's upstream
	// qualifier says it, and the purl's (binary) name otherwise.
	Name string
	// Version is the version to evaluate: the purl's version, the source
	// package's version when the upstream qualifier gives one (with the
	// binary's epoch when only that carries one), with the rpm epoch
	// qualifier prefixed ("1:1.1.1k-7.el8"). "" when the purl has none.
	Version string
	// Binary is the purl's own name when it differs from Name (a binary
	// package built from source package Name).
	Binary string
}

// Names returns the names to look the package up by: Name, and Binary for
// Red Hat, whose records name binary as well as source RPMs.
func (p Package) Names() []string {
	if p.Binary != "" && BaseEcosystem(p.Ecosystem) == "Red Hat" {
		return []string{p.Name, p.Binary}
	}
	return []string{p.Name}
}

// EcosystemForPURL returns the OSV ecosystem and package name of a purl,
// ok false when ParsePURL fails.
func EcosystemForPURL(purl string) (eco, name string, ok bool) {
	p, err := ParsePURL(purl)
	if err != nil {
		return "", "", false
	}
	return p.Ecosystem, p.Name, true
}

// ParsePURL maps a package URL to the OSV ecosystem, package name and
// version its advisories use. It accepts any valid purl, canonical or
// not. Types and their ecosystems: npm (npm, "@scope/name"), pypi (PyPI),
// maven (Maven, "group:artifact"), golang (Go, the module path), cargo
// (crates.io), gem (RubyGems), nuget (NuGet), composer (Packagist,
// "vendor/name"), pub (Pub), hex (Hex), hackage (Hackage), cran (CRAN),
// swift (SwiftURL, "host/owner/repo"), conan (ConanCenter), bitnami
// (Bitnami), julia (Julia), githubactions (GitHub Actions), deb (Debian,
// Ubuntu), apk (Alpine, Wolfi, Chainguard, MinimOS, Alpaquita) and rpm
// (Red Hat, AlmaLinux, Rocky Linux, openSUSE, SUSE, Mageia, openEuler).
// Repositories (github, gitlab, bitbucket) return ErrGitPURL with the
// repository URL as Name; other types return ErrUnsupportedPURL.
func ParsePURL(purl string) (Package, error) {
	u, err := packageurl.FromString(strings.TrimSpace(purl))
	if err != nil {
		return Package{}, fmt.Errorf("%w: %v", ErrInvalidPURL, err)
	}
	q := u.Qualifiers.Map()
	path := u.Name
	if u.Namespace != "" {
		path = u.Namespace + "/" + u.Name
	}
	p := Package{Name: u.Name, Version: u.Version}
	switch u.Type {
	case "npm":
		p.Ecosystem, p.Name = "npm", path
	case "pypi":
		p.Ecosystem, p.Name = "PyPI", pep503(u.Name)
	case "maven":
		p.Ecosystem = "Maven"
		if u.Namespace != "" {
			p.Name = u.Namespace + ":" + u.Name
		}
	case "golang":
		p.Ecosystem, p.Name = "Go", path
	case "cargo":
		p.Ecosystem = "crates.io"
	case "gem":
		p.Ecosystem = "RubyGems"
	case "nuget":
		p.Ecosystem = "NuGet"
	case "composer":
		p.Ecosystem, p.Name = "Packagist", path
	case "pub":
		p.Ecosystem = "Pub"
	case "hex":
		p.Ecosystem = "Hex"
	case "hackage":
		p.Ecosystem = "Hackage"
	case "cran":
		p.Ecosystem = "CRAN"
	case "swift":
		p.Ecosystem, p.Name = "SwiftURL", path
	case "conan":
		p.Ecosystem = "ConanCenter"
	case "bitnami":
		p.Ecosystem = "Bitnami"
	case "julia":
		p.Ecosystem = "Julia"
	case "githubactions":
		p.Ecosystem, p.Name = "GitHub Actions", path
	case "github", "gitlab", "bitbucket":
		p.Ecosystem, p.Name = "GIT", "https://"+u.Type+".com/"+path
		if u.Type == "bitbucket" {
			p.Name = "https://bitbucket.org/" + path
		}
		return p, fmt.Errorf("%w: %s", ErrGitPURL, p.Name)
	case "deb":
		err = debPackage(&p, u.Namespace, q)
	case "apk":
		err = apkPackage(&p, u.Namespace, q)
	case "rpm":
		err = rpmPackage(&p, u.Namespace, q)
	default:
		err = fmt.Errorf("%w: type %q", ErrUnsupportedPURL, u.Type)
	}
	if err != nil {
		return Package{}, err
	}
	return p, nil
}

// distroRelease returns the release part of a distro qualifier: the text
// after the last "-" ("debian-12" → "12", "bookworm" → "bookworm"),
// lower-cased.
func distroRelease(q map[string]string) string {
	d := strings.ToLower(strings.TrimSpace(q["distro"]))
	return d[strings.LastIndexByte(d, '-')+1:]
}

// useSource sets Name (and Version) from the upstream qualifier, which
// SBOM tools such as syft write as "name" or "name@version".
func useSource(p *Package, upstream string) {
	name, version, _ := strings.Cut(strings.TrimSpace(upstream), "@")
	if name == "" {
		return
	}
	if name != p.Name {
		p.Binary, p.Name = p.Name, name
	}
	if version != "" {
		if e, _, ok := strings.Cut(p.Version, ":"); ok && !strings.Contains(version, ":") {
			version = e + ":" + version
		}
		p.Version = version
	}
}

// debPackage fills a deb purl's ecosystem and source package.
func debPackage(p *Package, ns string, q map[string]string) error {
	distro := strings.ToLower(q["distro"])
	switch {
	case ns == "debian" || ns == "" && strings.HasPrefix(distro, "debian"):
		p.Ecosystem = "Debian"
		if rel := distroRelease(q); rel != "" {
			p.Ecosystem += ":" + releaseKey("Debian", rel)
		}
	case ns == "ubuntu" || ns == "" && strings.HasPrefix(distro, "ubuntu"):
		p.Ecosystem = "Ubuntu"
		if rel := distroRelease(q); rel != "" {
			if r, ok := ubuntuReleases[rel]; ok {
				rel = r
			}
			p.Ecosystem += ":" + rel
			if ubuntuLTS[rel] {
				p.Ecosystem += ":LTS"
			}
		}
	default:
		return fmt.Errorf("%w: deb distribution %q", ErrUnsupportedPURL, ns)
	}
	useSource(p, q["upstream"])
	return nil
}

// apkPackage fills an apk purl's ecosystem and origin package.
func apkPackage(p *Package, ns string, q map[string]string) error {
	rel := distroRelease(q)
	switch ns {
	case "alpine", "":
		p.Ecosystem = "Alpine"
		if rel != "" {
			key := releaseKey("Alpine", rel)
			if isNumeric(key) {
				key = "v" + key
			}
			p.Ecosystem += ":" + key
		}
	case "wolfi":
		p.Ecosystem = "Wolfi"
	case "chainguard":
		p.Ecosystem = "Chainguard"
	case "minimos":
		p.Ecosystem = "MinimOS"
	case "alpaquita":
		p.Ecosystem = "Alpaquita"
		if rel != "" {
			p.Ecosystem += ":" + rel
		}
	default:
		return fmt.Errorf("%w: apk distribution %q", ErrUnsupportedPURL, ns)
	}
	useSource(p, q["upstream"])
	return nil
}

// rpmPackage fills an rpm purl's ecosystem, source package and epoch.
func rpmPackage(p *Package, ns string, q map[string]string) error {
	d := strings.ToLower(strings.TrimSpace(q["distro"]))
	rel := distroRelease(q)
	suffix := ""
	switch ns {
	case "redhat", "rhel":
		p.Ecosystem = "Red Hat"
		if isNumeric(rel) {
			suffix = "enterprise_linux:" + major(rel)
		}
	case "almalinux":
		p.Ecosystem = "AlmaLinux"
		if isNumeric(rel) {
			suffix = major(rel)
		}
	case "rocky", "rocky-linux", "rockylinux":
		p.Ecosystem = "Rocky Linux"
		if isNumeric(rel) {
			suffix = major(rel)
		}
	case "opensuse":
		p.Ecosystem = "openSUSE"
		suffix = openSUSERelease(d)
	case "suse", "sles":
		p.Ecosystem = "SUSE"
		if v, ok := strings.CutPrefix(d, "sles-"); ok && isNumeric(v) {
			maj, sp, _ := strings.Cut(v, ".")
			suffix = "Linux Enterprise Server " + maj
			if sp != "" && sp != "0" {
				suffix += " SP" + sp
			}
		}
	case "mageia":
		p.Ecosystem, suffix = "Mageia", rel
	case "openeuler":
		p.Ecosystem, suffix = "openEuler", strings.TrimPrefix(d, "openeuler-")
	default:
		return fmt.Errorf("%w: rpm distribution %q", ErrUnsupportedPURL, ns)
	}
	if suffix != "" {
		p.Ecosystem += ":" + suffix
	}
	if e := q["epoch"]; e != "" && p.Version != "" && !strings.Contains(p.Version, ":") {
		p.Version = e + ":" + p.Version
	}
	if src := srpmName(q["upstream"]); src != "" && src != p.Name {
		p.Binary, p.Name = p.Name, src
	}
	return nil
}

// openSUSERelease turns a distro qualifier such as "opensuse-leap-15.5"
// or "opensuse-tumbleweed" into OSV's suffix ("Leap 15.5",
// "Tumbleweed").
func openSUSERelease(d string) string {
	d = strings.TrimPrefix(d, "opensuse-")
	if d == "" || d == "opensuse" {
		return ""
	}
	words := strings.Split(d, "-")
	for i, w := range words {
		if w != "" && !isNumeric(w) {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// srpmName returns the package name of a source RPM file name
// ("openssl-1.1.1k-7.el8_6.src.rpm" → "openssl"), or "" when upstream is
// not one.
func srpmName(upstream string) string {
	s, ok := strings.CutSuffix(strings.TrimSpace(upstream), ".src.rpm")
	if !ok {
		if s, ok = strings.CutSuffix(s, ".nosrc.rpm"); !ok {
			return ""
		}
	}
	for range 2 { // drop "-release", then "-version"
		i := strings.LastIndexByte(s, '-')
		if i <= 0 {
			return ""
		}
		s = s[:i]
	}
	return s
}

// Keys returns the index keys (IndexKey) to look the package up by, one
// per name of Names.
func (p Package) Keys() []string {
	names := p.Names()
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = IndexKey(p.Ecosystem, n)
	}
	return keys
}
