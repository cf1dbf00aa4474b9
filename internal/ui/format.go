package ui

import (
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cyra/internal/cra"
)

// productFuncs are the template functions of the product pages: date
// formats, labels, the catalogues forms offer, and small helpers.
var productFuncs = template.FuncMap{
	"fmtDate":               fmtDate,
	"fmtMonth":              fmtMonth,
	"fmtDay":                fmtDay,
	"isoDay":                func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"classLabel":            func(c cra.ProductClass) string { return c.Label() },
	"statusLabel":           func(s cra.RequirementStatus) string { return s.Label() },
	"statusBadge":           statusBadge,
	"releaseStatusLabel":    releaseStatusLabel,
	"levelBadge":            levelBadge,
	"categoriesOf":          categoriesOf,
	"productClasses":        func() []cra.ProductClass { return cra.ProductClasses },
	"scopeQuestions":        func() []cra.ScopeQuestion { return cra.ScopeQuestions },
	"operatorRoles":         func() []cra.OperatorRole { return cra.OperatorRoles },
	"licensings":            func() []cra.Licensing { return cra.Licensings },
	"lifecycles":            func() []cra.Lifecycle { return cra.Lifecycles },
	"releaseStatuses":       func() []cra.ReleaseStatus { return cra.ReleaseStatuses },
	"requirementStatuses":   func() []cra.RequirementStatus { return cra.RequirementStatuses },
	"standardsApplications": func() []cra.StandardsApplication { return cra.StandardsApplications },
	"standardsHelp":         standardsHelp,
	"requirement":           func(id string) cra.Requirement { r, _ := cra.LookupRequirement(id); return r },
	"has":                   func(list []string, s string) bool { return slices.Contains(list, s) },
	"excerpt":               excerpt,
	"ratings":               func() []int { return []int{1, 2, 3, 4, 5} },
	"likelihoodLabel":       likelihoodLabel,
	"impactLabel":           impactLabel,
	"memberStateName":       memberStateName,
	"add1":                  func(i int) int { return i + 1 },
	"fmtSize":               fmtSize,
}

// fmtSize formats a file size in bytes, KiB or MiB.
func fmtSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// dayFormat is how pages show a calendar day: unambiguous in every
// language area, unlike 03/04/2027.
const dayFormat = "2 Jan 2006"

// fmtDate formats a day, or "–" when unset.
func fmtDate(d cra.Date) string {
	if d.IsZero() {
		return "–"
	}
	return d.Format(dayFormat)
}

// fmtMonth formats a month such as the end of support, or "–" when unset.
func fmtMonth(ym cra.YearMonth) string {
	if ym.IsZero() {
		return "–"
	}
	return ym.Month.String()[:3] + " " + itoa(int64(ym.Year))
}

// fmtDay formats the day of a time, or "–" when unset.
func fmtDay(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format(dayFormat)
}

// statusBadge is the badge class of a requirement status.
func statusBadge(s cra.RequirementStatus) string {
	switch s {
	case cra.StatusMet:
		return "on"
	case cra.StatusNotApplicable:
		return "neutral"
	case cra.StatusInProgress:
		return "warn"
	}
	return "off"
}

// levelBadge is the badge class of a risk level.
func levelBadge(level string) string {
	switch level {
	case "high":
		return "off"
	case "medium":
		return "warn"
	}
	return "on"
}

func releaseStatusLabel(s cra.ReleaseStatus) string {
	switch s {
	case cra.ReleasePlanned:
		return "Planned"
	case cra.ReleaseReleased:
		return "Released"
	case cra.ReleaseWithdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// categoriesOf lists the categories of one class, in annex order.
func categoriesOf(c cra.ProductClass) []cra.Category {
	var out []cra.Category
	for _, cat := range cra.Categories {
		if cat.Class == c {
			out = append(out, cat)
		}
	}
	return out
}

// standardsHelp explains a standards-application choice, the key words
// first so that a narrow select still shows them.
func standardsHelp(s cra.StandardsApplication) string {
	const what = " (harmonised standards, common specifications or EUCC at level 'substantial' or higher)"
	switch s {
	case cra.StandardsFull:
		return "Applied in full" + what
	case cra.StandardsPartial:
		return "Applied in part" + what
	}
	return "Not applied, or none exist yet"
}

// excerpt shortens text to about n characters on a word boundary.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > n/2 {
		return string(r)[:i] + " …"
	}
	return string(r) + "…"
}

var likelihoods = []string{"", "rare", "unlikely", "possible", "likely", "almost certain"}
var impacts = []string{"", "negligible", "minor", "moderate", "major", "severe"}

func likelihoodLabel(n int) string {
	if n < 1 || n > 5 {
		return ""
	}
	return likelihoods[n]
}

func impactLabel(n int) string {
	if n < 1 || n > 5 {
		return ""
	}
	return impacts[n]
}

func memberStateName(code string) string {
	if m, ok := cra.LookupMemberState(code); ok {
		return m.Name
	}
	return code
}
