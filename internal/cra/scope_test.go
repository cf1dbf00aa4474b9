package cra_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"cyra/internal/cra"
)

// scopeTestInScopeAnswers answers every question the way that keeps the product in
// scope.
func scopeTestInScopeAnswers() cra.ScopeAnswers {
	a := cra.ScopeAnswers{}
	for _, q := range cra.ScopeQuestions {
		a[q.ID] = !q.Excludes
	}
	return a
}

func TestScopeQuestions(t *testing.T) {
	t.Parallel()
	wantArticles := []string{"Art. 2(1)", "Art. 2(2)(a)", "Art. 2(2)(b)", "Art. 2(2)(c)", "Art. 2(3)", "Art. 2(4)",
		"Art. 2(6)", "Art. 2(7)", "Art. 3(1)-(2), Recitals 11-12", "Art. 3(22) and (48), Recitals 15-20"}
	var got []string
	seen := map[string]bool{}
	snake := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	for _, q := range cra.ScopeQuestions {
		got = append(got, q.Article)
		if seen[q.ID] || !snake.MatchString(q.ID) {
			t.Errorf("question id %q is repeated or not snake_case", q.ID)
		}
		seen[q.ID] = true
		if !strings.HasSuffix(q.Text, "?") || q.Help == "" || q.Reason == "" {
			t.Errorf("question %s is incomplete: %+v", q.ID, q)
		}
	}
	if !slices.Equal(got, wantArticles) {
		t.Errorf("articles = %q; want %q", got, wantArticles)
	}
	// Only the data-connection question excludes on "no".
	if cra.ScopeQuestions[0].Excludes {
		t.Error("the data-connection question must exclude on no")
	}
	for _, q := range cra.ScopeQuestions[1:] {
		if !q.Excludes {
			t.Errorf("%s must exclude on yes", q.ID)
		}
	}
	// The commercial-activity help lists the signs from the recitals.
	help := cra.ScopeQuestions[len(cra.ScopeQuestions)-1].Help
	for _, sign := range []string{"price", "technical support beyond cost recovery", "monetise", "personal data", "donations that exceed costs"} {
		if !strings.Contains(help, sign) {
			t.Errorf("FOSS help does not mention %q", sign)
		}
	}
}

func TestEvaluateScopeInScope(t *testing.T) {
	t.Parallel()
	r, err := cra.EvaluateScope(scopeTestInScopeAnswers())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete || !r.InScope || len(r.Excluded) != 0 || len(r.Unanswered) != 0 {
		t.Errorf("result = %+v; want complete and in scope", r)
	}
	if r.Summary != "In scope of the CRA (Art. 2(1))." {
		t.Errorf("summary = %q", r.Summary)
	}
}

func TestEvaluateScopeEachExclusion(t *testing.T) {
	t.Parallel()
	for _, q := range cra.ScopeQuestions {
		t.Run(q.ID, func(t *testing.T) {
			t.Parallel()
			a := scopeTestInScopeAnswers()
			a[q.ID] = q.Excludes
			r, err := cra.EvaluateScope(a)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Complete || r.InScope {
				t.Errorf("complete=%v inScope=%v; want complete and excluded", r.Complete, r.InScope)
			}
			if len(r.Excluded) != 1 || r.Excluded[0].ID != q.ID {
				t.Fatalf("excluded = %+v; want only %s", r.Excluded, q.ID)
			}
			want := "Excluded because " + q.Reason + " (" + q.Article + ")."
			if r.Summary != want {
				t.Errorf("summary = %q; want %q", r.Summary, want)
			}
		})
	}
}

func TestEvaluateScopeSeveralExclusions(t *testing.T) {
	t.Parallel()
	a := scopeTestInScopeAnswers()
	a["data_connection"] = false
	a["national_security"] = true
	a["medical_device"] = true
	r, err := cra.EvaluateScope(a)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range r.Excluded {
		ids = append(ids, q.ID)
	}
	// Questionnaire order, the first being the main reason.
	if want := []string{"data_connection", "medical_device", "national_security"}; !slices.Equal(ids, want) {
		t.Errorf("excluded = %v; want %v", ids, want)
	}
	if r.InScope || !strings.Contains(r.Summary, "(Art. 2(1))") {
		t.Errorf("inScope=%v summary=%q; want excluded for the main reason, Art. 2(1)", r.InScope, r.Summary)
	}
}

func TestEvaluateScopeIncomplete(t *testing.T) {
	t.Parallel()
	a := scopeTestInScopeAnswers()
	delete(a, "spare_part")
	delete(a, "medical_device")
	a["pure_service"] = true // an exclusion is reported, but the result stays incomplete
	r, err := cra.EvaluateScope(a)
	if err != nil {
		t.Fatal(err)
	}
	if r.Complete || r.InScope {
		t.Errorf("complete=%v inScope=%v; want neither", r.Complete, r.InScope)
	}
	if want := []string{"medical_device", "spare_part"}; !slices.Equal(r.Unanswered, want) {
		t.Errorf("unanswered = %v; want %v", r.Unanswered, want)
	}
	if len(r.Excluded) != 1 || r.Excluded[0].ID != "pure_service" {
		t.Errorf("excluded = %+v; want pure_service", r.Excluded)
	}
	if !strings.HasPrefix(r.Summary, "Answer all questions: ") || !strings.Contains(r.Summary, "spare_part") {
		t.Errorf("summary = %q", r.Summary)
	}

	r, err = cra.EvaluateScope(nil)
	if err != nil || r.Complete || len(r.Unanswered) != len(cra.ScopeQuestions) {
		t.Errorf("EvaluateScope(nil) = %+v, %v; want every question unanswered", r, err)
	}
}

func TestEvaluateScopeUnknownQuestion(t *testing.T) {
	t.Parallel()
	a := scopeTestInScopeAnswers()
	a["is_toaster"] = true
	a["Medical_Device"] = false
	_, err := cra.EvaluateScope(a)
	if cra.ErrorCode(err) != cra.EINVALID {
		t.Fatalf("err = %v; want EINVALID", err)
	}
	f := cra.ErrorFields(err)
	if len(f) != 2 || f["is_toaster"] == "" || f["Medical_Device"] == "" {
		t.Errorf("fields = %v; want both unknown ids", f)
	}
}
