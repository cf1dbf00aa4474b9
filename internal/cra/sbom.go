package cra

import (
	"strings"
	"time"
)

// SBOMFormat is a software-bill-of-materials format.
type SBOMFormat string

// SBOM formats cyra reads; the first two are also the export formats.
const (
	FormatCycloneDXJSON SBOMFormat = "cyclonedx-json"
	FormatCycloneDXXML  SBOMFormat = "cyclonedx-xml"
	FormatSPDXJSON      SBOMFormat = "spdx-json"
	FormatSPDXTagValue  SBOMFormat = "spdx-tag-value"
	FormatSPDX3JSONLD   SBOMFormat = "spdx3-jsonld"
)

// SBOM is a parsed, normalised SBOM (Annex I Part II(1)): the document's
// own metadata and its components. Package sbom produces it from
// CycloneDX and SPDX documents.
type SBOM struct {
	Format      SBOMFormat
	SpecVersion string // "1.6", "2.3", "3.0"
	// SerialNumber is the document's identity (CycloneDX serialNumber,
	// SPDX documentNamespace or spdxId).
	SerialNumber string
	Created      *time.Time
	Tools        []string // "name version" of the tools that made it
	Authors      []string // people or organisations that made it
	Supplier     string
	// Subject is the component the SBOM describes (CycloneDX
	// metadata.component, SPDX DESCRIBES).
	Subject    *Component
	Components []Component
	// Dependencies are the edges of the dependency graph: Ref depends on
	// each of DependsOn (refs of components or of the subject).
	Dependencies []Dependency
	// Warnings are problems that did not stop the import (a component
	// without a purl, a purl that does not parse, a cycle in the graph).
	Warnings []string
}

// Component is one component of an SBOM, normalised across formats.
type Component struct {
	// Ref is the component's identifier within its document (CycloneDX
	// bom-ref, SPDX SPDXID); unique per document.
	Ref     string
	Type    string // library, application, framework, container, operating-system, firmware, …
	Name    string
	Group   string // CycloneDX group or Maven groupId
	Version string
	// PURL is the canonical package URL, or "" when the document gives
	// none or one that does not parse (then PURLProblem says why and the
	// original text is kept in RawPURL).
	PURL        string
	RawPURL     string
	PURLProblem string
	CPE         string
	Supplier    string
	Author      string
	Hashes      []Hash
	Licenses    []string // SPDX ids or expressions, or names
	Scope       string   // required, optional, excluded ("" unknown)
	// Direct is true when the subject depends on the component directly;
	// false when only through other components or when the document has
	// no dependency graph (see SBOM.HasGraph).
	Direct bool
	// Parent is the Ref of the component this one is nested in (CycloneDX
	// nested components), "" at top level.
	Parent string
	// DepPath names the components between the SBOM's subject and this
	// one in the dependency graph, outermost first (empty when direct);
	// nil when the graph does not reach it. Computed once at upload so
	// that findings name their path without the graph.
	DepPath []string
}

// Hash is a checksum of a component.
type Hash struct {
	Algorithm string `json:"algorithm"` // "SHA-256", "SHA-512", "SHA-1", "MD5", …
	Value     string `json:"value"`     // lower-case hex
}

// Dependency is a node of the dependency graph with its direct
// dependencies.
type Dependency struct {
	Ref       string
	DependsOn []string
}

// HasGraph reports whether the document states dependency relationships.
func (s *SBOM) HasGraph() bool { return len(s.Dependencies) > 0 }

// QualityCheck is one criterion of the SBOM quality report.
type QualityCheck struct {
	ID     string `json:"id"` // stable id, e.g. "creator", "component-hash"
	Title  string `json:"title"`
	Source string `json:"source"` // "BSI TR-03183-2 §5.2.1", "CRA Annex I Part II(1)"
	// Passed and Total count the items the check applies to (1 for a
	// document-level check, the number of components for a per-component
	// check).
	Passed int `json:"passed"`
	Total  int `json:"total"`
	Weight int `json:"weight"`
	// Examples name up to a few failing items.
	Examples []string `json:"examples,omitempty"`
}

// QualityReport grades an SBOM against BSI TR-03183-2 and the CRA. Its
// JSON form is part of the API and the CLI's output.
type QualityReport struct {
	Score  int            `json:"score"` // 0-100, weighted share of passed checks
	Checks []QualityCheck `json:"checks"`
}

// SBOMRecord is a stored SBOM of a release: its metadata, quality and the
// original document's hash (the document itself is kept as evidence).
type SBOMRecord struct {
	ID             int64
	ReleaseID      int64
	Format         SBOMFormat
	SpecVersion    string
	SerialNumber   string
	FileName       string
	SHA256         string // of the document as uploaded
	Size           int64
	Created        *time.Time
	Tools          []string
	Authors        []string
	Supplier       string
	Subject        *Component
	ComponentCount int
	Quality        QualityReport
	Warnings       []string
	UploadedBy     string
	UploadedAt     time.Time
	// Current is true for the SBOM whose components the release has now;
	// earlier uploads stay as history.
	Current bool
}

// StoredComponent is a component of a release's current SBOM.
type StoredComponent struct {
	ID        int64
	ReleaseID int64
	SBOMID    int64
	Component
}

// ComponentFilter selects a release's components.
type ComponentFilter struct {
	ReleaseID int64
	// Query matches name, group, version or purl (case-insensitive substring).
	Query         string
	DirectOnly    bool
	WithoutPURL   bool // only components that cannot be matched
	Limit, Offset int
}

// PackageKey identifies a package independent of its version: purl type,
// namespace and name.
type PackageKey struct {
	Type, Namespace, Name string
}

// ComponentHit is a release that contains a searched package.
type ComponentHit struct {
	ProductID   int64
	ProductName string
	ReleaseID   int64
	Release     string // the release's version
	// PlacedOnMarket and Status tell whether the release is on the market.
	PlacedOnMarket Date
	Status         ReleaseStatus
	Component      StoredComponent
}

// OnMarket reports whether the hit's release is on the market at now.
func (h *ComponentHit) OnMarket(now time.Time) bool {
	r := Release{PlacedOnMarket: h.PlacedOnMarket, Status: h.Status}
	return r.OnMarket(now)
}

// ComponentChange is a package present in both releases in different
// versions (or with different hashes or licences).
type ComponentChange struct {
	Key      string
	From, To Component
}

// ReleaseDiff is what changed in the components between two releases.
type ReleaseDiff struct {
	From, To *Release
	Added    []Component
	Removed  []Component
	Changed  []ComponentChange
	// Unchanged counts components present and identical in both.
	Unchanged int
}

// SBOMImport is the outcome of an upload.
type SBOMImport struct {
	SBOM     *SBOMRecord
	Replaced bool // the release had an SBOM before
}

// SplitPURL splits a canonical package URL into its package key and
// version. It does not decode: keys compare in canonical (percent-encoded)
// form, so both sides must come from the same canonicaliser.
func SplitPURL(purl string) (PackageKey, string, bool) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return PackageKey{}, "", false
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	version := ""
	if i := strings.LastIndexByte(rest, '@'); i > strings.LastIndexByte(rest, '/') {
		rest, version = rest[:i], rest[i+1:]
	}
	typ, path, ok := strings.Cut(rest, "/")
	if !ok || typ == "" || path == "" {
		return PackageKey{}, "", false
	}
	k := PackageKey{Type: strings.ToLower(typ), Name: path}
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		k.Namespace, k.Name = path[:i], path[i+1:]
	}
	if k.Name == "" {
		return PackageKey{}, "", false
	}
	return k, version, true
}

// String formats the key as a version-less purl.
func (k PackageKey) String() string {
	if k.Namespace == "" {
		return "pkg:" + k.Type + "/" + k.Name
	}
	return "pkg:" + k.Type + "/" + k.Namespace + "/" + k.Name
}
