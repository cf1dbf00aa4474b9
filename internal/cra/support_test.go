package cra_test

import (
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
)

func supportTestDate(t *testing.T, s string) cra.Date {
	t.Helper()
	d, err := cra.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func supportTestMonth(t *testing.T, s string) cra.YearMonth {
	t.Helper()
	m, err := cra.ParseYearMonth(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheckSupportPeriod(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, placed, end, justification string
		problem                          string // a phrase of the problem; "" when acceptable
	}{
		{"Exactly60Months", "2026-02-15", "2031-02", "", ""},
		{"Exactly60MonthsFromFirstDay", "2026-12-01", "2031-12", "", ""},
		{"Longer", "2026-02-15", "2036-01", "", ""},
		{"59Months", "2026-02-15", "2031-01", "", "at least five years, to 2031-02"},
		{"59MonthsBlankJustification", "2026-02-15", "2031-01", "  \n", "at least five years"},
		{"59MonthsJustified", "2026-02-15", "2031-01", "Expected use is two years (event hardware).", ""},
		{"SameMonthJustified", "2026-02-15", "2026-02", "Single-season product.", ""},
		{"EndBeforePlacing", "2026-02-15", "2026-01", "", "cannot end (2026-01) before"},
		{"EndBeforePlacingJustified", "2026-02-15", "2025-12", "Short use.", "cannot end (2025-12) before"},
		{"NoEnd", "2026-02-15", "", "", "Art. 13(19)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var end cra.YearMonth
			if tc.end != "" {
				end = supportTestMonth(t, tc.end)
			}
			got := cra.CheckSupportPeriod(supportTestDate(t, tc.placed), end, tc.justification)
			switch {
			case tc.problem == "" && got != "":
				t.Errorf("problem %q; want none", got)
			case tc.problem != "" && !strings.Contains(got, tc.problem):
				t.Errorf("problem %q; want one containing %q", got, tc.problem)
			}
		})
	}
	if got := cra.CheckSupportPeriod(cra.Date{}, supportTestMonth(t, "2027-01"), ""); got != "" {
		t.Errorf("no placing date: problem %q; want none", got)
	}
	if cra.MinSupportYears != 5 {
		t.Errorf("MinSupportYears = %d", cra.MinSupportYears)
	}
}

func TestSecurityUpdateRetention(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, issued, supportEnd string
		want                     time.Time
	}{
		{"TenYearsLater", "2027-03-10", "2031-12", time.Date(2037, 3, 10, 0, 0, 0, 0, time.UTC)},
		{"SupportEndLater", "2027-03-10", "2040-06", time.Date(2040, 7, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)},
		{"NoSupportEnd", "2027-03-10", "", time.Date(2037, 3, 10, 0, 0, 0, 0, time.UTC)},
		{"LeapDay", "2028-02-29", "2030-01", time.Date(2038, 3, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var end cra.YearMonth
			if tc.supportEnd != "" {
				end = supportTestMonth(t, tc.supportEnd)
			}
			if got := cra.SecurityUpdateRetention(supportTestDate(t, tc.issued), end); !got.Equal(tc.want) {
				t.Errorf("SecurityUpdateRetention = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestApplicationDates(t *testing.T) {
	t.Parallel()
	if got := cra.ReportingObligationsApply.Format(time.DateOnly); got != "2026-09-11" {
		t.Errorf("ReportingObligationsApply = %s", got)
	}
	if got := cra.FullApplication.Format(time.DateOnly); got != "2027-12-11" {
		t.Errorf("FullApplication = %s", got)
	}
}
