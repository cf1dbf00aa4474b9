package scanout

import (
	"fmt"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// Thresholds of --fail-on. The severities fail on a finding rated at
// least that; "kev" on a KEV-listed one; "exploited" on one that is
// KEV-listed or EUVD-exploited; "any" on any finding at all, rated or not;
// "none" never.
var Thresholds = []string{"critical", "high", "medium", "low", "kev", "exploited", "any", "none"}

// ValidFailOn checks a --fail-on threshold ("" is "none").
func ValidFailOn(threshold string) error {
	if threshold == "" || slices.Contains(Thresholds, strings.ToLower(threshold)) {
		return nil
	}
	return fmt.Errorf("--fail-on must be one of %s, not %q", strings.Join(Thresholds, ", "), threshold)
}

// FailOn reports whether any of the findings is at or above the
// threshold. A finding without a rating reaches no severity threshold:
// only "any" counts it (and "kev" or "exploited" when it is). Unknown
// thresholds never fail; check them with ValidFailOn first.
func FailOn(threshold string, findings []cra.ScanFinding) bool {
	return len(AtThreshold(threshold, findings)) > 0
}

// AtThreshold returns the findings at or above the threshold.
func AtThreshold(threshold string, findings []cra.ScanFinding) []cra.ScanFinding {
	var out []cra.ScanFinding
	t := strings.ToLower(threshold)
	min := cra.SeverityRank(t)
	for _, f := range findings {
		var hit bool
		switch t {
		case "any":
			hit = true
		case "kev":
			hit = f.KEV
		case "exploited":
			hit = f.KEV || f.Exploited
		case "critical", "high", "medium", "low":
			hit = cra.SeverityRank(f.Rating) >= min
		}
		if hit {
			out = append(out, f)
		}
	}
	return out
}
