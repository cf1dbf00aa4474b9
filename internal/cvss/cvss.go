// Package cvss turns CVSS vectors (v2.0, v3.0, v3.1, v4.0) into base
// scores and ratings. It wraps github.com/pandatix/go-cvss, a maintained
// implementation of all four specifications, so that no other package
// depends on it directly.
package cvss

import (
	"fmt"
	"math"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"cyra/internal/cra"
)

// Score is a parsed vector's version, base score and rating.
type Score struct {
	Version string  // "2.0", "3.0", "3.1", "4.0"
	Base    float64 // 0–10, one decimal
	Rating  string  // NONE, LOW, MEDIUM, HIGH, CRITICAL
}

// Parse scores a CVSS vector. A v3/v4 vector carries its version prefix
// ("CVSS:3.1/…"); a vector without one is read as v2.0, which has none.
func Parse(vector string) (Score, error) {
	v := strings.TrimSpace(vector)
	var s Score
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(v)
		if err != nil {
			return s, fmt.Errorf("CVSS v4.0 vector %q: %w", vector, err)
		}
		s = Score{Version: "4.0", Base: c.Score()}
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(v)
		if err != nil {
			return s, fmt.Errorf("CVSS v3.1 vector %q: %w", vector, err)
		}
		s = Score{Version: "3.1", Base: c.BaseScore()}
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(v)
		if err != nil {
			return s, fmt.Errorf("CVSS v3.0 vector %q: %w", vector, err)
		}
		s = Score{Version: "3.0", Base: c.BaseScore()}
	case strings.HasPrefix(v, "CVSS:"):
		return s, fmt.Errorf("CVSS vector %q: unsupported version", vector)
	default:
		c, err := gocvss20.ParseVector(strings.TrimSuffix(strings.TrimPrefix(v, "("), ")"))
		if err != nil {
			return s, fmt.Errorf("CVSS v2.0 vector %q: %w", vector, err)
		}
		s = Score{Version: "2.0", Base: c.BaseScore()}
	}
	s.Base = math.Round(s.Base*10) / 10
	s.Rating = Rating(s.Version, s.Base)
	return s, nil
}

// Rating is the qualitative rating of a base score. v2.0 has no "NONE" or
// "CRITICAL" in its specification, but NVD's convention (LOW < 4, MEDIUM
// < 7, HIGH otherwise) is what users expect.
func Rating(version string, base float64) string {
	if version == "2.0" {
		switch {
		case base < 4:
			return "LOW"
		case base < 7:
			return "MEDIUM"
		}
		return "HIGH"
	}
	return cra.SeverityRating(base)
}

// TypeOf returns the OSV severity type of a vector: CVSS_V2, CVSS_V3 or
// CVSS_V4.
func TypeOf(vector string) string {
	switch {
	case strings.HasPrefix(vector, "CVSS:4"):
		return "CVSS_V4"
	case strings.HasPrefix(vector, "CVSS:3"):
		return "CVSS_V3"
	}
	return "CVSS_V2"
}

// Severity returns the cra.Severity of a vector from source; an
// unparseable vector is kept with score 0 so nothing published is lost.
func Severity(vector, source string) (cra.Severity, error) {
	sc, err := Parse(vector)
	sev := cra.Severity{Type: TypeOf(vector), Vector: strings.TrimSpace(vector), Source: source}
	if err != nil {
		return sev, err
	}
	sev.Score, sev.Rating = sc.Base, sc.Rating
	return sev, nil
}
