package sbom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/spdx/tools-golang/convert"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_1"
	tv21 "github.com/spdx/tools-golang/spdx/v2/v2_1/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_2"
	tv22 "github.com/spdx/tools-golang/spdx/v2/v2_2/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	tv23 "github.com/spdx/tools-golang/spdx/v2/v2_3/tagvalue/reader"
	tvreader "github.com/spdx/tools-golang/tagvalue/reader"

	"cyra/internal/cra"
)

// spdxDependency says how an SPDX 2 relationship type enters the
// dependency graph: reverse when B depends on A ("A DEPENDENCY_OF B"),
// and the scope it implies for the dependency.
var spdxDependency = map[string]struct {
	reverse bool
	scope   string
}{
	"DEPENDS_ON":             {false, ""},
	"CONTAINS":               {false, ""},
	"STATIC_LINK":            {false, ""},
	"DYNAMIC_LINK":           {false, ""},
	"CONTAINED_BY":           {true, ""},
	"DEPENDENCY_OF":          {true, ""},
	"RUNTIME_DEPENDENCY_OF":  {true, ""},
	"PROVIDED_DEPENDENCY_OF": {true, ""},
	"OPTIONAL_DEPENDENCY_OF": {true, "optional"},
	"BUILD_DEPENDENCY_OF":    {true, "excluded"},
	"DEV_DEPENDENCY_OF":      {true, "excluded"},
	"TEST_DEPENDENCY_OF":     {true, "excluded"},
}

// spdx2 reads an SPDX 2.1–2.3 document in JSON or tag-value.
func (p *parser) spdx2() error {
	var doc *v2_3.Document
	var err error
	if p.format == cra.FormatSPDXJSON {
		doc, err = p.spdxJSON()
	} else {
		doc, err = p.spdxTagValue()
	}
	if err != nil {
		return err
	}
	if doc == nil {
		return errf(cra.EINVALID, "%s: the SPDX document is empty.", p.name)
	}
	s := p.s
	s.SerialNumber = doc.DocumentNamespace
	if ci := doc.CreationInfo; ci != nil {
		p.timestamp(ci.Created, "creationInfo.created")
		for _, c := range ci.Creators {
			name := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(c.Creator), "()"))
			switch strings.ToLower(c.CreatorType) {
			case "tool":
				s.Tools = appendTrim(s.Tools, name)
			default:
				s.Authors = appendTrim(s.Authors, name)
			}
		}
	}
	docRef := common.RenderElementID(doc.SPDXIdentifier)
	p.ignored[docRef] = true

	// Which packages does the document describe?
	isPackage := map[string]bool{}
	for _, pkg := range doc.Packages {
		if pkg != nil {
			isPackage[common.RenderElementID(pkg.PackageSPDXIdentifier)] = true
		}
	}
	var described []string
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		a, b := common.RenderDocElementID(r.RefA), common.RenderDocElementID(r.RefB)
		switch strings.ToUpper(r.Relationship) {
		case "DESCRIBES":
			if a == docRef {
				described = appendTrim(described, b)
			}
		case "DESCRIBED_BY":
			if b == docRef {
				described = appendTrim(described, a)
			}
		}
	}
	described = dedupe(described)
	subjectRef := ""
	for _, d := range described {
		if isPackage[d] {
			if subjectRef == "" {
				subjectRef = d
			} else {
				p.describedExtra = append(p.describedExtra, d)
			}
		}
	}
	switch {
	case len(described) == 0:
		s.Warnings = append(s.Warnings, "The document does not say which package it describes (no DESCRIBES relationship), so the SBOM has no subject.")
	case subjectRef == "":
		s.Warnings = append(s.Warnings, fmt.Sprintf("The document describes %s, which is not a package, so the SBOM has no subject.", quoteList(described, 3)))
	case len(p.describedExtra) > 0:
		s.Warnings = append(s.Warnings, fmt.Sprintf("The document describes %d packages; the first, %q, is the subject and the others are components.", len(p.describedExtra)+1, subjectRef))
	}

	otherNames := map[string]string{}
	for _, ol := range doc.OtherLicenses {
		if ol != nil {
			if n, ok := licence(ol.LicenseName); ok {
				otherNames[ol.LicenseIdentifier] = n
			}
		}
	}
	// Positions: packages[i] in JSON, package #i (line) in tag-value.
	var pkgIndex []int // component index → package index in the document
	p.where = func(i int) string {
		k := i
		if i < len(pkgIndex) {
			k = pkgIndex[i]
		}
		if p.format == cra.FormatSPDXJSON {
			return fmt.Sprintf("packages[%d]", k)
		}
		return fmt.Sprintf("package #%d", k+1)
	}
	if subjectRef != "" {
		for _, pkg := range doc.Packages {
			if pkg != nil && common.RenderElementID(pkg.PackageSPDXIdentifier) == subjectRef {
				p.setSubject(spdxPackage(pkg, otherNames))
				break
			}
		}
	}
	files := len(doc.Files)
	for _, f := range doc.Files {
		if f != nil {
			p.ignored[common.RenderElementID(f.FileSPDXIdentifier)] = true
		}
	}
	// owner maps a file to the package that contains it, so that a
	// file's dependencies become its package's.
	owner := map[string]string{}
	subjectSeen := false
	for k, pkg := range doc.Packages {
		if pkg == nil {
			continue
		}
		for _, f := range pkg.Files {
			if f != nil {
				files++
				fref := common.RenderElementID(f.FileSPDXIdentifier)
				p.ignored[fref] = true
				owner[fref] = common.RenderElementID(pkg.PackageSPDXIdentifier)
			}
		}
		c := spdxPackage(pkg, otherNames)
		if c.Ref == subjectRef && !subjectSeen {
			subjectSeen = true
			continue
		}
		pkgIndex = append(pkgIndex, k)
		if err := p.add(c); err != nil {
			return err
		}
		if len(pkgIndex) > len(s.Components) { // a copy of the subject, skipped
			pkgIndex = pkgIndex[:len(s.Components)]
		}
	}
	for _, sn := range doc.Snippets {
		p.ignored[common.RenderElementID(sn.SnippetSPDXIdentifier)] = true
	}
	if files > 0 || len(doc.Snippets) > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s and %s were not imported: cyra's components are the packages (a file's dependencies count as its package's).",
			plural(files, "file", "files"), plural(len(doc.Snippets), "snippet", "snippets")))
	}

	for _, r := range doc.Relationships {
		if r == nil || r.RefA.DocumentRefID != "" || r.RefB.DocumentRefID != "" {
			continue
		}
		a, b := common.RenderDocElementID(r.RefA), common.RenderDocElementID(r.RefB)
		switch strings.ToUpper(r.Relationship) {
		case "CONTAINS":
			if isPackage[a] && p.ignored[b] {
				owner[b] = a
			}
		case "CONTAINED_BY":
			if isPackage[b] && p.ignored[a] {
				owner[a] = b
			}
		}
	}
	lift := func(ref string) string {
		if o, ok := owner[ref]; ok {
			return o
		}
		return ref
	}
	external := 0
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		rule, ok := spdxDependency[strings.ToUpper(r.Relationship)]
		if !ok || r.RefA.SpecialID != "" || r.RefB.SpecialID != "" {
			continue
		}
		if r.RefA.DocumentRefID != "" || r.RefB.DocumentRefID != "" {
			external++
			continue
		}
		a, b := lift(common.RenderDocElementID(r.RefA)), lift(common.RenderDocElementID(r.RefB))
		if a == docRef || b == docRef || a == b {
			continue
		}
		if rule.reverse {
			a, b = b, a
		}
		p.hasGraph = true
		p.edges = append(p.edges, edge{from: a, to: b, scope: rule.scope})
	}
	if external > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s into other SPDX documents (DocumentRef-…) and %s not followed.",
			plural(external, "dependency relationship points", "dependency relationships point"), map[bool]string{true: "was", false: "were"}[external == 1]))
	}
	if s.Subject != nil {
		s.Supplier = s.Subject.Supplier
	}
	return nil
}

// spdxPackage normalises one SPDX 2 package.
func spdxPackage(pkg *v2_3.Package, otherNames map[string]string) cra.Component {
	c := cra.Component{
		Ref:     common.RenderElementID(pkg.PackageSPDXIdentifier),
		Name:    strings.TrimSpace(pkg.PackageName),
		Version: strings.TrimSpace(pkg.PackageVersion),
		Type:    strings.ReplaceAll(strings.ToLower(strings.TrimSpace(pkg.PrimaryPackagePurpose)), "_", "-"),
	}
	if sp := pkg.PackageSupplier; sp != nil {
		if v, ok := licence(sp.Supplier); ok { // licence() drops NOASSERTION and NONE
			c.Supplier = v
		}
	}
	if o := pkg.PackageOriginator; o != nil {
		if v, ok := licence(o.Originator); ok {
			c.Author = v
		}
	}
	for _, ck := range pkg.PackageChecksums {
		if h, ok := hash(string(ck.Algorithm), ck.Value); ok {
			c.Hashes = append(c.Hashes, h)
		}
	}
	l, ok := licence(pkg.PackageLicenseDeclared)
	if !ok {
		l, ok = licence(pkg.PackageLicenseConcluded)
	}
	if ok {
		c.Licenses = splitLicences(l, otherNames)
	}
	for _, ref := range pkg.PackageExternalReferences {
		if ref == nil {
			continue
		}
		cat := strings.ToUpper(strings.ReplaceAll(ref.Category, "_", "-"))
		switch {
		case cat == "PACKAGE-MANAGER" && strings.EqualFold(ref.RefType, "purl") && c.RawPURL == "":
			c.RawPURL = strings.TrimSpace(ref.Locator)
		case cat == "SECURITY" && strings.EqualFold(ref.RefType, "cpe23Type"):
			c.CPE = strings.TrimSpace(ref.Locator)
		case cat == "SECURITY" && strings.EqualFold(ref.RefType, "cpe22Type") && c.CPE == "":
			c.CPE = strings.TrimSpace(ref.Locator)
		}
	}
	return c
}

// spdxJSON decodes SPDX JSON of any 2.x version and converts it to 2.3.
func (p *parser) spdxJSON() (*v2_3.Document, error) {
	// tools-golang dereferences null list entries (a panic) and removes
	// null relationships one by one (quadratic): refuse them first.
	var shape struct {
		Packages      []*struct{} `json:"packages"`
		Files         []*struct{} `json:"files"`
		Snippets      []*struct{} `json:"snippets"`
		Relationships []*struct{} `json:"relationships"`
		OtherLicenses []*struct{} `json:"hasExtractedLicensingInfos"`
		Annotations   []*struct{} `json:"annotations"`
	}
	if err := json.Unmarshal(p.data, &shape); err != nil {
		return nil, p.jsonError("SPDX JSON", err, nil)
	}
	for field, list := range map[string][]*struct{}{"packages": shape.Packages, "files": shape.Files, "snippets": shape.Snippets,
		"relationships": shape.Relationships, "hasExtractedLicensingInfos": shape.OtherLicenses, "annotations": shape.Annotations} {
		if i := slices.Index(list, nil); i >= 0 {
			return nil, errf(cra.EINVALID, "%s: invalid SPDX JSON: %s[%d] is null.", p.name, field, i)
		}
	}
	var (
		src any
		err error
	)
	switch p.version {
	case "2.1":
		var d v2_1.Document
		err, src = library(func() error { return json.Unmarshal(p.data, &d) }), &d
	case "2.2":
		var d v2_2.Document
		err, src = library(func() error { return json.Unmarshal(p.data, &d) }), &d
	default:
		var d v2_3.Document
		if err = library(func() error { return json.Unmarshal(p.data, &d) }); err == nil {
			return &d, nil
		}
	}
	var le *libraryError
	if errors.As(err, &le) {
		return nil, errf(cra.EINVALID, "%s: invalid SPDX JSON: %v.", p.name, le)
	}
	if err != nil {
		// The document and package types decode themselves, so offsets of
		// type errors are relative: name the field path instead.
		return nil, p.jsonError("SPDX JSON", err, []string{"*"})
	}
	return p.convert(src)
}

func (p *parser) convert(src any) (*v2_3.Document, error) {
	var out v2_3.Document
	if err := library(func() error { return convert.Document(src, &out) }); err != nil {
		return nil, errf(cra.EINVALID, "%s: the SPDX %s document cannot be converted to SPDX 2.3: %v.", p.name, p.version, err)
	}
	return &out, nil
}

// spdxTagValue reads SPDX tag-value with tools-golang. Its errors carry no
// line numbers, so the line is found here: the reader's own errors by
// re-reading the lines the same way, the parser's by finding the first
// tag-value pair at which a prefix of the document fails the same way.
func (p *parser) spdxTagValue() (*v2_3.Document, error) {
	starts, badLine, badMsg := tagValueLines(p.data)
	pairs, err := tvreader.ReadTagValues(bytes.NewReader(p.data))
	if err != nil {
		if badLine > 0 {
			return nil, errf(cra.EINVALID, "%s: invalid SPDX tag-value at line %d: %s.", p.name, badLine, badMsg)
		}
		return nil, errf(cra.EINVALID, "%s: invalid SPDX tag-value: %v.", p.name, err)
	}
	parse := func(pairs []tvreader.TagValuePair) (doc any, err error) {
		err = library(func() error {
			var e error
			switch p.version {
			case "2.1":
				doc, e = tv21.ParseTagValues(pairs)
			case "2.2":
				doc, e = tv22.ParseTagValues(pairs)
			default:
				doc, e = tv23.ParseTagValues(pairs)
			}
			return e
		})
		return doc, err
	}
	doc, err := parse(pairs)
	if err != nil {
		msg := err.Error()
		// The first prefix of the pairs that fails with the same message
		// ends at the pair at fault.
		k := sort.Search(len(pairs), func(k int) bool {
			_, e := parse(pairs[:k+1])
			return e != nil && e.Error() == msg
		})
		if k < len(pairs) && len(starts) == len(pairs) {
			return nil, errf(cra.EINVALID, "%s: invalid SPDX tag-value at line %d (%s): %s.", p.name, starts[k], pairs[k].Tag, msg)
		}
		return nil, errf(cra.EINVALID, "%s: invalid SPDX tag-value: %s.", p.name, msg)
	}
	switch d := doc.(type) {
	case *v2_3.Document:
		return d, nil
	case *v2_2.Document:
		if d == nil {
			return nil, nil
		}
		return p.convert(d)
	case *v2_1.Document:
		if d == nil {
			return nil, nil
		}
		return p.convert(d)
	}
	return nil, nil
}

// tagValueLines returns the line of each tag-value pair as tools-golang's
// reader splits them (multi-line <text> values count from their tag's
// line), or the line and reason of the first line that reader refuses.
func tagValueLines(data []byte) (starts []int, badLine int, badMsg string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
	midtext, textStart := false, 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if len(line) >= bufio.MaxScanTokenSize {
			return nil, n, fmt.Sprintf("the line is %d bytes long; the SPDX reader takes lines up to 64 KB", len(line))
		}
		if midtext {
			if strings.Contains(line, "</text>") {
				midtext = false
			}
			continue
		}
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		_, value, ok := strings.Cut(trimmed, ":")
		if !ok {
			return nil, n, fmt.Sprintf("the line %s has no colon, so it is not a tag and value", quote(strings.TrimSpace(line)))
		}
		starts = append(starts, n)
		if _, after, open := strings.Cut(value, "<text>"); open && !strings.Contains(after, "</text>") {
			midtext, textStart = true, n
		}
	}
	if midtext {
		return nil, textStart, "the <text> value starting here is never closed with </text>"
	}
	return starts, 0, ""
}

// splitLicences splits an SPDX licence expression at its top-level ANDs
// into the licences that all apply (as CycloneDX lists them) and names
// each LicenseRef by its extracted licence's name when it has one. Text
// that is not an expression is kept whole.
func splitLicences(expr string, names map[string]string) []string {
	var parts []string
	if ok, _ := isExpression(expr); !ok {
		parts = []string{expr}
	} else {
		depth, start := 0, 0
		for i := 0; i < len(expr); i++ {
			switch expr[i] {
			case '(':
				depth++
			case ')':
				depth--
			}
			if depth == 0 && strings.HasPrefix(expr[i:], " AND ") {
				parts = append(parts, expr[start:i])
				start = i + len(" AND ")
				i = start - 1
			}
		}
		parts = append(parts, expr[start:])
	}
	var out []string
	for _, p := range parts {
		p = stripParens(strings.TrimSpace(p))
		if n, ok := names[p]; ok {
			p = n
		}
		out = appendTrim(out, p)
	}
	return dedupe(out)
}

// stripParens removes parentheses that enclose the whole expression.
func stripParens(s string) string {
	for len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		depth := 0
		for i := range len(s) - 1 {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
			}
			if depth == 0 {
				return s // the first parenthesis closes before the end
			}
		}
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// libraryError is a panic of a format library, recovered.
type libraryError struct{ v any }

func (e *libraryError) Error() string {
	return fmt.Sprintf("the reader failed on this document (%v)", e.v)
}

// library runs a call into a format library and turns a panic (a nil
// dereference on a document it did not expect, say) into an error, so
// that a malformed upload cannot take the process down.
func library(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &libraryError{r}
		}
	}()
	return f()
}
