package cra

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// YearMonth is a calendar month, the precision the CRA asks for the end of
// a support period ("at least month and year", Art. 13(19)).
type YearMonth struct {
	Year  int
	Month time.Month
}

// ParseYearMonth parses "2031-02".
func ParseYearMonth(s string) (YearMonth, error) {
	s = strings.TrimSpace(s)
	y, m, ok := strings.Cut(s, "-")
	year, err1 := strconv.Atoi(y)
	month, err2 := strconv.Atoi(m)
	if !ok || len(y) != 4 || len(m) != 2 || err1 != nil || err2 != nil || month < 1 || month > 12 || year < 1970 || year > 2200 {
		return YearMonth{}, Errorf(EINVALID, "%q is not a month; write it as YYYY-MM, for example 2031-12.", s)
	}
	return YearMonth{Year: year, Month: time.Month(month)}, nil
}

// String formats the month as "2031-02".
func (ym YearMonth) String() string {
	if ym.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", ym.Year, int(ym.Month))
}

// IsZero reports whether the month is unset.
func (ym YearMonth) IsZero() bool { return ym.Year == 0 }

// LastDay returns the last moment of the month in UTC: support "until
// 2031-02" covers all of February 2031.
func (ym YearMonth) LastDay() time.Time {
	return time.Date(ym.Year, ym.Month+1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
}

// Before reports whether ym is an earlier month than other.
func (ym YearMonth) Before(other YearMonth) bool {
	return ym.Year < other.Year || (ym.Year == other.Year && ym.Month < other.Month)
}

// MonthOf returns the month t falls in (in UTC).
func MonthOf(t time.Time) YearMonth {
	t = t.UTC()
	return YearMonth{Year: t.Year(), Month: t.Month()}
}

// AddMonths returns the month n months later.
func (ym YearMonth) AddMonths(n int) YearMonth {
	t := time.Date(ym.Year, ym.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return MonthOf(t)
}

// Date is a calendar day (a release date, a placing-on-market date),
// stored and shown as "2026-02-01".
type Date struct {
	time.Time
}

// ParseDate parses "2026-02-01".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, Errorf(EINVALID, "%q is not a date; write it as YYYY-MM-DD, for example 2026-02-01.", s)
	}
	return Date{t}, nil
}

// String formats the day as "2026-02-01", or "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}
