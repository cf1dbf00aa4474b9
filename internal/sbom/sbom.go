package sbom

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"cyra/internal/cra"
)

// DefaultMaxSize is the largest (decompressed) document Parse reads when
// Options.MaxSize is not set: 50 MB.
const DefaultMaxSize = 50 << 20

// Options bound parsing.
type Options struct {
	// MaxSize is the largest number of bytes Parse reads, counted after
	// decompression; 0 means DefaultMaxSize.
	MaxSize int64
	// Format is the format the caller declares ("" autodetects). A
	// declared format must match the content; a mismatch is an error
	// naming both.
	Format cra.SBOMFormat
}

// Parse reads one SBOM: CycloneDX JSON and XML, SPDX 2.x JSON and
// tag-value, or SPDX 3.0 JSON-LD, with the format and version autodetected
// and gzip-compressed input accepted (recognised by its magic bytes). name
// is the file name used in messages. It returns the whole normalised SBOM
// or an error, never a partial result; every error is a *cra.Error
// (EINVALID for a broken document, ETOOLARGE past Options.MaxSize,
// EUNSUPPORTED for content that is not a supported SBOM) whose Message
// starts with name.
func Parse(name string, r io.Reader, o Options) (*cra.SBOM, error) {
	if name == "" {
		name = "SBOM"
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Format != "" && !knownFormat(o.Format) {
		return nil, errf(cra.EUNSUPPORTED, "%s: the declared format %q is not one cyra reads (%s, %s, %s, %s or %s).",
			name, o.Format, cra.FormatCycloneDXJSON, cra.FormatCycloneDXXML, cra.FormatSPDXJSON, cra.FormatSPDXTagValue, cra.FormatSPDX3JSONLD)
	}
	data, err := readLimited(name, r, o.MaxSize)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errf(cra.EINVALID, "%s: the document is empty.", name)
	}
	format, version, err := Detect(data)
	if err != nil {
		// Content that looks like JSON but has no recognisable keys may
		// simply be broken: the syntax error with its position is the more
		// useful message then.
		if format == "" && looksJSON(data) {
			if serr := jsonSyntax(name, "JSON", data); serr != nil {
				return nil, serr
			}
		}
		return nil, prefixed(name, err)
	}
	if o.Format != "" && o.Format != format {
		return nil, errf(cra.EUNSUPPORTED, "%s: declared as %s, but the content is %s %s.", name, o.Format, format, version)
	}
	var p parser
	p.init(name, format, version, data)
	switch format {
	case cra.FormatCycloneDXJSON, cra.FormatCycloneDXXML:
		err = p.cyclonedx()
	case cra.FormatSPDXJSON, cra.FormatSPDXTagValue:
		err = p.spdx2()
	case cra.FormatSPDX3JSONLD:
		err = p.spdx3()
	}
	if err != nil {
		return nil, err
	}
	p.finish()
	return p.s, nil
}

func knownFormat(f cra.SBOMFormat) bool {
	switch f {
	case cra.FormatCycloneDXJSON, cra.FormatCycloneDXXML, cra.FormatSPDXJSON, cra.FormatSPDXTagValue, cra.FormatSPDX3JSONLD:
		return true
	}
	return false
}

// readLimited reads the whole document, gunzipping it when it starts with
// the gzip magic bytes. Both the raw and the decompressed stream are read
// through limits, so neither a huge upload nor a compression bomb (nor a
// stream of empty gzip members) costs more than max bytes of memory.
func readLimited(name string, r io.Reader, max int64) ([]byte, error) {
	raw := &countingReader{r: io.LimitReader(r, max+1)}
	br := bufio.NewReader(raw)
	var src io.Reader = br
	compressed := false
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, errf(cra.EINVALID, "%s: the gzip header is broken: %v.", name, err)
		}
		src, compressed = zr, true
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(src, max+1))
	switch {
	case n > max || raw.n > max:
		what := "the document is larger than"
		if compressed {
			what = "the document is, once decompressed, larger than"
		}
		return nil, errf(cra.ETOOLARGE, "%s: %s the limit of %s; cyra reads no further.", name, what, sizeText(max))
	case err != nil && compressed:
		return nil, errf(cra.EINVALID, "%s: the gzip stream is broken after %d decompressed bytes: %v.", name, n, err)
	case err != nil:
		return nil, errf(cra.EINVALID, "%s: reading the document failed after %d bytes: %v.", name, n, err)
	}
	return buf.Bytes(), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// sizeText writes a byte limit for people: "50 MB (52,428,800 bytes)".
func sizeText(n int64) string {
	exact := groupDigits(n) + " bytes"
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB (" + exact + ")"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB (" + exact + ")"
	}
	return exact
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// errf returns a *cra.Error.
func errf(code, format string, args ...any) *cra.Error {
	return &cra.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// prefixed returns err with its message prefixed by the file name.
func prefixed(name string, err error) error {
	var e *cra.Error
	if errors.As(err, &e) {
		return &cra.Error{Code: e.Code, Message: name + ": " + e.Message}
	}
	return errf(cra.EINVALID, "%s: %v", name, err)
}

// lineCol turns a byte offset into a 1-based line and column (in bytes).
func lineCol(data []byte, off int64) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	head := data[:off]
	line = bytes.Count(head, []byte{'\n'}) + 1
	col = int(off) - bytes.LastIndexByte(head, '\n')
	return line, col
}

// position writes a byte offset (0-based) as "line L, column C (byte N)",
// line and column 1-based.
func position(data []byte, off int64) string {
	l, c := lineCol(data, off)
	return fmt.Sprintf("line %d, column %d (byte %d)", l, c, off)
}

// jsonSyntax returns the syntax error of a JSON document with its
// position, or nil when the document is well-formed.
func jsonSyntax(name, what string, data []byte) error {
	var v struct{}
	var se *json.SyntaxError
	if err := json.Unmarshal(data, &v); errors.As(err, &se) {
		return syntaxError(name, what, data, se)
	}
	return nil
}

// syntaxError reports a JSON syntax error at the offending byte
// (encoding/json's offset counts the bytes read, that byte included).
func syntaxError(name, what string, data []byte, se *json.SyntaxError) error {
	msg, off := se.Error(), se.Offset
	if msg == "unexpected end of JSON input" {
		msg = "the document ends too early (truncated?)"
	} else if off > 0 {
		off--
	}
	return errf(cra.EINVALID, "%s: invalid %s at %s: %s.", name, what, position(data, off), msg)
}

// valueStart finds the start of the JSON value that ends at off (the
// offset encoding/json gives with a type error: just after a literal, or
// just after the opening bracket of an object or array).
func valueStart(data []byte, off int64) int64 {
	i := off - 1
	if i < 0 || i >= int64(len(data)) {
		return max(off, 0)
	}
	switch c := data[i]; {
	case c == '{' || c == '[':
		return i
	case c == '"':
		for j := i - 1; j >= 0; j-- {
			if data[j] == '"' && (j == 0 || data[j-1] != '\\') {
				return j
			}
		}
	default:
		j := i
		for j > 0 && !bytes.ContainsRune([]byte(",:[{ \t\r\n"), rune(data[j-1])) {
			j--
		}
		return j
	}
	return i
}
