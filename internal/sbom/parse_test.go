package sbom_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sbom"
)

const truncatedCDX = `{"bomFormat": "CycloneDX", "specVersion": "1.6",
"components": [{"type": "library", "name": "a", "version": "1"`

const spdxTagValue = `SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: app
DocumentNamespace: https://example.com/app
Creator: Tool: hand
Created: 2024-01-01T00:00:00Z

PackageName: app
SPDXID: SPDXRef-app
PackageVersion: 1.0
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false

PackageName: lib
SPDXID: SPDXRef-lib
PackageVersion: 2.0
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
%s
Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app
Relationship: SPDXRef-app DEPENDS_ON SPDXRef-lib
`

// cdxDoc wraps components and dependencies in a CycloneDX 1.6 document
// whose subject is "app".
func cdxDoc(components, dependencies string) string {
	d := `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
"metadata": {"timestamp": "2024-05-01T10:00:00Z", "component": {"type": "application", "bom-ref": "app", "name": "app", "version": "1.0"}},
"components": [` + components + `]`
	if dependencies != "" {
		d += `,
"dependencies": [` + dependencies + `]`
	}
	return d + "}"
}

func lib(ref, name, purl string) string {
	s := fmt.Sprintf(`{"type": "library", "bom-ref": %q, "name": %q, "version": "1.0"`, ref, name)
	if purl != "" {
		s += fmt.Sprintf(`, "purl": %q`, purl)
	}
	return s + "}"
}

// TestParseErrors feeds broken, mislabelled, oversized and hostile input:
// each must give a *cra.Error with the right code whose message starts
// with the file name and says where the problem is.
func TestParseErrors(t *testing.T) {
	truncLine2 := truncatedCDX[strings.IndexByte(truncatedCDX, '\n')+1:]
	tests := []struct {
		name  string
		input string
		opts  sbom.Options
		code  string
		want  []string
	}{
		{"truncated JSON", truncatedCDX, sbom.Options{}, cra.EINVALID,
			[]string{fmt.Sprintf("line 2, column %d (byte %d)", len(truncLine2)+1, len(truncatedCDX)), "ends too early"}},
		{"invalid JSON", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\",\n\"components\": [\n  {\"name\": \"a\",, \"version\": \"1\"}]}", sbom.Options{}, cra.EINVALID,
			[]string{"invalid JSON at line 3, column 16 (byte 80)", "invalid character ','"}},
		{"broken JSON without markers", "{\"name\": \"x\",\n \"y\": [1, 2}", sbom.Options{}, cra.EINVALID,
			[]string{"invalid JSON at line 2, column 12 (byte 25)", "'}' after array element"}},
		{"JSON of the wrong type", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\",\n\"version\": \"one\"}", sbom.Options{}, cra.EINVALID,
			[]string{"line 2, column 12", "the field version holds a JSON string", "a number"}},
		{"wrong type in a component", cdxDoc(`{"type": "library", "name": "a", "hashes": {"alg": "SHA-256"}}`, ""), sbom.Options{}, cra.EINVALID,
			[]string{"line 3", "components.hashes holds a JSON object", "an array"}},
		{"invalid XML", "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\" version=\"1\">\n<components>\n<component type=\"library\"><name>a</name>\n</components>\n</bom>", sbom.Options{}, cra.EINVALID,
			[]string{"invalid XML at line 5", "element <component> closed by </components>"}},
		{"truncated XML", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\" version=\"1\">\n<components>\n<component type=\"library\"><name>a</na", sbom.Options{}, cra.EINVALID,
			[]string{"invalid XML at line 3", "unexpected EOF"}},
		{"XML attribute of the wrong type", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\" version=\"first\">\n</bom>", sbom.Options{}, cra.EINVALID,
			[]string{"line 1, column 66", `the value "first" is not a number`}},
		{"declared SPDX, content CycloneDX", cdxDoc("", ""), sbom.Options{Format: cra.FormatSPDXJSON}, cra.EUNSUPPORTED,
			[]string{"declared as spdx-json", "content is cyclonedx-json 1.6"}},
		{"declared XML, content JSON", cdxDoc("", ""), sbom.Options{Format: cra.FormatCycloneDXXML}, cra.EUNSUPPORTED,
			[]string{"declared as cyclonedx-xml", "cyclonedx-json"}},
		{"unknown declared format", cdxDoc("", ""), sbom.Options{Format: "swid"}, cra.EUNSUPPORTED,
			[]string{`declared format "swid"`}},
		{"empty", "", sbom.Options{}, cra.EINVALID, []string{"the document is empty"}},
		{"blank", " \n\t\n", sbom.Options{}, cra.EINVALID, []string{"the document is empty"}},
		{"not an SBOM", "Hello, world.\n", sbom.Options{}, cra.EUNSUPPORTED,
			[]string{"not an SBOM: expected a CycloneDX or SPDX document"}},
		{"VEX only", `{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,"vulnerabilities":[{"id":"CVE-2021-44228"}]}`, sbom.Options{}, cra.EUNSUPPORTED,
			[]string{"a CycloneDX VEX document (1 vulnerability, no components)"}},
		{"duplicate bom-ref", cdxDoc(lib("x", "a", "")+",\n"+lib("y", "b", "")+",\n"+lib("x", "c", ""), ""), sbom.Options{}, cra.EINVALID,
			[]string{`duplicate bom-ref "x"`, `component "c" (components[2] at line 5, column 21`, "same bom-ref as components[0]"}},
		{"duplicate nested bom-ref", cdxDoc(`{"type":"library","bom-ref":"p","name":"p","components":[`+lib("x", "a", "")+`]},`+lib("x", "b", ""), ""), sbom.Options{}, cra.EINVALID,
			[]string{`duplicate bom-ref "x"`, "components[1]", "components[0].components[0]"}},
		{"subject's bom-ref on another component", cdxDoc(lib("app", "other", ""), ""), sbom.Options{}, cra.EINVALID,
			[]string{`duplicate bom-ref "app"`, "the subject"}},
		{"duplicate SPDXID in JSON", `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"d","documentNamespace":"https://example.com/d","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: t"]},
"packages":[{"name":"a","SPDXID":"SPDXRef-a","downloadLocation":"NOASSERTION"},
{"name":"b","SPDXID":"SPDXRef-a","downloadLocation":"NOASSERTION"}]}`, sbom.Options{}, cra.EINVALID,
			[]string{`duplicate SPDXID "SPDXRef-a"`, `package "b" (packages[1] at line 3, column 13`}},
		{"duplicate SPDXID in tag-value", fmt.Sprintf(spdxTagValue, "\nPackageName: lib2\nSPDXID: SPDXRef-lib\nPackageDownloadLocation: NOASSERTION\n"), sbom.Options{}, cra.EINVALID,
			[]string{`duplicate SPDXID "SPDXRef-lib"`, "package #3 at line 22, column 1", "same SPDXID as package #2"}},
		{"tag-value: unknown tag", fmt.Sprintf(spdxTagValue, "PackageColour: blue\n"), sbom.Options{}, cra.EINVALID,
			[]string{"invalid SPDX tag-value at line 20 (PackageColour)", "unknown tag PackageColour"}},
		{"tag-value: bad element id", strings.Replace(fmt.Sprintf(spdxTagValue, ""), "SPDXRef-app DEPENDS_ON SPDXRef-lib", "SPDXRef-app DEPENDS_ON lib", 1), sbom.Options{}, cra.EINVALID,
			[]string{"invalid SPDX tag-value at line 22 (Relationship)"}},
		{"tag-value: no colon", fmt.Sprintf(spdxTagValue, "this line has no tag\n"), sbom.Options{}, cra.EINVALID,
			[]string{"invalid SPDX tag-value at line 20", "has no colon"}},
		{"tag-value: unclosed text", fmt.Sprintf(spdxTagValue, "PackageComment: <text>never closed\n"), sbom.Options{}, cra.EINVALID,
			[]string{"line 20", "never closed"}},
		{"SPDX JSON of the wrong type", `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[{"name":"a","SPDXID":"SPDXRef-a","versionInfo":3}]}`, sbom.Options{}, cra.EINVALID,
			[]string{"packages.versionInfo holds a JSON number"}},
		{"SPDX JSON with a bad supplier", `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT",
"packages":[{"name":"a","SPDXID":"SPDXRef-a","supplier":"Bob"}]}`, sbom.Options{}, cra.EINVALID,
			[]string{"near line 2", "failed to parse Supplier 'Bob'"}},
		{"SPDX 3 JSON-LD truncated", `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":"software_Package",`, sbom.Options{}, cra.EINVALID,
			[]string{"invalid JSON at line 1", "ends too early"}},
		{"SPDX 3 without a graph", `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}`, sbom.Options{}, cra.EINVALID,
			[]string{"no @graph elements"}},
		{"SPDX 3 duplicate spdxId", `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[
{"type":"software_Package","spdxId":"urn:a","name":"a"},
{"type":"software_Package","spdxId":"urn:a","name":"b"}]}`, sbom.Options{}, cra.EINVALID,
			[]string{`duplicate spdxId "urn:a"`, "@graph[1] at line 3", "same spdxId as @graph[0]"}},
		{"oversized", cdxDoc(lib("a", "a", ""), ""), sbom.Options{MaxSize: 100}, cra.ETOOLARGE,
			[]string{"larger than the limit of 100 bytes"}},
		{"oversized, gzipped", string(gzipped(t, []byte(cdxDoc(lib("a", "a", ""), "")))), sbom.Options{MaxSize: 200}, cra.ETOOLARGE,
			[]string{"once decompressed, larger than the limit of 200 bytes"}},
		{"broken gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffthis is not deflate data", sbom.Options{}, cra.EINVALID,
			[]string{"the gzip stream is broken"}},
		{"gzip header only", "\x1f\x8b", sbom.Options{}, cra.EINVALID, []string{"gzip header is broken"}},
		{"CycloneDX 1.8", `{"bomFormat":"CycloneDX","specVersion":"1.8","components":[]}`, sbom.Options{}, cra.EUNSUPPORTED,
			[]string{"CycloneDX 1.8 is not supported"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sbom.Parse("upload.sbom", strings.NewReader(tc.input), tc.opts)
			if err == nil {
				t.Fatalf("Parse succeeded with %d components, want %s", len(s.Components), tc.code)
			}
			e := appError(t, err, tc.code)
			t.Log(e.Message)
			if !strings.HasPrefix(e.Message, "upload.sbom: ") {
				t.Errorf("message does not start with the file name: %s", e.Message)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("message %q does not say %q", e.Message, w)
				}
			}
		})
	}
}

// TestParseSizeLimit checks the limit's boundary: a document of exactly
// MaxSize bytes is read, one byte more is refused.
func TestParseSizeLimit(t *testing.T) {
	doc := cdxDoc(lib("a", "a", "pkg:npm/a@1.0"), "")
	if _, err := sbom.Parse("exact.json", strings.NewReader(doc), sbom.Options{MaxSize: int64(len(doc))}); err != nil {
		t.Fatalf("a document of exactly MaxSize bytes: %v", err)
	}
	_, err := sbom.Parse("over.json", strings.NewReader(doc+" "), sbom.Options{MaxSize: int64(len(doc))})
	appError(t, err, cra.ETOOLARGE)
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// gzipBomb returns a multi-member gzip stream that inflates to n MiB of
// prefix followed by zeros. One deflate member cannot exceed a ratio of
// about 1032:1, so the bomb repeats a 16 MiB member: 1 GiB of zeros costs
// about 1 MB compressed.
func gzipBomb(t testing.TB, prefix string, mib int) []byte {
	t.Helper()
	bombOnce.Do(func() {
		var member bytes.Buffer
		zw := gzip.NewWriter(&member)
		if _, err := io.CopyN(zw, zeros{}, 16<<20); err != nil {
			panic(err)
		}
		if err := zw.Close(); err != nil {
			panic(err)
		}
		bombMember = member.Bytes()
	})
	bomb := gzipped(t, []byte(prefix))
	for range mib / 16 {
		bomb = append(bomb, bombMember...)
	}
	return bomb
}

var (
	bombOnce   sync.Once
	bombMember []byte // 16 MiB of zeros, gzipped
)

// TestParseGzipBomb feeds gzip streams that inflate to 1 GiB: Parse must
// refuse them with ETOOLARGE naming the limit, having read no more than
// the limit of the decompressed stream.
func TestParseGzipBomb(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, prefix string }{
		{"zeros", ""},
		{"an SBOM head and then zeros", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bomb := gzipBomb(t, tc.prefix, 1024)
			t.Logf("%d bytes of gzip inflate to 1 GiB", len(bomb))
			_, err := sbom.Parse("bomb.json.gz", bytes.NewReader(bomb), sbom.Options{})
			e := appError(t, err, cra.ETOOLARGE)
			if !strings.Contains(e.Message, "bomb.json.gz: the document is, once decompressed, larger than the limit of 50 MB (52,428,800 bytes)") {
				t.Errorf("message: %s", e.Message)
			}
		})
	}
}

// TestParseGzip reads a gzip-compressed SBOM like the plain one.
func TestParseGzip(t *testing.T) {
	doc := cdxDoc(lib("a", "a", "pkg:npm/a@1.0"), `{"ref":"app","dependsOn":["a"]}`)
	s, err := sbom.Parse("bom.json.gz", bytes.NewReader(gzipped(t, []byte(doc))), sbom.Options{Format: cra.FormatCycloneDXJSON})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Components) != 1 || !s.Components[0].Direct || s.Components[0].PURL != "pkg:npm/a@1.0" {
		t.Fatalf("components: %+v", s.Components)
	}
}

// TestParseWarnings covers what Parse keeps and reports instead of
// refusing: purls that do not parse, missing purls, shared purls, cycles
// and refs to nothing.
func TestParseWarnings(t *testing.T) {
	t.Parallel()
	t.Run("purl that does not parse is kept", func(t *testing.T) {
		s := parse(t, "bad-purl.json", cdxDoc(lib("pkg:npm/lodash@4", "lodash", "npm/lodash@4")+","+lib("b", "b", "pkg:npm/b@1"), ""))
		c := component(t, s, "lodash")
		if c.PURL != "" || c.RawPURL != "npm/lodash@4" || !strings.Contains(c.PURLProblem, `scheme is not "pkg"`) {
			t.Fatalf("component: %+v", c)
		}
		if !hasWarning(s, `component "lodash" (bom-ref "pkg:npm/lodash@4", components[0]) has a purl that does not parse`) {
			t.Fatalf("warnings: %q", s.Warnings)
		}
		if len(s.Components) != 2 {
			t.Fatalf("%d components, want both kept", len(s.Components))
		}
	})
	t.Run("many bad purls are summarised", func(t *testing.T) {
		var cs []string
		for i := range 25 {
			cs = append(cs, lib(fmt.Sprint("c", i), fmt.Sprint("c", i), "pkg:/x"))
		}
		s := parse(t, "many.json", cdxDoc(strings.Join(cs, ","), ""))
		n := 0
		for _, w := range s.Warnings {
			if strings.Contains(w, "has a purl that does not parse:") {
				n++
			}
		}
		if n != 10 || !hasWarning(s, "15 more components have a purl that does not parse") {
			t.Fatalf("%d individual warnings; warnings: %q", n, s.Warnings)
		}
	})
	t.Run("components without purl are kept and counted", func(t *testing.T) {
		s := parse(t, "nopurl.json", cdxDoc(lib("a", "a", "")+","+lib("b", "b", "pkg:npm/b@1")+","+lib("c", "c", ""), ""))
		if len(s.Components) != 3 || !hasWarning(s, "2 of 3 components have no purl; they cannot be matched against advisories") {
			t.Fatalf("%d components; warnings: %q", len(s.Components), s.Warnings)
		}
	})
	t.Run("same purl, different refs", func(t *testing.T) {
		s := parse(t, "shared.json", cdxDoc(lib("a1", "a", "pkg:npm/a@1")+","+lib("a2", "a", "pkg:NPM/a@1"), ""))
		if len(s.Components) != 2 || !hasWarning(s, "1 purl is shared", `pkg:npm/a@1 is the purl of "a1", "a2"`) {
			t.Fatalf("warnings: %q", s.Warnings)
		}
	})
	t.Run("cycle", func(t *testing.T) {
		s := parse(t, "cycle.json", cdxDoc(lib("a", "a", "")+","+lib("b", "b", "")+","+lib("c", "c", ""),
			`{"ref":"app","dependsOn":["a"]},{"ref":"a","dependsOn":["b"]},{"ref":"b","dependsOn":["c"]},{"ref":"c","dependsOn":["a"]}`))
		if !hasWarning(s, "cycle", "a → b → c → a") {
			t.Fatalf("warnings: %q", s.Warnings)
		}
		if directNames(s) != "a" {
			t.Fatalf("direct: %s", directNames(s))
		}
	})
	t.Run("self-dependency", func(t *testing.T) {
		s := parse(t, "self.json", cdxDoc(lib("a", "a", ""), `{"ref":"a","dependsOn":["a"]}`))
		if !hasWarning(s, "cycle", "a → a") {
			t.Fatalf("warnings: %q", s.Warnings)
		}
	})
	t.Run("long chain with a cycle does not hang or overflow", func(t *testing.T) {
		const n = 20000
		var cs, ds []string
		for i := range n {
			cs = append(cs, fmt.Sprintf(`{"type":"library","bom-ref":"c%d","name":"c%d"}`, i, i))
			ds = append(ds, fmt.Sprintf(`{"ref":"c%d","dependsOn":["c%d"]}`, i, (i+1)%n))
		}
		s := parse(t, "chain.json", cdxDoc(strings.Join(cs, ","), strings.Join(ds, ",")))
		if !hasWarning(s, "cycle", "c0 → c1 → c2") {
			t.Fatalf("no cycle warning among %d warnings", len(s.Warnings))
		}
	})
	t.Run("dangling ref", func(t *testing.T) {
		s := parse(t, "dangling.json", cdxDoc(lib("a", "a", ""), `{"ref":"app","dependsOn":["a","ghost"]},{"ref":"phantom","dependsOn":["a"]}`))
		if !hasWarning(s, "2 refs not in the document", `"ghost"`, `"phantom"`) {
			t.Fatalf("warnings: %q", s.Warnings)
		}
		for _, d := range s.Dependencies {
			if d.Ref == "phantom" || strings.Contains(strings.Join(d.DependsOn, ","), "ghost") {
				t.Fatalf("dangling edge kept: %+v", s.Dependencies)
			}
		}
	})
	t.Run("subject listed again among the components", func(t *testing.T) {
		s := parse(t, "copy.json", cdxDoc(`{"type":"application","bom-ref":"app","name":"app","version":"1.0"},`+lib("a", "a", ""), `{"ref":"app","dependsOn":["a"]}`))
		if len(s.Components) != 1 || !hasWarning(s, `subject "app" is also listed`) || directNames(s) != "a" {
			t.Fatalf("components %+v; warnings %q", s.Components, s.Warnings)
		}
	})
}

// TestParseNormalises checks the field mapping of each format: purl
// canonicalisation, hash and licence normalisation, suppliers, CPEs and
// the document's own metadata.
func TestParseNormalises(t *testing.T) {
	t.Run("CycloneDX JSON", func(t *testing.T) {
		s := parse(t, "n.json", `{"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,
"metadata":{"timestamp":"2024-05-01T12:00:00+02:00","tools":{"components":[{"type":"application","name":"syft","version":"1.0"}]},
 "authors":[{"name":"Alice"},{"email":"bob@example.com"}],"supplier":{"name":"Acme"},
 "component":{"type":"application","name":"app","version":"2.0"}},
"components":[{"type":"library","group":"org.example","name":"core","version":"1.2","purl":"pkg:MAVEN/org.example/core@1.2?type=jar",
 "cpe":"cpe:2.3:a:example:core:1.2:*:*:*:*:*:*:*","scope":"optional","supplier":{"name":"Example Org"},"author":"Jane",
 "hashes":[{"alg":"SHA-256","content":"ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"},{"alg":"MD5","content":"d41d8cd98f00b204e9800998ecf8427e"}],
 "licenses":[{"license":{"id":"Apache-2.0"}},{"license":{"name":"Custom Licence"}}]},
 {"type":"library","name":"expr","licenses":[{"expression":"MIT OR GPL-2.0-only"}],"manufacturer":{"name":"Maker"}},
 {"type":"library","name":"noassert","licenses":[{"license":{"name":"NOASSERTION"}}],"authors":[{"name":"A"},{"name":"B"}]}]}`)
		if s.Format != cra.FormatCycloneDXJSON || s.SpecVersion != "1.5" || s.SerialNumber != "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" {
			t.Fatalf("document: %s %s %s", s.Format, s.SpecVersion, s.SerialNumber)
		}
		if s.Created == nil || s.Created.Format("2006-01-02T15:04:05Z07:00") != "2024-05-01T10:00:00Z" {
			t.Fatalf("created: %v", s.Created)
		}
		if strings.Join(s.Tools, "|") != "syft 1.0" || strings.Join(s.Authors, "|") != "Alice|bob@example.com" || s.Supplier != "Acme" {
			t.Fatalf("tools %q authors %q supplier %q", s.Tools, s.Authors, s.Supplier)
		}
		if s.Subject == nil || s.Subject.Name != "app" || s.Subject.Ref == "" {
			t.Fatalf("subject: %+v", s.Subject)
		}
		c := component(t, s, "core")
		if c.PURL != "pkg:maven/org.example/core@1.2?type=jar" || c.Group != "org.example" || c.Scope != "optional" ||
			c.Supplier != "Example Org" || c.Author != "Jane" || c.CPE != "cpe:2.3:a:example:core:1.2:*:*:*:*:*:*:*" || c.Ref != "pkg:MAVEN/org.example/core@1.2?type=jar" {
			t.Fatalf("core: %+v", c)
		}
		if fmt.Sprint(c.Hashes) != "[{SHA-256 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789} {MD5 d41d8cd98f00b204e9800998ecf8427e}]" {
			t.Fatalf("hashes: %v", c.Hashes)
		}
		if strings.Join(c.Licenses, "|") != "Apache-2.0|Custom Licence" {
			t.Fatalf("licences: %q", c.Licenses)
		}
		if e := component(t, s, "expr"); strings.Join(e.Licenses, "|") != "MIT OR GPL-2.0-only" || e.Author != "Maker" || e.Ref != "component-1" {
			t.Fatalf("expr: %+v", e)
		}
		if n := component(t, s, "noassert"); len(n.Licenses) != 0 || n.Author != "A, B" || n.Ref != "component-2" {
			t.Fatalf("noassert: %+v", n)
		}
	})
	t.Run("CycloneDX 1.4 tools array", func(t *testing.T) {
		s := parse(t, "t.json", `{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,"metadata":{"tools":[{"vendor":"CycloneDX","name":"cyclonedx-gomod","version":"v1.4.0"}]},"components":[]}`)
		if strings.Join(s.Tools, "|") != "cyclonedx-gomod v1.4.0" {
			t.Fatalf("tools: %q", s.Tools)
		}
	})
	t.Run("CycloneDX XML", func(t *testing.T) {
		s := parse(t, "n.xml", `<?xml version="1.0" encoding="ISO-8859-1"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.3" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">
<metadata><timestamp>2021-01-01T00:00:00Z</timestamp><tools><tool><vendor>v</vendor><name>gen</name><version>3</version></tool></tools>
<component type="application" bom-ref="app"><name>app</name><version>1</version></component></metadata>
<components><component type="library" bom-ref="a"><name>caf`+"\xe9"+`</name><version>1</version><hashes><hash alg="SHA-1">DA39A3EE5E6B4B0D3255BFEF95601890AFD80709</hash></hashes>
<licenses><license><id>MIT</id></license></licenses><purl>pkg:npm/cafe@1</purl></component></components>
<dependencies><dependency ref="app"><dependency ref="a"/></dependency></dependencies></bom>`)
		c := component(t, s, "café")
		if s.Format != cra.FormatCycloneDXXML || s.SpecVersion != "1.3" || !c.Direct || c.PURL != "pkg:npm/cafe@1" ||
			fmt.Sprint(c.Hashes) != "[{SHA-1 da39a3ee5e6b4b0d3255bfef95601890afd80709}]" || strings.Join(c.Licenses, "") != "MIT" {
			t.Fatalf("%s %s %+v", s.Format, s.SpecVersion, c)
		}
		if strings.Join(s.Tools, "") != "gen 3" || s.Created == nil {
			t.Fatalf("tools %q created %v", s.Tools, s.Created)
		}
	})
	t.Run("SPDX JSON", func(t *testing.T) {
		s := parse(t, "n.spdx.json", `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"d","documentNamespace":"https://example.com/d",
"creationInfo":{"created":"2024-01-02T03:04:05Z","creators":["Tool: syft-1.0","Organization: Acme ()","Person: Jane (jane@example.com)"]},
"documentDescribes":["SPDXRef-app"],
"packages":[{"name":"app","SPDXID":"SPDXRef-app","versionInfo":"1","downloadLocation":"NOASSERTION","supplier":"Organization: Acme"},
{"name":"lib","SPDXID":"SPDXRef-lib","versionInfo":"2","downloadLocation":"NOASSERTION","supplier":"NOASSERTION","originator":"Person: Bob",
 "primaryPackagePurpose":"OPERATING_SYSTEM","licenseDeclared":"NOASSERTION","licenseConcluded":"LicenseRef-x",
 "checksums":[{"algorithm":"SHA256","checksumValue":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}],
 "externalRefs":[{"referenceCategory":"PACKAGE_MANAGER","referenceType":"purl","referenceLocator":"pkg:pypi/Lib@2"},
  {"referenceCategory":"SECURITY","referenceType":"cpe22Type","referenceLocator":"cpe:/a:x:lib:2"}]}],
"hasExtractedLicensingInfos":[{"licenseId":"LicenseRef-x","extractedText":"...","name":"The X Licence"}]}`)
		if s.Format != cra.FormatSPDXJSON || s.SpecVersion != "2.3" || s.SerialNumber != "https://example.com/d" || s.Supplier != "Acme" {
			t.Fatalf("document: %+v", s)
		}
		if strings.Join(s.Tools, "|") != "syft-1.0" || strings.Join(s.Authors, "|") != "Acme|Jane (jane@example.com)" {
			t.Fatalf("tools %q authors %q", s.Tools, s.Authors)
		}
		if s.Subject == nil || s.Subject.Name != "app" || len(s.Components) != 1 {
			t.Fatalf("subject %+v, %d components", s.Subject, len(s.Components))
		}
		c := s.Components[0]
		if c.Ref != "SPDXRef-lib" || c.Supplier != "" || c.Author != "Bob" || c.Type != "operating-system" || c.PURL != "pkg:pypi/lib@2" ||
			c.CPE != "cpe:/a:x:lib:2" || strings.Join(c.Licenses, "") != "The X Licence" ||
			fmt.Sprint(c.Hashes) != "[{SHA-256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855}]" {
			t.Fatalf("lib: %+v", c)
		}
	})
	t.Run("SPDX 3", func(t *testing.T) {
		s := parse(t, "n.spdx3.json", spdx3Doc)
		if s.Format != cra.FormatSPDX3JSONLD || s.SpecVersion != "3.0.1" || s.SerialNumber != "urn:doc" || s.Created == nil {
			t.Fatalf("document: %+v", s)
		}
		if strings.Join(s.Tools, "|") != "builder" || strings.Join(s.Authors, "|") != "Jane" {
			t.Fatalf("tools %q authors %q", s.Tools, s.Authors)
		}
		c := component(t, s, "lib")
		if c.PURL != "pkg:npm/lib@2" || c.Supplier != "Acme" || c.Author != "Jane" || c.CPE != "cpe:2.3:a:x:lib:2:*:*:*:*:*:*:*" ||
			strings.Join(c.Licenses, "") != "MIT" || fmt.Sprint(c.Hashes) != "[{SHA-256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855}]" {
			t.Fatalf("lib: %+v", c)
		}
		if d := component(t, s, "dev"); d.PURL != "pkg:npm/dev@1" || d.Scope != "excluded" || strings.Join(d.Licenses, "") != "Apache-2.0" {
			t.Fatalf("dev: %+v", d)
		}
	})
}

// spdx3Doc is a small SPDX 3.0.1 document: app depends on lib and (for
// tests only) dev; app contains a file that links lib2 dynamically.
const spdx3Doc = `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[
{"type":"CreationInfo","@id":"_:ci","specVersion":"3.0.1","created":"2024-01-01T00:00:00Z","createdBy":["urn:jane"],"createdUsing":["urn:tool"]},
{"type":"Person","spdxId":"urn:jane","name":"Jane","creationInfo":"_:ci"},
{"type":"Tool","spdxId":"urn:tool","name":"builder","creationInfo":"_:ci"},
{"type":"Organization","spdxId":"urn:acme","name":"Acme","creationInfo":"_:ci"},
{"type":"SpdxDocument","spdxId":"urn:doc","creationInfo":"_:ci","rootElement":["urn:sbom"]},
{"type":"software_Sbom","spdxId":"urn:sbom","creationInfo":"_:ci","rootElement":["urn:app"]},
{"type":"software_Package","spdxId":"urn:app","name":"app","software_packageVersion":"1","creationInfo":"_:ci"},
{"type":"software_Package","spdxId":"urn:lib","name":"lib","software_packageVersion":"2","suppliedBy":"urn:acme","originatedBy":["urn:jane"],
 "software_packageUrl":"pkg:npm/lib@2","externalIdentifier":[{"type":"ExternalIdentifier","externalIdentifierType":"cpe23","identifier":"cpe:2.3:a:x:lib:2:*:*:*:*:*:*:*"}],
 "verifiedUsing":[{"type":"Hash","algorithm":"sha256","hashValue":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},{"type":"PackageVerificationCode","algorithm":"sha1","hashValue":"abc"}],"creationInfo":"_:ci"},
{"type":"software_Package","spdxId":"urn:dev","name":"dev","externalIdentifier":[{"type":"ExternalIdentifier","externalIdentifierType":"packageUrl","identifier":"pkg:npm/dev@1"}],"creationInfo":"_:ci"},
{"type":"software_Package","spdxId":"urn:lib2","name":"lib2","creationInfo":"_:ci"},
{"type":"software_File","spdxId":"urn:file","name":"app.bin","creationInfo":"_:ci"},
{"type":"simplelicensing_LicenseExpression","spdxId":"urn:mit","simplelicensing_licenseExpression":"MIT","creationInfo":"_:ci"},
{"type":"Relationship","spdxId":"urn:r1","from":"urn:app","to":["urn:lib"],"relationshipType":"dependsOn","creationInfo":"_:ci"},
{"type":"LifecycleScopedRelationship","spdxId":"urn:r2","from":"urn:app","to":["urn:dev"],"relationshipType":"dependsOn","scope":"test","creationInfo":"_:ci"},
{"type":"Relationship","spdxId":"urn:r3","from":"urn:app","to":["urn:file"],"relationshipType":"contains","creationInfo":"_:ci"},
{"type":"Relationship","spdxId":"urn:r4","from":"urn:file","to":["urn:lib2"],"relationshipType":"hasDynamicLink","creationInfo":"_:ci"},
{"type":"Relationship","spdxId":"urn:r5","from":"urn:lib","to":["urn:mit"],"relationshipType":"hasDeclaredLicense","creationInfo":"_:ci"},
{"type":"Relationship","spdxId":"urn:r6","from":"urn:dev","to":["https://spdx.org/licenses/Apache-2.0"],"relationshipType":"hasConcludedLicense","creationInfo":"_:ci"}
]}`
