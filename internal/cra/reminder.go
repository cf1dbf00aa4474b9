package cra

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reminder kinds (Reminder.Kind).
const (
	ReminderReviewOpened = "review_opened" // a reportability review awaits a decision
	ReminderDeadline     = "deadline"      // a stage's deadline is approaching
	ReminderOverdue      = "overdue"       // a stage's deadline has passed
)

// DefaultReminderOffsets are how long before a stage's deadline cyra
// reminds: 12 hours, 4 hours and 1 hour. The early warning has only 24
// hours in all, so a reminder a day ahead would come with the case itself.
var DefaultReminderOffsets = []time.Duration{12 * time.Hour, 4 * time.Hour, time.Hour}

// maxReminderOffsets bounds how many offsets ParseReminderOffsets accepts;
// more would be noise rather than reminders.
const maxReminderOffsets = 10

// ParseReminderOffsets parses a comma-separated list of Go durations before
// a deadline ("12h,4h,1h"; two days is "48h"). Each must
// be positive, at most 31 days and given once; they are returned from the
// longest to the shortest. "none" returns no offset: only review and
// overdue reminders are sent.
func ParseReminderOffsets(s string) ([]time.Duration, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, errors.New(`no reminder offsets: give a list such as "12h,4h,1h", or "none"`)
	case strings.EqualFold(s, "none"):
		return []time.Duration{}, nil
	}
	var out []time.Duration
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("reminder offsets %q: an empty item (two commas or a trailing comma)", s)
		}
		d, err := time.ParseDuration(part)
		switch {
		case err != nil:
			return nil, fmt.Errorf("reminder offset %q is not a duration (like 12h, 90m or 1h30m)", part)
		case d <= 0:
			return nil, fmt.Errorf("reminder offset %q must be positive: it is how long before a deadline to remind", part)
		case d > 31*24*time.Hour:
			return nil, fmt.Errorf("reminder offset %q is more than 31 days (744h) before a deadline", part)
		case slices.Contains(out, d):
			return nil, fmt.Errorf("reminder offset %q is given twice", part)
		}
		out = append(out, d)
	}
	if len(out) > maxReminderOffsets {
		return nil, fmt.Errorf("%d reminder offsets: at most %d", len(out), maxReminderOffsets)
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out, nil
}

// absDuration is |d|.
func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// FormatReminderOffsets is the inverse of ParseReminderOffsets: "12h,4h,1h"
// ("none" for no offset).
func FormatReminderOffsets(offsets []time.Duration) string {
	if len(offsets) == 0 {
		return "none"
	}
	parts := make([]string, len(offsets))
	for i, d := range offsets {
		parts[i] = formatOffset(d)
	}
	return strings.Join(parts, ",")
}

// formatOffset writes d compactly and stably, as reminder keys use it:
// 12h, 1h30m, 90s, 1h0m30s.
func formatOffset(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// DueReminders returns the reminders due at now. Whoever sends them records
// each key (CaseStore.MarkReminder) and sends a key once, so DueReminders
// is free to return a reminder again on every call until it stops being
// due:
//
//   - review_opened for every open review (key "review:<id>:opened");
//   - for every stage of an open case that is not submitted and whose
//     deadline is known (Case.Deadlines; a pending final report has none;
//     an intermediate report is due when the CSIRT asked for it,
//     StageReport.RequestedDueAt): a deadline reminder while now is within
//     an offset of the deadline (now ≥ due − offset and now < due; key
//     "case:<id>:<stage>:before:<offset>"), and an overdue reminder once
//     now is past it (key "case:<id>:<stage>:overdue"). <stage> is the
//     stage, "intermediate-<seq>" for an intermediate report.
//
// Decision: of the offsets whose window has begun, only the shortest is
// returned. Checked every minute, that is one reminder per offset in turn;
// but a case opened (or a server started) 3 hours before a deadline gets
// one "due in 3 hours" reminder, not also the 12-hour and 4-hour ones,
// which would arrive at once and say less. Likewise no deadline reminder
// is returned once a stage is overdue.
//
// Cases whose awareness predates the reporting obligations (Case.Retroactive)
// are reminded too, since cyra tracks them, and their text says they need
// not be reported. offsets need not be sorted.
func DueReminders(cases []*Case, reviews []Review, offsets []time.Duration, now time.Time) []Reminder {
	now = now.UTC()
	var out []Reminder
	for i := range reviews {
		if r := &reviews[i]; r.Open() {
			out = append(out, reviewReminder(r))
		}
	}
	for _, c := range cases {
		if c == nil || c.Closed() {
			continue
		}
		d := c.Deadlines()
		for _, st := range []Stage{StageEarlyWarning, StageNotification, StageFinalReport} {
			if c.Submitted(st) != nil {
				continue
			}
			sd := d.For(st)
			if sd.Due == nil {
				continue
			}
			if r, ok := stageReminder(c, st, 0, sd.Due.UTC(), sd.Rule, offsets, now); ok {
				out = append(out, r)
			}
		}
		for i := range c.Stages {
			s := &c.Stages[i]
			if s.Stage != StageIntermediate || s.Submitted() || s.RequestedDueAt == nil {
				continue
			}
			rule := "The CSIRT designated as coordinator asked for it by then (Art. 14(6))."
			if r, ok := stageReminder(c, StageIntermediate, s.Seq, s.RequestedDueAt.UTC(), rule, offsets, now); ok {
				out = append(out, r)
			}
		}
	}
	return out
}

// stageReminder returns the reminder of one stage due at now, if any.
func stageReminder(c *Case, st Stage, seq int, due time.Time, rule string, offsets []time.Duration, now time.Time) (Reminder, bool) {
	key := "case:" + strconv.FormatInt(c.ID, 10) + ":" + reminderStageKey(st, seq)
	r := Reminder{CaseID: c.ID, Stage: st, Due: &due}
	what := reminderStageName(st, seq)
	about := reminderCaseName(c)
	dueAt := due.Format(time.RFC3339)
	var lines []string
	switch {
	case now.After(due):
		r.Kind, r.Key = ReminderOverdue, key+":overdue"
		late := spellDuration(now.Sub(due))
		r.Subject = "Overdue: " + what + " of " + about
		lines = []string{
			"The " + reminderLowerFirst(what) + " of " + about + " was due at " + dueAt + ", " + late + " ago, and has not been submitted.",
			"Submit it on the single reporting platform as soon as you can, then record the submission in cyra.",
		}
	case now.Before(due):
		left := due.Sub(now)
		var before time.Duration
		for _, o := range offsets {
			if o > 0 && left <= o && (before == 0 || o < before) {
				before = o
			}
		}
		if before == 0 {
			return Reminder{}, false
		}
		r.Kind, r.Key, r.Before = ReminderDeadline, key+":before:"+formatOffset(before), before
		r.Subject = what + " due in " + spellDuration(left) + ": " + about
		lines = []string{
			"The " + reminderLowerFirst(what) + " of " + about + " is due at " + dueAt + ", in " + spellDuration(left) + ".",
			"It has not been submitted yet. Submit it on the single reporting platform, then record the submission in cyra.",
		}
	default: // exactly at the deadline: still in time, and past every offset
		return Reminder{}, false
	}
	lines = append(lines, "", "Deadline: "+rule)
	if c.Retroactive() {
		lines = append(lines, "The manufacturer became aware before the reporting obligations applied (11 September 2026), "+
			"so this case need not be reported (ENISA FAQ Q13); cyra tracks it all the same.")
	}
	r.Text = strings.Join(lines, "\n") + "\n"
	return r, true
}

// reviewReminder is the reminder of an open review.
func reviewReminder(r *Review) Reminder {
	vuln := r.VulnKey
	if vuln == "" {
		vuln = "A vulnerability"
	}
	signal := string(r.Signal)
	switch r.Signal {
	case SignalKEV:
		signal = "CISA lists it as known exploited"
	case SignalEUVDExploited:
		signal = "the EU Vulnerability Database marks it as exploited"
	}
	since := ""
	if !r.SignalAt.IsZero() {
		since = " (since " + r.SignalAt.UTC().Format(time.RFC3339) + ")"
	}
	text := vuln + " affects product #" + strconv.FormatInt(r.ProductID, 10) + " (release #" + strconv.FormatInt(r.ReleaseID, 10) + ") and " +
		signal + since + ".\n" +
		"Review #" + strconv.FormatInt(r.ID, 10) + " asks whether it is actively exploited in this product and must be reported under Art. 14. " +
		"Decide it in cyra: if it is reportable, the early warning is due within 24 hours of becoming aware.\n"
	return Reminder{
		Key:     "review:" + strconv.FormatInt(r.ID, 10) + ":opened",
		Kind:    ReminderReviewOpened,
		Review:  r.ID,
		Subject: "Reportability review: " + reminderOneLine(vuln) + " is exploited",
		Text:    text,
	}
}

// reminderStageKey names a stage in reminder keys: the stage, or
// "intermediate-<seq>".
func reminderStageKey(st Stage, seq int) string {
	if st == StageIntermediate {
		return string(st) + "-" + strconv.Itoa(seq)
	}
	return string(st)
}

// reminderStageName is the stage's label, numbered for intermediate reports.
func reminderStageName(st Stage, seq int) string {
	if st == StageIntermediate {
		return st.Label() + " " + strconv.Itoa(seq)
	}
	return st.Label()
}

// reminderCaseName names a case in a sentence: case #12 "Title" (kind).
func reminderCaseName(c *Case) string {
	s := "case #" + strconv.FormatInt(c.ID, 10)
	if t := reminderOneLine(c.Title); t != "" {
		s += " " + strconv.Quote(t)
	}
	return s + " (" + strings.ToLower(c.Kind.Label()) + ")"
}

// reminderOneLine joins s onto one line: reminders become e-mail subjects.
func reminderOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// reminderLowerFirst lower-cases the first letter of a stage label.
func reminderLowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// spellDuration writes d for people, to the minute: "3 days 4 hours",
// "2 hours 5 minutes", "45 minutes", "less than a minute".
func spellDuration(d time.Duration) string {
	d = absDuration(d).Truncate(time.Minute)
	if d < time.Minute {
		return "less than a minute"
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	unit := func(n int, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return strconv.Itoa(n) + " " + name + "s"
	}
	var parts []string
	switch {
	case days > 0:
		parts = append(parts, unit(days, "day"))
		if hours > 0 {
			parts = append(parts, unit(hours, "hour"))
		}
	case hours > 0:
		parts = append(parts, unit(hours, "hour"))
		if mins > 0 {
			parts = append(parts, unit(mins, "minute"))
		}
	default:
		parts = append(parts, unit(mins, "minute"))
	}
	return strings.Join(parts, " ")
}
