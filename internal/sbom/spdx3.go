package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"cyra/internal/cra"
)

// spdx3Doc is the part of an SPDX 3.0 JSON-LD document cyra reads.
type spdx3Doc struct {
	Graph []spdx3Element `json:"@graph"`
}

// spdx3Import is an ExternalMap entry: an element defined in another
// document.
type spdx3Import struct {
	ExternalSpdxID string `json:"externalSpdxId"`
}

// spdx3Element holds the properties cyra reads of any graph element; the
// element's type says which apply.
type spdx3Element struct {
	Type   string `json:"type"`
	AtType string `json:"@type"`
	SpdxID string `json:"spdxId"`
	AtID   string `json:"@id"`
	Name   string `json:"name"`

	CreationInfo json.RawMessage `json:"creationInfo"` // a reference or an inline CreationInfo
	SpecVersion  string          `json:"specVersion"`
	Created      string          `json:"created"`
	CreatedBy    refList         `json:"createdBy"`
	CreatedUsing refList         `json:"createdUsing"`

	RootElement refList       `json:"rootElement"`
	Import      []spdx3Import `json:"import"`

	PackageVersion     string            `json:"software_packageVersion"`
	PackageURL         string            `json:"software_packageUrl"`
	PrimaryPurpose     string            `json:"software_primaryPurpose"`
	SuppliedBy         refList           `json:"suppliedBy"`
	OriginatedBy       refList           `json:"originatedBy"`
	VerifiedUsing      []spdx3Integrity  `json:"verifiedUsing"`
	ExternalIdentifier []spdx3Identifier `json:"externalIdentifier"`

	From             refList `json:"from"`
	To               refList `json:"to"`
	RelationshipType string  `json:"relationshipType"`
	Scope            string  `json:"scope"`

	LicenseExpression string `json:"simplelicensing_licenseExpression"`
	LicenseText       string `json:"simplelicensing_licenseText"`
}

type spdx3Integrity struct {
	Type      string `json:"type"`
	Algorithm string `json:"algorithm"`
	HashValue string `json:"hashValue"`
}

type spdx3Identifier struct {
	Type       string `json:"externalIdentifierType"`
	Identifier string `json:"identifier"`
}

func (e *spdx3Element) id() string {
	if e.SpdxID != "" {
		return e.SpdxID
	}
	return e.AtID
}

func (e *spdx3Element) kind() string {
	if e.Type != "" {
		return e.Type
	}
	return e.AtType
}

// refList is a JSON-LD reference or list of references: strings, or
// objects carrying an spdxId or @id.
type refList []string

// UnmarshalJSON accepts a string, an object, or an array of either.
func (r *refList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	var items []json.RawMessage
	if b[0] == '[' {
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
	} else {
		items = []json.RawMessage{b}
	}
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			*r = append(*r, s)
			continue
		}
		var o struct {
			SpdxID string `json:"spdxId"`
			AtID   string `json:"@id"`
		}
		if err := json.Unmarshal(it, &o); err != nil {
			return fmt.Errorf("a reference is neither a string nor an object")
		}
		if o.SpdxID != "" {
			*r = append(*r, o.SpdxID)
		} else if o.AtID != "" {
			*r = append(*r, o.AtID)
		}
	}
	return nil
}

// spdx3PackageTypes are the element types read as packages: Package and
// its subclasses of the AI and dataset profiles.
var spdx3PackageTypes = map[string]bool{"software_Package": true, "ai_AIPackage": true, "dataset_DatasetPackage": true}

// spdx3Dependency says how an SPDX 3 relationship type enters the
// dependency graph (all point from the dependant to the dependency).
var spdx3Dependency = map[string]string{
	"dependsOn":             "",
	"contains":              "",
	"hasStaticLink":         "",
	"hasDynamicLink":        "",
	"hasProvidedDependency": "",
	"hasOptionalDependency": "optional",
}

// spdx3Scopes maps a LifecycleScopedRelationship scope to a component
// scope.
var spdx3Scopes = map[string]string{"build": "excluded", "development": "excluded", "test": "excluded", "design": "excluded"}

// spdx3 reads the software packages of an SPDX 3.0 JSON-LD document.
func (p *parser) spdx3() error {
	var doc spdx3Doc
	if err := json.Unmarshal(p.data, &doc); err != nil {
		return p.jsonError("SPDX 3 JSON-LD", err, []string{"from", "to", "createdBy", "createdUsing", "rootElement", "suppliedBy", "originatedBy"})
	}
	if len(doc.Graph) == 0 {
		return errf(cra.EINVALID, "%s: the SPDX 3 document has no @graph elements.", p.name)
	}
	s := p.s
	byID := make(map[string]*spdx3Element, len(doc.Graph))
	for i := range doc.Graph {
		e := &doc.Graph[i]
		if id := e.id(); id != "" {
			if _, dup := byID[id]; !dup {
				byID[id] = e
			}
		}
	}
	agentName := func(id string) string {
		if e := byID[id]; e != nil && e.Name != "" {
			return e.Name
		}
		return ""
	}

	// The document, its creation info and subject.
	var document *spdx3Element
	var roots []string
	external := map[string]bool{} // elements of other documents (imports)
	files := 0
	for i := range doc.Graph {
		e := &doc.Graph[i]
		switch e.kind() {
		case "SpdxDocument":
			if document == nil {
				document = e
			}
			roots = append(roots, e.RootElement...)
			for _, im := range e.Import {
				external[im.ExternalSpdxID] = true
			}
		case "software_Sbom", "Bom":
			roots = append(roots, e.RootElement...)
		case "Relationship", "LifecycleScopedRelationship":
			if e.RelationshipType == "describes" {
				roots = append(roots, e.To...)
			}
		case "software_File", "software_Snippet":
			files++
			p.ignored[e.id()] = true
		}
	}
	var ci *spdx3Element
	if document != nil {
		s.SerialNumber = document.id()
		ci = p.spdx3CreationInfo(document.CreationInfo, byID)
	}
	if ci == nil {
		for i := range doc.Graph {
			if doc.Graph[i].kind() == "CreationInfo" {
				ci = &doc.Graph[i]
				break
			}
		}
	}
	if ci != nil {
		if ci.SpecVersion != "" {
			s.SpecVersion = ci.SpecVersion
		}
		p.timestamp(ci.Created, "creationInfo.created")
		for _, id := range ci.CreatedBy {
			e := byID[id]
			switch {
			case e != nil && e.kind() == "Tool":
				s.Tools = appendTrim(s.Tools, e.Name)
			case e != nil:
				s.Authors = appendTrim(s.Authors, e.Name)
			}
		}
		for _, id := range ci.CreatedUsing {
			s.Tools = appendTrim(s.Tools, agentName(id))
		}
	}
	subjectRef := ""
	seenRoot := map[string]bool{}
	for len(roots) > 0 && subjectRef == "" {
		r := roots[0]
		roots = roots[1:]
		if seenRoot[r] {
			continue
		}
		seenRoot[r] = true
		if e := byID[r]; e != nil {
			switch {
			case spdx3PackageTypes[e.kind()]:
				subjectRef = r
			case e.kind() == "software_Sbom" || e.kind() == "Bom" || e.kind() == "SpdxDocument":
				roots = append(roots, e.RootElement...)
			}
		}
	}

	// Licences: declared first, concluded as the fallback.
	declared, concluded := map[string][]string{}, map[string][]string{}
	for i := range doc.Graph {
		e := &doc.Graph[i]
		if k := e.kind(); k != "Relationship" && k != "LifecycleScopedRelationship" {
			continue
		}
		var into map[string][]string
		switch e.RelationshipType {
		case "hasDeclaredLicense":
			into = declared
		case "hasConcludedLicense":
			into = concluded
		default:
			continue
		}
		for _, from := range e.From {
			for _, to := range e.To {
				if l, ok := spdx3Licence(to, byID); ok {
					into[from] = appendTrim(into[from], l)
				}
			}
		}
	}

	pkgIndex := []int{}
	p.where = func(i int) string {
		if i < len(pkgIndex) {
			return fmt.Sprintf("@graph[%d]", pkgIndex[i])
		}
		return fmt.Sprintf("package #%d", i+1)
	}
	component := func(e *spdx3Element) cra.Component {
		c := cra.Component{
			Ref:     e.id(),
			Name:    strings.TrimSpace(e.Name),
			Version: strings.TrimSpace(e.PackageVersion),
			RawPURL: strings.TrimSpace(e.PackageURL),
			Type:    strings.ToLower(strings.TrimSpace(e.PrimaryPurpose)),
		}
		for _, x := range e.ExternalIdentifier {
			switch x.Type {
			case "packageUrl":
				if c.RawPURL == "" {
					c.RawPURL = strings.TrimSpace(x.Identifier)
				}
			case "cpe23":
				c.CPE = strings.TrimSpace(x.Identifier)
			case "cpe22":
				if c.CPE == "" {
					c.CPE = strings.TrimSpace(x.Identifier)
				}
			}
		}
		for _, id := range e.SuppliedBy {
			if n := agentName(id); n != "" {
				c.Supplier = n
				break
			}
		}
		var authors []string
		for _, id := range e.OriginatedBy {
			authors = appendTrim(authors, agentName(id))
		}
		c.Author = strings.Join(dedupe(authors), ", ")
		for _, v := range e.VerifiedUsing {
			if v.Type == "Hash" {
				if h, ok := hash(v.Algorithm, v.HashValue); ok {
					c.Hashes = append(c.Hashes, h)
				}
			}
		}
		lics := declared[c.Ref]
		if len(lics) == 0 {
			lics = concluded[c.Ref]
		}
		for _, l := range dedupe(lics) {
			c.Licenses = append(c.Licenses, splitLicences(l, nil)...)
		}
		c.Licenses = dedupe(c.Licenses)
		return c
	}
	if e := byID[subjectRef]; e != nil {
		p.setSubject(component(e))
	}
	subjectSeen := false
	for i := range doc.Graph {
		e := &doc.Graph[i]
		if !spdx3PackageTypes[e.kind()] {
			continue
		}
		c := component(e)
		if c.Ref == "" {
			c.Ref = fmt.Sprintf("@graph[%d]", i)
		}
		if c.Ref == subjectRef && !subjectSeen {
			subjectSeen = true
			continue
		}
		pkgIndex = append(pkgIndex, i)
		if err := p.add(c); err != nil {
			return err
		}
		if len(pkgIndex) > len(s.Components) {
			pkgIndex = pkgIndex[:len(s.Components)]
		}
	}
	if subjectRef == "" {
		s.Warnings = append(s.Warnings, "The document names no package as its root element or as what it describes, so the SBOM has no subject.")
	}
	if files > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s not imported: cyra's components are the packages (a file's dependencies count as its package's).",
			plural(files, "file or snippet was", "files and snippets were")))
	}

	// owner maps a file to the package that contains it, so that a
	// file's dependencies become its package's.
	owner := map[string]string{}
	isRel := func(e *spdx3Element) bool {
		k := e.kind()
		return k == "Relationship" || k == "LifecycleScopedRelationship"
	}
	for i := range doc.Graph {
		if e := &doc.Graph[i]; isRel(e) && e.RelationshipType == "contains" {
			for _, from := range e.From {
				if f := byID[from]; f != nil && spdx3PackageTypes[f.kind()] {
					for _, to := range e.To {
						if p.ignored[to] {
							owner[to] = from
						}
					}
				}
			}
		}
	}
	lift := func(ref string) string {
		if o, ok := owner[ref]; ok {
			return o
		}
		return ref
	}
	externalEdges := 0
	for i := range doc.Graph {
		e := &doc.Graph[i]
		if !isRel(e) {
			continue
		}
		scope, ok := spdx3Dependency[e.RelationshipType]
		if !ok {
			continue
		}
		if sc, scoped := spdx3Scopes[e.Scope]; scoped && scope == "" {
			scope = sc
		}
		for _, from := range e.From {
			if byID[from] != nil && byID[from].kind() == "SpdxDocument" {
				continue
			}
			for _, to := range e.To {
				a, b := lift(from), lift(to)
				switch {
				case external[a] || external[b]:
					externalEdges++
				case a != b:
					p.hasGraph = true
					p.edges = append(p.edges, edge{from: a, to: b, scope: scope})
				}
			}
		}
	}
	if externalEdges > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s into other SPDX documents (imports) and %s not followed.",
			plural(externalEdges, "dependency relationship points", "dependency relationships point"), map[bool]string{true: "was", false: "were"}[externalEdges == 1]))
	}
	if s.Subject != nil {
		s.Supplier = s.Subject.Supplier
	}
	return nil
}

// spdx3CreationInfo resolves a creationInfo property: an inline object or
// a reference to a CreationInfo element ("_:creationInfo").
func (p *parser) spdx3CreationInfo(raw json.RawMessage, byID map[string]*spdx3Element) *spdx3Element {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '{' {
		var e spdx3Element
		if json.Unmarshal(raw, &e) == nil {
			return &e
		}
		return nil
	}
	var ref string
	if json.Unmarshal(raw, &ref) == nil {
		return byID[ref]
	}
	return nil
}

// spdx3Licence returns the licence a licence element (or a listed
// licence's IRI) stands for.
func spdx3Licence(id string, byID map[string]*spdx3Element) (string, bool) {
	if e := byID[id]; e != nil {
		switch {
		case e.LicenseExpression != "":
			return licence(e.LicenseExpression)
		case e.Name != "":
			return licence(e.Name)
		}
		id = e.id()
	}
	for _, prefix := range []string{"https://spdx.org/licenses/", "http://spdx.org/licenses/"} {
		if rest, ok := strings.CutPrefix(id, prefix); ok {
			return licence(rest)
		}
	}
	if strings.HasSuffix(id, "/NoAssertionLicense") || strings.HasSuffix(id, "/NoneLicense") {
		return "", false
	}
	return "", false
}
