package cra_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the viewer zones below, whatever the machine has installed

	"cyra/internal/cra"
)

func deadlineTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func deadlinePtr(t *testing.T, s string) *time.Time {
	t.Helper()
	if s == "" {
		return nil
	}
	v := deadlineTime(t, s)
	return &v
}

func TestDeadlines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		kind      cra.CaseKind
		aware     string
		fix       string // AEV: when a measure became available; "" none
		notified  string // SI: when the notification was submitted; "" not yet
		ew, n, fr string // fr "" means pending
	}{
		// Early warning and notification, both kinds.
		{"AEVNoFixPending", cra.CaseAEV, "2026-09-14T09:15:00Z", "", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", ""},
		{"SINotNotifiedPending", cra.CaseSI, "2026-09-14T09:15:00Z", "", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", ""},
		{"AwarenessYearEnd", cra.CaseAEV, "2026-12-31T23:30:00Z", "", "", "2027-01-01T23:30:00Z", "2027-01-03T23:30:00Z", ""},
		{"AwarenessLeapDay", cra.CaseSI, "2028-02-28T12:00:00Z", "", "", "2028-02-29T12:00:00Z", "2028-03-02T12:00:00Z", ""},
		{"AwarenessNonLeapFebruary", cra.CaseSI, "2027-02-27T12:00:00Z", "", "", "2027-02-28T12:00:00Z", "2027-03-02T12:00:00Z", ""},
		{"AwarenessWithOffsetIsUTC", cra.CaseAEV, "2027-03-27T12:00:00+01:00", "", "", "2027-03-28T11:00:00Z", "2027-03-30T11:00:00Z", ""},
		{"AwarenessSubSecond", cra.CaseAEV, "2026-09-14T09:15:00.5Z", "", "", "2026-09-15T09:15:00.5Z", "2026-09-17T09:15:00.5Z", ""},
		// AEV final: 14 days after the fix, never before the notification.
		{"AEVFixAfterAwareness", cra.CaseAEV, "2026-09-14T09:15:00Z", "2026-09-20T12:00:00Z", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-10-04T12:00:00Z"},
		{"AEVFixAtAwareness", cra.CaseAEV, "2026-09-14T09:15:00Z", "2026-09-14T09:15:00Z", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-09-28T09:15:00Z"},
		{"AEVFixShortlyBeforeAwareness", cra.CaseAEV, "2026-09-14T09:15:00Z", "2026-09-10T00:00:00Z", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-09-24T00:00:00Z"},
		{"AEVFixLongBeforeAwarenessDueWithNotification", cra.CaseAEV, "2026-09-14T09:15:00Z", "2026-08-01T00:00:00Z", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-09-17T09:15:00Z"},
		{"AEVFixExactly11DaysBefore", cra.CaseAEV, "2026-09-14T09:15:00Z", "2026-09-03T09:15:00Z", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-09-17T09:15:00Z"},
		{"AEVFixOneSecondBeforeClamp", cra.CaseAEV, "2026-09-14T09:15:00Z", "2026-09-03T09:14:59Z", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-09-17T09:15:00Z"},
		{"AEVFixOneSecondAfterClamp", cra.CaseAEV, "2026-09-14T09:15:00Z", "2026-09-03T09:15:01Z", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-09-17T09:15:01Z"},
		{"AEVFixYearChange", cra.CaseAEV, "2026-12-20T08:00:00Z", "2026-12-25T10:00:00Z", "", "2026-12-21T08:00:00Z", "2026-12-23T08:00:00Z", "2027-01-08T10:00:00Z"},
		{"AEVFixLeapFebruary", cra.CaseAEV, "2028-02-18T00:00:00Z", "2028-02-20T00:00:00Z", "", "2028-02-19T00:00:00Z", "2028-02-21T00:00:00Z", "2028-03-05T00:00:00Z"},
		{"AEVFixNonLeapFebruary", cra.CaseAEV, "2027-02-18T00:00:00Z", "2027-02-20T00:00:00Z", "", "2027-02-19T00:00:00Z", "2027-02-21T00:00:00Z", "2027-03-06T00:00:00Z"},
		{"AEVFixWithOffsetIsUTC", cra.CaseAEV, "2026-09-14T09:15:00Z", "2026-09-20T23:30:00-04:00", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-10-05T03:30:00Z"},
		{"AEVNotificationTimeIgnored", cra.CaseAEV, "2026-09-14T09:15:00Z", "", "2026-09-16T09:15:00Z", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", ""},
		// SI final: one calendar month after the notification was submitted.
		{"SIMidMonth", cra.CaseSI, "2026-09-14T09:15:00Z", "", "2026-09-17T08:00:00Z", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", "2026-10-17T08:00:00Z"},
		{"SIJan31NonLeap", cra.CaseSI, "2027-01-29T10:00:00Z", "", "2027-01-31T10:00:00Z", "2027-01-30T10:00:00Z", "2027-02-01T10:00:00Z", "2027-02-28T10:00:00Z"},
		{"SIJan31Leap", cra.CaseSI, "2028-01-29T10:00:00Z", "", "2028-01-31T10:00:00Z", "2028-01-30T10:00:00Z", "2028-02-01T10:00:00Z", "2028-02-29T10:00:00Z"},
		{"SIJan30NonLeap", cra.CaseSI, "2027-01-28T10:00:00Z", "", "2027-01-30T10:00:00Z", "2027-01-29T10:00:00Z", "2027-01-31T10:00:00Z", "2027-02-28T10:00:00Z"},
		{"SIJan29Leap", cra.CaseSI, "2028-01-27T10:00:00Z", "", "2028-01-29T10:00:00Z", "2028-01-28T10:00:00Z", "2028-01-30T10:00:00Z", "2028-02-29T10:00:00Z"},
		{"SIMar31", cra.CaseSI, "2027-03-29T06:00:00Z", "", "2027-03-31T06:00:00Z", "2027-03-30T06:00:00Z", "2027-04-01T06:00:00Z", "2027-04-30T06:00:00Z"},
		{"SIMay31", cra.CaseSI, "2027-05-29T06:00:00Z", "", "2027-05-31T06:00:00Z", "2027-05-30T06:00:00Z", "2027-06-01T06:00:00Z", "2027-06-30T06:00:00Z"},
		{"SIAug31LastSecond", cra.CaseSI, "2027-08-29T23:59:59Z", "", "2027-08-31T23:59:59Z", "2027-08-30T23:59:59Z", "2027-09-01T23:59:59Z", "2027-09-30T23:59:59Z"},
		{"SIOct31", cra.CaseSI, "2027-10-29T12:00:00Z", "", "2027-10-31T12:00:00Z", "2027-10-30T12:00:00Z", "2027-11-01T12:00:00Z", "2027-11-30T12:00:00Z"},
		{"SIDec31YearChange", cra.CaseSI, "2026-12-29T12:00:00Z", "", "2026-12-31T12:00:00Z", "2026-12-30T12:00:00Z", "2027-01-01T12:00:00Z", "2027-01-31T12:00:00Z"},
		{"SIDec15YearChange", cra.CaseSI, "2026-12-13T12:00:00Z", "", "2026-12-15T12:00:00Z", "2026-12-14T12:00:00Z", "2026-12-16T12:00:00Z", "2027-01-15T12:00:00Z"},
		{"SIFeb28KeepsDay", cra.CaseSI, "2027-02-26T12:00:00Z", "", "2027-02-28T12:00:00Z", "2027-02-27T12:00:00Z", "2027-03-01T12:00:00Z", "2027-03-28T12:00:00Z"},
		{"SIFeb29Leap", cra.CaseSI, "2028-02-27T12:00:00Z", "", "2028-02-29T12:00:00Z", "2028-02-28T12:00:00Z", "2028-03-01T12:00:00Z", "2028-03-29T12:00:00Z"},
		{"SINotifiedWithOffsetMonthFromUTC", cra.CaseSI, "2027-01-30T12:00:00Z", "", "2027-01-31T23:30:00-05:00", "2027-01-31T12:00:00Z", "2027-02-02T12:00:00Z", "2027-03-01T04:30:00Z"},
		{"SINotifiedLate", cra.CaseSI, "2027-01-01T00:00:00Z", "", "2027-01-10T00:00:00Z", "2027-01-02T00:00:00Z", "2027-01-04T00:00:00Z", "2027-02-10T00:00:00Z"},
		{"SIFixIgnored", cra.CaseSI, "2026-09-14T09:15:00Z", "2026-09-15T00:00:00Z", "", "2026-09-15T09:15:00Z", "2026-09-17T09:15:00Z", ""},
		{"SIAcrossBerlinDST", cra.CaseSI, "2027-03-13T09:00:00Z", "", "2027-03-15T09:00:00Z", "2027-03-14T09:00:00Z", "2027-03-16T09:00:00Z", "2027-04-15T09:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := cra.Deadlines(tc.kind, deadlineTime(t, tc.aware), deadlinePtr(t, tc.fix), deadlinePtr(t, tc.notified))
			for _, c := range []struct {
				stage cra.Stage
				want  string
			}{{cra.StageEarlyWarning, tc.ew}, {cra.StageNotification, tc.n}, {cra.StageFinalReport, tc.fr}} {
				sd := d.For(c.stage)
				if c.want == "" {
					if sd.Due != nil || sd.PendingReason == "" {
						t.Errorf("%s: due %v, pending %q; want pending with a reason", c.stage, sd.Due, sd.PendingReason)
					}
					continue
				}
				if sd.Due == nil {
					t.Errorf("%s: pending (%s); want %s", c.stage, sd.PendingReason, c.want)
					continue
				}
				if want := deadlineTime(t, c.want); !sd.Due.Equal(want) || sd.Due.Location() != time.UTC {
					t.Errorf("%s: due %s; want %s in UTC", c.stage, sd.Due.Format(time.RFC3339Nano), c.want)
				}
				if sd.Rule == "" || !strings.Contains(sd.Rule, "Art. 14(") {
					t.Errorf("%s: rule %q does not cite the article", c.stage, sd.Rule)
				}
			}
		})
	}
}

func TestDeadlinesFixBeforeAwarenessSaysWhy(t *testing.T) {
	t.Parallel()
	aware := deadlineTime(t, "2026-09-14T09:15:00Z")
	d := cra.Deadlines(cra.CaseAEV, aware, deadlinePtr(t, "2026-08-01T00:00:00Z"), nil)
	if !strings.Contains(d.FinalReport.Rule, "predates awareness") {
		t.Errorf("rule %q does not explain the clamp", d.FinalReport.Rule)
	}
	if !d.FinalReport.Due.Equal(*d.Notification.Due) {
		t.Errorf("final due %v; want the notification deadline %v", d.FinalReport.Due, d.Notification.Due)
	}
}

// TestDeadlinesDST checks that deadlines are absolute: exactly 24 and 72
// hours of elapsed time, while the wall clock of a viewer's zone moves
// across a DST change.
func TestDeadlinesDST(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, zone, aware  string // aware as local wall time in zone
		ewLocal, nLocal    string // the deadlines on the viewer's wall clock
		ewOffset, nOffsets int    // UTC offsets in hours at the deadlines
	}{
		// CET → CEST on 2027-03-28: 12:00 the day before becomes 13:00.
		{"BerlinSpring", "Europe/Berlin", "2027-03-27T12:00:00", "2027-03-28T13:00:00", "2027-03-30T13:00:00", 2, 2},
		// CEST → CET on 2027-10-31.
		{"BerlinAutumn", "Europe/Berlin", "2027-10-30T12:00:00", "2027-10-31T11:00:00", "2027-11-02T11:00:00", 1, 1},
		// Awareness just before the Berlin spring change, EW just after it.
		{"BerlinSpringNight", "Europe/Berlin", "2027-03-27T01:30:00", "2027-03-28T01:30:00", "2027-03-30T02:30:00", 1, 2},
		// EST → EDT on 2027-03-14.
		{"NewYorkSpring", "America/New_York", "2027-03-13T12:00:00", "2027-03-14T13:00:00", "2027-03-16T13:00:00", -4, -4},
		// EDT → EST on 2027-11-07.
		{"NewYorkAutumn", "America/New_York", "2027-11-06T12:00:00", "2027-11-07T11:00:00", "2027-11-09T11:00:00", -5, -5},
		// The US changes two weeks before Europe: Berlin has no change
		// that week, so the wall time stays.
		{"BerlinViewerNoChange", "Europe/Berlin", "2027-03-10T12:00:00", "2027-03-11T12:00:00", "2027-03-13T12:00:00", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			aware, err := time.ParseInLocation("2006-01-02T15:04:05", tc.aware, loc)
			if err != nil {
				t.Fatal(err)
			}
			d := cra.Deadlines(cra.CaseAEV, aware, nil, nil)
			if got := d.EarlyWarning.Due.Sub(aware); got != 24*time.Hour {
				t.Errorf("early warning %v after awareness; want exactly 24h", got)
			}
			if got := d.Notification.Due.Sub(aware); got != 72*time.Hour {
				t.Errorf("notification %v after awareness; want exactly 72h", got)
			}
			ew, n := cra.LocalTime(*d.EarlyWarning.Due, loc), cra.LocalTime(*d.Notification.Due, loc)
			if got := ew.Format("2006-01-02T15:04:05"); got != tc.ewLocal {
				t.Errorf("early warning shows %s in %s; want %s", got, tc.zone, tc.ewLocal)
			}
			if got := n.Format("2006-01-02T15:04:05"); got != tc.nLocal {
				t.Errorf("notification shows %s in %s; want %s", got, tc.zone, tc.nLocal)
			}
			if _, off := ew.Zone(); off != tc.ewOffset*3600 {
				t.Errorf("early warning offset %d; want %dh", off, tc.ewOffset)
			}
			if _, off := n.Zone(); off != tc.nOffsets*3600 {
				t.Errorf("notification offset %d; want %dh", off, tc.nOffsets)
			}
		})
	}
}

func TestDeadlineState(t *testing.T) {
	t.Parallel()
	aware := deadlineTime(t, "2026-09-14T09:15:00Z")
	ewDue := deadlineTime(t, "2026-09-15T09:15:00Z")
	d := cra.Deadlines(cra.CaseSI, aware, nil, nil)
	submitted := deadlineTime(t, "2026-09-15T09:15:01Z")
	for _, tc := range []struct {
		name      string
		stage     cra.Stage
		now       time.Time
		submitted *time.Time
		want      cra.StageState
	}{
		{"OneNanosecondBefore", cra.StageEarlyWarning, ewDue.Add(-time.Nanosecond), nil, ""},
		{"AtTheDeadline", cra.StageEarlyWarning, ewDue, nil, ""},
		{"OneNanosecondAfter", cra.StageEarlyWarning, ewDue.Add(time.Nanosecond), nil, cra.StageOverdue},
		{"OneSecondAfter", cra.StageEarlyWarning, ewDue.Add(time.Second), nil, cra.StageOverdue},
		{"SubmittedLate", cra.StageEarlyWarning, ewDue.Add(time.Hour), &submitted, cra.StageSubmitted},
		{"NotificationOpen", cra.StageNotification, ewDue.Add(time.Second), nil, ""},
		{"NotificationAtDeadlineInOtherZone", cra.StageNotification, deadlineTime(t, "2026-09-17T11:15:00+02:00"), nil, ""},
		{"NotificationOneSecondLateInOtherZone", cra.StageNotification, deadlineTime(t, "2026-09-17T11:15:01+02:00"), nil, cra.StageOverdue},
		{"PendingFinalNeverOverdue", cra.StageFinalReport, aware.AddDate(1, 0, 0), nil, ""},
		{"IntermediateHasNoStatutoryDeadline", cra.StageIntermediate, aware.AddDate(1, 0, 0), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.State(tc.stage, tc.now, tc.submitted); got != tc.want {
				t.Errorf("State = %q; want %q", got, tc.want)
			}
		})
	}
	if !d.Late(cra.StageEarlyWarning, submitted) {
		t.Error("submitted one second after the deadline is late")
	}
	if d.Late(cra.StageEarlyWarning, ewDue) {
		t.Error("submitted at the deadline is in time")
	}
	if d.Late(cra.StageFinalReport, aware.AddDate(1, 0, 0)) {
		t.Error("a pending deadline is never missed")
	}
}

func TestLocalTimeNilIsUTC(t *testing.T) {
	t.Parallel()
	in := deadlineTime(t, "2026-09-14T11:15:00+02:00")
	if got := cra.LocalTime(in, nil); got.Location() != time.UTC || got.Hour() != 9 {
		t.Errorf("LocalTime(nil) = %v", got)
	}
}

func TestSMEFineNote(t *testing.T) {
	t.Parallel()
	for _, size := range []cra.EnterpriseSize{cra.SizeMicro, cra.SizeSmall} {
		if n := cra.SMEFineNote(size); !strings.Contains(n, "Art. 64(10)(a)") || !strings.Contains(n, "still applies") {
			t.Errorf("%s: note %q", size, n)
		}
	}
	for _, size := range []cra.EnterpriseSize{cra.SizeMedium, cra.SizeLarge, ""} {
		if n := cra.SMEFineNote(size); n != "" {
			t.Errorf("%s: note %q; want none", size, n)
		}
	}
}
