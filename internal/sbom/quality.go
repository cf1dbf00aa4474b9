package sbom

import (
	"math"
	"slices"

	"cyra/internal/cra"
)

// maxExamples bounds the failing items a check names.
const maxExamples = 5

// Quality check ids, stable for API clients and thresholds.
const (
	CheckCreator         = "creator"                // the SBOM names its creator (author or tool)
	CheckTimestamp       = "timestamp"              // the SBOM states its creation time
	CheckSubject         = "subject"                // the SBOM names its subject with name and version
	CheckDependencies    = "dependencies"           // the SBOM states dependency relationships
	CheckTopLevel        = "top-level-dependencies" // the SBOM states the subject's direct dependencies
	CheckComponentName   = "component-name"         // every component has a name
	CheckVersion         = "component-version"      // every component has a version
	CheckComponentAuthor = "component-creator"      // every component names its supplier or author
	CheckIdentifier      = "component-identifier"   // every component has a valid purl or a CPE
	CheckHash            = "component-hash"         // every component has a SHA-256 or stronger hash
	CheckLicence         = "component-licence"      // every component states its licence
)

// strongHashes are the algorithms the hash check accepts: SHA-256 or
// stronger.
var strongHashes = []string{"SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512", "BLAKE2b-256", "BLAKE2b-384", "BLAKE2b-512", "BLAKE3"}

// Check grades an SBOM against the data fields BSI TR-03183-2 (v2.0)
// requires and what the CRA (Annex I Part II(1)) asks of an SBOM. Five
// document checks (creator, timestamp, subject, dependency relationships,
// top-level dependencies) and six per-component checks (name, version,
// creator, unique identifier, hash, licence) each count passed items,
// carry a weight and name up to five failing components. Score is the
// weighted mean of the pass ratios, 0–100, rounded; checks that apply to
// nothing (per-component checks of an SBOM without components) are left
// out of it, so such an SBOM is graded on its document checks alone.
func Check(s *cra.SBOM) cra.QualityReport {
	if s == nil {
		s = &cra.SBOM{}
	}
	doc := func(id, title, source string, weight int, ok bool) cra.QualityCheck {
		c := cra.QualityCheck{ID: id, Title: title, Source: source, Weight: weight, Total: 1}
		if ok {
			c.Passed = 1
		}
		return c
	}
	sub := s.Subject
	subjectOK := sub != nil && sub.Name != "" && sub.Version != ""
	topLevel := false
	if sub != nil && sub.Ref != "" {
		for _, d := range s.Dependencies {
			if d.Ref == sub.Ref {
				topLevel = len(d.DependsOn) > 0 || len(s.Components) == 0
			}
		}
	}
	checks := []cra.QualityCheck{
		doc(CheckCreator, "The SBOM names its creator (an author or the tool that made it)",
			"BSI TR-03183-2 §5.2.1 (creator of the SBOM; the TR asks for an e-mail address or URL, cyra accepts a name)", 5,
			len(s.Authors) > 0 || len(s.Tools) > 0),
		doc(CheckTimestamp, "The SBOM states when it was created",
			"BSI TR-03183-2 §5.2.1 (timestamp)", 5, s.Created != nil),
		doc(CheckSubject, "The SBOM names its subject, the product component, with name and version",
			"CRA Annex I Part II(1); BSI TR-03183-2 §3.1 (the primary component)", 10, subjectOK),
		doc(CheckDependencies, "The SBOM states dependency relationships",
			"BSI TR-03183-2 §5.2.2 (dependencies on other components)", 10, s.HasGraph()),
		doc(CheckTopLevel, "The SBOM states the subject's top-level (direct) dependencies",
			`CRA Annex I Part II(1) ("at the very least the top-level dependencies")`, 15, topLevel),
	}
	perComponent := []struct {
		id, title, source string
		weight            int
		ok                func(c *cra.Component) bool
	}{
		{CheckComponentName, "Every component has a name", "BSI TR-03183-2 §5.2.2 (component name)", 10,
			func(c *cra.Component) bool { return c.Name != "" }},
		{CheckVersion, "Every component has a version", "BSI TR-03183-2 §5.2.2 (component version)", 10,
			func(c *cra.Component) bool { return c.Version != "" }},
		{CheckComponentAuthor, "Every component names its creator (supplier or author)",
			"BSI TR-03183-2 §5.2.2 (component creator; the TR asks for an e-mail address or URL, cyra accepts a name)", 5,
			func(c *cra.Component) bool { return c.Supplier != "" || c.Author != "" }},
		{CheckIdentifier, "Every component has a unique identifier (a valid purl or a CPE)",
			"BSI TR-03183-2 §5.2.4 (other unique identifiers: CPE, purl; cyra cannot yet count SWID tags)", 15,
			func(c *cra.Component) bool { return c.PURL != "" || c.CPE != "" }},
		{CheckHash, "Every component has a hash of SHA-256 or stronger",
			"BSI TR-03183-2 §5.2.2 (hash value; the TR asks for SHA-512 of the deployable component, cyra accepts any SHA-256 or stronger, a simplification)", 5,
			func(c *cra.Component) bool {
				return slices.ContainsFunc(c.Hashes, func(h cra.Hash) bool { return slices.Contains(strongHashes, h.Algorithm) })
			}},
		{CheckLicence, "Every component states its licence", "BSI TR-03183-2 §5.2.2 (distribution licences)", 10,
			func(c *cra.Component) bool { return len(c.Licenses) > 0 }},
	}
	for _, pc := range perComponent {
		c := cra.QualityCheck{ID: pc.id, Title: pc.title, Source: pc.source, Weight: pc.weight, Total: len(s.Components)}
		for i := range s.Components {
			comp := &s.Components[i]
			if pc.ok(comp) {
				c.Passed++
			} else if len(c.Examples) < maxExamples {
				c.Examples = append(c.Examples, componentLabel(comp))
			}
		}
		checks = append(checks, c)
	}
	var sum, weights float64
	for _, c := range checks {
		if c.Total == 0 {
			continue
		}
		sum += float64(c.Weight) * float64(c.Passed) / float64(c.Total)
		weights += float64(c.Weight)
	}
	score := 0
	if weights > 0 {
		score = int(math.Round(100 * sum / weights))
	}
	return cra.QualityReport{Score: score, Checks: checks}
}

// componentLabel names a component in examples: "lodash@4.17.21", the
// name alone, or the ref when there is no name.
func componentLabel(c *cra.Component) string {
	switch {
	case c.Name != "" && c.Version != "":
		return c.Name + "@" + c.Version
	case c.Name != "":
		return c.Name
	}
	return c.Ref
}
