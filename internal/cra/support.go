package cra

import (
	"strings"
	"time"
)

// MinSupportYears is the shortest support period the CRA allows, unless the
// product is expected to be in use for less time (Art. 13(8)).
const MinSupportYears = 5

// MinUpdateRetentionYears is how long, at least, each security update stays
// available after it is issued (Art. 13(9)).
const MinUpdateRetentionYears = 10

// Key application dates of the CRA (Art. 71(2)), at midnight UTC.
var (
	// ReportingObligationsApply is when the Art. 14 reporting obligations
	// start, for every product in scope including those placed on the
	// market earlier (Art. 69(3)).
	ReportingObligationsApply = time.Date(2026, 9, 11, 0, 0, 0, 0, time.UTC)
	// FullApplication is when the CRA applies in full: Annex I, conformity
	// assessment, CE marking and the declaration of conformity.
	FullApplication = time.Date(2027, 12, 11, 0, 0, 0, 0, time.UTC)
)

// CheckSupportPeriod returns "" when a support period ending in month end
// is acceptable for a product placed on the market on placedOnMarket, and
// otherwise a sentence saying what is wrong:
//
//   - the end must be stated, at least as month and year (Art. 13(19));
//   - it must not lie before the month of placing on the market;
//   - it must be at least five years after placing on the market (Art.
//     13(8)): a support period running to the end of the month 60 months
//     after the month of placing is enough, 59 months is not. A shorter
//     period is accepted only with a justification that the product is
//     expected to be in use for less time.
//
// A zero placedOnMarket gives "" for any stated end: there is nothing to
// measure the period from yet.
func CheckSupportPeriod(placedOnMarket Date, end YearMonth, justification string) string {
	if end.IsZero() {
		return "State the end of the support period, at least month and year (Art. 13(19))."
	}
	if placedOnMarket.IsZero() {
		return ""
	}
	placed := MonthOf(placedOnMarket.Time)
	if end.Before(placed) {
		return "The support period cannot end (" + end.String() + ") before the product is placed on the market (" + placed.String() + ")."
	}
	minEnd := placed.AddMonths(12 * MinSupportYears)
	if end.Before(minEnd) && strings.TrimSpace(justification) == "" {
		return "The support period must last at least five years, to " + minEnd.String() +
			" or later, unless the product is expected to be in use for less time; if so, justify the shorter period (Art. 13(8))."
	}
	return ""
}

// SecurityUpdateRetention returns until when a security update issued on
// issued must stay available: ten years after it was issued or to the end
// of the support period, whichever is later (Art. 13(9)). A zero supportEnd
// counts as no support period. Ten years after 29 February is 1 March, the
// later of the two candidate days.
func SecurityUpdateRetention(issued Date, supportEnd YearMonth) time.Time {
	t := issued.AddDate(MinUpdateRetentionYears, 0, 0)
	if !supportEnd.IsZero() {
		if last := supportEnd.LastDay(); last.After(t) {
			return last
		}
	}
	return t
}
