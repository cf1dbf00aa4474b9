package cra

import "time"

// The Art. 14 reporting periods. Every deadline is an absolute instant in
// UTC: a period of 24 hours is 24 hours of elapsed time, whatever a local
// clock does in between (a viewer in Europe/Berlin sees the wall time of a
// deadline move by an hour across a DST change; the instant does not move).
const (
	// EarlyWarningPeriod: early warning within 24 hours of becoming aware
	// (Art. 14(2)(a) and 14(4)(a)).
	EarlyWarningPeriod = 24 * time.Hour
	// NotificationPeriod: notification within 72 hours of becoming aware
	// (Art. 14(2)(b) and 14(4)(b)).
	NotificationPeriod = 72 * time.Hour
	// AEVFinalPeriod: the final report on an actively exploited
	// vulnerability no later than 14 days after a corrective or mitigating
	// measure is available (Art. 14(2)(c)).
	AEVFinalPeriod = 14 * 24 * time.Hour
)

// StageDeadline is when one stage of a case is due.
type StageDeadline struct {
	Stage Stage
	// Due is the deadline in UTC; nil while it cannot be computed yet
	// (PendingReason then says what it waits for).
	Due           *time.Time
	PendingReason string
	// Rule says how Due is computed, citing the article.
	Rule string
}

// DeadlineSet is the deadlines of one case's statutory stages.
// Intermediate reports have no statutory deadline: the CSIRT that asks for
// one sets it (Art. 14(6)), see StageReport.RequestedDueAt.
type DeadlineSet struct {
	Kind         CaseKind
	EarlyWarning StageDeadline
	Notification StageDeadline
	FinalReport  StageDeadline
}

// Deadlines computes the deadlines of a case of kind c whose manufacturer
// became aware at awareness. fixAvailable is when a corrective or
// mitigating measure became available (AEV only; nil while none is), and
// notificationSubmitted when the 72-hour notification was submitted (nil
// while it is not). All results are in UTC.
//
//   - Early warning: awareness + 24 h (both kinds).
//   - Notification: awareness + 72 h (both kinds).
//   - AEV final report: fixAvailable + 14 days, pending while no fix is
//     available. Decision: when the fix predates awareness by more than 11
//     days, fix + 14 days would fall before the notification deadline, or
//     even before awareness; the final report is then due at the
//     notification deadline (the later of the two). The law's clock ("no
//     later than 14 days after a corrective or mitigating measure is
//     available") cannot require a report before the manufacturer knew of
//     the exploitation, and the final report follows the notification, so
//     it cannot be due before it.
//   - SI final report: one calendar month after the notification was
//     submitted, pending until it is. When the day does not exist in the
//     next month, the last day of that month at the same time of day (31
//     January → 28 or 29 February).
func Deadlines(c CaseKind, awareness time.Time, fixAvailable *time.Time, notificationSubmitted *time.Time) DeadlineSet {
	awareness = awareness.UTC()
	ew, n, fr := "14(2)(a)", "14(2)(b)", "14(2)(c)"
	if c == CaseSI {
		ew, n, fr = "14(4)(a)", "14(4)(b)", "14(4)(c)"
	}
	ewDue := awareness.Add(EarlyWarningPeriod)
	nDue := awareness.Add(NotificationPeriod)
	d := DeadlineSet{
		Kind:         c,
		EarlyWarning: StageDeadline{Stage: StageEarlyWarning, Due: &ewDue, Rule: "24 hours after becoming aware (Art. " + ew + ")."},
		Notification: StageDeadline{Stage: StageNotification, Due: &nDue, Rule: "72 hours after becoming aware (Art. " + n + ")."},
		FinalReport:  StageDeadline{Stage: StageFinalReport},
	}
	switch c {
	case CaseAEV:
		d.FinalReport.Rule = "14 days after a corrective or mitigating measure is available (Art. " + fr + ")."
		if fixAvailable == nil {
			d.FinalReport.PendingReason = "Due 14 days after a corrective or mitigating measure is available; none is recorded yet."
			break
		}
		due := fixAvailable.UTC().Add(AEVFinalPeriod)
		if due.Before(nDue) {
			due = nDue
			d.FinalReport.Rule = "14 days after a corrective or mitigating measure is available (Art. " + fr +
				"); the measure predates awareness, so the report is due with the notification, not before it."
		}
		d.FinalReport.Due = &due
	case CaseSI:
		d.FinalReport.Rule = "One month after the notification was submitted (Art. " + fr + ")."
		if notificationSubmitted == nil {
			d.FinalReport.PendingReason = "Due one month after the notification is submitted; it has not been submitted yet."
			break
		}
		due := addCalendarMonth(*notificationSubmitted)
		d.FinalReport.Due = &due
	}
	return d
}

// addCalendarMonth returns the same day and time of day one month later in
// UTC, or the last day of the next month when that day does not exist in
// it. time.AddDate would roll 31 January over into March.
func addCalendarMonth(t time.Time) time.Time {
	t = t.UTC()
	y, m, day := t.Date()
	first := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
	if last := time.Date(y, m+2, 0, 0, 0, 0, 0, time.UTC).Day(); day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// For returns the deadline of stage. An intermediate report's is always
// pending: the CSIRT's request sets it.
func (d DeadlineSet) For(stage Stage) StageDeadline {
	switch stage {
	case StageEarlyWarning:
		return d.EarlyWarning
	case StageNotification:
		return d.Notification
	case StageFinalReport:
		return d.FinalReport
	}
	return StageDeadline{Stage: stage, Rule: "When the CSIRT designated as coordinator asks for it (Art. 14(6)).",
		PendingReason: "Due when the CSIRT asks for it."}
}

// State returns the deadline state of stage at now: StageSubmitted when
// submitted is set, StageOverdue when the stage is due and now is past the
// deadline, and "" otherwise (the stage is open; its stored draft or ready
// state applies). A stage is overdue from the first instant after its
// deadline: at the deadline itself it is still in time.
func (d DeadlineSet) State(stage Stage, now time.Time, submitted *time.Time) StageState {
	if submitted != nil {
		return StageSubmitted
	}
	if due := d.For(stage).Due; due != nil && now.After(*due) {
		return StageOverdue
	}
	return ""
}

// Late reports whether a stage submitted at submitted missed its deadline.
func (d DeadlineSet) Late(stage Stage, submitted time.Time) bool {
	due := d.For(stage).Due
	return due != nil && submitted.After(*due)
}

// LocalTime returns t as a clock in loc shows it, for display only;
// deadlines are computed and stored in UTC. A nil loc means UTC.
func LocalTime(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc)
}

// EnterpriseSize is the size category of an enterprise, as the EU defines
// micro, small and medium-sized enterprises (Commission Recommendation
// 2003/361/EC). The CRA treats micro and small enterprises differently in
// a few places, among them fines for late early warnings (Art. 64(10)(a)).
type EnterpriseSize string

// Enterprise sizes.
const (
	SizeMicro  EnterpriseSize = "micro"  // fewer than 10 staff, turnover or balance sheet ≤ €2 m
	SizeSmall  EnterpriseSize = "small"  // fewer than 50 staff, turnover or balance sheet ≤ €10 m
	SizeMedium EnterpriseSize = "medium" // fewer than 250 staff, turnover ≤ €50 m or balance sheet ≤ €43 m
	SizeLarge  EnterpriseSize = "large"
)

// SMEFineNote returns the note shown to micro and small enterprises next to
// an early-warning deadline, and "" for other sizes. It explains the
// carve-out of Art. 64(10)(a) and never changes a deadline: the early
// warning is still due within 24 hours.
func SMEFineNote(size EnterpriseSize) string {
	if size != SizeMicro && size != SizeSmall {
		return ""
	}
	return "As a " + string(size) + " enterprise you cannot be fined for missing the 24-hour early-warning deadline " +
		"(Art. 64(10)(a)). The deadline itself still applies: submit the early warning within 24 hours all the same."
}
