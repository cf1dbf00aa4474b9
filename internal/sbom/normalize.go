package sbom

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"cyra/internal/cra"
)

// maxWarningsPerKind bounds the individual warnings of one kind (a purl
// that does not parse, say); past it one summary line counts the rest, so
// a broken 10,000-component SBOM does not bury its user in warnings.
const maxWarningsPerKind = 10

// edge is a dependency relationship as the document states it.
type edge struct {
	from, to string
	// scope is what the relationship says of the dependency: "optional"
	// or "excluded" (development, test or build only), "" otherwise.
	scope string
}

// parser holds one document while it is normalised. The format readers
// fill s (components, subject, metadata), edges and where; finish does the
// rest, the same way for every format.
type parser struct {
	name    string
	format  cra.SBOMFormat
	version string
	data    []byte
	s       *cra.SBOM

	// refs maps each ref to its component's index, -1 for the subject.
	refs map[string]int
	// where describes the position of component i in the document, for
	// messages ("components[12]", "packages[3]").
	where func(i int) string
	// hasGraph is set when the document has a dependency section at all;
	// nodes lists the refs it has entries for, in document order.
	hasGraph bool
	nodes    []string
	edges    []edge
	// ignored are refs of elements that exist but are not components
	// (SPDX files and snippets): edges to them are dropped silently.
	ignored map[string]bool
	// describedExtra are further SPDX packages the document describes
	// besides the subject; their dependencies count as direct too.
	describedExtra []string

	counts map[string]int // warnings of each kind so far
}

func (p *parser) init(name string, f cra.SBOMFormat, version string, data []byte) {
	p.name, p.format, p.version, p.data = name, f, version, data
	p.s = &cra.SBOM{Format: f, SpecVersion: version}
	p.refs = map[string]int{}
	p.ignored = map[string]bool{}
	p.counts = map[string]int{}
	p.where = func(i int) string { return fmt.Sprintf("component #%d", i+1) }
}

// warn adds a warning of a kind, up to maxWarningsPerKind of them; finish
// adds a line counting the rest.
func (p *parser) warn(kind, format string, args ...any) {
	p.counts[kind]++
	if p.counts[kind] <= maxWarningsPerKind {
		p.s.Warnings = append(p.s.Warnings, fmt.Sprintf(format, args...))
	}
}

// label names a component for messages: `component "lodash" (bom-ref
// "pkg:npm/lodash@4", components[12])`.
func (p *parser) label(i int) string {
	c := &p.s.Components[i]
	return fmt.Sprintf("%s %q (%s %q, %s)", p.noun(), c.Name, p.refName(), c.Ref, p.where(i))
}

func (p *parser) noun() string {
	if p.format == cra.FormatCycloneDXJSON || p.format == cra.FormatCycloneDXXML {
		return "component"
	}
	return "package"
}

func (p *parser) refName() string {
	switch p.format {
	case cra.FormatCycloneDXJSON, cra.FormatCycloneDXXML:
		return "bom-ref"
	case cra.FormatSPDX3JSONLD:
		return "spdxId"
	}
	return "SPDXID"
}

// add appends a component, refusing a ref that is already taken (a copy
// of the subject, same ref, name and version, is skipped with a warning).
// where must be able to name the new component's position, at index
// len(Components), and the earlier one's.
func (p *parser) add(c cra.Component) error {
	if j, dup := p.refs[c.Ref]; dup {
		first := "the subject"
		if j >= 0 {
			first = p.where(j)
		} else if sub := p.s.Subject; sub.Name == c.Name && sub.Version == c.Version {
			// Some generators list the subject among the components as
			// well; that copy adds nothing.
			p.s.Warnings = append(p.s.Warnings, fmt.Sprintf("The subject %q is also listed among the components; that copy was skipped.", c.Ref))
			return nil
		}
		p.s.Components = append(p.s.Components, c)
		at := p.where(len(p.s.Components) - 1)
		if pos := p.findRef(c.Ref, 2); pos != "" {
			at += " at " + pos
		}
		return errf(cra.EINVALID, "%s: duplicate %s %q: %s %q (%s) has the same %s as %s; every %s must be unique within the document.",
			p.name, p.refName(), c.Ref, p.noun(), c.Name, at, p.refName(), first, p.refName())
	}
	p.refs[c.Ref] = len(p.s.Components)
	p.s.Components = append(p.s.Components, c)
	return nil
}

// setSubject records the subject and its ref.
func (p *parser) setSubject(c cra.Component) {
	p.s.Subject = &c
	if c.Ref != "" {
		p.refs[c.Ref] = -1
	}
}

// findRef finds the n-th occurrence of a ref's declaration in the text
// and returns its position ("line L, column C (byte N)"), or "" when the
// text does not spell it the plain way.
func (p *parser) findRef(ref string, n int) string {
	var re string
	switch p.format {
	case cra.FormatCycloneDXJSON:
		re = `"bom-ref"\s*:\s*"` + regexp.QuoteMeta(ref) + `"`
	case cra.FormatCycloneDXXML:
		re = `bom-ref\s*=\s*["']` + regexp.QuoteMeta(ref) + `["']`
	case cra.FormatSPDXJSON:
		re = `"SPDXID"\s*:\s*"` + regexp.QuoteMeta(ref) + `"`
	case cra.FormatSPDXTagValue:
		re = `(?m)^\s*SPDXID:\s*` + regexp.QuoteMeta(ref) + `\s*$`
	case cra.FormatSPDX3JSONLD:
		re = `"(?:spdxId|@id)"\s*:\s*"` + regexp.QuoteMeta(ref) + `"`
	default:
		return ""
	}
	locs := regexp.MustCompile(re).FindAllIndex(p.data, n)
	if len(locs) < n {
		return ""
	}
	return position(p.data, int64(locs[n-1][0]))
}

// finish canonicalises purls and hashes, resolves the dependency graph
// (dangling refs, direct dependencies, scopes, one cycle) and adds the
// summary warnings.
func (p *parser) finish() {
	s := p.s
	s.Tools, s.Authors = dedupe(s.Tools), dedupe(s.Authors)
	if s.Subject != nil {
		p.purl(s.Subject, func() string { return fmt.Sprintf("the subject %q", s.Subject.Name) })
	}
	noPURL := 0
	byPURL := map[string][]string{}
	for i := range s.Components {
		c := &s.Components[i]
		if c.RawPURL == "" {
			noPURL++
		} else if p.purl(c, func() string { return p.label(i) }) {
			byPURL[c.PURL] = append(byPURL[c.PURL], c.Ref)
		}
	}
	if n := p.counts["purl"] - maxWarningsPerKind; n > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s a purl that does not parse.", plural(n, "more component has", "more components have")))
	}
	if noPURL > 0 {
		verb, pronoun := "have", "they"
		if noPURL == 1 {
			verb, pronoun = "has", "it"
		}
		s.Warnings = append(s.Warnings, fmt.Sprintf("%d of %s %s no purl; %s cannot be matched against advisories.",
			noPURL, plural(len(s.Components), "component", "components"), verb, pronoun))
	}
	shared, example := 0, ""
	for _, c := range s.Components {
		if refs := byPURL[c.PURL]; c.PURL != "" && len(refs) > 1 {
			if example == "" {
				example = fmt.Sprintf("%s is the purl of %s", c.PURL, quoteList(refs, 5))
			}
			shared++
			delete(byPURL, c.PURL)
		}
	}
	if shared > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s shared by several components with different refs (allowed; for example %s).",
			plural(shared, "purl is", "purls are"), example))
	}
	p.graph()
	if len(s.Components) == 0 {
		s.Warnings = append(s.Warnings, "The document lists no components.")
	}
}

// purl parses a component's purl and keeps the canonical form; on failure
// it keeps the text, records the problem and warns. It reports whether the
// purl parsed.
func (p *parser) purl(c *cra.Component, who func() string) bool {
	raw := strings.TrimSpace(c.RawPURL)
	if raw == "" {
		c.RawPURL = ""
		return false
	}
	u, err := packageurl.FromString(raw)
	if err == nil && (u.Type == "" || u.Name == "") {
		err = fmt.Errorf("the purl has no type or no name")
	}
	if err != nil {
		c.PURL, c.RawPURL, c.PURLProblem = "", raw, err.Error()
		p.warn("purl", "%s has a purl that does not parse: %v (%q).", who(), err, raw)
		return false
	}
	c.PURL, c.RawPURL, c.PURLProblem = u.ToString(), "", ""
	if c.Group == "" && u.Type == packageurl.TypeMaven {
		c.Group = u.Namespace
	}
	return true
}

// graph turns the document's edges into s.Dependencies, drops edges to
// refs that do not exist, marks direct dependencies and scopes, and looks
// for a cycle.
func (p *parser) graph() {
	s := p.s
	index := map[string]int{} // ref → node index in s.Dependencies
	seen := map[[2]string]bool{}
	node := func(ref string) int {
		if i, ok := index[ref]; ok {
			return i
		}
		index[ref] = len(s.Dependencies)
		s.Dependencies = append(s.Dependencies, cra.Dependency{Ref: ref})
		return index[ref]
	}
	var dangling []string
	danglingSeen := map[string]bool{}
	known := func(ref string) bool {
		if _, ok := p.refs[ref]; ok {
			return true
		}
		if !p.ignored[ref] && !danglingSeen[ref] {
			danglingSeen[ref] = true
			dangling = append(dangling, ref)
		}
		return false
	}
	for _, ref := range p.nodes {
		if known(ref) {
			node(ref)
		}
	}
	scopes := map[string][]string{}
	for _, e := range p.edges {
		if !known(e.from) || !known(e.to) {
			continue
		}
		scopes[e.to] = append(scopes[e.to], e.scope)
		if seen[[2]string{e.from, e.to}] {
			continue
		}
		seen[[2]string{e.from, e.to}] = true
		i := node(e.from)
		s.Dependencies[i].DependsOn = append(s.Dependencies[i].DependsOn, e.to)
	}
	if len(dangling) > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("The dependency graph refers to %s not in the document; the edges to and from %s were dropped: %s.",
			plural(len(dangling), "ref", "refs"), map[bool]string{true: "it", false: "them"}[len(dangling) == 1], quoteList(dangling, 5)))
	}
	// Direct dependencies are those of the subject (and of further
	// described packages in SPDX).
	roots := slices.Clone(p.describedExtra)
	if s.Subject != nil && s.Subject.Ref != "" {
		roots = append(roots, s.Subject.Ref)
	}
	stated := false
	for _, r := range roots {
		if i, ok := index[r]; ok {
			stated = true
			for _, d := range s.Dependencies[i].DependsOn {
				if j := p.refs[d]; j >= 0 {
					s.Components[j].Direct = true
				}
			}
		}
	}
	if len(s.Dependencies) > 0 && !stated && s.Subject != nil {
		s.Warnings = append(s.Warnings, fmt.Sprintf("The dependency graph has no entry for the subject %q, so its direct dependencies are unknown.", s.Subject.Ref))
	}
	for ref, list := range scopes {
		j := p.refs[ref]
		if j < 0 || s.Components[j].Scope != "" {
			continue
		}
		switch {
		case slices.Contains(list, ""):
		case slices.Contains(list, "optional"):
			s.Components[j].Scope = "optional"
		default:
			s.Components[j].Scope = "excluded"
		}
	}
	if cycle := findCycle(s.Dependencies); cycle != nil {
		s.Warnings = append(s.Warnings, fmt.Sprintf("The dependency graph has a cycle (allowed, reported once): %s.", strings.Join(cycle, " → ")))
	}
}

// findCycle returns the refs of one cycle of the graph (the first ref
// repeated at the end), or nil. It walks iteratively, so neither a deep
// graph nor a cyclic one can exhaust the stack or loop forever.
func findCycle(deps []cra.Dependency) []string {
	index := make(map[string]int, len(deps))
	for i, d := range deps {
		index[d.Ref] = i
	}
	const (
		white = iota
		grey
		black
	)
	color := make([]uint8, len(deps))
	type frame struct{ node, next int }
	for start := range deps {
		if color[start] != white {
			continue
		}
		stack := []frame{{start, 0}}
		color[start] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			out := deps[top.node].DependsOn
			if top.next >= len(out) {
				color[top.node] = black
				stack = stack[:len(stack)-1]
				continue
			}
			to, ok := index[out[top.next]]
			top.next++
			if !ok {
				continue // a leaf without an entry of its own
			}
			switch color[to] {
			case grey:
				var cycle []string
				for k := len(stack) - 1; k >= 0; k-- {
					cycle = append(cycle, deps[stack[k].node].Ref)
					if stack[k].node == to {
						break
					}
				}
				slices.Reverse(cycle)
				return append(cycle, deps[to].Ref)
			case white:
				color[to] = grey
				stack = append(stack, frame{to, 0})
			}
		}
	}
	return nil
}

// quoteList writes up to max items quoted, with a count of the rest.
func quoteList(items []string, max int) string {
	var b strings.Builder
	for i, it := range items {
		if i == max {
			fmt.Fprintf(&b, " and %d more", len(items)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", it)
	}
	return b.String()
}

// hashAlgorithms maps algorithm names, upper-cased and without '-' and
// '_', to their canonical spelling.
var hashAlgorithms = map[string]string{
	"MD2": "MD2", "MD4": "MD4", "MD5": "MD5", "MD6": "MD6",
	"SHA1": "SHA-1", "SHA224": "SHA-224", "SHA256": "SHA-256", "SHA384": "SHA-384", "SHA512": "SHA-512",
	"SHA3256": "SHA3-256", "SHA3384": "SHA3-384", "SHA3512": "SHA3-512",
	"BLAKE2B256": "BLAKE2b-256", "BLAKE2B384": "BLAKE2b-384", "BLAKE2B512": "BLAKE2b-512", "BLAKE3": "BLAKE3",
	"STREEBOG256": "Streebog-256", "STREEBOG512": "Streebog-512", "ADLER32": "ADLER32",
}

var hashKey = strings.NewReplacer("-", "", "_", "", " ", "")

// hash normalises a checksum: "sha256"/"SHA256"/"SHA_256" → "SHA-256",
// hex values lower-cased. It returns false for an empty value.
func hash(alg, value string) (cra.Hash, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return cra.Hash{}, false
	}
	key := hashKey.Replace(strings.ToUpper(strings.TrimSpace(alg)))
	canonical, ok := hashAlgorithms[key]
	if !ok {
		canonical = strings.ToUpper(strings.TrimSpace(alg))
	}
	if isHex(value) {
		value = strings.ToLower(value)
	}
	return cra.Hash{Algorithm: canonical, Value: value}, true
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return s != ""
}

// licence keeps a licence id, expression or name unless it says nothing.
func licence(l string) (string, bool) {
	l = strings.TrimSpace(l)
	switch strings.ToUpper(l) {
	case "", "NOASSERTION", "NONE":
		return "", false
	}
	return l, true
}

// timestamp parses a document timestamp (RFC 3339, with a date-only
// fallback) and warns when it cannot.
func (p *parser) timestamp(v, where string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			p.s.Created = &t
			return
		}
	}
	p.s.Warnings = append(p.s.Warnings, fmt.Sprintf("The %s %q is not an RFC 3339 timestamp; the creation time is unknown.", where, v))
}

// appendTrim appends s, trimmed, to list unless it is empty. Lists built
// with it go through dedupe once they are complete: checking each item on
// the way in would be quadratic in hostile documents.
func appendTrim(list []string, s string) []string {
	if s = strings.TrimSpace(s); s == "" {
		return list
	}
	return append(list, s)
}

// dedupe drops repeated items, keeping the first of each, in linear time.
func dedupe(list []string) []string {
	if len(list) < 2 {
		return list
	}
	seen := make(map[string]bool, len(list))
	out := list[:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
