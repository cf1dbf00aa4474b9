package sbom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"cyra/internal/cra"
)

// cdxCustomJSON are the CycloneDX JSON fields that cyclonedx-go decodes
// with a custom unmarshaler. A type error inside one of them carries an
// offset relative to that field's value, not to the document, so the
// message names the field path without a position.
var cdxCustomJSON = []string{"tools", "environmentVars", "datasets", "specVersion", "identity", "certificateState",
	"certificateExtensions", "asserter", "encr", "prf", "integ", "ke", "auth", "patents"}

// cyclonedx reads a CycloneDX JSON or XML document.
func (p *parser) cyclonedx() error {
	var bom cdx.BOM
	if p.format == cra.FormatCycloneDXJSON {
		if err := library(func() error { return json.Unmarshal(p.data, &bom) }); err != nil {
			return p.jsonError("CycloneDX JSON", err, cdxCustomJSON)
		}
	} else {
		d := xml.NewDecoder(bytes.NewReader(p.data))
		d.CharsetReader = charsetReader
		if err := library(func() error { return d.Decode(&bom) }); err != nil {
			line, col := d.InputPos()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return errf(cra.EINVALID, "%s: invalid XML at line %d: %s.", p.name, se.Line, se.Msg)
			}
			var ne *strconv.NumError
			if errors.As(err, &ne) {
				return errf(cra.EINVALID, "%s: invalid CycloneDX XML at line %d, column %d: the value %q is not a number.", p.name, line, col, ne.Num)
			}
			return errf(cra.EINVALID, "%s: invalid CycloneDX XML at line %d, column %d: %v.", p.name, line, col, err)
		}
	}
	nComponents := 0
	if bom.Components != nil {
		nComponents = len(*bom.Components)
	}
	if nComponents == 0 && bom.Vulnerabilities != nil && len(*bom.Vulnerabilities) > 0 {
		return errf(cra.EUNSUPPORTED, "%s: a CycloneDX VEX document (%s, no components), not an SBOM; cyra imports VEX statements separately.",
			p.name, plural(len(*bom.Vulnerabilities), "vulnerability", "vulnerabilities"))
	}
	s := p.s
	s.SerialNumber = bom.SerialNumber

	// Refs: explicit bom-refs first, so that a synthesised one never
	// takes a ref a later component declares.
	taken := map[string]bool{}
	var collect func(cs *[]cdx.Component)
	collect = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for i := range *cs {
			if r := strings.TrimSpace((*cs)[i].BOMRef); r != "" {
				taken[r] = true
			}
			collect((*cs)[i].Components)
		}
	}
	var paths []string // position of each component, parallel to s.Components
	p.where = func(i int) string {
		if i < len(paths) {
			return paths[i]
		}
		return fmt.Sprintf("component #%d", i+1)
	}
	synth := 0
	refOf := func(c *cdx.Component, subject bool) string {
		if r := strings.TrimSpace(c.BOMRef); r != "" {
			return r
		}
		if u := strings.TrimSpace(c.PackageURL); u != "" && !taken[u] {
			taken[u] = true
			return u
		}
		if subject && !taken["subject"] {
			taken["subject"] = true
			return "subject"
		}
		for {
			synth++
			r := "component-" + strconv.Itoa(synth)
			if !taken[r] {
				taken[r] = true
				return r
			}
		}
	}

	if md := bom.Metadata; md != nil {
		p.timestamp(md.Timestamp, "metadata.timestamp")
		if md.Tools != nil {
			for _, t := range deref(md.Tools.Tools) {
				s.Tools = appendTrim(s.Tools, nameVersion(t.Name, t.Version))
			}
			for _, t := range deref(md.Tools.Components) {
				s.Tools = appendTrim(s.Tools, nameVersion(t.Name, t.Version))
			}
			for _, t := range deref(md.Tools.Services) {
				s.Tools = appendTrim(s.Tools, nameVersion(t.Name, t.Version))
			}
		}
		for _, a := range deref(md.Authors) {
			s.Authors = appendTrim(s.Authors, contactName(a))
		}
		if md.Supplier != nil {
			s.Supplier = strings.TrimSpace(md.Supplier.Name)
		}
		if md.Component != nil {
			collect(md.Component.Components)
		}
	}
	collect(bom.Components)
	if md := bom.Metadata; md != nil && md.Component != nil {
		if r := strings.TrimSpace(md.Component.BOMRef); r != "" {
			taken[r] = true
		}
		sub := cdxComponent(md.Component, refOf(md.Component, true), "")
		p.setSubject(sub)
	}

	var walk func(cs *[]cdx.Component, path, parent string) error
	walk = func(cs *[]cdx.Component, path, parent string) error {
		if cs == nil {
			return nil
		}
		for i := range *cs {
			c := &(*cs)[i]
			at := path + "[" + strconv.Itoa(i) + "]"
			paths = append(paths, at)
			n, ref := len(s.Components), refOf(c, false)
			if err := p.add(cdxComponent(c, ref, parent)); err != nil {
				return err
			}
			if len(s.Components) == n { // a copy of the subject, skipped
				paths = paths[:n]
			}
			if err := walk(c.Components, at+".components", ref); err != nil {
				return err
			}
		}
		return nil
	}
	if md := bom.Metadata; md != nil && md.Component != nil {
		if err := walk(md.Component.Components, "metadata.component.components", s.Subject.Ref); err != nil {
			return err
		}
	}
	if err := walk(bom.Components, "components", ""); err != nil {
		return err
	}

	if bom.Dependencies != nil {
		p.hasGraph = true
		for _, d := range *bom.Dependencies {
			ref := strings.TrimSpace(d.Ref)
			p.nodes = append(p.nodes, ref)
			for _, to := range deref(d.Dependencies) {
				p.edges = append(p.edges, edge{from: ref, to: strings.TrimSpace(to)})
			}
		}
	}
	return nil
}

// cdxComponent normalises one CycloneDX component (not its children).
func cdxComponent(c *cdx.Component, ref, parent string) cra.Component {
	out := cra.Component{
		Ref:     ref,
		Type:    string(c.Type),
		Name:    strings.TrimSpace(c.Name),
		Group:   strings.TrimSpace(c.Group),
		Version: strings.TrimSpace(c.Version),
		RawPURL: strings.TrimSpace(c.PackageURL),
		CPE:     strings.TrimSpace(c.CPE),
		Scope:   string(c.Scope),
		Parent:  parent,
	}
	if c.Supplier != nil {
		out.Supplier = strings.TrimSpace(c.Supplier.Name)
	}
	if out.Supplier == "" {
		out.Supplier = strings.TrimSpace(c.Publisher)
	}
	out.Author = strings.TrimSpace(c.Author)
	if out.Author == "" && c.Authors != nil {
		var names []string
		for _, a := range *c.Authors {
			names = appendTrim(names, contactName(a))
		}
		out.Author = strings.Join(dedupe(names), ", ")
	}
	if out.Author == "" && c.Manufacturer != nil {
		out.Author = strings.TrimSpace(c.Manufacturer.Name)
	}
	for _, h := range deref(c.Hashes) {
		if nh, ok := hash(string(h.Algorithm), h.Value); ok {
			out.Hashes = append(out.Hashes, nh)
		}
	}
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			var text string
			switch {
			case l.Expression != "":
				text = l.Expression
			case l.License != nil && l.License.ID != "":
				text = l.License.ID
			case l.License != nil:
				text = l.License.Name
			}
			if t, ok := licence(text); ok {
				out.Licenses = appendTrim(out.Licenses, t)
			}
		}
		out.Licenses = dedupe(out.Licenses)
	}
	return out
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

func nameVersion(name, version string) string {
	return strings.TrimSpace(strings.TrimSpace(name) + " " + strings.TrimSpace(version))
}

func contactName(c cdx.OrganizationalContact) string {
	if n := strings.TrimSpace(c.Name); n != "" {
		return n
	}
	return strings.TrimSpace(c.Email)
}

// jsonError turns an encoding/json error into a message with the position
// (syntax errors: always exact, the whole input is checked before
// decoding) or the field path (type errors; with the position unless the
// path runs through a field whose library type decodes itself, which
// makes the offset relative).
func (p *parser) jsonError(what string, err error, custom []string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return syntaxError(p.name, "JSON", p.data, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(document)"
		}
		msg := fmt.Sprintf("the field %s holds a JSON %s where %s expects %s", field, te.Value, what, goTypeText(te.Type.String()))
		if te.Offset > 0 && te.Offset <= int64(len(p.data)) && !pathHasAny(te.Field, custom) {
			return errf(cra.EINVALID, "%s: invalid %s at %s: %s.", p.name, what, position(p.data, valueStart(p.data, te.Offset)), msg)
		}
		return errf(cra.EINVALID, "%s: invalid %s: %s.", p.name, what, msg)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if near := p.locateQuoted(msg); near != "" {
		return errf(cra.EINVALID, "%s: invalid %s near %s: %s.", p.name, what, near, msg)
	}
	return errf(cra.EINVALID, "%s: invalid %s: %s.", p.name, what, msg)
}

func pathHasAny(path string, names []string) bool {
	if len(names) == 1 && names[0] == "*" {
		return true
	}
	for seg := range strings.SplitSeq(path, ".") {
		for _, n := range names {
			if seg == n {
				return true
			}
		}
	}
	return false
}

// goTypeText says what a Go type accepts, in JSON terms.
func goTypeText(t string) string {
	t = strings.TrimLeft(t, "*")
	switch {
	case t == "string":
		return "a string"
	case strings.HasSuffix(t, "ID") || strings.HasSuffix(t, "Type") || strings.HasSuffix(t, "Algorithm") || strings.HasSuffix(t, "Scope"):
		return "a string (" + t + ")"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "an object (" + t + ")"
}

// locateQuoted finds the first 'quoted' value of a library message in the
// document and returns its position, or "".
func (p *parser) locateQuoted(msg string) string {
	var candidates []string
	if i := strings.IndexByte(msg, '\''); i >= 0 {
		if j := strings.IndexByte(msg[i+1:], '\''); j >= 3 {
			candidates = append(candidates, msg[i+1:i+1+j])
		}
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i-2 >= 3 {
		candidates = append(candidates, msg[i+2:])
	}
	for _, c := range candidates {
		if k := bytes.Index(p.data, []byte(c)); k >= 0 {
			return position(p.data, int64(k))
		}
	}
	return ""
}

// charsetReader lets the XML decoder read the single-byte encodings older
// generators declare (ISO-8859-1, US-ASCII, Windows-1252 treated as
// Latin-1); other encodings are refused with the decoder's error.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		for _, c := range b {
			out.WriteRune(rune(c))
		}
		return &out, nil
	}
	return nil, fmt.Errorf("the XML declares the encoding %q; cyra reads UTF-8 and ISO-8859-1", label)
}

// plural writes a count with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
