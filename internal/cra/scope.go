package cra

import (
	"fmt"
	"strings"
)

// ScopeQuestion is one yes/no question of the scope questionnaire. Each
// question tests one condition of Art. 2(1) or one exclusion of Art. 2 and
// Art. 3; a product is in scope when no answer excludes it.
type ScopeQuestion struct {
	// ID is a stable snake_case identifier; stored answers are keyed by it.
	ID string
	// Text is the question in plain English.
	Text string
	// Help explains the question or gives an example.
	Help string
	// Excludes is the answer (true for yes, false for no) that takes the
	// product out of scope.
	Excludes bool
	// Reason completes the sentence "Excluded because …" when the answer
	// excludes the product.
	Reason string
	// Article is the provision behind the question, such as "Art. 2(2)(a)".
	Article string
}

// ScopeQuestions is the scope questionnaire, in the order forms ask it:
// the general condition of Art. 2(1) first, then the sectoral exclusions of
// Art. 2(2)-(4), spare parts and defence (Art. 2(6), 2(7)), and the two
// exclusions that follow from the definitions (services and non-commercial
// open source, Art. 3).
//
// Some rules deliberately have no question:
//   - L-category vehicles (two- and three-wheelers, quadricycles, Reg. (EU)
//     168/2013) are not excluded; the CRA amends that regulation instead
//     (Art. 68). Only Reg. (EU) 2019/2144 excludes vehicles.
//   - Products placed on the market before 11 December 2027 ("legacy"
//     products) are not out of scope: the Art. 14 reporting obligations
//     apply to them from 11 September 2026, and the rest of the CRA once
//     they are substantially modified (Art. 69(2), 69(3)).
//   - The Commission may limit or exclude products covered by sectoral
//     rules by delegated act (Art. 2(5)); none has been adopted.
var ScopeQuestions = []ScopeQuestion{
	{
		ID:       "data_connection",
		Text:     "Does the product's intended purpose or reasonably foreseeable use include a direct or indirect, logical or physical data connection to a device or network?",
		Help:     "Almost every piece of software and every connected device qualifies: a network link, a USB or Bluetooth connection, or a connection through another device all count.",
		Excludes: false,
		Reason:   "its intended purpose and reasonably foreseeable use include no data connection to a device or network",
		Article:  "Art. 2(1)",
	},
	{
		ID:       "medical_device",
		Text:     "Is the product a medical device covered by Regulation (EU) 2017/745 (MDR)?",
		Help:     "Medical devices and their accessories under the MDR follow that regulation's cybersecurity rules instead of the CRA.",
		Excludes: true,
		Reason:   "it is a medical device covered by Regulation (EU) 2017/745",
		Article:  "Art. 2(2)(a)",
	},
	{
		ID:       "in_vitro_diagnostic",
		Text:     "Is the product an in vitro diagnostic medical device covered by Regulation (EU) 2017/746 (IVDR)?",
		Help:     "In vitro diagnostic devices and their accessories under the IVDR follow that regulation instead of the CRA.",
		Excludes: true,
		Reason:   "it is an in vitro diagnostic medical device covered by Regulation (EU) 2017/746",
		Article:  "Art. 2(2)(b)",
	},
	{
		ID:       "vehicle_type_approval",
		Text:     "Is the product covered by Regulation (EU) 2019/2144 on the type-approval of motor vehicles, their trailers, systems and components?",
		Help:     "This covers cars, vans, lorries, buses and trailers and their type-approved systems; L-category vehicles such as motorcycles, mopeds and quadricycles are not excluded.",
		Excludes: true,
		Reason:   "it is covered by Regulation (EU) 2019/2144 on motor-vehicle type-approval",
		Article:  "Art. 2(2)(c)",
	},
	{
		ID:       "civil_aviation",
		Text:     "Is the product certified under Regulation (EU) 2018/1139 on civil aviation?",
		Help:     "Only products that have actually been certified under the EASA Basic Regulation are excluded, not every product used in aviation.",
		Excludes: true,
		Reason:   "it is certified under Regulation (EU) 2018/1139 on civil aviation",
		Article:  "Art. 2(3)",
	},
	{
		ID:       "marine_equipment",
		Text:     "Is the product marine equipment within the scope of Directive 2014/90/EU?",
		Help:     "Equipment placed on board EU ships under the Marine Equipment Directive (the \"wheel mark\") is excluded.",
		Excludes: true,
		Reason:   "it is marine equipment within the scope of Directive 2014/90/EU",
		Article:  "Art. 2(4)",
	},
	{
		ID:       "spare_part",
		Text:     "Is the product a spare part made available to replace an identical component, manufactured to the same specifications as the component it replaces?",
		Help:     "A like-for-like replacement is excluded; a part that differs from the one it replaces, such as an upgraded module, is not.",
		Excludes: true,
		Reason:   "it is an identical spare part made to the same specifications as the component it replaces",
		Article:  "Art. 2(6)",
	},
	{
		ID:       "national_security",
		Text:     "Was the product developed or modified exclusively for national security or defence purposes, or is it specifically designed to process classified information?",
		Help:     "The exclusion requires exclusive use: a product that is also offered for civilian purposes stays in scope.",
		Excludes: true,
		Reason:   "it is developed or modified exclusively for national security or defence purposes, or specifically designed to process classified information",
		Article:  "Art. 2(7)",
	},
	{
		ID:       "pure_service",
		Text:     "Is the product only a service, such as software as a service or a website, that is not the remote data processing solution of a product with digital elements?",
		Help:     "Cloud software is in scope only as remote data processing: software designed by or for the manufacturer without which a product could not perform one of its functions, such as a mobile app's back-end API; other services fall under NIS2 instead.",
		Excludes: true,
		Reason:   "it is a service, such as software as a service or a website, and not the remote data processing solution of a product with digital elements",
		Article:  "Art. 3(1)-(2), Recitals 11-12",
	},
	{
		ID:   "non_commercial_foss",
		Text: "Is the product free and open-source software made available outside the course of a commercial activity?",
		Help: "Open source is in scope only when it is made available in the course of a commercial activity; signs of that are charging a price, charging for technical support beyond cost recovery, " +
			"an intent to monetise (for example through a platform that monetises other services), requiring personal data for purposes other than security, compatibility or interoperability, " +
			"or accepting donations that exceed costs, whereas donations without profit intent, financial support from manufacturers and regular releases are not commercial in themselves.",
		Excludes: true,
		Reason:   "it is free and open-source software made available outside the course of a commercial activity",
		Article:  "Art. 3(22) and (48), Recitals 15-20",
	},
}

// ScopeAnswers holds the answers to ScopeQuestions, keyed by question ID:
// true for yes, false for no. A missing key is an unanswered question.
type ScopeAnswers map[string]bool

// ScopeResult is the outcome of the scope questionnaire.
type ScopeResult struct {
	// Complete reports whether every question was answered.
	Complete bool
	// InScope reports whether the product is in scope of the CRA; it is
	// meaningful only when Complete is true and is false otherwise.
	InScope bool
	// Excluded lists every answered question whose answer excludes the
	// product, in questionnaire order; the first is the main reason.
	Excluded []ScopeQuestion
	// Summary is one sentence stating the outcome.
	Summary string
	// Unanswered lists the IDs of the questions without an answer, in
	// questionnaire order.
	Unanswered []string
}

// EvaluateScope decides whether a product is in scope of the CRA from the
// answers to ScopeQuestions. A product is in scope when its use includes a
// data connection (Art. 2(1)) and no exclusion applies. The result is not
// complete until every question is answered, even when an answer already
// excludes the product: a recorded decision should rest on all the facts.
// Answers to unknown question IDs give EINVALID, with one field per ID.
func EvaluateScope(a ScopeAnswers) (ScopeResult, error) {
	known := make(map[string]bool, len(ScopeQuestions))
	for _, q := range ScopeQuestions {
		known[q.ID] = true
	}
	fields := map[string]string{}
	for id := range a {
		if !known[id] {
			fields[id] = fmt.Sprintf("Unknown scope question %q.", id)
		}
	}
	if len(fields) > 0 {
		return ScopeResult{}, &Error{Code: EINVALID, Message: "The answers name questions that are not part of the scope questionnaire.", Fields: fields}
	}

	var r ScopeResult
	for _, q := range ScopeQuestions {
		ans, ok := a[q.ID]
		switch {
		case !ok:
			r.Unanswered = append(r.Unanswered, q.ID)
		case ans == q.Excludes:
			r.Excluded = append(r.Excluded, q)
		}
	}
	r.Complete = len(r.Unanswered) == 0
	r.InScope = r.Complete && len(r.Excluded) == 0
	switch {
	case !r.Complete:
		r.Summary = fmt.Sprintf("Answer all questions: %d of %d are unanswered (%s).",
			len(r.Unanswered), len(ScopeQuestions), strings.Join(r.Unanswered, ", "))
	case len(r.Excluded) > 0:
		r.Summary = fmt.Sprintf("Excluded because %s (%s).", r.Excluded[0].Reason, r.Excluded[0].Article)
	default:
		r.Summary = "In scope of the CRA (Art. 2(1))."
	}
	return r, nil
}
