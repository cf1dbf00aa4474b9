package scanout

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"cyra/internal/cra"
)

// MaxIgnoreSize bounds an ignore file; a list of accepted findings that
// needs more is no longer a list anyone reviews.
const MaxIgnoreSize = 1 << 20

// IgnoreRule is one accepted finding of an ignore file: a vulnerability
// (by any of its ids), optionally narrowed to one package, with the
// reason it is accepted and the day the acceptance runs out.
type IgnoreRule struct {
	// ID is any id of the vulnerability: CVE, GHSA, GO, PYSEC, RUSTSEC, ….
	ID string
	// PURL narrows the rule to one package: without a version it covers
	// every version of the package, with one only that version. Package
	// narrows it to components of that name. Both empty: every package.
	PURL    string
	Package string
	Reason  string
	// Expires is the last day the rule applies (UTC).
	Expires cra.Date
	// Entry is the rule's position in the file (1-based) and Line its line.
	Entry, Line int
}

// IgnoreList is a parsed ignore file.
type IgnoreList struct {
	File  string
	Rules []IgnoreRule
}

// Ignored is a finding an ignore rule removed.
type Ignored struct {
	Finding cra.ScanFinding
	Rule    IgnoreRule
}

// ignoreKeys are the keys of an entry; anything else is a typo that would
// otherwise widen or silently void a rule.
var ignoreKeys = []string{"id", "purl", "package", "reason", "expires"}

// ParseIgnore reads an ignore file, YAML of this shape:
//
//	ignore:
//	  - id: CVE-2024-1234            # any id of the vulnerability
//	    purl: pkg:pypi/jinja2        # optional; with @version only that version
//	    package: jinja2              # optional: components of this name
//	    reason: only used to render build-time docs
//	    expires: 2026-06-30          # required, YYYY-MM-DD, inclusive
//
// Every error names the file, the line and the entry. An empty file is an
// empty list. YAML anchors and aliases are refused: an ignore file is
// read by people, and aliases are how YAML documents grow without bound.
func ParseIgnore(file string, data []byte) (*IgnoreList, error) {
	l := &IgnoreList{File: file}
	if len(data) > MaxIgnoreSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, MaxIgnoreSize)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml's messages start "yaml: line N: …".
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return l, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return l, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, l.errorf(root, 0, "expected a mapping with the key \"ignore\"")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "ignore" {
			return nil, l.errorf(k, 0, "unknown key %q; the file holds one list, \"ignore\"", k.Value)
		}
		list = v
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		return l, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, l.errorf(list, 0, "\"ignore\" must be a list of entries")
	}
	for i, n := range list.Content {
		r, err := l.rule(n, i+1)
		if err != nil {
			return nil, err
		}
		l.Rules = append(l.Rules, r)
	}
	return l, nil
}

func (l *IgnoreList) rule(n *yaml.Node, entry int) (IgnoreRule, error) {
	r := IgnoreRule{Entry: entry, Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return r, l.errorf(n, entry, "expected a mapping with id, reason and expires")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(ignoreKeys, k.Value) {
			return r, l.errorf(k, entry, "unknown key %q; use %s", k.Value, strings.Join(ignoreKeys, ", "))
		}
		if seen[k.Value] {
			return r, l.errorf(k, entry, "%s is given twice", k.Value)
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			return r, l.errorf(v, entry, "%s must be a single value", k.Value)
		}
		s := strings.TrimSpace(v.Value)
		switch k.Value {
		case "id":
			r.ID = s
		case "purl":
			r.PURL = s
		case "package":
			r.Package = s
		case "reason":
			r.Reason = s
		case "expires":
			d, err := cra.ParseDate(s)
			if err != nil {
				return r, l.errorf(v, entry, "expires %q is not a date; write YYYY-MM-DD", s)
			}
			r.Expires = d
		}
	}
	switch {
	case r.ID == "":
		return r, l.errorf(n, entry, "id is required (any id of the vulnerability: CVE, GHSA, GO, PYSEC, RUSTSEC, …)")
	case r.Reason == "":
		return r, l.errorf(n, entry, "reason is required: say why the finding is accepted")
	case r.Expires.IsZero():
		return r, l.errorf(n, entry, "expires is required (YYYY-MM-DD): an accepted finding is reviewed again")
	case r.PURL != "" && !strings.HasPrefix(r.PURL, "pkg:"):
		return r, l.errorf(n, entry, "purl %q is not a package URL (pkg:type/name)", r.PURL)
	}
	return r, nil
}

// errorf names the file, the node's line and the entry.
func (l *IgnoreList) errorf(n *yaml.Node, entry int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		msg = "YAML anchors and aliases are not supported"
	}
	if entry > 0 {
		return fmt.Errorf("%s:%d: entry %d: %s", l.File, n.Line, entry, msg)
	}
	return fmt.Errorf("%s:%d: %s", l.File, n.Line, msg)
}

// Expired reports whether the rule no longer applies on the given day: it
// applies through its Expires day, in UTC.
func (r *IgnoreRule) Expired(now time.Time) bool {
	return now.UTC().Format(time.DateOnly) > r.Expires.String()
}

// Matches reports whether the rule covers the finding, expiry aside.
func (r *IgnoreRule) Matches(f *cra.ScanFinding) bool {
	if !hasID(f, r.ID) {
		return false
	}
	if r.Package != "" && !strings.EqualFold(r.Package, f.Component) {
		return false
	}
	if rp := r.PURL; rp != "" {
		switch {
		case rp != purlBase(rp): // qualifiers: exactly this purl
			return strings.EqualFold(rp, f.PURL)
		case rp != purlPackage(rp): // a version: that version
			return strings.EqualFold(rp, purlBase(f.PURL))
		}
		return strings.EqualFold(rp, purlPackage(f.PURL))
	}
	return true
}

func hasID(f *cra.ScanFinding, id string) bool {
	if strings.EqualFold(f.VulnID, id) {
		return true
	}
	for _, ids := range [][]string{f.Aliases, f.Advisories} {
		for _, a := range ids {
			if strings.EqualFold(a, id) {
				return true
			}
		}
	}
	return false
}

// purlBase is a purl without qualifiers and subpath.
func purlBase(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return p
}

// purlPackage is a purl without version, qualifiers and subpath: the
// package. In a canonical purl "@" appears only before the version (a
// scope's "@" is percent-encoded).
func purlPackage(p string) string {
	p = purlBase(p)
	if i := strings.LastIndexByte(p, '@'); i > strings.LastIndexByte(p, '/') && i >= 0 {
		p = p[:i]
	}
	return p
}

// Apply removes the findings that a rule in force covers. Expired rules
// no longer apply: each is reported in warnings, whether or not it
// matched a finding, so that it is renewed or removed. A nil list keeps
// every finding.
func (l *IgnoreList) Apply(findings []cra.ScanFinding, now time.Time) (kept []cra.ScanFinding, ignored []Ignored, warnings []string) {
	if l == nil {
		return findings, nil, nil
	}
	kept = []cra.ScanFinding{}
	for _, f := range findings {
		hit := -1
		for i := range l.Rules {
			if !l.Rules[i].Expired(now) && l.Rules[i].Matches(&f) {
				hit = i
				break
			}
		}
		if hit < 0 {
			kept = append(kept, f)
			continue
		}
		ignored = append(ignored, Ignored{Finding: f, Rule: l.Rules[hit]})
	}
	for _, r := range l.Rules {
		if !r.Expired(now) {
			continue
		}
		n := 0
		for _, f := range findings {
			if r.Matches(&f) {
				n++
			}
		}
		warnings = append(warnings, fmt.Sprintf("%s:%d: entry %d (%s) expired on %s and no longer applies; it would cover %d finding(s) of this scan",
			l.File, r.Line, r.Entry, r.ID, r.Expires, n))
	}
	return kept, ignored, warnings
}
