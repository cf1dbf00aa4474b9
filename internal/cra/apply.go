package cra

// ApplyDocument is a declarative description of products and their
// releases (cyra apply -f products.yaml). Applying it creates what is
// missing and updates what differs; applying it twice changes nothing the
// second time. Products are matched by name, releases by version.
type ApplyDocument struct {
	Products []ApplyProduct
}

// ApplyProduct is one product of an ApplyDocument. Scope and
// Classification are optional; when given they are recorded as decisions
// unless they equal the current ones.
type ApplyProduct struct {
	Product        Product
	Scope          ScopeAnswers
	Classification *Classification
	Releases       []ApplyRelease
}

// ApplyRelease is one release of an ApplyProduct. Components name releases
// of other products by product name and version; they may refer to
// products defined in the same document.
type ApplyRelease struct {
	Release    Release
	Components []ComponentName
}

// ComponentName names a release by product name and version.
type ComponentName struct {
	Product string
	Version string
}

// ApplyChange is what applying did to one object.
type ApplyChange struct {
	Object string // "product Gateway", "release Gateway 1.0"
	Action string // "created", "updated", "unchanged"
}

// ApplyResult lists the changes, in document order.
type ApplyResult struct {
	Changes []ApplyChange
}
