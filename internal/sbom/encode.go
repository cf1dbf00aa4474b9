package sbom

import (
	"crypto/sha1"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"cyra/internal/cra"
)

// ExportMeta is what an exported document says about itself. Everything
// that would otherwise vary between runs (the serial number or namespace,
// the creation time) comes from here, so output is deterministic.
type ExportMeta struct {
	// Name is the document's name (SPDX name); "" uses the subject's.
	Name string
	// Namespace is the SPDX documentNamespace (an absolute URI); the
	// CycloneDX serialNumber is a UUID derived from it. "" derives both
	// from the SBOM's own serial number or, failing that, Name and Created.
	Namespace string
	// Created is the document's creation time; the zero time uses the
	// SBOM's own.
	Created time.Time
	// Tool and ToolVersion name the exporting tool ("cyra", "1.4.0").
	Tool, ToolVersion string
}

// Encode writes an SBOM as CycloneDX 1.6 JSON (cra.FormatCycloneDXJSON)
// or SPDX 2.3 JSON (cra.FormatSPDXJSON); any other format is an
// EUNSUPPORTED *cra.Error. The output validates against the CycloneDX 1.6
// schema and the SPDX 2.3 required fields, and Parse reads back the same
// components: names, versions, purls, hashes, licences, direct flags and
// dependency edges. What a format cannot carry is dropped: purls that did
// not parse, hash algorithms and values the target format does not know,
// and in SPDX the component scope and nesting (Parent).
func Encode(w io.Writer, s *cra.SBOM, format cra.SBOMFormat, meta ExportMeta) error {
	if s == nil {
		s = &cra.SBOM{}
	}
	if meta.Tool == "" {
		meta.Tool = "cyra"
	}
	if meta.Created.IsZero() && s.Created != nil {
		meta.Created = *s.Created
	}
	meta.Created = meta.Created.UTC().Truncate(time.Second)
	switch format {
	case cra.FormatCycloneDXJSON:
		enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
		if err := enc.Encode(toCycloneDX(s, meta)); err != nil {
			return fmt.Errorf("sbom: writing CycloneDX: %w", err)
		}
		return nil
	case cra.FormatSPDXJSON:
		if err := spdxjson.Write(toSPDX(s, meta), w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
			return fmt.Errorf("sbom: writing SPDX: %w", err)
		}
		return nil
	}
	return errf(cra.EUNSUPPORTED, "cyra exports %s and %s, not %q.", cra.FormatCycloneDXJSON, cra.FormatSPDXJSON, format)
}

// uuid5 derives a name-based (version 5) UUID in the URL namespace.
func uuid5(name string) string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// seed is what the document identity is derived from.
func seed(s *cra.SBOM, meta ExportMeta) string {
	switch {
	case meta.Namespace != "":
		return meta.Namespace
	case s.SerialNumber != "":
		return s.SerialNumber
	}
	return meta.Name + "|" + meta.Created.Format(time.RFC3339)
}

// splitTool splits a "name version" tool string at its last space.
func splitTool(t string) (name, version string) {
	if i := strings.LastIndexByte(t, ' '); i > 0 {
		return t[:i], t[i+1:]
	}
	return t, ""
}

var cdxTypes = map[string]bool{"application": true, "container": true, "cryptographic-asset": true, "data": true, "device": true,
	"device-driver": true, "file": true, "firmware": true, "framework": true, "library": true, "machine-learning-model": true,
	"operating-system": true, "platform": true}

var cdxHashes = map[string]bool{"MD5": true, "SHA-1": true, "SHA-256": true, "SHA-384": true, "SHA-512": true, "SHA3-256": true,
	"SHA3-384": true, "SHA3-512": true, "BLAKE2b-256": true, "BLAKE2b-384": true, "BLAKE2b-512": true, "BLAKE3": true}

// toCycloneDX builds the CycloneDX 1.6 document.
func toCycloneDX(s *cra.SBOM, meta ExportMeta) *cdx.BOM {
	bom := &cdx.BOM{
		JSONSchema:   "http://cyclonedx.org/schema/bom-1.6.schema.json",
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		Version:      1,
		SerialNumber: "urn:uuid:" + uuid5(seed(s, meta)),
	}
	md := &cdx.Metadata{}
	if !meta.Created.IsZero() {
		md.Timestamp = meta.Created.Format(time.RFC3339)
	}
	tools := []cdx.Component{{Type: cdx.ComponentTypeApplication, Name: meta.Tool, Version: meta.ToolVersion}}
	for _, t := range s.Tools {
		n, v := splitTool(t)
		tools = append(tools, cdx.Component{Type: cdx.ComponentTypeApplication, Name: n, Version: v})
	}
	md.Tools = &cdx.ToolsChoice{Components: &tools}
	if len(s.Authors) > 0 {
		authors := make([]cdx.OrganizationalContact, 0, len(s.Authors))
		for _, a := range s.Authors {
			authors = append(authors, cdx.OrganizationalContact{Name: a})
		}
		md.Authors = &authors
	}
	if s.Supplier != "" {
		md.Supplier = &cdx.OrganizationalEntity{Name: s.Supplier}
	}
	bom.Metadata = md

	// Refs: every component needs a unique bom-ref for the graph.
	refs := make([]string, len(s.Components))
	taken := map[string]bool{}
	subjectRef := ""
	if s.Subject != nil {
		subjectRef = s.Subject.Ref
		if subjectRef == "" {
			subjectRef = "subject"
		}
		taken[subjectRef] = true
	}
	for i, c := range s.Components {
		r := c.Ref
		for n := 2; r == "" || taken[r]; n++ {
			r = c.Ref + "-" + strconv.Itoa(n)
			if c.Ref == "" {
				r = "component-" + strconv.Itoa(i+1)
				if n > 2 {
					r += "-" + strconv.Itoa(n)
				}
			}
		}
		taken[r] = true
		refs[i] = r
	}
	// Nesting: children under their parent; a missing parent or a cycle of
	// parents puts the component at the top level.
	children := map[string][]int{}
	known := map[string]bool{}
	for _, c := range s.Components {
		known[c.Ref] = true
	}
	for i, c := range s.Components {
		if c.Parent != "" && c.Parent != c.Ref && (known[c.Parent] || (s.Subject != nil && c.Parent == s.Subject.Ref)) {
			children[c.Parent] = append(children[c.Parent], i)
		}
	}
	emitted := make([]bool, len(s.Components))
	var build func(list []int) *[]cdx.Component
	build = func(list []int) *[]cdx.Component {
		var out []cdx.Component
		for _, i := range list {
			if emitted[i] {
				continue
			}
			emitted[i] = true
			c := cdxFromComponent(&s.Components[i], refs[i])
			c.Components = build(children[s.Components[i].Ref])
			out = append(out, c)
		}
		if len(out) == 0 {
			return nil
		}
		return &out
	}
	if s.Subject != nil {
		sub := cdxFromComponent(s.Subject, subjectRef)
		sub.Components = build(children[s.Subject.Ref])
		md.Component = &sub
	}
	var top []int
	for i, c := range s.Components {
		if c.Parent == "" || c.Parent == c.Ref || !(known[c.Parent] || (s.Subject != nil && c.Parent == s.Subject.Ref)) {
			top = append(top, i)
		}
	}
	list := deref(build(top))
	for i := range s.Components { // parents in a cycle
		if !emitted[i] {
			list = append(list, deref(build([]int{i}))...)
		}
	}
	if len(list) > 0 {
		bom.Components = &list
	}

	// The graph: entries as the SBOM has them, with refs renamed where
	// they had to be made unique and edges to unknown refs dropped.
	rename := map[string]string{}
	for i, c := range s.Components {
		if _, dup := rename[c.Ref]; !dup && c.Ref != "" {
			rename[c.Ref] = refs[i]
		}
	}
	if s.Subject != nil && s.Subject.Ref != "" {
		rename[s.Subject.Ref] = subjectRef
	}
	if len(s.Dependencies) > 0 {
		var deps []cdx.Dependency
		at := map[string]int{}
		edge := map[[2]string]bool{}
		for _, d := range s.Dependencies {
			from, ok := rename[d.Ref]
			if !ok {
				continue
			}
			i, seen := at[from]
			if !seen {
				i = len(deps)
				at[from] = i
				deps = append(deps, cdx.Dependency{Ref: from})
			}
			for _, to := range d.DependsOn {
				t, ok := rename[to]
				if !ok {
					continue
				}
				if edge[[2]string{from, t}] {
					continue
				}
				edge[[2]string{from, t}] = true
				if deps[i].Dependencies == nil {
					deps[i].Dependencies = &[]string{}
				}
				*deps[i].Dependencies = append(*deps[i].Dependencies, t)
			}
		}
		bom.Dependencies = &deps
	}
	return bom
}

// cdxFromComponent converts one component (without its children).
func cdxFromComponent(c *cra.Component, ref string) cdx.Component {
	out := cdx.Component{
		BOMRef:     ref,
		Type:       cdx.ComponentTypeLibrary,
		Name:       c.Name,
		Group:      c.Group,
		Version:    c.Version,
		PackageURL: c.PURL,
		CPE:        c.CPE,
	}
	if cdxTypes[c.Type] {
		out.Type = cdx.ComponentType(c.Type)
	}
	switch c.Scope {
	case "required", "optional", "excluded":
		out.Scope = cdx.Scope(c.Scope)
	}
	if c.Supplier != "" {
		out.Supplier = &cdx.OrganizationalEntity{Name: c.Supplier}
	}
	if c.Author != "" {
		out.Authors = &[]cdx.OrganizationalContact{{Name: c.Author}}
	}
	var hashes []cdx.Hash
	for _, h := range c.Hashes {
		if n := len(h.Value); cdxHashes[h.Algorithm] && isHex(h.Value) && (n == 32 || n == 40 || n == 64 || n == 96 || n == 128) {
			hashes = append(hashes, cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Algorithm), Value: strings.ToLower(h.Value)})
		}
	}
	if len(hashes) > 0 {
		out.Hashes = &hashes
	}
	out.Licenses = cdxLicences(c.Licenses)
	return out
}

var licenceTokenRE = regexp.MustCompile(`^[A-Za-z0-9.+\-:]+$`)

// isExpression reports whether a licence reads as an SPDX licence
// expression (identifiers joined by AND, OR and WITH, with balanced
// parentheses), and whether it is compound (more than one identifier).
// "Apache License 2.0" is not one: its words are not joined by operators.
func isExpression(l string) (expr, compound bool) {
	tokens := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(l))
	wantOperand, depth, operands := true, 0, 0
	for _, t := range tokens {
		switch {
		case t == "(" && wantOperand:
			depth++
		case t == ")" && !wantOperand && depth > 0:
			depth--
		case (t == "AND" || t == "OR" || t == "WITH") && !wantOperand:
			wantOperand = true
		case wantOperand && licenceTokenRE.MatchString(t) && t != "AND" && t != "OR" && t != "WITH":
			wantOperand = false
			operands++
		default:
			return false, false
		}
	}
	if wantOperand || depth != 0 || operands == 0 {
		return false, false
	}
	return true, operands > 1
}

// cdxLicences writes licences so that they validate against the 1.6
// schema: known SPDX ids as license.id, other names as license.name, and
// an expression (the only item the schema allows then) for compound
// expressions or a single identifier the schema's list does not know.
func cdxLicences(ls []string) *cdx.Licenses {
	if len(ls) == 0 {
		return nil
	}
	anyCompound, allExpr := false, true
	for _, l := range ls {
		e, c := isExpression(l)
		allExpr = allExpr && e
		anyCompound = anyCompound || c
	}
	if len(ls) == 1 && allExpr && !spdxLicenseIDs[ls[0]] {
		return &cdx.Licenses{{Expression: ls[0]}}
	}
	if anyCompound && allExpr {
		return &cdx.Licenses{{Expression: joinExpressions(ls)}}
	}
	out := make(cdx.Licenses, 0, len(ls))
	for _, l := range ls {
		if spdxLicenseIDs[l] {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: l}})
		} else {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
	}
	return &out
}

// joinExpressions joins licence expressions with AND, parenthesising the
// compound ones.
func joinExpressions(ls []string) string {
	if len(ls) == 1 {
		return ls[0]
	}
	parts := make([]string, len(ls))
	for i, l := range ls {
		if _, compound := isExpression(l); compound {
			l = "(" + l + ")"
		}
		parts[i] = l
	}
	return strings.Join(parts, " AND ")
}

var spdxIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9.\-]+`)

// spdxChecksums maps canonical hash names to SPDX 2.3 checksum algorithms.
var spdxChecksums = map[string]common.ChecksumAlgorithm{
	"SHA-1": common.SHA1, "SHA-224": common.SHA224, "SHA-256": common.SHA256, "SHA-384": common.SHA384, "SHA-512": common.SHA512,
	"SHA3-256": common.SHA3_256, "SHA3-384": common.SHA3_384, "SHA3-512": common.SHA3_512,
	"BLAKE2b-256": common.BLAKE2b_256, "BLAKE2b-384": common.BLAKE2b_384, "BLAKE2b-512": common.BLAKE2b_512, "BLAKE3": common.BLAKE3,
	"MD2": common.MD2, "MD4": common.MD4, "MD5": common.MD5, "MD6": common.MD6, "ADLER32": common.ADLER32,
}

// spdxPurposes maps component types to SPDX 2.3 primary package purposes.
var spdxPurposes = map[string]string{"application": "APPLICATION", "framework": "FRAMEWORK", "library": "LIBRARY", "container": "CONTAINER",
	"operating-system": "OPERATING-SYSTEM", "device": "DEVICE", "firmware": "FIRMWARE", "source": "SOURCE", "archive": "ARCHIVE",
	"file": "FILE", "install": "INSTALL", "other": "OTHER"}

// toSPDX builds the SPDX 2.3 document.
func toSPDX(s *cra.SBOM, meta ExportMeta) *v2_3.Document {
	name := meta.Name
	if name == "" && s.Subject != nil {
		name = strings.TrimSpace(s.Subject.Name + " " + s.Subject.Version)
	}
	if name == "" {
		name = "SBOM"
	}
	ns := meta.Namespace
	if ns == "" {
		ns = "urn:uuid:" + uuid5(seed(s, meta))
	}
	created := meta.Created
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	creators := []common.Creator{{CreatorType: "Tool", Creator: strings.TrimSuffix(meta.Tool+"-"+meta.ToolVersion, "-")}}
	for _, t := range s.Tools {
		creators = append(creators, common.Creator{CreatorType: "Tool", Creator: strings.ReplaceAll(t, " ", "-")})
	}
	for _, a := range s.Authors {
		creators = append(creators, common.Creator{CreatorType: "Person", Creator: a})
	}
	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: ns,
		CreationInfo:      &v2_3.CreationInfo{Created: created.Format(time.RFC3339), Creators: creators},
	}

	ids := map[string]common.ElementID{} // ref → SPDXID (without "SPDXRef-")
	taken := map[common.ElementID]bool{"DOCUMENT": true}
	idFor := func(ref string, n int) common.ElementID {
		base := spdxIDUnsafe.ReplaceAllString(strings.TrimPrefix(ref, "SPDXRef-"), "-")
		base = strings.Trim(base, "-")
		if base == "" {
			base = "Package-" + strconv.Itoa(n)
		}
		id := common.ElementID(base)
		for k := 2; taken[id]; k++ {
			id = common.ElementID(base + "-" + strconv.Itoa(k))
		}
		taken[id] = true
		if _, seen := ids[ref]; !seen && ref != "" {
			ids[ref] = id
		}
		return id
	}
	otherIDs := map[string]string{} // licence name → LicenseRef id
	usedIDs := map[string]bool{}
	spdxLicence := func(l string) string {
		if expr, _ := isExpression(l); expr {
			return l
		}
		if id, ok := otherIDs[l]; ok {
			return id
		}
		base := "LicenseRef-" + strings.Trim(spdxIDUnsafe.ReplaceAllString(l, "-"), "-")
		if base == "LicenseRef-" {
			base = "LicenseRef-licence"
		}
		id := base
		for k := 2; usedIDs[id]; k++ {
			id = base + "-" + strconv.Itoa(k)
		}
		otherIDs[l], usedIDs[id] = id, true
		doc.OtherLicenses = append(doc.OtherLicenses, &v2_3.OtherLicense{LicenseIdentifier: id, ExtractedText: l, LicenseName: l})
		return id
	}
	pkg := func(c *cra.Component, id common.ElementID) *v2_3.Package {
		p := &v2_3.Package{
			PackageName:               c.Name,
			PackageSPDXIdentifier:     id,
			PackageVersion:            c.Version,
			PackageDownloadLocation:   "NOASSERTION",
			FilesAnalyzed:             false,
			IsFilesAnalyzedTagPresent: true,
			PrimaryPackagePurpose:     spdxPurposes[c.Type],
		}
		if p.PackageName == "" {
			p.PackageName = "NOASSERTION"
		}
		if c.Supplier != "" {
			p.PackageSupplier = &common.Supplier{SupplierType: "Organization", Supplier: c.Supplier}
		}
		if c.Author != "" {
			p.PackageOriginator = &common.Originator{OriginatorType: "Person", Originator: c.Author}
		}
		for _, h := range c.Hashes {
			if alg, ok := spdxChecksums[h.Algorithm]; ok && isHex(h.Value) {
				p.PackageChecksums = append(p.PackageChecksums, common.Checksum{Algorithm: alg, Value: strings.ToLower(h.Value)})
			}
		}
		if len(c.Licenses) > 0 {
			parts := make([]string, len(c.Licenses))
			for i, l := range c.Licenses {
				parts[i] = spdxLicence(l)
			}
			p.PackageLicenseDeclared = joinExpressions(parts)
		}
		if c.PURL != "" {
			p.PackageExternalReferences = append(p.PackageExternalReferences, &v2_3.PackageExternalReference{
				Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: c.PURL})
		}
		if c.CPE != "" {
			typ := common.TypeSecurityCPE22Type
			if strings.HasPrefix(c.CPE, "cpe:2.3:") {
				typ = common.TypeSecurityCPE23Type
			}
			p.PackageExternalReferences = append(p.PackageExternalReferences, &v2_3.PackageExternalReference{
				Category: common.CategorySecurity, RefType: typ, Locator: c.CPE})
		}
		return p
	}
	describe := func(id common.ElementID) {
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA:         common.DocElementID{ElementRefID: "DOCUMENT"},
			RefB:         common.DocElementID{ElementRefID: id},
			Relationship: common.TypeRelationshipDescribe,
		})
	}
	if s.Subject != nil {
		id := idFor(s.Subject.Ref, 0)
		doc.Packages = append(doc.Packages, pkg(s.Subject, id))
		describe(id)
	}
	for i := range s.Components {
		c := &s.Components[i]
		id := idFor(c.Ref, i+1)
		doc.Packages = append(doc.Packages, pkg(c, id))
		if s.Subject == nil && c.Parent == "" {
			describe(id)
		}
	}
	seen := map[[2]common.ElementID]bool{}
	for _, d := range s.Dependencies {
		from, ok := ids[d.Ref]
		if !ok {
			continue
		}
		for _, to := range d.DependsOn {
			t, ok := ids[to]
			if !ok || seen[[2]common.ElementID{from, t}] {
				continue
			}
			seen[[2]common.ElementID{from, t}] = true
			doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
				RefA:         common.DocElementID{ElementRefID: from},
				RefB:         common.DocElementID{ElementRefID: t},
				Relationship: common.TypeRelationshipDependsOn,
			})
		}
	}
	return doc
}
