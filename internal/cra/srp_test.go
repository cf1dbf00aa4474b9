package cra_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"cyra/internal/cra"
)

// glossaryV13 is requirements §8.1 (SRP Glossary v1.3) transcribed: id,
// applies to, max length and the statuses at EW, 72h and final report.
var glossaryV13 = []struct {
	id, applies string
	max         int
	ew, n, fr   cra.FieldStatus
}{
	{"1", "both", 0, "R", "C", "C"}, {"2", "both", 255, "R", "C", "C"}, {"3", "both", 4000, "R", "C", "C"},
	{"4", "both", 0, "R", "C", "C"}, {"5", "both", 0, "R", "C", "C"}, {"6", "both", 255, "R", "C", "C"},
	{"7", "both", 255, "R", "C", "C"}, {"8", "both", 0, "O", "C", "C"}, {"9", "both", 0, "O", "C", "C"},
	{"10", "both", 0, "O", "C", "C"}, {"11", "both", 0, "O", "C", "C"}, {"12", "both", 255, "O", "C", "C"},
	{"13", "both", 0, "O", "C", "C"}, {"14", "both", 4000, "O", "C", "C"}, {"15", "both", 255, "O", "O", "C"},
	{"16", "both", 2000, "O", "O", "R"}, {"17", "both", 4000, "O", "O", "R"}, {"18", "both", 255, "NA", "O", "O"},
	{"v19", "aev", 255, "O", "C", "C"}, {"v20", "aev", 255, "O", "C", "C"}, {"v21", "aev", 4000, "O", "R", "C"},
	{"v22", "aev", 0, "O", "O", "R"}, {"v23", "aev", 2000, "O", "O", "R"}, {"v24", "aev", 4000, "O", "O", "R"},
	{"v25", "aev", 4000, "O", "O", "R"}, {"v26", "aev", 0, "R", "C", "C"}, {"v27", "aev", 100, "O", "O", "RIA"},
	{"v28", "aev", 0, "NA", "O", "NA"}, {"v29", "aev", 0, "NA", "O", "NA"}, {"v30", "aev", 800, "O", "O", "C"},
	{"i31", "si", 0, "R", "C", "C"}, {"i32", "si", 4000, "O", "R", "C"}, {"i33", "si", 4000, "O", "O", "R"},
	{"i34", "si", 4000, "O", "O", "R"}, {"i35", "si", 4000, "O", "O", "R"}, {"i36", "si", 255, "O", "O", "R"},
	{"i37", "si", 0, "R", "R", "C"}, {"i38", "si", 0, "O", "R", "O"}, {"i39", "si", 4000, "O", "R", "C"},
}

func TestFieldModelMatchesGlossary(t *testing.T) {
	t.Parallel()
	m := cra.CurrentFieldModel()
	if m.Version != "1.3" || m.Date.String() != "2026-09-10" {
		t.Errorf("model %s of %s; want 1.3 of 2026-09-10", m.Version, m.Date)
	}
	if len(m.Fields) != 39 || len(glossaryV13) != 39 {
		t.Fatalf("%d fields; want 39", len(m.Fields))
	}
	for i, want := range glossaryV13 {
		f := m.Fields[i]
		got := [3]cra.FieldStatus{f.Status.EarlyWarning, f.Status.Notification, f.Status.FinalReport}
		if f.ID != want.id || f.Applies != want.applies || f.MaxLen != want.max || got != [3]cra.FieldStatus{want.ew, want.n, want.fr} || f.Name == "" {
			t.Errorf("field %d = %s %s max %d %v; want %+v", i, f.ID, f.Applies, f.MaxLen, got, want)
		}
	}
	if m2, ok := cra.LookupFieldModel("1.3"); !ok || len(m2.Fields) != 39 {
		t.Error("LookupFieldModel(1.3) failed")
	}
	if _, ok := cra.LookupFieldModel("9.9"); ok {
		t.Error("LookupFieldModel(9.9) found a model")
	}
	if ms := cra.FieldModels(); len(ms) != 1 || ms[0].Version != "1.3" {
		t.Errorf("FieldModels = %d models", len(ms))
	}
	f5, _ := m.Field("5")
	if len(f5.Options) != 27 {
		t.Errorf("field 5 offers %d Member States; want 27", len(f5.Options))
	}
	f10, _ := m.Field("10")
	if len(f10.Options) != 26 {
		t.Errorf("field 10 offers %d categories; want the 26 of Annex III and IV", len(f10.Options))
	}
}

func TestFieldsFor(t *testing.T) {
	t.Parallel()
	m := cra.CurrentFieldModel()
	for _, tc := range []struct {
		kind  cra.CaseKind
		stage cra.Stage
		n     int
		first string
		last  string
	}{
		{cra.CaseAEV, cra.StageEarlyWarning, 27, "1", "v30"},
		{cra.CaseAEV, cra.StageNotification, 30, "1", "v30"},
		{cra.CaseAEV, cra.StageIntermediate, 30, "1", "v30"},
		{cra.CaseAEV, cra.StageFinalReport, 28, "1", "v30"},
		{cra.CaseSI, cra.StageEarlyWarning, 26, "1", "i39"},
		{cra.CaseSI, cra.StageNotification, 27, "1", "i39"},
		{cra.CaseSI, cra.StageFinalReport, 27, "1", "i39"},
	} {
		fs := m.FieldsFor(tc.kind, tc.stage)
		if len(fs) != tc.n || fs[0].ID != tc.first || fs[len(fs)-1].ID != tc.last {
			t.Errorf("%s %s: %d fields %s..%s; want %d %s..%s", tc.kind, tc.stage, len(fs), fs[0].ID, fs[len(fs)-1].ID, tc.n, tc.first, tc.last)
		}
		for _, f := range fs {
			if !f.AppliesTo(tc.kind) {
				t.Errorf("%s %s: field %s is for %s", tc.kind, tc.stage, f.ID, f.Applies)
			}
		}
	}
}

func TestFieldRequirement(t *testing.T) {
	t.Parallel()
	m := cra.CurrentFieldModel()
	for _, tc := range []struct {
		id    string
		stage cra.Stage
		want  cra.FieldStatus
	}{
		{"2", cra.StageFinalReport, cra.SRPRequired},    // R, C, C
		{"8", cra.StageFinalReport, cra.SRPOptional},    // O, C, C
		{"15", cra.StageFinalReport, cra.SRPOptional},   // O, O, C
		{"v21", cra.StageFinalReport, cra.SRPRequired},  // O, R, C
		{"v21", cra.StageIntermediate, cra.SRPRequired}, // intermediate reports use the 72h column
		{"v27", cra.StageFinalReport, cra.SRPRequiredIfAvailable},
		{"i37", cra.StageFinalReport, cra.SRPRequired},
		{"18", cra.StageEarlyWarning, cra.SRPNotApplicable},
		{"18", cra.StageNotification, cra.SRPOptional},
		{"v28", cra.StageFinalReport, cra.SRPNotApplicable},
	} {
		f, _ := m.Field(tc.id)
		if got := f.Requirement(tc.stage); got != tc.want {
			t.Errorf("%s at %s = %s; want %s", tc.id, tc.stage, got, tc.want)
		}
	}
}

func problemIDs(ps []cra.FieldProblem, code string) []string {
	var out []string
	for _, p := range ps {
		if code == "" || p.Code == code {
			out = append(out, p.Field)
		}
	}
	return out
}

func TestCheckStageRequired(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind  cra.CaseKind
		stage cra.Stage
		want  string
	}{
		{cra.CaseAEV, cra.StageEarlyWarning, "1 2 3 4 5 6 7 v26"},
		{cra.CaseAEV, cra.StageNotification, "1 2 3 4 5 6 7 v21 v26"},
		{cra.CaseAEV, cra.StageIntermediate, "1 2 3 4 5 6 7 v21 v26"},
		{cra.CaseAEV, cra.StageFinalReport, "1 2 3 4 5 6 7 16 17 v21 v22 v23 v24 v25 v26"},
		{cra.CaseSI, cra.StageEarlyWarning, "1 2 3 4 5 6 7 i31 i37"},
		{cra.CaseSI, cra.StageNotification, "1 2 3 4 5 6 7 i31 i32 i37 i38 i39"},
		{cra.CaseSI, cra.StageFinalReport, "1 2 3 4 5 6 7 16 17 i31 i32 i33 i34 i35 i36 i37 i39"},
	} {
		probs := cra.CheckStage(tc.kind, tc.stage, nil)
		if got := strings.Join(problemIDs(probs, cra.ProblemRequired), " "); got != tc.want || len(probs) != len(strings.Fields(tc.want)) {
			t.Errorf("%s %s: missing %q; want %q", tc.kind, tc.stage, got, tc.want)
		}
		for _, p := range probs {
			if p.Name == "" || p.Message == "" {
				t.Errorf("%s %s: problem %+v has no name or message", tc.kind, tc.stage, p)
			}
		}
	}
}

// completeEW is a complete AEV early warning.
func completeEW() map[string]string {
	return map[string]string{
		"1": "Vulnerability", "2": "Exploited flaw in Widget", "3": "An auth bypass is exploited.",
		"4": "Acme GmbH", "5": "DE,FR", "6": "Widget", "7": "4.0 to 4.2.1", "v26": "2026-09-14T09:15:00Z",
	}
}

func TestCheckStageValues(t *testing.T) {
	t.Parallel()
	emoji := "\U0001F600" // two UTF-16 units
	for _, tc := range []struct {
		name  string
		kind  cra.CaseKind
		stage cra.Stage
		set   map[string]string
		want  string // "id:code" of each problem, space-separated; "" none
	}{
		{"Complete", cra.CaseAEV, cra.StageEarlyWarning, nil, ""},
		{"TitleAtLimit", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": strings.Repeat("a", 255)}, ""},
		{"TitleOverLimit", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": strings.Repeat("a", 256)}, "2:too_long"},
		{"TitleEmojiCountTwice", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": strings.Repeat(emoji, 128)}, "2:too_long"},
		{"TitleEmojiAtLimit", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": strings.Repeat(emoji, 127) + "a"}, ""},
		{"CRLFCountsOnce", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": strings.Repeat("a\r\n", 100) + "b"}, ""},
		{"ActorOverLimit", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"v27": strings.Repeat("x", 101)}, "v27:too_long"},
		{"FurtherInfoOverLimit", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"v30": strings.Repeat("x", 801)}, "v30:too_long"},
		{"EnumCaseInsensitive", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"8": "important", "9": "class ii", "11": "YES"}, ""},
		{"EnumLabel", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"8": "Critical Product with Digital Elements"}, ""},
		{"EnumUnknown", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"8": "Huge"}, "8:invalid"},
		{"YesNoHasNoUnknownInV13", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"13": "Unknown"}, "13:invalid"},
		{"CategoryName", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"10": "password managers"}, ""},
		{"CategoryUnknown", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"10": "Toasters"}, "10:invalid"},
		{"MemberStatesLoose", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"5": "de; fr gr"}, ""},
		{"MemberStateOutsideEU", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"5": "DE,US"}, "5:invalid"},
		{"DateTimeOffset", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"v26": "2026-09-14T11:15:00+02:00"}, ""},
		{"DateTimeMinutes", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"v26": "2026-09-14T09:15Z"}, ""},
		{"DateTimeBad", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"v26": "yesterday"}, "v26:invalid"},
		{"DateTimeNoZone", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"v26": "2026-09-14T09:15"}, "v26:invalid"},
		{"CVEGood", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"v19": "CVE-2026-12345", "v20": "EUVD-2026-12345"}, ""},
		{"CVEBad", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"v19": "CVE-26-1", "v20": "12345"}, "v19:invalid v20:invalid"},
		{"WrongNotificationType", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"1": "Incident"}, "1:invalid"},
		{"AttackVectorNotAtEW", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"18": "network"}, "18:not_applicable"},
		{"IncidentFieldOnAEV", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"i31": "Yes"}, "i31:not_applicable"},
		{"UnknownField", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"x42": "1", "v99": "2"}, "v99:unknown x42:unknown"},
		{"EmptyValuesAreAbsent", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": "  \r\n "}, "2:required"},
		{"PECNeedsGround", cra.CaseAEV, cra.StageNotification, map[string]string{"v21": "x", "v28": "yes"}, "v29:required"},
		{"PECWithGrounds", cra.CaseAEV, cra.StageNotification, map[string]string{"v21": "x", "v28": "on", "v29": "imminent_high_risk, essential_interests"}, ""},
		{"PECGroundWithoutPEC", cra.CaseAEV, cra.StageNotification, map[string]string{"v21": "x", "v29": "essential_interests"}, "v29:invalid"},
		{"PECBadGround", cra.CaseAEV, cra.StageNotification, map[string]string{"v21": "x", "v28": "Yes", "v29": "because"}, "v29:invalid"},
		{"PECNotAtFinal", cra.CaseAEV, cra.StageFinalReport, map[string]string{"16": "a", "17": "b", "v21": "c", "v22": "2026-09-20T00:00:00Z", "v23": "d", "v24": "e", "v25": "f", "v28": "Yes"}, "v28:not_applicable"},
		{"CheckboxGarbage", cra.CaseAEV, cra.StageNotification, map[string]string{"v21": "x", "v28": "maybe"}, "v28:invalid"},
		{"ActorAvailableRequired", cra.CaseAEV, cra.StageFinalReport, map[string]string{"16": "a", "17": "b", "v21": "c", "v22": "2026-09-20T00:00:00Z", "v23": "d", "v24": "e", "v25": "f", "v27.available": "yes"}, "v27:required"},
		{"ActorAvailableGiven", cra.CaseAEV, cra.StageFinalReport, map[string]string{"16": "a", "17": "b", "v21": "c", "v22": "2026-09-20T00:00:00Z", "v23": "d", "v24": "e", "v25": "f", "v27.available": "yes", "v27": "Unknown actor"}, ""},
		{"ActorNotAvailable", cra.CaseAEV, cra.StageFinalReport, map[string]string{"16": "a", "17": "b", "v21": "c", "v22": "2026-09-20T00:00:00Z", "v23": "d", "v24": "e", "v25": "f"}, ""},
		{"MarkerOfUnknownField", cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"zz.available": "yes"}, "zz.available:unknown"},
		{"SIWithVulnFields", cra.CaseSI, cra.StageEarlyWarning, map[string]string{"1": "Incident", "v26": "", "i31": "unknown", "i37": "2026-09-14T09:15:00Z", "v24": "x"}, "v24:not_applicable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values := map[string]string{}
			if tc.stage == cra.StageEarlyWarning || tc.kind == cra.CaseAEV {
				values = completeEW()
			}
			if tc.kind == cra.CaseSI {
				delete(values, "v26")
			}
			maps.Copy(values, tc.set)
			var got []string
			for _, p := range cra.CheckStage(tc.kind, tc.stage, values) {
				got = append(got, p.Field+":"+p.Code)
				if p.Message == "" {
					t.Errorf("problem %s has no message", p.Field)
				}
			}
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("problems %q; want %q", s, tc.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	m := cra.CurrentFieldModel()
	in := map[string]string{
		"2": "  Title\r\nsecond line\r", "5": "fr, de;GR de", "8": "important", "11": "no",
		"v26": "2026-09-14T11:15:30.75+02:00", "v28": "on", "v29": "imminent_high_risk,exploited_in_no_other_member_state",
		"v27.available": "true", "15.available": "no", "14": "   ", "x": " y ",
	}
	want := map[string]string{
		"2": "Title\nsecond line", "5": "DE,EL,FR", "8": "Important", "11": "No",
		"v26": "2026-09-14T09:15:30Z", "v28": "Yes", "v29": "exploited_in_no_other_member_state,imminent_high_risk",
		"v27.available": "Yes", "x": "y",
	}
	got := m.Normalize(in)
	if !maps.Equal(got, want) {
		t.Errorf("Normalize = %v\nwant %v", got, want)
	}
	if again := m.Normalize(got); !maps.Equal(again, got) {
		t.Errorf("Normalize is not idempotent: %v", again)
	}
}

func TestCarryForward(t *testing.T) {
	t.Parallel()
	all := map[string]string{}
	for _, f := range cra.CurrentFieldModel().Fields {
		all[f.ID] = "x"
		all[cra.AvailableKey(f.ID)] = "Yes"
	}
	for _, tc := range []struct {
		name     string
		kind     cra.CaseKind
		from, to cra.Stage
		want     string
	}{
		{"AEVEarlyToNotification", cra.CaseAEV, cra.StageEarlyWarning, cra.StageNotification,
			"1 2 3 4 5 6 7 8 9 10 11 12 13 14 v19 v20 v26"},
		{"AEVNotificationToFinal", cra.CaseAEV, cra.StageNotification, cra.StageFinalReport,
			"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 v19 v20 v21 v26 v30"},
		{"AEVIntermediateToFinal", cra.CaseAEV, cra.StageIntermediate, cra.StageFinalReport,
			"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 v19 v20 v21 v26 v30"},
		{"AEVNotificationToIntermediate", cra.CaseAEV, cra.StageNotification, cra.StageIntermediate,
			"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 v19 v20 v21 v22 v23 v24 v25 v26 v27 v28 v29 v30"},
		{"SIEarlyToNotification", cra.CaseSI, cra.StageEarlyWarning, cra.StageNotification,
			"1 2 3 4 5 6 7 8 9 10 11 12 13 14 i31"},
		{"SINotificationToFinal", cra.CaseSI, cra.StageNotification, cra.StageFinalReport,
			"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 i31 i32 i37 i39"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cra.CarryForward(tc.kind, tc.from, tc.to, all)
			var ids []string
			for _, f := range cra.CurrentFieldModel().Fields {
				if _, ok := got[f.ID]; ok {
					ids = append(ids, f.ID)
				}
				if _, ok := got[cra.AvailableKey(f.ID)]; ok != slices.Contains(ids, f.ID) {
					t.Errorf("marker of %s carried %v, field carried %v", f.ID, ok, !ok)
				}
			}
			if s := strings.Join(ids, " "); s != tc.want {
				t.Errorf("carried %q\nwant    %q", s, tc.want)
			}
		})
	}
}

func TestProblemsError(t *testing.T) {
	t.Parallel()
	err := cra.ProblemsError(cra.CheckStage(cra.CaseAEV, cra.StageEarlyWarning, map[string]string{"2": strings.Repeat("a", 300)}))
	if cra.ErrorCode(err) != cra.EINVALID || !strings.Contains(cra.ErrorFields(err)["2"], "255") || cra.ErrorFields(err)["v26"] == "" {
		t.Errorf("error %v fields %v", err, cra.ErrorFields(err))
	}
	if cra.ProblemsError(nil) != nil {
		t.Error("no problems is no error")
	}
}

func TestParseFieldModelRefuses(t *testing.T) {
	t.Parallel()
	const field = `{"id":"1","name":"A","applies":"both","format":"text","status":{"ew":"R","72h":"C","final":"C"}}`
	for name, doc := range map[string]string{
		"NotJSON":         `{`,
		"NoDate":          `{"version":"1","fields":[` + field + `]}`,
		"NoFields":        `{"version":"1","date":"2026-09-10","fields":[]}`,
		"DuplicateID":     `{"version":"1","date":"2026-09-10","fields":[` + field + `,` + field + `]}`,
		"BadID":           `{"version":"1","date":"2026-09-10","fields":[{"id":"x1","name":"A","applies":"both","format":"text","status":{"ew":"R","72h":"R","final":"R"}}]}`,
		"CopiedAtEW":      `{"version":"1","date":"2026-09-10","fields":[{"id":"1","name":"A","applies":"both","format":"text","status":{"ew":"C","72h":"R","final":"R"}}]}`,
		"UnknownStatus":   `{"version":"1","date":"2026-09-10","fields":[{"id":"1","name":"A","applies":"both","format":"text","status":{"ew":"R","72h":"X","final":"R"}}]}`,
		"UnknownFormat":   `{"version":"1","date":"2026-09-10","fields":[{"id":"1","name":"A","applies":"both","format":"blob","status":{"ew":"R","72h":"R","final":"R"}}]}`,
		"EnumNoOptions":   `{"version":"1","date":"2026-09-10","fields":[{"id":"1","name":"A","applies":"both","format":"enum","status":{"ew":"R","72h":"R","final":"R"}}]}`,
		"BadApplies":      `{"version":"1","date":"2026-09-10","fields":[{"id":"1","name":"A","applies":"all","format":"text","status":{"ew":"R","72h":"R","final":"R"}}]}`,
		"BadPattern":      `{"version":"1","date":"2026-09-10","fields":[{"id":"1","name":"A","applies":"both","format":"text","pattern":"(","status":{"ew":"R","72h":"R","final":"R"}}]}`,
		"RequiredIfText":  `{"version":"1","date":"2026-09-10","fields":[` + field + `,{"id":"2","name":"B","applies":"both","format":"text","required_if":"1","status":{"ew":"O","72h":"O","final":"O"}}]}`,
		"UnknownOptsFrom": `{"version":"1","date":"2026-09-10","fields":[{"id":"1","name":"A","applies":"both","format":"enum","options_from":"planets","status":{"ew":"R","72h":"R","final":"R"}}]}`,
	} {
		if _, err := cra.ParseFieldModel([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := cra.ParseFieldModel([]byte(`{"version":"1","date":"2026-09-10","fields":[` + field + `]}`)); err != nil {
		t.Errorf("a minimal model: %v", err)
	}
}

// FuzzCheckStage feeds arbitrary values to the field checks: they must not
// panic, and normalising must be idempotent.
func FuzzCheckStage(f *testing.F) {
	f.Add(0, 0, "2", "Title", "v29", "essential_interests,x")
	f.Add(1, 3, "5", "de, gr;;", "i37", "2026-09-14T09:15Z")
	f.Add(0, 2, "v27.available", "yes", "v26", "2026-09-14T11:15:00.5+02:00")
	f.Add(0, 1, "10", "PASSWORD MANAGERS", "8", "\xff\xfe")
	f.Add(1, 1, "x", "\r\r\n", "v28", "on")
	f.Fuzz(func(t *testing.T, kind, stage int, id1, v1, id2, v2 string) {
		k := cra.CaseKinds[(kind%2+2)%2]
		s := cra.Stages[(stage%4+4)%4]
		values := map[string]string{id1: v1, id2: v2}
		m := cra.CurrentFieldModel()
		_ = m.CheckStage(k, s, values)
		_ = m.CheckFormats(k, s, values)
		_ = m.CarryForward(k, s, cra.StageFinalReport, values)
		n := m.Normalize(values)
		if again := m.Normalize(n); !maps.Equal(again, n) {
			t.Errorf("Normalize(%q) = %q, then %q", values, n, again)
		}
	})
}
