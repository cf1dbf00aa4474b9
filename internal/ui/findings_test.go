package ui

import (
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
)

func TestExposureTrend(t *testing.T) {
	day := func(s string) cra.Date { d, _ := cra.ParseDate(s); return d }
	if got := exposureTrend(nil); got != "" {
		t.Errorf("no points: %q", got)
	}
	got := string(exposureTrend([]cra.ExposurePoint{
		{Day: day("2026-11-01"), Counts: cra.SeverityCounts{Critical: 2, High: 4}},
		{Day: day("2026-11-02"), Counts: cra.SeverityCounts{Critical: 1, High: 4, Low: 1}},
		{Day: day("2026-11-03"), Counts: cra.SeverityCounts{High: 2}},
	}))
	for _, want := range []string{
		`aria-label="Actionable findings of the releases on the market from 2026-11-01 to 2026-11-03: critical 2 → 0, high 4 → 2, medium 0 → 0, low 0 → 0."`,
		// Four is the peak: y runs from 150 (none) to 10 (four).
		`<polyline class="sev-critical" fill="none" stroke-width="2" vector-effect="non-scaling-stroke" points="0.0,80.0 300.0,115.0 600.0,150.0"/>`,
		`<polyline class="sev-high" fill="none" stroke-width="2" vector-effect="non-scaling-stroke" points="0.0,10.0 300.0,10.0 600.0,80.0"/>`,
		`points="0.0,150.0 300.0,115.0 600.0,150.0"/>`,
		`<span>2026-11-01</span><span>peak 4</span><span>2026-11-03</span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("trend lacks %s\n%s", want, got)
		}
	}
	// One day is a level line across the chart.
	one := string(exposureTrend([]cra.ExposurePoint{{Day: cra.Date{Time: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}, Counts: cra.SeverityCounts{Medium: 3}}}))
	if !strings.Contains(one, `class="sev-medium" fill="none" stroke-width="2" vector-effect="non-scaling-stroke" points="0.0,10.0 600.0,10.0"/>`) {
		t.Errorf("one day: %s", one)
	}
}
