package scanout_test

import (
	"testing"

	"cyra/internal/cra"
	"cyra/internal/scanout"
)

func TestFailOn(t *testing.T) {
	t.Parallel()
	medium := cra.ScanFinding{VulnID: "A", Rating: "MEDIUM"}
	unrated := cra.ScanFinding{VulnID: "B"}
	kev := cra.ScanFinding{VulnID: "C", Rating: "LOW", KEV: true, Exploited: true}
	euvd := cra.ScanFinding{VulnID: "D", Rating: "low", Exploited: true}
	for _, tc := range []struct {
		threshold string
		findings  []cra.ScanFinding
		want      bool
	}{
		{"critical", []cra.ScanFinding{medium}, false},
		{"high", []cra.ScanFinding{medium}, false},
		{"medium", []cra.ScanFinding{medium}, true},
		{"MEDIUM", []cra.ScanFinding{medium}, true},
		{"low", []cra.ScanFinding{medium}, true},
		{"low", []cra.ScanFinding{unrated}, false},
		{"any", []cra.ScanFinding{unrated}, true},
		{"any", nil, false},
		{"none", []cra.ScanFinding{medium, kev}, false},
		{"", []cra.ScanFinding{medium, kev}, false},
		{"kev", []cra.ScanFinding{medium, euvd}, false},
		{"kev", []cra.ScanFinding{medium, kev}, true},
		{"exploited", []cra.ScanFinding{medium, euvd}, true},
		{"exploited", []cra.ScanFinding{medium, unrated}, false},
		{"low", []cra.ScanFinding{euvd}, true},
		{"bogus", []cra.ScanFinding{medium}, false},
	} {
		if got := scanout.FailOn(tc.threshold, tc.findings); got != tc.want {
			t.Errorf("FailOn(%q, %v) = %v, want %v", tc.threshold, tc.findings, got, tc.want)
		}
	}
	for _, ok := range []string{"", "critical", "High", "kev", "exploited", "any", "none"} {
		if err := scanout.ValidFailOn(ok); err != nil {
			t.Errorf("ValidFailOn(%q): %v", ok, err)
		}
	}
	if err := scanout.ValidFailOn("severe"); err == nil {
		t.Error("ValidFailOn accepts severe")
	}
}
