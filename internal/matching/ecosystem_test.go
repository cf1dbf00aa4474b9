package matching_test

import (
	"testing"

	"cyra/internal/matching"
)

func TestBaseEcosystem(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Debian:12": "Debian",
		"Packagist:https://packages.drupal.org/8": "Packagist",
		"Ubuntu:Pro:18.04:LTS":                    "Ubuntu",
		"Red Hat:enterprise_linux:8::appstream":   "Red Hat",
		"pypi":                                    "PyPI",
		"CRATES.IO":                               "crates.io",
		"npm":                                     "npm",
		"Nonesuch:1":                              "Nonesuch",
		"":                                        "",
	} {
		if got := matching.BaseEcosystem(in); got != want {
			t.Errorf("BaseEcosystem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSupported(t *testing.T) {
	t.Parallel()
	for _, eco := range []string{"npm", "PyPI", "Maven", "Go", "crates.io", "RubyGems", "NuGet", "Packagist",
		"Pub", "Hex", "Hackage", "CRAN", "SwiftURL", "Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.18",
		"Red Hat:enterprise_linux:9::baseos", "AlmaLinux:9", "Rocky Linux:8", "openSUSE:Leap 15.5",
		"SUSE:Linux Enterprise Server 15 SP5", "Wolfi", "Chainguard", "Mageia:9", "openEuler:22.03-LTS"} {
		if !matching.Supported(eco) {
			t.Errorf("%q is not supported", eco)
		}
	}
	for _, eco := range []string{"GIT", "Linux", "Android", "OSS-Fuzz", "GitHub Actions", "Nonesuch", ""} {
		if matching.Supported(eco) {
			t.Errorf("%q is supported", eco)
		}
	}
	if !matching.Known("Linux") || matching.Known("Nonesuch") {
		t.Error("Known is wrong")
	}
	if _, err := matching.Parse("Linux", "6.1"); err == nil {
		t.Error("Parse accepts an ecosystem it cannot order")
	}
}

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	tests := []struct{ eco, a, b string }{
		{"PyPI", "Zope.Interface", "zope-interface"},
		{"PyPI", "typing__extensions", "Typing.Extensions"},
		{"PyPI", "-._weird", "-weird"},
		{"crates.io", "serde_json", "Serde-JSON"},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
		{"Packagist", "Laravel/Framework", "laravel/framework"},
		{"Go", "github.com/BurntSushi/toml", "github.com/burntsushi/toml"},
		{"Maven", "org.apache.logging.log4j/log4j-core", "org.apache.logging.log4j:log4j-core"},
		{"SwiftURL", "https://github.com/Apple/swift-nio.git", "github.com/apple/swift-nio"},
		{"SwiftURL", "git@github.com:apple/swift-nio.git", "github.com/apple/swift-nio/"},
		{"Debian:12", "OpenSSL", "openssl"},
	}
	for _, tt := range tests {
		if a, b := matching.NormalizeName(tt.eco, tt.a), matching.NormalizeName(tt.eco, tt.b); a != b {
			t.Errorf("%s: %q → %q and %q → %q differ", tt.eco, tt.a, a, tt.b, b)
		}
	}
	different := []struct{ eco, a, b string }{
		{"npm", "JSONStream", "jsonstream"},
		{"Maven", "org.Foo:bar", "org.foo:bar"},
		{"PyPI", "foo-bar", "foobar"},
		{"RubyGems", "Rack", "rack"},
	}
	for _, tt := range different {
		if a, b := matching.NormalizeName(tt.eco, tt.a), matching.NormalizeName(tt.eco, tt.b); a == b {
			t.Errorf("%s: %q and %q share key %q", tt.eco, tt.a, tt.b, a)
		}
	}
}

func TestIndexKey(t *testing.T) {
	t.Parallel()
	if a, b := matching.IndexKey("Debian:12", "OpenSSL"), matching.IndexKey("debian", "openssl"); a != b || a != "Debian/openssl" {
		t.Errorf("IndexKey: %q and %q", a, b)
	}
	if a, b := matching.IndexKey("npm", "zlib"), matching.IndexKey("PyPI", "zlib"); a == b {
		t.Errorf("npm and PyPI zlib share key %q", a)
	}
}

func TestApplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		advisory, pkg string
		want          matching.Applicability
	}{
		{"Debian:12", "Debian:12", matching.Applicable},
		{"Debian:12", "Debian:11", matching.NotApplicable},
		{"Debian:12", "Debian", matching.ReleaseUnknown},
		{"Debian", "Debian:11", matching.Applicable},
		{"Debian:12", "Ubuntu:22.04:LTS", matching.NotApplicable},
		{"Ubuntu:22.04:LTS", "Ubuntu:22.04:LTS", matching.Applicable},
		{"Ubuntu:Pro:18.04:LTS", "Ubuntu:18.04:LTS", matching.Applicable},
		{"Ubuntu:Pro:FIPS:20.04:LTS", "Ubuntu:20.04:LTS", matching.NotApplicable},
		{"Ubuntu:23.10", "Ubuntu:22.04:LTS", matching.NotApplicable},
		{"Alpine:v3.18", "Alpine:v3.18", matching.Applicable},
		{"Alpine:v3.18", "Alpine:v3.19", matching.NotApplicable},
		{"Red Hat:enterprise_linux:8::appstream", "Red Hat:enterprise_linux:8", matching.Applicable},
		{"Red Hat:rhel_eus:8.6::baseos", "Red Hat:enterprise_linux:8", matching.Applicable},
		{"Red Hat:enterprise_linux:9::appstream", "Red Hat:enterprise_linux:8", matching.NotApplicable},
		{"SUSE:Linux Enterprise Module for Basesystem 15 SP5", "SUSE:Linux Enterprise Server 15 SP5", matching.Applicable},
		{"SUSE:Linux Enterprise Server 15 SP4", "SUSE:Linux Enterprise Server 15 SP5", matching.NotApplicable},
		{"openSUSE:Leap 15.5", "openSUSE:Leap 15.5", matching.Applicable},
		{"AlmaLinux:8", "AlmaLinux:8", matching.Applicable},
		{"Maven:https://maven.google.com", "Maven", matching.Applicable},
		{"Packagist:https://packages.drupal.org/8", "Packagist", matching.Applicable},
		{"PyPI", "pypi", matching.Applicable},
		{"PyPI", "npm", matching.NotApplicable},
		{"Nonesuch", "Nonesuch", matching.Applicable},
		{"Nonesuch", "npm", matching.NotApplicable},
	}
	for _, tt := range tests {
		if got := matching.Applies(tt.advisory, tt.pkg); got != tt.want {
			t.Errorf("Applies(%q, %q) = %v, want %v", tt.advisory, tt.pkg, got, tt.want)
		}
	}
}

func TestParseGoAndValidation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ eco, a, b string }{
		{"Go", "go1.21", "1.21.0"},
		{"Go", "go1.21rc2", "1.21.0-rc.2"},
		{"Go", "go1.9beta1", "1.9.0-beta.1"},
		{"Go", "v1.2.3+incompatible", "1.2.3"},
	} {
		if n, err := matching.Compare(tt.eco, tt.a, tt.b); err != nil || n != 0 {
			t.Errorf("Compare(%s, %q, %q) = %d, %v; want 0", tt.eco, tt.a, tt.b, n, err)
		}
	}
	for _, tt := range []struct{ eco, v string }{
		{"npm", ""}, {"npm", "latest"}, {"npm", "1.0.0 "}, {"Go", "\x001.0"}, {"PyPI", "1.0\xff"},
		{"Debian", "a:1.0"}, {"CRAN", "1.x"}, {"Hackage", "1.0-beta"},
	} {
		if _, err := matching.Parse(tt.eco, tt.v); err == nil {
			t.Errorf("Parse(%s, %q) succeeds", tt.eco, tt.v)
		}
	}
	deb, _ := matching.Parse("Debian", "1.0-1")
	pypi, _ := matching.Parse("PyPI", "1.0")
	if _, err := deb.Compare(pypi); err == nil {
		t.Error("Debian and PyPI versions compare")
	}
	ubuntu, _ := matching.Parse("Ubuntu:22.04:LTS", "1.0-2")
	if n, err := deb.Compare(ubuntu); err != nil || n != -1 {
		t.Errorf("Debian 1.0-1 vs Ubuntu 1.0-2 = %d, %v", n, err)
	}
	if deb.String() != "1.0-1" {
		t.Errorf("String = %q", deb.String())
	}
}
