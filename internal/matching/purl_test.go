package matching_test

import (
	"errors"
	"slices"
	"testing"

	"cyra/internal/matching"
)

func TestParsePURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		purl string
		want matching.Package
	}{
		{"pkg:npm/%40angular/core@17.0.1", matching.Package{Ecosystem: "npm", Name: "@angular/core", Version: "17.0.1"}},
		{"pkg:npm/lodash@4.17.21", matching.Package{Ecosystem: "npm", Name: "lodash", Version: "4.17.21"}},
		{"pkg:pypi/Zope.Interface@5.4.0", matching.Package{Ecosystem: "PyPI", Name: "zope-interface", Version: "5.4.0"}},
		{"pkg:pypi/typing_extensions@4.8.0", matching.Package{Ecosystem: "PyPI", Name: "typing-extensions", Version: "4.8.0"}},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar", matching.Package{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}},
		{"pkg:golang/github.com/coder/coder/v2@v2.3.1", matching.Package{Ecosystem: "Go", Name: "github.com/coder/coder/v2", Version: "v2.3.1"}},
		{"pkg:golang/stdlib@go1.21.3", matching.Package{Ecosystem: "Go", Name: "stdlib", Version: "go1.21.3"}},
		{"pkg:cargo/tokio@1.28.0", matching.Package{Ecosystem: "crates.io", Name: "tokio", Version: "1.28.0"}},
		{"pkg:gem/rails@7.0.4", matching.Package{Ecosystem: "RubyGems", Name: "rails", Version: "7.0.4"}},
		{"pkg:nuget/Newtonsoft.Json@13.0.1", matching.Package{Ecosystem: "NuGet", Name: "Newtonsoft.Json", Version: "13.0.1"}},
		{"pkg:composer/laravel/framework@v10.0.0", matching.Package{Ecosystem: "Packagist", Name: "laravel/framework", Version: "v10.0.0"}},
		{"pkg:pub/http@1.1.0", matching.Package{Ecosystem: "Pub", Name: "http", Version: "1.1.0"}},
		{"pkg:hex/plug@1.14.0", matching.Package{Ecosystem: "Hex", Name: "plug", Version: "1.14.0"}},
		{"pkg:hackage/aeson@2.1.0.0", matching.Package{Ecosystem: "Hackage", Name: "aeson", Version: "2.1.0.0"}},
		{"pkg:cran/readxl@1.4.2", matching.Package{Ecosystem: "CRAN", Name: "readxl", Version: "1.4.2"}},
		{"pkg:swift/github.com/apple/swift-nio-http2@1.27.0", matching.Package{Ecosystem: "SwiftURL", Name: "github.com/apple/swift-nio-http2", Version: "1.27.0"}},
		{"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
			matching.Package{Ecosystem: "Debian:12", Name: "openssl", Binary: "libssl3", Version: "3.0.11-1~deb12u2"}},
		{"pkg:deb/debian/libc6@2.36-9%2Bdeb12u3%2Bb1?distro=bookworm&upstream=glibc%402.36-9%2Bdeb12u3",
			matching.Package{Ecosystem: "Debian:12", Name: "glibc", Binary: "libc6", Version: "2.36-9+deb12u3"}},
		{"pkg:deb/debian/bsdutils@1:2.38.1-5%2Bb1?distro=debian-12.5&upstream=util-linux%402.38.1-5",
			matching.Package{Ecosystem: "Debian:12", Name: "util-linux", Binary: "bsdutils", Version: "1:2.38.1-5"}},
		{"pkg:deb/debian/curl@7.74.0-1.3", matching.Package{Ecosystem: "Debian", Name: "curl", Version: "7.74.0-1.3"}},
		{"pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?distro=ubuntu-22.04", matching.Package{Ecosystem: "Ubuntu:22.04:LTS", Name: "openssl", Version: "3.0.2-0ubuntu1.10"}},
		{"pkg:deb/ubuntu/openssl@3.0.10-1ubuntu2?distro=mantic", matching.Package{Ecosystem: "Ubuntu:23.10", Name: "openssl", Version: "3.0.10-1ubuntu2"}},
		{"pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&distro=alpine-3.18.4&upstream=openssl",
			matching.Package{Ecosystem: "Alpine:v3.18", Name: "openssl", Binary: "libcrypto3", Version: "3.1.4-r0"}},
		{"pkg:apk/alpine/busybox@1.36.1-r2?distro=3.18", matching.Package{Ecosystem: "Alpine:v3.18", Name: "busybox", Version: "1.36.1-r2"}},
		{"pkg:apk/wolfi/glibc@2.38-r1", matching.Package{Ecosystem: "Wolfi", Name: "glibc", Version: "2.38-r1"}},
		{"pkg:rpm/redhat/openssl-libs@1.1.1k-7.el8_6?arch=x86_64&epoch=1&distro=rhel-8.6&upstream=openssl-1.1.1k-7.el8_6.src.rpm",
			matching.Package{Ecosystem: "Red Hat:enterprise_linux:8", Name: "openssl", Binary: "openssl-libs", Version: "1:1.1.1k-7.el8_6"}},
		{"pkg:rpm/almalinux/bash@4.4.20-4.el8_6?distro=almalinux-8.9", matching.Package{Ecosystem: "AlmaLinux:8", Name: "bash", Version: "4.4.20-4.el8_6"}},
		{"pkg:rpm/rocky/bash@5.1.8-6.el9_1?distro=rocky-9.3", matching.Package{Ecosystem: "Rocky Linux:9", Name: "bash", Version: "5.1.8-6.el9_1"}},
		{"pkg:rpm/opensuse/curl@8.0.1-150400.5.32.1?distro=opensuse-leap-15.5", matching.Package{Ecosystem: "openSUSE:Leap 15.5", Name: "curl", Version: "8.0.1-150400.5.32.1"}},
		{"pkg:rpm/opensuse/curl@8.5.0-1.1?distro=opensuse-tumbleweed", matching.Package{Ecosystem: "openSUSE:Tumbleweed", Name: "curl", Version: "8.5.0-1.1"}},
		{"pkg:rpm/suse/libopenssl3@3.0.8-150500.5.20.1?distro=sles-15.5&upstream=openssl-3-3.0.8-150500.5.20.1.src.rpm",
			matching.Package{Ecosystem: "SUSE:Linux Enterprise Server 15 SP5", Name: "openssl-3", Binary: "libopenssl3", Version: "3.0.8-150500.5.20.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.purl, func(t *testing.T) {
			t.Parallel()
			got, err := matching.ParsePURL(tt.purl)
			if err != nil || got != tt.want {
				t.Errorf("ParsePURL = %+v, %v\n                want %+v", got, err, tt.want)
			}
			eco, name, ok := matching.EcosystemForPURL(tt.purl)
			if !ok || eco != tt.want.Ecosystem || name != tt.want.Name {
				t.Errorf("EcosystemForPURL = %q, %q, %v", eco, name, ok)
			}
		})
	}
}

func TestParsePURLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		purl string
		want error
	}{
		{"not a purl", matching.ErrInvalidPURL},
		{"pkg:npm", matching.ErrInvalidPURL},
		{"pkg:generic/openssl@3.0.0", matching.ErrUnsupportedPURL},
		{"pkg:docker/library/nginx@1.25", matching.ErrUnsupportedPURL},
		{"pkg:rpm/fedora/curl@8.0.1-1.fc38", matching.ErrUnsupportedPURL},
		{"pkg:deb/raspbian/curl@7.0", matching.ErrUnsupportedPURL},
		{"pkg:github/package-url/purl-spec@244fd47e07d1004", matching.ErrGitPURL},
	}
	for _, tt := range tests {
		p, err := matching.ParsePURL(tt.purl)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParsePURL(%q) = %+v, %v; want %v", tt.purl, p, err, tt.want)
		}
		if _, _, ok := matching.EcosystemForPURL(tt.purl); ok {
			t.Errorf("EcosystemForPURL(%q) is ok", tt.purl)
		}
	}
	p, _ := matching.ParsePURL("pkg:github/package-url/purl-spec@244fd47e07d1004")
	if p.Ecosystem != "GIT" || p.Name != "https://github.com/package-url/purl-spec" {
		t.Errorf("a GitHub purl gives %+v", p)
	}
}

func TestPackageNames(t *testing.T) {
	t.Parallel()
	rh, err := matching.ParsePURL("pkg:rpm/redhat/openssl-libs@1.1.1k-7.el8_6?distro=rhel-8.6&upstream=openssl-1.1.1k-7.el8_6.src.rpm")
	if err != nil {
		t.Fatal(err)
	}
	if got := rh.Names(); !slices.Equal(got, []string{"openssl", "openssl-libs"}) {
		t.Errorf("Red Hat Names = %q", got)
	}
	deb, err := matching.ParsePURL("pkg:deb/debian/libssl3@3.0.11-1?distro=debian-12&upstream=openssl")
	if err != nil {
		t.Fatal(err)
	}
	if got := deb.Names(); !slices.Equal(got, []string{"openssl"}) {
		t.Errorf("Debian Names = %q", got)
	}
}
