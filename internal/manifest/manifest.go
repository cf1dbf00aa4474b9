package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"cyra/internal/cra"
)

// MaxSize bounds a manifest (1 MiB); Parse refuses larger input with
// cra.ETOOLARGE naming the file.
const MaxSize = 1 << 20

// Limits on the shape of a manifest. Nothing legitimate comes close; they
// keep a hostile or broken file from costing more than its size suggests.
const (
	maxDepth        = 32 // nesting levels of collections, counting the document
	maxProducts     = 10000
	maxReleases     = 10000 // per product
	maxComponents   = 10000 // per release
	maxMemberStates = 100   // per product
	maxProblems     = 100   // problems recorded before Parse stops counting
)

// The keys each mapping takes, in the order the documentation lists them
// (and unknown-key messages repeat them).
var (
	documentKeys       = []string{"products"}
	productKeys        = []string{"name", "model", "sku", "description", "intended_purpose", "foreseeable_use", "foreseeable_misuse", "operating_environment", "remote_data_processing", "rdp_description", "operator_role", "licensing", "member_states", "team", "lifecycle", "scope", "classification", "releases"}
	classificationKeys = []string{"category", "rationale", "standards", "tech_doc_public"}
	releaseKeys        = []string{"version", "release_date", "placed_on_market", "support_end", "short_support_justification", "substantial_modification", "modification_reason", "security_update", "status", "components"}
	componentKeys      = []string{"product", "version"}
)

// scopeIDs are the keys a scope mapping takes: the scope question ids.
func scopeIDs() []string {
	ids := make([]string, len(cra.ScopeQuestions))
	for i, q := range cra.ScopeQuestions {
		ids[i] = q.ID
	}
	return ids
}

// standardTags are the only tags a manifest may use, explicitly or by
// resolution; everything else (!!binary, !!set, !!merge, !custom) is
// refused.
var standardTags = []string{"!!str", "!!int", "!!float", "!!bool", "!!timestamp", "!!null", "!!map", "!!seq"}

// Parse reads a manifest. name is the file name used in messages. Syntax
// errors, unknown keys (refused: a typo must not be silently ignored),
// wrong types (e.g. a list where a string belongs, "yes" vs booleans: only
// true/false accepted, or YAML's spellings True and TRUE), unparseable dates/months, duplicate product names,
// duplicate versions within a product, and an empty document are reported
// as a *cra.Error with Code EINVALID whose Fields map each field PATH (e.g.
// "products[0].releases[1].support_end", "products[2].name",
// "products[0].scope.medical_device") to a message that begins "line N: ",
// and whose Message is a one-line summary naming the file. Problems of the
// whole document, such as a YAML syntax error, are keyed by "". Input over
// MaxSize gives cra.ETOOLARGE. It does not apply domain validation beyond
// syntax and types (the service does that).
//
// The Locator is never nil, so the caller can annotate the service's errors
// (or Parse's own) with it; the document is nil whenever err is not.
func Parse(name string, data []byte) (*cra.ApplyDocument, *Locator, error) {
	if name == "" {
		name = "manifest"
	}
	loc := &Locator{name: name, lines: map[string]int{}}
	if len(data) > MaxSize {
		return nil, loc, &cra.Error{Code: cra.ETOOLARGE, Message: fmt.Sprintf(
			"%s: the file is %d bytes; a manifest may be at most %d bytes (1 MiB). Split it into several files.", name, len(data), MaxSize)}
	}
	p := &parser{loc: loc, fields: map[string]string{}}
	doc := p.parse(data)
	if len(p.fields) > 0 {
		return nil, loc, p.err(name)
	}
	return doc, loc, nil
}

// parser walks the node tree of one manifest, building the document,
// recording the line of every path in loc and every problem in fields.
type parser struct {
	loc      *Locator
	fields   map[string]string
	overflow bool // more than maxProblems problems were found
}

// problem records a problem of path found at line (0 if unknown). The
// first problem of a path wins; after maxProblems the rest are counted as
// overflow only.
func (p *parser) problem(path string, line int, format string, args ...any) {
	if _, ok := p.fields[path]; ok {
		return
	}
	if len(p.fields) >= maxProblems {
		p.overflow = true
		return
	}
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		msg = "line " + strconv.Itoa(line) + ": " + msg
	}
	p.fields[path] = msg
}

// bad records a problem of path at the line recorded for it.
func (p *parser) bad(path string, format string, args ...any) {
	p.problem(path, p.loc.Line(path), format, args...)
}

// err builds the EINVALID error of the recorded problems.
func (p *parser) err(name string) error {
	e := &cra.Error{Code: cra.EINVALID, Fields: p.fields}
	e.Message = summary(name, p.fields, "The manifest is not valid.")
	if p.overflow {
		first := problemList(p.fields)[0]
		e.Message = oneLine(fmt.Sprintf("%s: more than %d problems (the first %d are listed); the first: %s", name, maxProblems, maxProblems, first.text()))
	}
	return e
}

// yamlLine splits "yaml: line 7: message" into 7 and "message".
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlAnchor matches the library's error for an alias of an anchor that
// was never defined, which it reports before the tree is built.
var yamlAnchor = regexp.MustCompile(`^(?:yaml: )?unknown anchor '(.*)' referenced$`)

// readerErrors start the messages of the library's character-level
// errors, which carry no line.
var readerErrors = []string{"input error", "invalid leading UTF-8", "incomplete UTF-8", "invalid trailing UTF-8", "invalid length of a UTF-8",
	"invalid Unicode", "control characters", "incomplete UTF-16", "unexpected low surrogate", "expected low surrogate", "attempted to go past"}

// parserProblems are the messages of the library's parser (as opposed to
// its scanner). It reports their lines 0-based: "line 2" for the third
// line. Scanner errors it reports 1-based.
var parserProblems = []string{"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected '-' indicator",
	"did not find expected <document start>", "did not find expected <stream-start>", "did not find expected key", "did not find expected node content",
	"found duplicate %TAG directive", "found duplicate %YAML directive", "found incompatible YAML document", "found undefined tag handle"}

// maxRefine bounds the input problemLine searches: its binary search costs
// up to about 20 parses, which for the largest manifests would take
// seconds. Larger input gets the library's line.
const maxRefine = 256 << 10

// problemLine returns the line of a parser error. The library reports
// the line where the enclosing list or mapping starts, which in a manifest
// is often line 2 (the first product) whatever went wrong. The line where
// it went wrong is the first whose end makes the input fail with the same
// error; problemLine finds it by parsing prefixes of data, from line from
// on, in a binary search (a handful of parses, on the error path only).
func problemLine(data []byte, msg string, from int) int {
	var ends []int // ends[i] is the offset just after line i+1
	for i := 0; i < len(data); i++ {
		if data[i] == '\n' || (data[i] == '\r' && (i+1 >= len(data) || data[i+1] != '\n')) {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(line int) bool {
		err := firstError(data[:ends[line-1]])
		return err != nil && err.Error() == msg
	}
	lo, hi := max(from, 1), len(ends)
	if lo > hi {
		return from
	}
	for lo < hi {
		if mid := (lo + hi) / 2; fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// firstError returns the error of reading the first two documents of
// data, as decode reads them, or nil.
func firstError(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for range 2 {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// syntax records a YAML error of data as a problem of the whole document.
//
// The library puts "line N: " before syntax errors, except on line 1 (its
// 0-based line 0 reads as "no line"), so a syntax error without a line is
// on line 1. For parser errors N is 0-based (see parserProblems) and
// problemLine moves it to where the problem is. Character-level errors
// have no line; checkText catches those in UTF-8 input first. An alias of
// an undefined anchor fails the parse before screen sees it; its line is
// found by looking for it.
func (p *parser) syntax(data []byte, err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if slices.Contains(parserProblems, msg) {
			line++
			if len(data) <= maxRefine {
				line = problemLine(data, err.Error(), line)
			}
			if strings.HasPrefix(msg, "did not find expected key") || strings.HasPrefix(msg, "did not find expected '-'") {
				msg += " (check the indentation of this line)"
			}
		}
		// At the end of input without a final line break the library
		// counts one line more than there is.
		line = min(line, lineAt(data, len(data)))
		p.problem("", line, "%s", msg)
		return
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlAnchor.FindStringSubmatch(msg); m != nil {
		p.problem("", aliasLine(data, m[1]), "Aliases (*%s) are not allowed in a manifest; write the value out.", m[1])
		return
	}
	line := 1
	for _, prefix := range readerErrors {
		if strings.HasPrefix(msg, prefix) {
			line = 0
		}
	}
	p.problem("", line, "%s", msg)
}

// aliasLine returns the line of the first alias *name in data, or 0.
func aliasLine(data []byte, name string) int {
	if name == "" {
		return 0
	}
	alias := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], alias)
		if i < 0 {
			return 0
		}
		i += off
		end := i + len(alias)
		before := i == 0 || strings.IndexByte(" \t\r\n[{,", data[i-1]) >= 0
		after := end == len(data) || strings.IndexByte(" \t\r\n]},", data[end]) >= 0
		if before && after {
			return lineAt(data, i)
		}
		off = i + 1
	}
}

// lineAt returns the 1-based line of byte offset off in data, counting
// LF, CRLF and a lone CR as line breaks.
func lineAt(data []byte, off int) int {
	line := 1
	for i := 0; i < off && i < len(data); i++ {
		if data[i] == '\n' || (data[i] == '\r' && (i+1 >= len(data) || data[i+1] != '\n')) {
			line++
		}
	}
	return line
}

// checkText finds what the YAML library would refuse character by
// character, which it reports without a line: bytes that are not UTF-8
// and characters YAML does not allow (most control characters). Input
// with a UTF-16 byte-order mark is left to the library. It returns false
// after recording the first problem.
func (p *parser) checkText(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return true
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			p.problem("", lineAt(data, i), "The file is not UTF-8 text (byte 0x%02X); save it as UTF-8.", data[i])
			return false
		case !allowedRune(r):
			p.problem("", lineAt(data, i), "The character %U is not allowed in YAML; remove it.", r)
			return false
		}
		i += size
	}
	return true
}

// allowedRune reports whether YAML allows r in a document (YAML 1.2,
// 5.1, as the library checks it).
func allowedRune(r rune) bool {
	switch {
	case r == 0x09, r == 0x0A, r == 0x0D, r >= 0x20 && r <= 0x7E, r == 0x85:
		return true
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// decode reads the documents of data. It returns the first document, or
// nil after recording why there is none to use.
func (p *parser) decode(data []byte) (root *yaml.Node) {
	defer func() {
		// The YAML library reports errors by panicking internally and
		// recovering its own panics. Should it ever fail otherwise on
		// hostile input, report a problem rather than take the caller down.
		if r := recover(); r != nil {
			p.problem("", 0, "The file could not be read as YAML.")
			root = nil
		}
	}()
	if !p.checkText(data) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first yaml.Node
	if err := dec.Decode(&first); errors.Is(err, io.EOF) {
		p.loc.lines[""] = 1
		p.problem("products", 1, "The manifest is empty; list the products under a products: key.")
		return nil
	} else if err != nil {
		p.syntax(data, err)
		return nil
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		p.problem("", second.Line, "A manifest is a single YAML document; remove the second one (from the --- on this line).")
		return nil
	} else if !errors.Is(err, io.EOF) {
		p.syntax(data, err)
		return nil
	}
	return &first
}

// parse reads data into a document.
func (p *parser) parse(data []byte) *cra.ApplyDocument {
	root := p.decode(data)
	if root == nil {
		return nil
	}
	if !p.screen(root, nil, 0) {
		return nil
	}
	// root is a DocumentNode; its content is the one top-level node.
	if len(root.Content) == 0 || isNull(root.Content[0]) {
		p.loc.lines[""] = 1
		p.problem("products", 1, "The manifest is empty; list the products under a products: key.")
		return nil
	}
	top := root.Content[0]
	p.loc.lines[""] = top.Line
	if top.Kind != yaml.MappingNode {
		p.problem("", top.Line, "A manifest must be a mapping with a products: key, not %s.", describe(top))
		return nil
	}
	doc := &cra.ApplyDocument{}
	var products *yaml.Node
	p.mapping(top, "", "a manifest", documentKeys, func(key string, v *yaml.Node) {
		products = v
	})
	if products == nil {
		p.problem("products", top.Line, "List the products under a products: key.")
		return doc
	}
	if isNull(products) || (products.Kind == yaml.SequenceNode && len(products.Content) == 0) {
		p.bad("products", "List at least one product.")
		return doc
	}
	items, ok := p.sequence(products, "products", "a list of products", maxProducts)
	if !ok {
		return doc
	}
	for i, item := range items {
		doc.Products = append(doc.Products, p.product(item, index("products", i)))
	}
	p.duplicates(doc)
	return doc
}

// screen refuses what a manifest has no use for before anything else
// looks at the tree: aliases and anchors, tags other than the standard
// ones, and nesting deeper than maxDepth. It reports the first offence
// (with the path of its node, built from segs) and returns false.
func (p *parser) screen(n *yaml.Node, segs []string, depth int) bool {
	at := func() string { return strings.Join(segs, "") }
	switch {
	case n.Kind == yaml.AliasNode:
		p.problem(at(), n.Line, "Aliases (*%s) are not allowed in a manifest; write the value out.", n.Value)
		return false
	case n.Anchor != "":
		p.problem(at(), n.Line, "Anchors (&%s) are not allowed in a manifest.", n.Anchor)
		return false
	case depth > maxDepth:
		p.problem(at(), n.Line, "The manifest is nested more than %d levels deep.", maxDepth)
		return false
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!merge":
		p.problem(at(), n.Line, "Merge keys (<<) are not allowed in a manifest.")
		return false
	case n.Kind != yaml.DocumentNode && !slices.Contains(standardTags, n.ShortTag()):
		p.problem(at(), n.Line, "The tag %s is not allowed in a manifest; write a plain value.", n.ShortTag())
		return false
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if !p.screen(c, segs, depth) {
				return false
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if !p.screen(k, segs, depth+1) {
				return false
			}
			if !p.screen(v, append(segs, segment(len(segs) == 0, k.Value)), depth+1) {
				return false
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if !p.screen(c, append(segs, "["+strconv.Itoa(i)+"]"), depth+1) {
				return false
			}
		}
	}
	return true
}

// key returns the path of k in the mapping at path: path.k, or
// path["k"] when k is not a plain name (only unknown keys can be), so that
// a path is always one line of text.
func key(path, k string) string {
	return path + segment(path == "", k)
}

// segment is what key appends to a path for k; first means the path is
// empty so far.
func segment(first bool, k string) string {
	plain := k != ""
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return "[" + strconv.Quote(k) + "]"
	case first:
		return k
	}
	return "." + k
}

// index returns the path of item i of the list at path.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// mapping walks the pairs of the mapping n at path, which is what (for
// messages, "a release"). It records the line of each key, refuses keys
// that are not plain, repeated or not in keys, and calls each for the
// others. It returns false when n is not a mapping.
func (p *parser) mapping(n *yaml.Node, path, what string, keys []string, each func(key string, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		p.bad(path, "Must be %s (a mapping of keys to values), not %s.", what, describe(n))
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || isNull(k) {
			p.problem(path, k.Line, "Keys must be plain names, not %s.", describe(k))
			continue
		}
		kp := key(path, k.Value)
		if first, ok := seen[k.Value]; ok {
			p.problem(kp, k.Line, "The key %s is given twice; it is already set on line %d.", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		p.loc.lines[kp] = k.Line
		if !slices.Contains(keys, k.Value) {
			p.problem(kp, k.Line, "%s", unknownKey(k.Value, what, keys))
			continue
		}
		each(k.Value, v)
	}
	return true
}

// sequence checks that n at path is a list of at most max items, records
// the line of each item and returns them. null is an empty list.
func (p *parser) sequence(n *yaml.Node, path, what string, max int) ([]*yaml.Node, bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		p.bad(path, "Must be %s, not %s.", what, describe(n))
		return nil, false
	}
	if len(n.Content) > max {
		p.bad(path, "Lists %d items; at most %d are allowed. Split the manifest into several files.", len(n.Content), max)
		return nil, false
	}
	for i, item := range n.Content {
		p.loc.lines[index(path, i)] = item.Line
	}
	return n.Content, true
}

// product reads one item of products.
func (p *parser) product(n *yaml.Node, path string) cra.ApplyProduct {
	var ap cra.ApplyProduct
	pr := &ap.Product
	p.mapping(n, path, "a product", productKeys, func(k string, v *yaml.Node) {
		kp := key(path, k)
		switch k {
		case "name":
			pr.Name = p.str(v, kp)
		case "model":
			pr.Model = p.str(v, kp)
		case "sku":
			pr.SKU = p.str(v, kp)
		case "description":
			pr.Description = p.str(v, kp)
		case "intended_purpose":
			pr.IntendedPurpose = p.str(v, kp)
		case "foreseeable_use":
			pr.ForeseeableUse = p.str(v, kp)
		case "foreseeable_misuse":
			pr.ForeseeableMisuse = p.str(v, kp)
		case "operating_environment":
			pr.OperatingEnvironment = p.str(v, kp)
		case "remote_data_processing":
			pr.RemoteDataProcessing = p.boolean(v, kp)
		case "rdp_description":
			pr.RDPDescription = p.str(v, kp)
		case "operator_role":
			pr.OperatorRole = cra.OperatorRole(p.str(v, kp))
		case "licensing":
			pr.Licensing = cra.Licensing(p.str(v, kp))
		case "member_states":
			items, _ := p.sequence(v, kp, "a list of Member State codes such as [DE, FR]", maxMemberStates)
			for i, item := range items {
				pr.MemberStates = append(pr.MemberStates, p.str(item, index(kp, i)))
			}
		case "team":
			pr.Team = p.str(v, kp)
		case "lifecycle":
			pr.Lifecycle = cra.Lifecycle(p.str(v, kp))
		case "scope":
			ap.Scope = p.scope(v, kp)
		case "classification":
			ap.Classification = p.classification(v, kp)
		case "releases":
			items, _ := p.sequence(v, kp, "a list of releases", maxReleases)
			for i, item := range items {
				ap.Releases = append(ap.Releases, p.release(item, index(kp, i)))
			}
		}
	})
	return ap
}

// scope reads a product's scope answers; null gives nil (no answers).
func (p *parser) scope(n *yaml.Node, path string) cra.ScopeAnswers {
	if isNull(n) {
		return nil
	}
	answers := cra.ScopeAnswers{}
	p.mapping(n, path, "the scope answers", scopeIDs(), func(id string, v *yaml.Node) {
		if !isNull(v) {
			answers[id] = p.boolean(v, key(path, id))
		}
	})
	return answers
}

// classification reads a product's classification; null gives nil.
func (p *parser) classification(n *yaml.Node, path string) *cra.Classification {
	if isNull(n) {
		return nil
	}
	c := &cra.Classification{}
	p.mapping(n, path, "a classification", classificationKeys, func(k string, v *yaml.Node) {
		kp := key(path, k)
		switch k {
		case "category":
			c.Category = p.str(v, kp)
		case "rationale":
			c.Rationale = p.str(v, kp)
		case "standards":
			c.Standards = cra.StandardsApplication(p.str(v, kp))
		case "tech_doc_public":
			c.TechDocPublic = p.boolean(v, kp)
		}
	})
	return c
}

// release reads one item of a product's releases.
func (p *parser) release(n *yaml.Node, path string) cra.ApplyRelease {
	var ar cra.ApplyRelease
	r := &ar.Release
	p.mapping(n, path, "a release", releaseKeys, func(k string, v *yaml.Node) {
		kp := key(path, k)
		switch k {
		case "version":
			r.Version = p.str(v, kp)
		case "release_date":
			r.ReleaseDate = p.date(v, kp)
		case "placed_on_market":
			r.PlacedOnMarket = p.date(v, kp)
		case "support_end":
			r.SupportEnd = p.month(v, kp)
		case "short_support_justification":
			r.ShortSupportJustification = p.str(v, kp)
		case "substantial_modification":
			r.SubstantialModification = p.boolean(v, kp)
		case "modification_reason":
			r.ModificationReason = p.str(v, kp)
		case "security_update":
			r.SecurityUpdate = p.boolean(v, kp)
		case "status":
			r.Status = cra.ReleaseStatus(p.str(v, kp))
		case "components":
			items, _ := p.sequence(v, kp, "a list of components (product and version)", maxComponents)
			for i, item := range items {
				ip := index(kp, i)
				var c cra.ComponentName
				p.mapping(item, ip, "a component (product and version)", componentKeys, func(k string, v *yaml.Node) {
					switch k {
					case "product":
						c.Product = p.str(v, key(ip, k))
					case "version":
						c.Version = p.str(v, key(ip, k))
					}
				})
				ar.Components = append(ar.Components, c)
			}
		}
	})
	return ar
}

// duplicates refuses two products with the same name and two releases of
// a product with the same version: applying matches by them, so the second
// would silently overwrite the first. Empty names and versions are left to
// the service, which requires them.
func (p *parser) duplicates(doc *cra.ApplyDocument) {
	names := map[string]int{}
	for i, ap := range doc.Products {
		path := index("products", i)
		if name := strings.TrimSpace(ap.Product.Name); name != "" {
			if j, ok := names[name]; ok {
				p.bad(key(path, "name"), "Another product is named %q (products[%d], line %d); names must be unique.", name, j, p.loc.Line(index("products", j)))
			} else {
				names[name] = i
			}
		}
		versions := map[string]int{}
		for k, ar := range ap.Releases {
			rp := index(key(path, "releases"), k)
			if v := strings.TrimSpace(ar.Release.Version); v != "" {
				if j, ok := versions[v]; ok {
					p.bad(key(rp, "version"), "Version %q is listed twice for this product (releases[%d], line %d); versions must be unique.", v, j, p.loc.Line(index(key(path, "releases"), j)))
				} else {
					versions[v] = k
				}
			}
		}
	}
}

// str reads a text field: any scalar, exactly as written; null is "".
func (p *parser) str(n *yaml.Node, path string) string {
	if isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.bad(path, "Must be text, not %s.", describe(n))
		return ""
	}
	return n.Value
}

// boolean reads a yes/no field: true or false only; null is false.
func (p *parser) boolean(n *yaml.Node, path string) bool {
	if isNull(n) {
		return false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		switch strings.ToLower(n.Value) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	p.bad(path, "Must be true or false, not %s.", describe(n))
	return false
}

// date reads a YYYY-MM-DD field; null and "" are the zero date.
func (p *parser) date(n *yaml.Node, path string) cra.Date {
	return scalar(p, n, path, "a date (YYYY-MM-DD)", cra.ParseDate)
}

// month reads a YYYY-MM field; null and "" are the zero month.
func (p *parser) month(n *yaml.Node, path string) cra.YearMonth {
	return scalar(p, n, path, "a month (YYYY-MM)", cra.ParseYearMonth)
}

// scalar reads a scalar field with a domain parser; null and "" give the
// zero value, anything else that does not parse is a problem at path.
func scalar[T any](p *parser, n *yaml.Node, path, what string, parse func(string) (T, error)) T {
	var zero T
	if isNull(n) {
		return zero
	}
	if n.Kind != yaml.ScalarNode {
		p.bad(path, "Must be %s, not %s.", what, describe(n))
		return zero
	}
	if strings.TrimSpace(n.Value) == "" {
		return zero
	}
	v, err := parse(n.Value)
	if err != nil {
		p.bad(path, "%s", cra.ErrorMessage(err))
	}
	return v
}

// isNull reports whether n is null (~, null, or nothing at all).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what n is, for "Must be X, not Y." messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		v := n.Value
		if utf8.RuneCountInString(v) > 40 {
			v = string([]rune(v)[:40]) + "…"
		}
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return v
		case "!!int", "!!float":
			return "the number " + v
		case "!!timestamp":
			return "the date " + v
		}
		return strconv.Quote(v)
	}
	return "an empty value"
}

// unknownKey explains that key is not one of keys, suggesting the one it
// is close to if any.
func unknownKey(k, what string, keys []string) string {
	if s := suggest(k, keys); s != "" {
		return fmt.Sprintf("Unknown key %q in %s; did you mean %q?", k, what, s)
	}
	return fmt.Sprintf("Unknown key %q in %s; the keys are %s.", k, what, strings.Join(keys, ", "))
}

// suggest returns the key of keys that k is most likely a misspelling of:
// the same but for case and - versus _, or at most two edits away. It
// returns "" when none is close.
func suggest(k string, keys []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	best, bestDist := "", 3
	for _, c := range keys {
		if norm(c) == norm(k) {
			return c
		}
		if d := distance(norm(k), c, bestDist); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance returns the Levenshtein distance between a and b, or limit if
// it is at least limit (keys are short; anything long is not a typo).
func distance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 {
		return limit
	}
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}
