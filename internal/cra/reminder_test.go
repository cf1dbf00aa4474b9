package cra_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
)

// aware is when the manufacturer of the test cases became aware: after the
// reporting obligations apply, so the cases are not retroactive.
var aware = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)

func ptime(t time.Time) *time.Time { return &t }

// reminderCase is an open AEV case aware at aware; opts change it.
func reminderCase(opts ...func(*cra.Case)) *cra.Case {
	c := &cra.Case{ID: 1, Kind: cra.CaseAEV, ProductID: 3, Title: "Router  RCE\nin web UI", AwarenessAt: aware}
	for _, o := range opts {
		o(c)
	}
	return c
}

func submitted(st cra.Stage, seq int, at time.Time) func(*cra.Case) {
	return func(c *cra.Case) {
		c.Stages = append(c.Stages, cra.StageReport{Stage: st, Seq: seq, Status: cra.StageSubmitted, SubmittedAt: ptime(at)})
	}
}

func keys(rs []cra.Reminder) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Key)
	}
	return out
}

func TestDueReminders(t *testing.T) {
	t.Parallel()
	ewDue := aware.Add(cra.EarlyWarningPeriod)
	nDue := aware.Add(cra.NotificationPeriod)
	fix := aware.Add(5 * 24 * time.Hour)
	frDue := fix.Add(cra.AEVFinalPeriod)
	openReview := cra.Review{ID: 7, ProductID: 3, ReleaseID: 4, VulnKey: "CVE-2026-1234", Signal: cra.SignalKEV, OpenedAt: aware}
	decided := cra.Review{ID: 8, ProductID: 3, VulnKey: "CVE-2026-9999", Signal: cra.SignalKEV, Decision: cra.ReviewNotReportable, DecidedAt: ptime(aware)}
	tests := []struct {
		name    string
		cases   []*cra.Case
		reviews []cra.Review
		offsets []time.Duration
		now     time.Time
		want    []string
	}{
		{name: "before the first offset, none", cases: []*cra.Case{reminderCase()}, now: ewDue.Add(-13 * time.Hour), want: []string{}},
		{name: "at the first offset", cases: []*cra.Case{reminderCase()}, now: ewDue.Add(-12 * time.Hour),
			want: []string{"case:1:early_warning:before:12h"}},
		{name: "between offsets", cases: []*cra.Case{reminderCase()}, now: ewDue.Add(-5 * time.Hour),
			want: []string{"case:1:early_warning:before:12h"}},
		{name: "several offsets passed, only the shortest", cases: []*cra.Case{reminderCase()}, now: ewDue.Add(-30 * time.Minute),
			want: []string{"case:1:early_warning:before:1h"}},
		{name: "exactly at the deadline, neither reminded nor overdue", cases: []*cra.Case{reminderCase()}, now: ewDue, want: []string{}},
		{name: "overdue from the first instant after", cases: []*cra.Case{reminderCase()}, now: ewDue.Add(time.Second),
			want: []string{"case:1:early_warning:overdue"}},
		{name: "one stage overdue, the next approaching", cases: []*cra.Case{reminderCase()}, now: nDue.Add(-3 * time.Hour),
			want: []string{"case:1:early_warning:overdue", "case:1:notification:before:4h"}},
		{name: "submitted stage, none", cases: []*cra.Case{reminderCase(submitted(cra.StageEarlyWarning, 0, aware.Add(time.Hour)))},
			now: ewDue.Add(time.Hour), want: []string{}},
		{name: "pending AEV final report, none",
			cases: []*cra.Case{reminderCase(submitted(cra.StageEarlyWarning, 0, aware.Add(time.Hour)), submitted(cra.StageNotification, 0, aware.Add(2*time.Hour)))},
			now:   aware.Add(60 * 24 * time.Hour), want: []string{}},
		{name: "AEV final report after a fix",
			cases: []*cra.Case{reminderCase(submitted(cra.StageEarlyWarning, 0, aware.Add(time.Hour)), submitted(cra.StageNotification, 0, aware.Add(2*time.Hour)),
				func(c *cra.Case) { c.FixAvailableAt = ptime(fix) })},
			now: frDue.Add(-2 * time.Hour), want: []string{"case:1:final_report:before:4h"}},
		{name: "SI final report one month after the notification",
			cases: []*cra.Case{reminderCase(func(c *cra.Case) { c.Kind = cra.CaseSI },
				submitted(cra.StageEarlyWarning, 0, aware.Add(time.Hour)), submitted(cra.StageNotification, 0, time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)))},
			now: time.Date(2026, 11, 3, 9, 0, 1, 0, time.UTC), want: []string{"case:1:final_report:overdue"}},
		{name: "closed case, none", cases: []*cra.Case{reminderCase(func(c *cra.Case) { c.ClosedAt = ptime(aware.Add(time.Hour)) })},
			now: ewDue.Add(time.Hour), want: []string{}},
		{name: "submitted final report closes the case",
			cases: []*cra.Case{reminderCase(func(c *cra.Case) { c.FixAvailableAt = ptime(aware) }, submitted(cra.StageFinalReport, 0, aware.Add(time.Hour)))},
			now:   nDue.Add(time.Hour), want: []string{}},
		{name: "open review", reviews: []cra.Review{openReview}, now: aware, want: []string{"review:7:opened"}},
		{name: "decided review, none", reviews: []cra.Review{decided}, now: aware, want: []string{}},
		{name: "intermediate report the CSIRT asked for",
			cases: []*cra.Case{reminderCase(submitted(cra.StageEarlyWarning, 0, aware.Add(time.Hour)), submitted(cra.StageNotification, 0, aware.Add(2*time.Hour)),
				submitted(cra.StageIntermediate, 1, aware.Add(3*time.Hour)),
				func(c *cra.Case) {
					c.Stages = append(c.Stages,
						cra.StageReport{Stage: cra.StageIntermediate, Seq: 2, Status: cra.StageDraft, RequestedDueAt: ptime(aware.Add(10 * 24 * time.Hour))},
						cra.StageReport{Stage: cra.StageIntermediate, Seq: 3, Status: cra.StageDraft})
				})},
			now: aware.Add(10*24*time.Hour - 45*time.Minute), want: []string{"case:1:intermediate-2:before:1h"}},
		{name: "no offsets, only overdue", cases: []*cra.Case{reminderCase()}, offsets: []time.Duration{}, now: nDue.Add(-time.Minute),
			want: []string{"case:1:early_warning:overdue"}},
		{name: "unsorted custom offsets", cases: []*cra.Case{reminderCase()}, offsets: []time.Duration{30 * time.Minute, 90 * time.Minute, 24 * time.Hour},
			now: ewDue.Add(-time.Hour), want: []string{"case:1:early_warning:before:1h30m"}},
		{name: "reviews first, then cases in order",
			cases:   []*cra.Case{reminderCase(), reminderCase(func(c *cra.Case) { c.ID = 2 }), nil},
			reviews: []cra.Review{decided, openReview}, now: ewDue.Add(time.Minute),
			want: []string{"review:7:opened", "case:1:early_warning:overdue", "case:2:early_warning:overdue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			offsets := tt.offsets
			if offsets == nil {
				offsets = cra.DefaultReminderOffsets
			}
			got := cra.DueReminders(tt.cases, tt.reviews, offsets, tt.now)
			if !slices.Equal(keys(got), tt.want) {
				t.Errorf("keys = %q, want %q", keys(got), tt.want)
			}
		})
	}
}

func TestDueRemindersContent(t *testing.T) {
	t.Parallel()
	ewDue := aware.Add(cra.EarlyWarningPeriod)
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		got := cra.DueReminders([]*cra.Case{reminderCase()}, nil, cra.DefaultReminderOffsets, ewDue.Add(-(3*time.Hour + 59*time.Minute + 30*time.Second)))
		if len(got) != 1 {
			t.Fatalf("got %d reminders, want 1", len(got))
		}
		r := got[0]
		if r.Kind != cra.ReminderDeadline || r.CaseID != 1 || r.Stage != cra.StageEarlyWarning || r.Before != 4*time.Hour ||
			r.Due == nil || !r.Due.Equal(ewDue) || r.Review != 0 {
			t.Errorf("reminder = %+v", r)
		}
		wantSubject := `Early warning due in 3 hours 59 minutes: case #1 "Router RCE in web UI" (actively exploited vulnerability)`
		if r.Subject != wantSubject {
			t.Errorf("Subject = %q, want %q", r.Subject, wantSubject)
		}
		for _, want := range []string{"early warning of case #1", "due at 2026-10-02T09:00:00Z, in 3 hours 59 minutes", "Art. 14(2)(a)"} {
			if !strings.Contains(r.Text, want) {
				t.Errorf("Text lacks %q:\n%s", want, r.Text)
			}
		}
		if strings.Contains(r.Text, "need not be reported") {
			t.Errorf("a case after 11 September 2026 is called retroactive:\n%s", r.Text)
		}
	})
	t.Run("overdue", func(t *testing.T) {
		t.Parallel()
		got := cra.DueReminders([]*cra.Case{reminderCase()}, nil, cra.DefaultReminderOffsets, ewDue.Add(26*time.Hour+5*time.Minute))
		if len(got) != 1 || got[0].Kind != cra.ReminderOverdue || got[0].Before != 0 {
			t.Fatalf("got %+v", got)
		}
		if want := "was due at 2026-10-02T09:00:00Z, 1 day 2 hours ago"; !strings.Contains(got[0].Text, want) {
			t.Errorf("Text lacks %q:\n%s", want, got[0].Text)
		}
		if !strings.HasPrefix(got[0].Subject, "Overdue: Early warning of case #1") {
			t.Errorf("Subject = %q", got[0].Subject)
		}
	})
	t.Run("retroactive", func(t *testing.T) {
		t.Parallel()
		c := reminderCase(func(c *cra.Case) { c.AwarenessAt = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC) })
		got := cra.DueReminders([]*cra.Case{c}, nil, nil, time.Date(2026, 8, 5, 0, 0, 0, 0, time.UTC))
		if len(got) != 2 || !strings.Contains(got[0].Text, "need not be reported") {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("review", func(t *testing.T) {
		t.Parallel()
		rv := cra.Review{ID: 7, ProductID: 3, ReleaseID: 4, VulnKey: "CVE-2026-1234", Signal: cra.SignalKEV,
			SignalAt: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC), OpenedAt: aware}
		got := cra.DueReminders(nil, []cra.Review{rv}, nil, aware)
		if len(got) != 1 {
			t.Fatalf("got %d reminders", len(got))
		}
		r := got[0]
		if r.Kind != cra.ReminderReviewOpened || r.Review != 7 || r.CaseID != 0 || r.Due != nil || r.Stage != "" {
			t.Errorf("reminder = %+v", r)
		}
		if r.Subject != "Reportability review: CVE-2026-1234 is exploited" {
			t.Errorf("Subject = %q", r.Subject)
		}
		for _, want := range []string{"CVE-2026-1234 affects product #3 (release #4)", "CISA lists it as known exploited (since 2026-09-30T00:00:00Z)", "Review #7"} {
			if !strings.Contains(r.Text, want) {
				t.Errorf("Text lacks %q:\n%s", want, r.Text)
			}
		}
	})
}

func TestParseReminderOffsets(t *testing.T) {
	t.Parallel()
	ok := []struct {
		in   string
		want []time.Duration
	}{
		{"12h,4h,1h", cra.DefaultReminderOffsets},
		{" 1h , 30m ", []time.Duration{time.Hour, 30 * time.Minute}},
		{"1h,48h,1h30m", []time.Duration{48 * time.Hour, 90 * time.Minute, time.Hour}},
		{"none", []time.Duration{}},
		{"NONE", []time.Duration{}},
	}
	for _, tt := range ok {
		got, err := cra.ParseReminderOffsets(tt.in)
		if err != nil || !slices.Equal(got, tt.want) || got == nil {
			t.Errorf("ParseReminderOffsets(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{"", "no reminder offsets"},
		{"12h,,1h", "empty item"},
		{"12h,", "empty item"},
		{"2d", `"2d" is not a duration`},
		{"-1h", `"-1h" must be positive`},
		{"0s", `"0s" must be positive`},
		{"800h", "more than 31 days"},
		{"1h,60m", `"60m" is given twice`},
		{"1h,2h,3h,4h,5h,6h,7h,8h,9h,10h,11h", "at most 10"},
	}
	for _, tt := range bad {
		_, err := cra.ParseReminderOffsets(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseReminderOffsets(%q) error = %v, want it to say %q", tt.in, err, tt.want)
		}
	}
}

func TestFormatReminderOffsets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   []time.Duration
		want string
	}{
		{cra.DefaultReminderOffsets, "12h,4h,1h"},
		{[]time.Duration{90 * time.Minute, 90 * time.Second, time.Hour + 30*time.Second}, "1h30m,1m30s,1h0m30s"},
		{nil, "none"},
	} {
		got := cra.FormatReminderOffsets(tt.in)
		if got != tt.want {
			t.Errorf("FormatReminderOffsets(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := cra.ParseReminderOffsets(got)
		if err != nil || len(back) != len(tt.in) {
			t.Errorf("ParseReminderOffsets(%q) = %v, %v", got, back, err)
		}
	}
}
