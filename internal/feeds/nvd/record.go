package nvd

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/cvss"
)

// cveJSON is the part of a CVE API 2.0 cve object cyra reads.
type cveJSON struct {
	ID           string      `json:"id"`
	Published    string      `json:"published"`
	LastModified string      `json:"lastModified"`
	VulnStatus   string      `json:"vulnStatus"`
	Descriptions []langValue `json:"descriptions"`
	Metrics      struct {
		V40 []metric `json:"cvssMetricV40"`
		V31 []metric `json:"cvssMetricV31"`
		V30 []metric `json:"cvssMetricV30"`
		V2  []metric `json:"cvssMetricV2"`
	} `json:"metrics"`
	Weaknesses []struct {
		Source      string      `json:"source"`
		Type        string      `json:"type"`
		Description []langValue `json:"description"`
	} `json:"weaknesses"`
	Configurations []struct {
		Nodes []struct {
			CPEMatch []struct {
				Vulnerable bool   `json:"vulnerable"`
				Criteria   string `json:"criteria"`
			} `json:"cpeMatch"`
		} `json:"nodes"`
	} `json:"configurations"`
	References []struct {
		URL  string   `json:"url"`
		Tags []string `json:"tags"`
	} `json:"references"`
}

type langValue struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

// metric is one cvssMetricV* entry; v2 keeps baseSeverity outside
// cvssData, v3 and v4 inside.
type metric struct {
	Source   string `json:"source"`
	Type     string `json:"type"` // Primary or Secondary
	CVSSData struct {
		Version      string  `json:"version"`
		VectorString string  `json:"vectorString"`
		BaseScore    float64 `json:"baseScore"`
		BaseSeverity string  `json:"baseSeverity"`
	} `json:"cvssData"`
	BaseSeverity string `json:"baseSeverity"`
}

var cweRE = regexp.MustCompile(`^CWE-\d+$`)

// ParseCVE maps one cve object of a CVE API 2.0 response (the "cve" of a
// vulnerabilities[] item) to an advisory. Raw is the object compacted;
// Digest its SHA-256.
func ParseCVE(raw []byte) (cra.Advisory, error) {
	var c cveJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return cra.Advisory{}, err
	}
	id := cra.NormalizeVulnID(c.ID)
	if !cra.IsCVE(id) {
		return cra.Advisory{}, fmt.Errorf("%q is not a CVE id", c.ID)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return cra.Advisory{}, err
	}
	sum := sha256.Sum256(compact.Bytes())
	a := cra.Advisory{
		Source:    cra.SourceNVD,
		ID:        id,
		Summary:   english(c.Descriptions),
		Published: parseTime(c.Published),
		Modified:  parseTime(c.LastModified),
		Raw:       compact.Bytes(),
		Digest:    hex.EncodeToString(sum[:]),
	}
	if strings.EqualFold(c.VulnStatus, "Rejected") {
		a.Withdrawn = a.Modified
		if a.Withdrawn == nil {
			a.Withdrawn = a.Published
		}
	}
	for _, group := range [][]metric{c.Metrics.V40, c.Metrics.V31, c.Metrics.V30, c.Metrics.V2} {
		for _, m := range group {
			if sev, ok := severity(m); ok {
				a.Severity = append(a.Severity, sev)
			}
		}
	}
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			// NVD-CWE-Other and NVD-CWE-noinfo say no CWE applies.
			if v := strings.TrimSpace(d.Value); cweRE.MatchString(v) && !slices.Contains(a.CWEs, v) {
				a.CWEs = append(a.CWEs, v)
			}
		}
	}
	for _, cfg := range c.Configurations {
		for _, n := range cfg.Nodes {
			for _, m := range n.CPEMatch {
				if m.Vulnerable && m.Criteria != "" && !slices.Contains(a.CPEs, m.Criteria) {
					a.CPEs = append(a.CPEs, m.Criteria)
				}
			}
		}
	}
	for _, ref := range c.References {
		u := strings.TrimSpace(ref.URL)
		if u != "" && !slices.ContainsFunc(a.References, func(r cra.Reference) bool { return r.URL == u }) {
			a.References = append(a.References, cra.Reference{Type: strings.Join(ref.Tags, ", "), URL: u})
		}
	}
	return a, nil
}

// severity reads one metric: the vector's own score when it parses, else
// the published score and severity.
func severity(m metric) (cra.Severity, bool) {
	vector := strings.TrimSpace(m.CVSSData.VectorString)
	if vector == "" && m.CVSSData.BaseScore <= 0 {
		return cra.Severity{}, false
	}
	sev, err := cvss.Severity(vector, m.Source)
	if err == nil {
		return sev, true
	}
	version := m.CVSSData.Version
	switch {
	case strings.HasPrefix(version, "2"):
		sev.Type = "CVSS_V2"
	case strings.HasPrefix(version, "4"):
		sev.Type = "CVSS_V4"
	case strings.HasPrefix(version, "3"):
		sev.Type = "CVSS_V3"
	}
	if s := m.CVSSData.BaseScore; s > 0 && s <= 10 {
		sev.Score = s
		sev.Rating = strings.ToUpper(cmp.Or(m.CVSSData.BaseSeverity, m.BaseSeverity))
		if sev.Rating == "" {
			sev.Rating = cvss.Rating(version, s)
		}
	}
	return sev, true
}

// english returns the English description, else the first one.
func english(ds []langValue) string {
	for _, d := range ds {
		if strings.HasPrefix(strings.ToLower(d.Lang), "en") {
			return strings.TrimSpace(d.Value)
		}
	}
	if len(ds) > 0 {
		return strings.TrimSpace(ds[0].Value)
	}
	return ""
}

// parseTime reads NVD's timestamps ("2021-12-10T10:15:09.143", UTC
// without a zone) and RFC 3339; it returns nil for anything else.
func parseTime(s string) *time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}
