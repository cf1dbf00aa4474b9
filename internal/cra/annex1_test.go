package cra_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"cyra/internal/cra"
)

func TestAnnexIRequirements(t *testing.T) {
	t.Parallel()
	var want []string
	want = append(want, "I.1")
	for c := 'a'; c <= 'm'; c++ {
		want = append(want, "I.2."+string(c))
	}
	for i := 1; i <= 8; i++ {
		want = append(want, fmt.Sprintf("II.%d", i))
	}
	if len(cra.AnnexIRequirements) != 22 || len(want) != 22 {
		t.Fatalf("len(AnnexIRequirements) = %d; want 22", len(cra.AnnexIRequirements))
	}
	for i, r := range cra.AnnexIRequirements {
		if r.ID != want[i] {
			t.Errorf("AnnexIRequirements[%d].ID = %q; want %q", i, r.ID, want[i])
		}
		part := 1
		if strings.HasPrefix(r.ID, "II.") {
			part = 2
		}
		if r.Part != part || r.Title == "" || r.Text == "" || !strings.HasPrefix(r.Ref, "Annex I, Part ") {
			t.Errorf("%s is incomplete or in the wrong part: %+v", r.ID, r)
		}
	}
	for id, ref := range map[string]string{
		"I.1":    "Annex I, Part I, point 1",
		"I.2.a":  "Annex I, Part I, point 2(a)",
		"I.2.m":  "Annex I, Part I, point 2(m)",
		"II.1":   "Annex I, Part II, point 1",
		"II.8":   "Annex I, Part II, point 8",
		" ii.5 ": "Annex I, Part II, point 5",
	} {
		r, ok := cra.LookupRequirement(id)
		if !ok || r.Ref != ref {
			t.Errorf("LookupRequirement(%q) = %+v, %v; want ref %q", id, r, ok, ref)
		}
	}
	if r, _ := cra.LookupRequirement("i.2.a"); r.ID != "I.2.a" || r.Title != "No known exploitable vulnerabilities" {
		t.Errorf("LookupRequirement(i.2.a) = %+v", r)
	}
	if r, _ := cra.LookupRequirement("II.1"); !strings.Contains(r.Text, "covering at the very least the top-level dependencies") {
		t.Errorf("II.1 text = %q", r.Text)
	}
	for _, id := range []string{"I.2", "I.2.n", "II.9", "III.1", ""} {
		if _, ok := cra.LookupRequirement(id); ok {
			t.Errorf("LookupRequirement(%q) found a requirement", id)
		}
	}
}

func TestRequirementStatus(t *testing.T) {
	t.Parallel()
	for _, s := range cra.RequirementStatuses {
		if !s.Valid() || s.Label() == string(s) {
			t.Errorf("status %q: valid=%v label=%q", s, s.Valid(), s.Label())
		}
	}
	if cra.RequirementStatus("done").Valid() || cra.RequirementStatus("").Valid() {
		t.Error("unknown statuses are valid")
	}
	if got := cra.StatusNotApplicable.Label(); got != "Not applicable" {
		t.Errorf("label = %q", got)
	}
}

func TestRequirementStateValidate(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("é", n) } // runes, not bytes
	for _, tc := range []struct {
		name   string
		s      cra.RequirementState
		fields []string // fields with a problem; none means valid
	}{
		{"Met", cra.RequirementState{RequirementID: "I.2.a", Status: cra.StatusMet, HowMet: "SCA in CI"}, nil},
		{"EmptyStatusIsNotStarted", cra.RequirementState{RequirementID: "II.1"}, nil},
		{"LowerCaseID", cra.RequirementState{RequirementID: "i.2.g", Status: cra.StatusInProgress}, nil},
		{"NotApplicableJustified", cra.RequirementState{RequirementID: "I.2.m", Status: cra.StatusNotApplicable, Justification: "The product stores no data."}, nil},
		{"NotApplicableWithoutJustification", cra.RequirementState{RequirementID: "I.2.m", Status: cra.StatusNotApplicable, Justification: " \n "}, []string{"justification"}},
		{"NotApplicableJustificationTooLong", cra.RequirementState{RequirementID: "I.2.m", Status: cra.StatusNotApplicable, Justification: long(5001)}, []string{"justification"}},
		{"NotApplicableJustificationAtLimit", cra.RequirementState{RequirementID: "I.2.m", Status: cra.StatusNotApplicable, Justification: long(5000)}, nil},
		{"NotApplicableI1", cra.RequirementState{RequirementID: "I.1", Status: cra.StatusNotApplicable, Justification: "No risks."}, []string{"status"}},
		{"NotApplicablePartII", cra.RequirementState{RequirementID: "II.5", Status: cra.StatusNotApplicable, Justification: "We have no CVD policy."}, []string{"status"}},
		{"NotApplicablePartIIUnjustified", cra.RequirementState{RequirementID: "II.8", Status: cra.StatusNotApplicable}, []string{"justification", "status"}},
		{"UnknownStatus", cra.RequirementState{RequirementID: "II.1", Status: "done"}, []string{"status"}},
		{"UnknownRequirement", cra.RequirementState{RequirementID: "I.3", Status: cra.StatusMet}, []string{"requirement_id"}},
		{"HowMetAtLimit", cra.RequirementState{RequirementID: "II.3", Status: cra.StatusMet, HowMet: long(20000)}, nil},
		{"TextTooLong", cra.RequirementState{RequirementID: "II.3", Status: cra.StatusMet, HowMet: long(20001), TestRefs: long(20001), StandardClause: long(20001)}, []string{"how_met", "standard_clause", "test_refs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.s
			err := s.Validate()
			f := cra.ErrorFields(err)
			if got := slices.Sorted(maps.Keys(f)); !slices.Equal(got, tc.fields) {
				t.Errorf("problems = %v; want fields %v", f, tc.fields)
			}
			if len(tc.fields) > 0 && cra.ErrorCode(err) != cra.EINVALID {
				t.Errorf("code = %q; want invalid", cra.ErrorCode(err))
			}
		})
	}

	s := cra.RequirementState{RequirementID: " ii.5", Status: cra.StatusNotApplicable, Justification: "x"}
	msg := cra.ErrorFields(s.Validate())["status"]
	if !strings.Contains(msg, "Art. 13(3)-(4)") || !strings.Contains(msg, "Part I(2)") {
		t.Errorf("status problem %q does not cite Annex I Part I(2) and Art. 13(3)-(4)", msg)
	}
	if s.RequirementID != "II.5" {
		t.Errorf("Validate did not canonicalise the id: %q", s.RequirementID)
	}
}

func TestComputeReadiness(t *testing.T) {
	t.Parallel()
	na := func(id string) cra.RequirementState {
		return cra.RequirementState{RequirementID: id, Status: cra.StatusNotApplicable, Justification: "Not relevant."}
	}
	st := func(id string, s cra.RequirementStatus) cra.RequirementState {
		return cra.RequirementState{RequirementID: id, Status: s}
	}
	var allMet []cra.RequirementState
	for _, r := range cra.AnnexIRequirements {
		allMet = append(allMet, st(r.ID, cra.StatusMet))
	}
	for _, tc := range []struct {
		name   string
		states []cra.RequirementState
		want   cra.Readiness
	}{
		{"Empty", nil, cra.Readiness{Total: 22, NotStarted: 22}},
		{"AllMet", allMet, cra.Readiness{Total: 22, Met: 22, Percent: 100}},
		// 1/22 = 4.5 % rounds up to 5; 3/22 = 13.6 % rounds to 14.
		{"OneMet", []cra.RequirementState{st("I.1", cra.StatusMet)}, cra.Readiness{Total: 22, Met: 1, NotStarted: 21, Percent: 5}},
		{"MetAndNotApplicable", []cra.RequirementState{st("I.1", cra.StatusMet), na("I.2.g"), na("I.2.m"), st("II.1", cra.StatusInProgress)},
			cra.Readiness{Total: 22, Met: 1, NotApplicable: 2, InProgress: 1, NotStarted: 18, Percent: 14}},
		// 2/22 = 9.09 % rounds down to 9.
		{"UnknownIDsIgnored", []cra.RequirementState{st("I.2.a", cra.StatusMet), st("I.2.z", cra.StatusMet), st("X", cra.StatusMet), st("ii.2", cra.StatusMet)},
			cra.Readiness{Total: 22, Met: 2, NotStarted: 20, Percent: 9}},
		{"LastStateWins", []cra.RequirementState{st("I.2.a", cra.StatusMet), st("I.2.a", cra.StatusInProgress)},
			cra.Readiness{Total: 22, InProgress: 1, NotStarted: 21}},
		{"InvalidNotApplicableCountsAsNotStarted", []cra.RequirementState{na("II.1"), na("I.1"), st("I.2.b", cra.StatusNotApplicable), st("I.2.c", "done")},
			cra.Readiness{Total: 22, NotStarted: 22}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := cra.ComputeReadiness(tc.states); got != tc.want {
				t.Errorf("ComputeReadiness = %+v; want %+v", got, tc.want)
			}
		})
	}
}
