package cra

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RiskAssessment is a version of a product's cybersecurity risk
// assessment (Art. 13(2)-(4)). Every save creates a new version; earlier
// versions stay as they were.
type RiskAssessment struct {
	ProductID int64
	Version   int
	Summary   string
	Assets    []RiskAsset
	Threats   []Threat
	// ReviewedOn is the day of the last review; ReviewDue the next one.
	ReviewedOn Date
	ReviewDue  Date
	CreatedBy  string
	CreatedAt  time.Time
}

// RiskAsset is something the product must protect.
type RiskAsset struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Threat is a threat or misuse case with its rating and the decision taken.
type Threat struct {
	Title      string `json:"title"`
	MisuseCase string `json:"misuse_case,omitempty"`
	Likelihood int    `json:"likelihood"` // 1 (rare) to 5 (almost certain)
	Impact     int    `json:"impact"`     // 1 (negligible) to 5 (severe)
	Decision   string `json:"decision"`   // what was decided (mitigate, accept, …) and why
	// Requirements are the Annex I items the decision relies on.
	Requirements []string `json:"requirements,omitempty"`
}

// Risk is likelihood × impact (1-25).
func (t Threat) Risk() int { return t.Likelihood * t.Impact }

// RiskLevel is "low" (1-4), "medium" (5-12) or "high" (15-25).
func (t Threat) RiskLevel() string {
	switch r := t.Risk(); {
	case r >= 15:
		return "high"
	case r >= 5:
		return "medium"
	}
	return "low"
}

// ReviewOverdue reports whether the review due date has passed at now.
func (ra *RiskAssessment) ReviewOverdue(now time.Time) bool {
	return !ra.ReviewDue.IsZero() && ra.ReviewDue.Before(now)
}

// Validate normalises the assessment and returns EINVALID naming each bad
// field (threats[2].likelihood and the like).
func (ra *RiskAssessment) Validate() error {
	f := map[string]string{}
	ra.Summary = strings.TrimSpace(ra.Summary)
	if utf8.RuneCountInString(ra.Summary) > maxLongText {
		f["summary"] = "Must be at most 20000 characters."
	}
	if len(ra.Assets) > 200 || len(ra.Threats) > 500 {
		f["threats"] = "At most 200 assets and 500 threats."
	}
	for i := range ra.Assets {
		a := &ra.Assets[i]
		a.Name, a.Description = strings.TrimSpace(a.Name), strings.TrimSpace(a.Description)
		if a.Name == "" {
			f[fmt.Sprintf("assets[%d].name", i)] = "An asset needs a name."
		}
	}
	for i := range ra.Threats {
		t := &ra.Threats[i]
		t.Title, t.MisuseCase, t.Decision = strings.TrimSpace(t.Title), strings.TrimSpace(t.MisuseCase), strings.TrimSpace(t.Decision)
		key := fmt.Sprintf("threats[%d]", i)
		if t.Title == "" {
			f[key+".title"] = "A threat needs a title."
		}
		if t.Likelihood < 1 || t.Likelihood > 5 {
			f[key+".likelihood"] = "Likelihood must be 1 to 5."
		}
		if t.Impact < 1 || t.Impact > 5 {
			f[key+".impact"] = "Impact must be 1 to 5."
		}
		if t.Decision == "" {
			f[key+".decision"] = "Record the decision taken (mitigate, accept, transfer, avoid) and why."
		}
		for j, id := range t.Requirements {
			if req, ok := LookupRequirement(id); !ok {
				f[key+".requirements"] = "Unknown Annex I requirement " + id + "."
			} else {
				t.Requirements[j] = req.ID
			}
		}
		slices.Sort(t.Requirements)
		t.Requirements = slices.Compact(t.Requirements)
	}
	if ra.ReviewedOn.IsZero() {
		f["reviewed_on"] = "The date of this review is required."
	}
	if ra.ReviewDue.IsZero() {
		f["review_due"] = "The next review date is required (Art. 13(3): the assessment is kept up to date)."
	} else if !ra.ReviewedOn.IsZero() && !ra.ReviewDue.After(ra.ReviewedOn.Time) {
		f["review_due"] = "The next review must come after this review (" + ra.ReviewedOn.String() + ")."
	}
	return Invalid(f)
}
