package cra

import (
	"sort"
	"time"
)

// CalendarEvent is a date a manufacturer must keep.
type CalendarEvent struct {
	Date      time.Time
	Kind      string // "regulation", "support-end", "risk-review"
	Title     string
	ProductID int64
	ReleaseID int64
	// Past is true when the date lies before now.
	Past bool
}

// ObligationsCalendar lists the CRA's application dates, the end of
// support of every release on the market, and each product's next risk
// review, sorted by date. Support ends and reviews that already passed are
// included (flagged Past) so that nothing overdue drops off the list.
func ObligationsCalendar(now time.Time, products []*Product, releases []*Release, assessments []*RiskAssessment) []CalendarEvent {
	events := []CalendarEvent{
		{Date: ReportingObligationsApply, Kind: "regulation", Title: "Reporting obligations apply (Art. 14, Art. 71(2))"},
		{Date: FullApplication, Kind: "regulation", Title: "The CRA applies in full (Art. 71(2))"},
	}
	names := map[int64]string{}
	for _, p := range products {
		names[p.ID] = p.Name
	}
	for _, r := range releases {
		if r.SupportEnd.IsZero() || r.Status == ReleaseWithdrawn || r.PlacedOnMarket.IsZero() {
			continue
		}
		events = append(events, CalendarEvent{Date: r.SupportEnd.LastDay(), Kind: "support-end",
			Title: "End of support: " + names[r.ProductID] + " " + r.Version, ProductID: r.ProductID, ReleaseID: r.ID})
	}
	for _, a := range assessments {
		if a.ReviewDue.IsZero() {
			continue
		}
		events = append(events, CalendarEvent{Date: a.ReviewDue.Time, Kind: "risk-review",
			Title: "Risk assessment review due: " + names[a.ProductID], ProductID: a.ProductID})
	}
	for i := range events {
		events[i].Past = events[i].Date.Before(now)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Date.Before(events[j].Date) })
	return events
}

// SupportWarnings lists what is wrong with a product's support periods at
// now: releases on the market without a support end, releases still on the
// market after their support ended while the product is not marked end of
// support, and support ends within the next six months.
func SupportWarnings(now time.Time, p *Product, releases []*Release) []string {
	var out []string
	for _, r := range releases {
		if !r.OnMarket(now) {
			continue
		}
		switch {
		case r.SupportEnd.IsZero():
			out = append(out, r.Version+" is on the market without an end of support (Art. 13(19)).")
		case !r.Supported(now) && p.Lifecycle != LifecycleEndOfSupport && p.Lifecycle != LifecycleWithdrawn:
			out = append(out, r.Version+" is past its end of support ("+r.SupportEnd.String()+"); notify users and mark the product or release accordingly (Art. 13(19)).")
		case r.Supported(now) && r.SupportEnd.LastDay().Before(now.AddDate(0, 6, 0)):
			out = append(out, r.Version+" reaches its end of support in "+r.SupportEnd.String()+".")
		}
	}
	return out
}
