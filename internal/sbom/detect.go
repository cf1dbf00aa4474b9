package sbom

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// detectGzipMax bounds how much of a compressed head Detect inflates.
const detectGzipMax = 1 << 20

// Detect returns the format and spec version of a document from its first
// bytes (a gzip-compressed head is inflated first, up to 1 MB). It needs
// only as much of the document as holds the format markers (the
// bomFormat/specVersion or spdxVersion keys, the XML root element, the
// SPDXVersion tag, the JSON-LD @context), so a prefix will do. When the
// content is not a supported SBOM it returns an EUNSUPPORTED *cra.Error
// whose message says what the content looks like; for a recognised format
// in an unsupported version (CycloneDX 2.0, SPDX 2.0) it returns the format
// and version together with the error.
func Detect(head []byte) (cra.SBOMFormat, string, error) {
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return "", "", errf(cra.EUNSUPPORTED, "the gzip header is broken: %v.", err)
		}
		// A truncated head gives io.ErrUnexpectedEOF; what was inflated
		// so far is what Detect looks at.
		inflated, _ := io.ReadAll(io.LimitReader(zr, detectGzipMax))
		head = inflated
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
		return "", "", notSBOM("it is UTF-16 text; cyra reads SBOMs in UTF-8")
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return "", "", errf(cra.EUNSUPPORTED, "the document is empty.")
	}
	switch trimmed[0] {
	case '{':
		return detectJSON(trimmed)
	case '[':
		return "", "", notSBOM("it is a JSON array, and an SBOM is a JSON object")
	case '<':
		return detectXML(trimmed)
	}
	return detectText(trimmed)
}

func notSBOM(looks string) *cra.Error {
	return errf(cra.EUNSUPPORTED, "not an SBOM: expected a CycloneDX or SPDX document (%s).", looks)
}

// looksJSON reports whether data starts, after white space and a byte
// order mark, with a JSON object.
func looksJSON(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

var (
	cdxVersionRE   = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
	spdx2VersionRE = regexp.MustCompile(`^SPDX-(2\.[0-9]+)$`)
	spdx3ContextRE = regexp.MustCompile(`spdx\.org/rdf/(3\.[0-9]+(?:\.[0-9]+)?)/`)
)

// detectJSON looks at the top-level keys of a JSON object.
func detectJSON(data []byte) (cra.SBOMFormat, string, error) {
	keys := topLevelKeys(data, "bomFormat", "specVersion", "spdxVersion", "@context", "$schema", "document", "schema_version", "SPDXID")
	str := func(k string) string {
		var s string
		if raw, ok := keys.values[k]; ok {
			_ = json.Unmarshal(raw, &s)
		}
		return s
	}
	bomFormat, specVersion, schema := str("bomFormat"), str("specVersion"), str("$schema")
	if bomFormat == "CycloneDX" || (bomFormat == "" && strings.Contains(schema, "cyclonedx.org")) {
		return cdxVersion(cra.FormatCycloneDXJSON, specVersion, keys.has("specVersion"))
	}
	if bomFormat != "" {
		return "", "", notSBOM("it is JSON with bomFormat " + quote(bomFormat))
	}
	if keys.has("spdxVersion") {
		v := str("spdxVersion")
		if m := spdx2VersionRE.FindStringSubmatch(v); m != nil {
			if !slices.Contains([]string{"2.1", "2.2", "2.3"}, m[1]) {
				return cra.FormatSPDXJSON, m[1], errf(cra.EUNSUPPORTED, "SPDX %s is not supported; cyra reads SPDX 2.1–2.3 and 3.0.", m[1])
			}
			return cra.FormatSPDXJSON, m[1], nil
		}
		return "", "", errf(cra.EUNSUPPORTED, "the spdxVersion %s is not one cyra reads (SPDX-2.1, SPDX-2.2, SPDX-2.3).", quote(v))
	}
	if raw, ok := keys.values["@context"]; ok {
		ctx := string(raw)
		if m := spdx3ContextRE.FindStringSubmatch(ctx); m != nil {
			if !strings.HasPrefix(m[1], "3.0") {
				return cra.FormatSPDX3JSONLD, m[1], errf(cra.EUNSUPPORTED, "SPDX %s is not supported; cyra reads SPDX 2.1–2.3 and 3.0.", m[1])
			}
			return cra.FormatSPDX3JSONLD, m[1], nil
		}
		if strings.Contains(ctx, "openvex") {
			return "", "", notSBOM("it is an OpenVEX document")
		}
		return "", "", notSBOM("it is JSON-LD with an unknown @context")
	}
	if raw, ok := keys.values["document"]; ok && bytes.Contains(raw, []byte(`"csaf_version"`)) {
		return "", "", notSBOM("it is a CSAF advisory")
	}
	if keys.has("schema_version") && keys.has("id") && (keys.has("affected") || keys.has("modified")) {
		return "", "", notSBOM("it is an OSV advisory")
	}
	if keys.has("SPDXID") {
		return "", "", errf(cra.EUNSUPPORTED, "the document has an SPDXID but no spdxVersion, so its SPDX version is unknown.")
	}
	if len(keys.order) == 0 {
		return "", "", notSBOM("it is JSON without any key cyra recognises")
	}
	return "", "", notSBOM("it is JSON with the top-level keys " + strings.Join(keys.order, ", "))
}

// cdxVersion checks a CycloneDX spec version.
func cdxVersion(f cra.SBOMFormat, v string, present bool) (cra.SBOMFormat, string, error) {
	switch {
	case !present || v == "":
		return f, "", errf(cra.EUNSUPPORTED, "the CycloneDX document does not state its specVersion.")
	case !cdxVersionRE.MatchString(v):
		return f, v, errf(cra.EUNSUPPORTED, "the CycloneDX specVersion %s is not a version cyra knows.", quote(v))
	case !slices.Contains(cdxVersions, v):
		return f, v, errf(cra.EUNSUPPORTED, "CycloneDX %s is not supported; cyra reads CycloneDX 1.0–1.7.", v)
	}
	return f, v, nil
}

var cdxVersions = []string{"1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"}

// jsonKeys is what topLevelKeys found.
type jsonKeys struct {
	order  []string // the first few keys, in document order
	values map[string]json.RawMessage
}

func (k jsonKeys) has(key string) bool { return slices.Contains(k.order, key) || k.values[key] != nil }

// topLevelKeys scans the top-level object of a JSON document and returns
// the raw values of the wanted keys. It skips every other value without
// decoding it, so it costs a fraction of a full parse, and it stops
// quietly at the end of a truncated head or at a syntax error (the full
// parse reports those with their position).
func topLevelKeys(data []byte, wanted ...string) jsonKeys {
	k := jsonKeys{values: map[string]json.RawMessage{}}
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return k
	}
	i++
	for {
		i = skipWS(data, i)
		if i >= len(data) || data[i] != '"' {
			return k
		}
		end := skipString(data, i)
		if end < 0 {
			return k
		}
		var key string
		if json.Unmarshal(data[i:end], &key) != nil {
			return k
		}
		i = skipWS(data, end)
		if i >= len(data) || data[i] != ':' {
			return k
		}
		i = skipWS(data, i+1)
		vend := skipValue(data, i)
		if vend < 0 {
			return k
		}
		if len(k.order) < 12 {
			k.order = append(k.order, key)
		}
		if slices.Contains(wanted, key) {
			k.values[key] = data[i:vend]
		}
		i = skipWS(data, vend)
		if i >= len(data) || data[i] != ',' {
			return k
		}
		i++
	}
}

func skipWS(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset after the string starting at data[i]
// (a '"'), or -1 when it does not end.
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the offset after the JSON value starting at data[i],
// or -1 when it does not end within data. It tracks nesting and strings
// only; the full parse validates everything else.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = skipString(data, j)
				if j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(data) && !strings.ContainsRune(",}] \t\r\n", rune(data[j])) {
		j++
	}
	if j == len(data) {
		return -1
	}
	return j
}

// detectXML reads up to the root element of an XML document.
func detectXML(data []byte) (cra.SBOMFormat, string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.CharsetReader = charsetReader
	for range 1000 {
		tok, err := d.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", "", notSBOM("it is XML without a root element")
			}
			return "", "", notSBOM("it starts like XML but is not well-formed: " + err.Error())
		}
		if dir, ok := tok.(xml.Directive); ok && bytes.HasPrefix(bytes.ToLower(dir), []byte("doctype html")) {
			return "", "", notSBOM("it is an HTML page")
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		// RawToken does not resolve prefixes, so find the namespace the
		// element's prefix (or the default) is bound to.
		ns := ""
		for _, a := range start.Attr {
			if (start.Name.Space == "" && a.Name.Space == "" && a.Name.Local == "xmlns") ||
				(start.Name.Space != "" && a.Name.Space == "xmlns" && a.Name.Local == start.Name.Space) {
				ns = a.Value
			}
		}
		local := start.Name.Local
		switch {
		case local == "bom" && strings.HasPrefix(ns, "http://cyclonedx.org/schema/bom/"):
			return cdxVersion(cra.FormatCycloneDXXML, strings.TrimPrefix(ns, "http://cyclonedx.org/schema/bom/"), true)
		case local == "bom":
			return "", "", errf(cra.EUNSUPPORTED, "the XML root element <bom> has the namespace %s, not a CycloneDX one (http://cyclonedx.org/schema/bom/1.x).", quote(ns))
		case local == "RDF" && bytes.Contains(data, []byte("spdx.org/rdf/terms")):
			return "", "", errf(cra.EUNSUPPORTED, "SPDX RDF/XML is not supported; export the SPDX document as JSON or tag-value.")
		case strings.EqualFold(local, "html"):
			return "", "", notSBOM("it is an HTML page")
		}
		return "", "", notSBOM("it is XML with the root element <" + local + ">")
	}
	return "", "", notSBOM("it is XML without a root element in its first 1000 tokens")
}

var (
	tagValueLineRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*:`)
	spdxTagRE      = regexp.MustCompile(`^SPDXVersion:\s*SPDX-([0-9.]+)\s*$`)
)

// detectText recognises SPDX tag-value (and names a few other things).
func detectText(data []byte) (cra.SBOMFormat, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "", "", notSBOM("it is a ZIP archive")
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "", "", notSBOM("it is a PDF file")
	case bytes.IndexByte(data[:min(len(data), 512)], 0) >= 0:
		return "", "", notSBOM("it is binary data")
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	tags := 0
	for n := 0; sc.Scan() && n < 200; n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := spdxTagRE.FindStringSubmatch(line); m != nil {
			if !slices.Contains([]string{"2.1", "2.2", "2.3"}, m[1]) {
				return cra.FormatSPDXTagValue, m[1], errf(cra.EUNSUPPORTED, "SPDX %s is not supported; cyra reads SPDX 2.1–2.3 and 3.0.", m[1])
			}
			return cra.FormatSPDXTagValue, m[1], nil
		}
		if strings.HasPrefix(line, "spdxVersion:") || strings.HasPrefix(line, "bomFormat:") {
			return "", "", errf(cra.EUNSUPPORTED, "YAML SBOMs are not supported; export the SBOM as JSON.")
		}
		if !tagValueLineRE.MatchString(line) {
			break
		}
		tags++
	}
	if tags > 0 {
		return "", "", notSBOM("it is tag-value text without an SPDXVersion tag")
	}
	return "", "", notSBOM("it is neither JSON, XML nor SPDX tag-value")
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return `"` + s + `"`
}
