package service

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"cyra/internal/cra"
	"cyra/internal/matching"
)

// monitor keeps findings current: it matches components against the
// advisories of their packages and merges the outcome into the stored
// findings. Compiled advisories are cached per index key, so matching a
// release again (or scanning an SBOM of familiar packages) costs map
// lookups and version comparisons only. One mutex serialises matches, so
// an SBOM upload and a feed sync never interleave their updates.
type monitor struct {
	*deps
	mu           sync.Mutex
	cache        map[string]*pkgEntries // index key → compiled affected entries
	purls        map[string]matching.Package
	graphs       map[int64]*cachedGraph // dependency graphs of stored SBOMs
	generation   string                 // the AdvisoryGeneration the cache reflects
	expMu        sync.Mutex
	lastExposure time.Time // when recordExposure last counted
	// exposed is called after findings opened or their facts changed
	// (the case service opens reportability reviews) with the display
	// ids of the exploited vulnerabilities concerned.
	exposed func(ctx context.Context, vulnKeys []string)
}

// entry is one compiled affected entry of an advisory.
type entry struct {
	vulnID   int64
	fixed    []string // compiled.FixedVersions(), ascending
	source   string   // the advisory's id in its source
	eco      string   // the entry's ecosystem as published
	compiled *matching.Compiled
	unusable string // why the entry could not be compiled (compiled is nil)
}

// pkgEntries are the entries of one index key with the verdicts already
// reached: packages repeat across releases and re-matching evaluates the
// same versions again, so each (ecosystem, version) is evaluated once per
// load of the key's advisories.
type pkgEntries struct {
	entries  []*entry
	verdicts map[string][]verdict // ecosystem + "\x00" + version → the entries that affect it or cannot read it
}

// verdict is an entry that affects a version (with the smallest fix), or
// that cannot compare it (err).
type verdict struct {
	e         *entry
	fix       string
	uncertain bool
	err       string
}

// verdicts evaluates every entry of the key for one version, once.
func (p *pkgEntries) verdictsFor(pkg matching.Package) []verdict {
	vk := pkg.Ecosystem + "\x00" + pkg.Version
	if vs, ok := p.verdicts[vk]; ok {
		return vs
	}
	var out []verdict
	v, verr := matching.Parse(pkg.Ecosystem, pkg.Version)
	for _, e := range p.entries {
		app := matching.Applies(e.eco, pkg.Ecosystem)
		if app == matching.NotApplicable {
			continue
		}
		if e.compiled == nil {
			out = append(out, verdict{e: e, err: e.unusable})
			continue
		}
		affected, fix, err := evaluate(e.compiled, v, verr, pkg.Version)
		switch {
		case err != nil:
			out = append(out, verdict{e: e, err: err.Error()})
		case affected:
			out = append(out, verdict{e: e, fix: fix, uncertain: app == matching.ReleaseUnknown})
		}
	}
	if p.verdicts == nil {
		p.verdicts = map[string][]verdict{}
	}
	p.verdicts[vk] = out
	return out
}

func newMonitor(d *deps) *monitor {
	return &monitor{deps: d, cache: map[string]*pkgEntries{}, purls: map[string]matching.Package{}, graphs: map[int64]*cachedGraph{}}
}

// entries returns the compiled entries of keys, loading the keys not
// cached in one store query. The whole cache is dropped first when
// advisories were written since it was filled (by this process or
// another: the CLI, a replica). The caller holds m.mu.
func (m *monitor) entries(ctx context.Context, keys []string) (map[string]*pkgEntries, error) {
	gen, err := m.store.AdvisoryGeneration(ctx)
	if err != nil {
		return nil, err
	}
	if gen != m.generation {
		clear(m.cache)
		m.generation = gen
	}
	out := make(map[string]*pkgEntries, len(keys))
	var missing []string
	for _, k := range keys {
		if es, ok := m.cache[k]; ok {
			out[k] = es
		} else if !slices.Contains(missing, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := m.store.AffectedEntries(ctx, missing)
	if err != nil {
		return nil, err
	}
	loaded := make(map[string]*pkgEntries, len(missing))
	for _, k := range missing {
		loaded[k] = &pkgEntries{}
	}
	for i := range rows {
		r := &rows[i]
		if r.Withdrawn {
			continue
		}
		e := &entry{vulnID: r.VulnID, source: r.SourceID, eco: r.Affected.Ecosystem}
		c, err := matching.Compile(r.Affected)
		switch {
		case err != nil:
			// An ecosystem cyra cannot order, or a range that breaks the
			// schema: the entry cannot be evaluated. It is kept, so that
			// the packages it names are reported as not matchable rather
			// than silently clean.
			e.unusable = err.Error()
		case !c.Evaluable():
			continue // GIT ranges only: says nothing about versions
		default:
			e.compiled, e.fixed = c, c.FixedVersions()
		}
		pe := loaded[r.MatchKey]
		if pe == nil {
			pe = &pkgEntries{}
			loaded[r.MatchKey] = pe
		}
		pe.entries = append(pe.entries, e)
	}
	for k, es := range loaded {
		m.cache[k] = es
		out[k] = es
	}
	return out, nil
}

// hit is a vulnerability identity found in one component.
type hit struct {
	comp       int // index into the matched components
	pkg        matching.Package
	key        string
	vulnID     int64
	advisories []string
	fixed      []string
	fix        string
	uncertain  bool
	unsorted   bool // fixed merges several advisories' lists
}

// unmatchable is a component that could not be evaluated, and why;
// vulnID names the identity whose advisory could not decide it (0 when
// the component itself cannot be matched).
type unmatchable struct {
	comp   int
	reason string
	vulnID int64
}

// match evaluates components against the cached advisories of their
// keys. Components whose purl does not map to an OSV ecosystem, or whose
// version cannot be read, are returned as unmatchable with the reason.
// The caller holds m.mu.
func (m *monitor) match(ctx context.Context, comps []cra.MatchComponent) ([]hit, []unmatchable, error) {
	var keys []string
	for i := range comps {
		keys = append(keys, comps[i].MatchKeys...)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	idx, err := m.entries(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	var hits []hit
	var bad []unmatchable
	for ci := range comps {
		c := &comps[ci]
		pkg, err := m.parsePURL(c.PURL)
		if err != nil {
			bad = append(bad, unmatchable{ci, err.Error(), 0})
			continue
		}
		if pkg.Version == "" {
			bad = append(bad, unmatchable{ci, "the purl has no version", 0})
			continue
		}
		first := len(hits) // this component's hits are hits[first:]
		for _, key := range c.MatchKeys {
			pe := idx[key]
			if pe == nil {
				continue
			}
			for _, vd := range pe.verdictsFor(pkg) {
				e := vd.e
				if vd.err != "" {
					bad = append(bad, unmatchable{ci, vd.err + " (" + e.source + ")", e.vulnID})
					continue
				}
				i := slices.IndexFunc(hits[first:], func(h hit) bool { return h.vulnID == e.vulnID })
				if i < 0 {
					hits = append(hits, hit{comp: ci, pkg: pkg, key: key, vulnID: e.vulnID, uncertain: true, fixed: e.fixed})
					i = len(hits) - 1 - first
				} else if !slices.Equal(hits[first+i].fixed, e.fixed) {
					h := &hits[first+i]
					h.fixed = slices.Clone(h.fixed)
					for _, f := range e.fixed {
						if !slices.Contains(h.fixed, f) {
							h.fixed = append(h.fixed, f)
							h.unsorted = true
						}
					}
				}
				h := &hits[first+i]
				if !slices.Contains(h.advisories, e.source) {
					h.advisories = append(h.advisories, e.source)
				}
				// One certain entry makes the hit certain.
				h.uncertain = h.uncertain && vd.uncertain
				// Every advisory's fix must hold: the upgrade that fixes
				// the vulnerability is the largest of their smallest fixes.
				if vd.fix != "" && (h.fix == "" || laterVersion(pkg.Ecosystem, vd.fix, h.fix)) {
					h.fix = vd.fix
				}
			}
		}
	}
	for i := range hits {
		h := &hits[i]
		slices.Sort(h.advisories)
		if !h.unsorted {
			continue
		}
		eco := h.pkg.Ecosystem
		slices.SortStableFunc(h.fixed, func(a, b string) int {
			if n, err := matching.Compare(eco, a, b); err == nil {
				return n
			}
			return strings.Compare(a, b)
		})
	}
	return hits, bad, nil
}

// evaluate decides whether an entry affects a version and names the
// smallest fix. v is the version parsed by the component's ecosystem
// (verr its error); an entry that cannot use that reading parses the text
// itself, which fails when none of its ranges can compare it.
func evaluate(c *matching.Compiled, v matching.Version, verr error, text string) (affected bool, fix string, err error) {
	if verr == nil && c.Accepts(v) {
		if !c.Affects(v) {
			return false, "", nil
		}
		return true, c.SmallestFix(v), nil
	}
	if affected, err = c.AffectsString(text); err != nil || !affected {
		return false, "", err
	}
	fix, _ = c.SmallestFixString(text)
	return true, fix, nil
}

// parsePURL is matching.ParsePURL with a cache: the components of a
// portfolio repeat, and re-matching parses the same purls again. The
// cache is emptied when it grows past purlCacheSize. The caller holds m.mu.
func (m *monitor) parsePURL(purl string) (matching.Package, error) {
	if p, ok := m.purls[purl]; ok {
		return p, nil
	}
	p, err := matching.ParsePURL(purl)
	if err != nil {
		return p, err
	}
	if len(m.purls) >= purlCacheSize {
		clear(m.purls)
	}
	m.purls[purl] = p
	return p, nil
}

// purlCacheSize bounds the parsed-purl cache (about 200 bytes an entry).
const purlCacheSize = 200_000

// laterVersion reports whether a orders after b in eco (as strings when
// the ecosystem cannot compare them).
func laterVersion(eco, a, b string) bool {
	if n, err := matching.Compare(eco, a, b); err == nil {
		return n > 0
	}
	return a > b
}

// facts loads the facts of the identities hits name.
func (m *monitor) facts(ctx context.Context, hits []hit) (map[int64]cra.VulnFacts, error) {
	var ids []int64
	for i := range hits {
		ids = append(ids, hits[i].vulnID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return map[int64]cra.VulnFacts{}, nil
	}
	sums, err := m.store.VulnSummaries(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]cra.VulnFacts, len(sums))
	for i := range sums {
		out[sums[i].ID] = cra.FactsFromSummary(&sums[i])
	}
	return out, nil
}

// graph finds the dependency path of components: the shortest chain of
// components from the SBOM's subject (or, without one, from any root) to
// each component.
type graph struct {
	prev  map[string]string // ref → the ref it is reached from
	roots map[string]bool
}

// newGraph builds the path finder of an SBOM's dependency edges.
func newGraph(subject string, deps []cra.Dependency) *graph {
	children := map[string][]string{}
	hasParent := map[string]bool{}
	for _, d := range deps {
		children[d.Ref] = append(children[d.Ref], d.DependsOn...)
		for _, c := range d.DependsOn {
			hasParent[c] = true
		}
	}
	g := &graph{prev: map[string]string{}, roots: map[string]bool{}}
	var queue []string
	if subject != "" {
		queue = []string{subject}
		g.roots[subject] = true
	} else {
		for _, d := range deps {
			if !hasParent[d.Ref] && !g.roots[d.Ref] {
				g.roots[d.Ref] = true
				queue = append(queue, d.Ref)
			}
		}
	}
	seen := map[string]bool{}
	for _, r := range queue {
		seen[r] = true
	}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		for _, c := range children[r] {
			if !seen[c] {
				seen[c] = true
				g.prev[c] = r
				queue = append(queue, c)
			}
		}
	}
	return g
}

// path returns the refs between a root and ref (outermost first), and
// whether ref hangs directly off a root.
func (g *graph) path(ref string) (path []string, direct bool) {
	p, ok := g.prev[ref]
	if !ok {
		return nil, false
	}
	for !g.roots[p] {
		path = append(path, p)
		next, ok := g.prev[p]
		if !ok {
			break
		}
		p = next
	}
	slices.Reverse(path)
	return path, len(path) == 0
}

// names maps refs to component names, keeping a ref it does not know.
func names(refs []string, byRef map[string]string) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		if n, ok := byRef[r]; ok && n != "" {
			out[i] = n
		} else {
			out[i] = r
		}
	}
	return out
}

// packageOf returns a purl without its version, qualifiers and subpath:
// the package identity of a finding.
func packageOf(purl string) string {
	if k, _, ok := cra.SplitPURL(purl); ok {
		return k.String()
	}
	return purl
}
