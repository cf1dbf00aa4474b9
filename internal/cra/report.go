package cra

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CaseKind is what an Art. 14 case reports.
type CaseKind string

// The two kinds of mandatory report.
const (
	CaseAEV CaseKind = "aev" // an actively exploited vulnerability (Art. 14(1)-(2))
	CaseSI  CaseKind = "si"  // a severe incident having an impact on the product's security (Art. 14(3)-(4))
)

// CaseKinds lists the kinds.
var CaseKinds = []CaseKind{CaseAEV, CaseSI}

// Label is the kind's human name.
func (k CaseKind) Label() string {
	switch k {
	case CaseAEV:
		return "Actively exploited vulnerability"
	case CaseSI:
		return "Severe incident"
	}
	return string(k)
}

// Stage is one report of a case on the single reporting platform (SRP).
type Stage string

// The stages, in the order they are submitted. Intermediate reports sit
// between the notification and the final report.
const (
	StageEarlyWarning Stage = "early_warning" // within 24 h of awareness
	StageNotification Stage = "notification"  // within 72 h of awareness
	StageIntermediate Stage = "intermediate"  // on the CSIRT's request (Art. 14(6))
	StageFinalReport  Stage = "final_report"
)

// Stages lists the stages in submission order.
var Stages = []Stage{StageEarlyWarning, StageNotification, StageIntermediate, StageFinalReport}

// Label is the stage's human name.
func (s Stage) Label() string {
	switch s {
	case StageEarlyWarning:
		return "Early warning"
	case StageNotification:
		return "Notification"
	case StageIntermediate:
		return "Intermediate report"
	case StageFinalReport:
		return "Final report"
	}
	return string(s)
}

// StageState is where a stage report is. Draft, ready and submitted are
// stored; overdue is derived from the deadlines at a time (see
// DeadlineSet.State and Case.StateOf) and never stored.
type StageState string

// Stage states.
const (
	StageDraft     StageState = "draft"
	StageReady     StageState = "ready" // complete for its stage, waiting to be submitted
	StageSubmitted StageState = "submitted"
	StageOverdue   StageState = "overdue"
)

// Case is one Art. 14 notification: an actively exploited vulnerability or
// a severe incident in one product, reported in stages. It corresponds to
// one notification on the SRP ("one notification per AEV or SI", ENISA FAQ
// Q8), whose stages are tabs of that notification.
type Case struct {
	ID         int64
	Kind       CaseKind
	ProductID  int64
	ReleaseIDs []int64 // the affected releases
	Title      string
	// AwarenessAt is when the manufacturer became aware (UTC); every
	// deadline but the final report's runs from it. Change it with
	// SetAwareness, which records why.
	AwarenessAt      time.Time
	AwarenessChanges []AwarenessChange
	// MemberStates are the EU Member States (EU codes, EL for Greece)
	// where the manufacturer knows the product was made available (SRP
	// field 5).
	MemberStates []string
	// FixAvailableAt is when a corrective or mitigating measure became
	// available (AEV only); the final report is due 14 days later.
	FixAvailableAt *time.Time
	// VulnID and VulnKey name the vulnerability of an AEV case when cyra
	// knows it (a zero-day may have no id yet).
	VulnID  int64
	VulnKey string
	// ReviewID is the reportability review the case was opened from (0
	// when opened by hand).
	ReviewID     int64
	Stages       []StageReport
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ClosedAt     *time.Time
	ClosedBy     string
	ClosedReason string
}

// AwarenessChange records an edit of Case.AwarenessAt.
type AwarenessChange struct {
	From   time.Time
	To     time.Time
	Reason string
	By     string
	At     time.Time
}

// StageReport is one stage of a case: the SRP field values (keyed by SRP
// field id, see FieldModel) and, once submitted, what evidences the
// submission. A submitted report is frozen: its Revision is the SHA-256 of
// its content and it is never edited again.
type StageReport struct {
	Stage Stage
	// Seq numbers intermediate reports from 1; 0 for the other stages.
	Seq int
	// ModelVersion is the SRP field model the fields follow ("1.3").
	ModelVersion string
	Fields       map[string]string
	// Status is draft, ready or submitted (never overdue).
	Status    StageState
	UpdatedBy string
	UpdatedAt time.Time
	// RequestedDueAt is, for an intermediate report, the date the CSIRT
	// asked for it by.
	RequestedDueAt *time.Time
	// SubmittedAt is when it was submitted on the SRP (entered by the
	// person who submitted it); SubmittedBy who did; SRPID the SRP's
	// identifier of the notification; ReceiptSHA256 the SHA-256 (hex) of
	// the SRP's receipt kept as evidence.
	SubmittedAt   *time.Time
	SubmittedBy   string
	SRPID         string
	ReceiptSHA256 string
	// Revision is the SHA-256 (hex) of the frozen content, set on
	// submission; see ComputeRevision.
	Revision string
}

// Submitted reports whether the stage was submitted.
func (s *StageReport) Submitted() bool { return s.SubmittedAt != nil }

// Submission is what a person records when they submit a stage on the SRP.
type Submission struct {
	SubmittedAt   time.Time
	By            string
	SRPID         string
	ReceiptSHA256 string
}

// Max lengths of case fields that do not come from the SRP field model.
const (
	maxCaseTitle = 255 // SRP field 2
	maxReason    = 2000
	maxSRPID     = 255
)

var sha256HexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Normalize trims the case's text and canonicalises its Member States,
// vulnerability id and times (UTC).
func (c *Case) Normalize() {
	c.Title = strings.TrimSpace(c.Title)
	c.VulnKey = NormalizeVulnID(c.VulnKey)
	c.ClosedReason = strings.TrimSpace(c.ClosedReason)
	c.MemberStates = normalizeMemberStates(c.MemberStates)
	c.AwarenessAt = c.AwarenessAt.UTC()
	if c.FixAvailableAt != nil {
		t := c.FixAvailableAt.UTC()
		c.FixAvailableAt = &t
	}
	slices.Sort(c.ReleaseIDs)
	c.ReleaseIDs = slices.Compact(c.ReleaseIDs)
}

// normalizeMemberStates upper-cases, maps GR to EL, sorts and removes
// duplicates; unknown codes are kept for validation to name.
func normalizeMemberStates(in []string) []string {
	var out []string
	for _, c := range in {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if m, ok := LookupMemberState(c); ok {
			c = m.Code
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Validate normalises c and returns EINVALID naming each bad field: an
// unknown kind, a missing product or title, an awareness time missing or
// in the future ("awareness_at"), a Member State outside the EU, a fix
// time in the future or on an incident ("fix_available_at"), stages
// submitted out of order (see CheckSubmit), and a submitted stage whose
// content no longer matches its Revision ("stage").
func (c *Case) Validate(now time.Time) error {
	c.Normalize()
	f := map[string]string{}
	if !slices.Contains(CaseKinds, c.Kind) {
		f["kind"] = "Choose aev (actively exploited vulnerability) or si (severe incident)."
	}
	if c.ProductID <= 0 {
		f["product_id"] = "Choose the product concerned."
	}
	for _, id := range c.ReleaseIDs {
		if id <= 0 {
			f["release_ids"] = "Unknown release."
		}
	}
	switch {
	case c.Title == "":
		f["title"] = "Title is required."
	case srpLen(c.Title) > maxCaseTitle:
		f["title"] = "Title must be at most 255 characters (SRP field 2)."
	}
	if msg := checkAwareness(c.AwarenessAt, now); msg != "" {
		f["awareness_at"] = msg
	}
	for _, m := range c.MemberStates {
		if _, ok := LookupMemberState(m); !ok {
			f["member_states"] = "Unknown Member State " + m + "; use the codes of the 27 EU Member States, such as DE, FR, EL."
			break
		}
	}
	if c.FixAvailableAt != nil {
		switch {
		case c.Kind == CaseSI:
			f["fix_available_at"] = "Only a vulnerability case records when a fix became available."
		case c.FixAvailableAt.After(now):
			f["fix_available_at"] = "A fix cannot become available in the future; record it once it is."
		}
	}
	if c.VulnKey != "" && utf8.RuneCountInString(c.VulnKey) > 100 {
		f["vuln_key"] = "Must be at most 100 characters."
	}
	if c.ClosedAt != nil && c.ClosedReason == "" && c.Submitted(StageFinalReport) == nil {
		f["closed_reason"] = "Say why the case is closed before its final report."
	}
	type stageKey struct {
		stage Stage
		seq   int
	}
	seen := map[stageKey]bool{}
	for i := range c.Stages {
		s := &c.Stages[i]
		key := stageKey{s.Stage, s.Seq}
		switch {
		case !slices.Contains(Stages, s.Stage):
			f["stage"] = "Unknown stage " + string(s.Stage) + "."
		case (s.Stage == StageIntermediate) != (s.Seq > 0) || s.Seq < 0:
			f["stage"] = "Only intermediate reports are numbered, from 1."
		case seen[key]:
			f["stage"] = "The " + strings.ToLower(s.Stage.Label()) + " appears twice."
		}
		seen[key] = true
		if s.Status == StageOverdue || (s.Status != "" && s.Status != StageDraft && s.Status != StageReady && s.Status != StageSubmitted) {
			f["stage"] = "A stored stage is draft, ready or submitted."
		}
		if (s.Status == StageSubmitted) != s.Submitted() {
			f["stage"] = "A stage is submitted exactly when it has a submission time."
		}
		if s.Submitted() && s.Revision != s.ComputeRevision(c.Kind) {
			f["stage"] = "The submitted " + strings.ToLower(s.Stage.Label()) + " no longer matches its revision: its content changed after submission."
		}
	}
	if len(f) == 0 {
		for i := range c.Stages {
			if s := &c.Stages[i]; s.Submitted() {
				if err := c.checkOrder(s.Stage, s.Seq, *s.SubmittedAt); err != nil {
					return err
				}
			}
		}
	}
	return Invalid(f)
}

func checkAwareness(at, now time.Time) string {
	switch {
	case at.IsZero():
		return "Say when you became aware (date and time, UTC)."
	case at.After(now):
		return "You cannot become aware in the future; enter when you became aware."
	}
	return ""
}

// Retroactive reports whether the manufacturer became aware before the
// reporting obligations applied (11 September 2026): such cases need not
// be reported (ENISA FAQ Q13); cyra still lets them be tracked.
func (c *Case) Retroactive() bool { return c.AwarenessAt.Before(ReportingObligationsApply) }

// SetAwareness changes when the manufacturer became aware, which moves
// the early-warning and notification deadlines. It needs a reason
// ("awareness_reason") and refuses a time in the future or after the first
// stage was submitted ("awareness_at"). The change is recorded.
func (c *Case) SetAwareness(at time.Time, reason, by string, now time.Time) error {
	at = at.UTC()
	reason = strings.TrimSpace(reason)
	f := map[string]string{}
	if msg := checkAwareness(at, now); msg != "" {
		f["awareness_at"] = msg
	}
	for _, s := range c.Stages {
		if s.Submitted() && s.SubmittedAt.Before(at) {
			f["awareness_at"] = "The " + strings.ToLower(s.Stage.Label()) + " was submitted on " + formatUTC(*s.SubmittedAt) +
				"; you became aware before that."
			break
		}
	}
	switch {
	case reason == "":
		f["awareness_reason"] = "Say why the time you became aware changes: it moves the reporting deadlines."
	case utf8.RuneCountInString(reason) > maxReason:
		f["awareness_reason"] = "Must be at most 2000 characters."
	}
	if err := Invalid(f); err != nil {
		return err
	}
	if at.Equal(c.AwarenessAt) {
		return nil
	}
	c.AwarenessChanges = append(c.AwarenessChanges, AwarenessChange{From: c.AwarenessAt, To: at, Reason: reason, By: by, At: now})
	c.AwarenessAt = at
	c.UpdatedAt = now
	return nil
}

// Report returns the stage report of stage (and seq, for intermediates),
// nil when there is none.
func (c *Case) Report(stage Stage, seq int) *StageReport {
	for i := range c.Stages {
		if c.Stages[i].Stage == stage && c.Stages[i].Seq == seq {
			return &c.Stages[i]
		}
	}
	return nil
}

// Submitted returns the latest submitted report of stage (the highest
// numbered for intermediates), nil when none is submitted.
func (c *Case) Submitted(stage Stage) *StageReport {
	var out *StageReport
	for i := range c.Stages {
		s := &c.Stages[i]
		if s.Stage == stage && s.Submitted() && (out == nil || s.Seq > out.Seq) {
			out = s
		}
	}
	return out
}

// Closed reports whether the case is closed: explicitly, or by its
// submitted final report (after which the SRP allows no change).
func (c *Case) Closed() bool { return c.ClosedAt != nil || c.Submitted(StageFinalReport) != nil }

// NextIntermediateSeq returns the number the next intermediate report
// takes.
func (c *Case) NextIntermediateSeq() int {
	n := 0
	for _, s := range c.Stages {
		if s.Stage == StageIntermediate && s.Seq > n {
			n = s.Seq
		}
	}
	return n + 1
}

// Deadlines returns the case's deadlines.
func (c *Case) Deadlines() DeadlineSet {
	var notified *time.Time
	if s := c.Submitted(StageNotification); s != nil {
		notified = s.SubmittedAt
	}
	return Deadlines(c.Kind, c.AwarenessAt, c.FixAvailableAt, notified)
}

// StateOf returns the state of a stage at now: submitted, overdue, or its
// stored draft or ready state (draft when it has no report yet). An
// intermediate report is overdue after the date the CSIRT asked for.
func (c *Case) StateOf(stage Stage, seq int, now time.Time) StageState {
	r := c.Report(stage, seq)
	var submitted *time.Time
	if r != nil {
		submitted = r.SubmittedAt
	}
	st := c.Deadlines().State(stage, now, submitted)
	if st == "" && r != nil && r.RequestedDueAt != nil && submitted == nil && now.After(*r.RequestedDueAt) {
		st = StageOverdue
	}
	if st != "" {
		return st
	}
	if r == nil || r.Status == "" {
		return StageDraft
	}
	return r.Status
}

// NextStage returns the stage to submit next, "" when the case is closed.
// Intermediate reports are never "next": they follow a CSIRT's request.
func (c *Case) NextStage() Stage {
	switch {
	case c.Closed():
		return ""
	case c.Submitted(StageEarlyWarning) == nil:
		return StageEarlyWarning
	case c.Submitted(StageNotification) == nil:
		return StageNotification
	}
	return StageFinalReport
}

// SaveDraft stores fields as the draft of stage (seq numbers intermediate
// reports: an existing unsubmitted one, or NextIntermediateSeq for a new
// one). Values are normalised and checked for format and length only
// (completeness is checked when the stage is marked ready or submitted);
// a value over its SRP limit is refused naming the field id. A submitted
// stage can never be edited: an intermediate report supersedes it. A
// changed draft goes back to draft state.
func (c *Case) SaveDraft(stage Stage, seq int, fields map[string]string, by string, now time.Time) (*StageReport, error) {
	if err := c.checkEditable(stage, seq); err != nil {
		return nil, err
	}
	m := CurrentFieldModel()
	r := c.Report(stage, seq)
	if r != nil && r.ModelVersion != "" {
		if mm, ok := LookupFieldModel(r.ModelVersion); ok {
			m = mm
		}
	}
	values := m.Normalize(fields)
	if err := ProblemsError(m.CheckFormats(c.Kind, stage, values)); err != nil {
		return nil, err
	}
	if r == nil {
		c.Stages = append(c.Stages, StageReport{Stage: stage, Seq: seq})
		r = &c.Stages[len(c.Stages)-1]
	}
	if r.Status == StageReady && !maps.Equal(r.Fields, values) {
		r.Status = StageDraft
	}
	if r.Status == "" {
		r.Status = StageDraft
	}
	r.ModelVersion = m.Version
	r.Fields = values
	r.UpdatedBy, r.UpdatedAt = by, now
	c.UpdatedAt = now
	return r, nil
}

// checkEditable refuses changes to a closed case, to a submitted stage and
// to intermediate reports out of place.
func (c *Case) checkEditable(stage Stage, seq int) error {
	if !slices.Contains(Stages, stage) {
		return Invalid(map[string]string{"stage": "Unknown stage " + string(stage) + "."})
	}
	if (stage == StageIntermediate) != (seq > 0) {
		return Invalid(map[string]string{"stage": "Only intermediate reports are numbered, from 1."})
	}
	if fr := c.Submitted(StageFinalReport); fr != nil {
		return Invalid(map[string]string{"stage": "The final report was submitted on " + formatUTC(*fr.SubmittedAt) +
			"; the SRP allows no change after it, and neither does cyra."})
	}
	if c.ClosedAt != nil {
		return Invalid(map[string]string{"stage": "The case is closed."})
	}
	if r := c.Report(stage, seq); r != nil && r.Submitted() {
		how := "Its content is updated by the next stage."
		if c.Submitted(StageNotification) != nil {
			how = "Submit an intermediate report to update it."
		}
		return Invalid(map[string]string{"stage": "The " + strings.ToLower(stage.Label()) + " was submitted on " +
			formatUTC(*r.SubmittedAt) + " and can never be edited. " + how})
	}
	if stage == StageIntermediate {
		if c.Submitted(StageNotification) == nil {
			return Invalid(map[string]string{"stage": "An intermediate report updates the notification; submit the notification first."})
		}
		if c.Report(stage, seq) == nil {
			if next := c.NextIntermediateSeq(); seq != next {
				return Invalid(map[string]string{"stage": "The next intermediate report is number " + strconv.Itoa(next) + "."})
			}
			for _, s := range c.Stages {
				if s.Stage == StageIntermediate && !s.Submitted() {
					return Invalid(map[string]string{"stage": "Intermediate report " + strconv.Itoa(s.Seq) + " is not submitted yet; finish it first."})
				}
			}
		}
	}
	return nil
}

// MarkReady marks a draft complete for its stage after checking it as
// CheckSubmit does, except for the submission order.
func (c *Case) MarkReady(stage Stage, seq int, by string, now time.Time) error {
	if err := c.checkEditable(stage, seq); err != nil {
		return err
	}
	r := c.Report(stage, seq)
	if r == nil {
		return Invalid(map[string]string{"stage": "There is no draft of the " + strings.ToLower(stage.Label()) + " yet."})
	}
	if err := c.checkContent(r); err != nil {
		return err
	}
	r.Status = StageReady
	r.UpdatedBy, r.UpdatedAt = by, now
	return nil
}

// checkContent checks a report against its field model and the case: every
// required field present, values within limits, and the awareness and fix
// times agreeing with the case's. An AEV final report
// needs the case's FixAvailableAt ("fix_available_at").
func (c *Case) checkContent(r *StageReport) error {
	m, ok := LookupFieldModel(r.ModelVersion)
	if !ok {
		m = CurrentFieldModel()
	}
	probs := m.CheckStage(c.Kind, r.Stage, r.Fields)
	f := problemsMap(probs)
	if c.Kind == CaseAEV && r.Stage == StageFinalReport && c.FixAvailableAt == nil {
		f["fix_available_at"] = "Record when a corrective or mitigating measure became available: the final report follows it (Art. 14(2)(c))."
	}
	awareID := "v26"
	if c.Kind == CaseSI {
		awareID = "i37"
	}
	if v := r.Fields[awareID]; v != "" && f[awareID] == "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil && !t.Equal(c.AwarenessAt.Truncate(time.Second)) {
			f[awareID] = "The report says you became aware at " + v + ", the case at " + formatUTC(c.AwarenessAt) + "; make them agree."
		}
	}
	if v := r.Fields["v22"]; c.Kind == CaseAEV && v != "" && f["v22"] == "" && c.FixAvailableAt != nil {
		if t, err := time.Parse(time.RFC3339, v); err == nil && !t.Equal(c.FixAvailableAt.Truncate(time.Second)) {
			f["v22"] = "The report says the measure became available at " + v + ", the case at " + formatUTC(*c.FixAvailableAt) + "; make them agree."
		}
	}
	return Invalid(f)
}

// notificationType is SRP field 1's value for a kind.
func notificationType(k CaseKind) string {
	if k == CaseSI {
		return "Incident"
	}
	return "Vulnerability"
}

// CheckSubmit returns nil when the report of stage (seq for intermediates)
// may be submitted at submittedAt: it is complete for its stage (see
// FieldModel.CheckStage), and the stages come in order: early warning,
// then notification, then the final report, with intermediate reports only
// after the notification and before the final report.
func (c *Case) CheckSubmit(stage Stage, seq int, submittedAt time.Time) error {
	if err := c.checkEditable(stage, seq); err != nil {
		return err
	}
	r := c.Report(stage, seq)
	if r == nil {
		return Invalid(map[string]string{"stage": "There is no draft of the " + strings.ToLower(stage.Label()) + " to submit."})
	}
	if err := c.checkOrder(stage, seq, submittedAt); err != nil {
		return err
	}
	return c.checkContent(r)
}

// checkOrder checks that the stages before stage were submitted, no later
// than at.
func (c *Case) checkOrder(stage Stage, seq int, at time.Time) error {
	f := map[string]string{}
	if at.Before(c.AwarenessAt) {
		f["submitted_at"] = "A report cannot be submitted before you became aware (" + formatUTC(c.AwarenessAt) + ")."
	}
	need := func(prev Stage, why string) {
		p := c.Submitted(prev)
		switch {
		case p == nil:
			f["stage"] = why
		case at.Before(*p.SubmittedAt):
			f["submitted_at"] = "The " + strings.ToLower(prev.Label()) + " was submitted on " + formatUTC(*p.SubmittedAt) + "; this stage follows it."
		}
	}
	switch stage {
	case StageNotification:
		need(StageEarlyWarning, "Submit the early warning before the notification.")
	case StageIntermediate:
		need(StageNotification, "An intermediate report follows the notification; submit the notification first.")
		if fr := c.Submitted(StageFinalReport); fr != nil && fr.SubmittedAt.Before(at) {
			f["stage"] = "The final report was submitted; intermediate reports come before it."
		}
		for _, s := range c.Stages {
			if s.Stage == StageIntermediate && s.Seq < seq && !s.Submitted() {
				f["stage"] = "Submit intermediate report " + strconv.Itoa(s.Seq) + " first."
			}
			if s.Stage == StageIntermediate && s.Seq < seq && s.Submitted() && at.Before(*s.SubmittedAt) {
				f["submitted_at"] = "Intermediate report " + strconv.Itoa(s.Seq) + " was submitted later than this one."
			}
		}
	case StageFinalReport:
		need(StageNotification, "Submit the notification before the final report.")
		if c.Kind == CaseAEV && c.FixAvailableAt == nil {
			f["fix_available_at"] = "Record when a corrective or mitigating measure became available: the final report follows it (Art. 14(2)(c))."
		}
		for _, s := range c.Stages {
			if s.Stage == StageIntermediate && s.Submitted() && at.Before(*s.SubmittedAt) {
				f["submitted_at"] = "Intermediate report " + strconv.Itoa(s.Seq) + " was submitted after this time; the final report comes last."
			}
		}
	}
	return Invalid(f)
}

// Submit records that the report of stage was submitted on the SRP: it
// checks as CheckSubmit does, refuses a submission time in the future, and
// freezes the report (Revision).
func (c *Case) Submit(stage Stage, seq int, sub Submission, now time.Time) error {
	sub.SubmittedAt = sub.SubmittedAt.UTC()
	sub.SRPID = strings.TrimSpace(sub.SRPID)
	sub.ReceiptSHA256 = strings.ToLower(strings.TrimSpace(sub.ReceiptSHA256))
	f := map[string]string{}
	switch {
	case sub.SubmittedAt.IsZero():
		f["submitted_at"] = "Say when the report was submitted on the SRP."
	case sub.SubmittedAt.After(now):
		f["submitted_at"] = "A report cannot be submitted in the future."
	}
	if utf8.RuneCountInString(sub.SRPID) > maxSRPID {
		f["srp_id"] = "Must be at most 255 characters."
	}
	if sub.ReceiptSHA256 != "" && !sha256HexRE.MatchString(sub.ReceiptSHA256) {
		f["receipt_sha256"] = "Must be a SHA-256 in hexadecimal (64 characters)."
	}
	if err := Invalid(f); err != nil {
		return err
	}
	if err := c.CheckSubmit(stage, seq, sub.SubmittedAt); err != nil {
		return err
	}
	r := c.Report(stage, seq)
	t := sub.SubmittedAt
	r.SubmittedAt, r.SubmittedBy, r.SRPID, r.ReceiptSHA256 = &t, sub.By, sub.SRPID, sub.ReceiptSHA256
	r.Status = StageSubmitted
	r.Revision = r.ComputeRevision(c.Kind)
	c.UpdatedAt = now
	return nil
}

// Close closes a case. Before its final report is submitted it needs a
// reason ("closed_reason"), such as a vulnerability that turned out not to
// be exploited.
func (c *Case) Close(reason, by string, now time.Time) error {
	reason = strings.TrimSpace(reason)
	switch {
	case c.ClosedAt != nil:
		return Invalid(map[string]string{"closed_reason": "The case is already closed."})
	case reason == "" && c.Submitted(StageFinalReport) == nil:
		return Invalid(map[string]string{"closed_reason": "Say why the case is closed before its final report."})
	case utf8.RuneCountInString(reason) > maxReason:
		return Invalid(map[string]string{"closed_reason": "Must be at most 2000 characters."})
	}
	c.ClosedAt, c.ClosedBy, c.ClosedReason, c.UpdatedAt = &now, by, reason, now
	return nil
}

// ComputeRevision returns the SHA-256 (hex) of the report's content as a
// canonical JSON document: compact, keys sorted, no HTML escaping, of
// {"fields":{…},"kind":…,"model":…,"seq":…,"stage":…}. Anyone can recompute
// it from the stored fields to show that a submitted report is unchanged.
func (s *StageReport) ComputeRevision(kind CaseKind) string {
	sum := sha256.Sum256(s.CanonicalContent(kind))
	return hex.EncodeToString(sum[:])
}

// CanonicalContent is the canonical JSON document ComputeRevision hashes,
// kept with each submitted revision as evidence.
func (s *StageReport) CanonicalContent(kind CaseKind) []byte {
	fields := s.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	doc := struct {
		Fields map[string]string `json:"fields"`
		Kind   CaseKind          `json:"kind"`
		Model  string            `json:"model"`
		Seq    int               `json:"seq"`
		Stage  Stage             `json:"stage"`
	}{fields, kind, s.ModelVersion, s.Seq, s.Stage}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		// Strings and ints always encode.
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// formatUTC formats t as SRP datetime fields are: RFC 3339 in UTC.
func formatUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ReviewSignal is the exploitation signal that opened a reportability
// review.
type ReviewSignal string

// Exploitation signals.
const (
	SignalKEV           ReviewSignal = "kev"            // CISA lists the vulnerability as known exploited
	SignalEUVDExploited ReviewSignal = "euvd_exploited" // EUVD marks it exploited
)

// ReviewDecision is the outcome of a reportability review.
type ReviewDecision string

// Review decisions; "" while the review is open.
const (
	ReviewOpenCase      ReviewDecision = "open_case"      // reportable: an AEV case is opened
	ReviewNotReportable ReviewDecision = "not_reportable" // e.g. not exploitable in this product (FAQ 5.4)
)

// Review is a reportability review: a finding whose vulnerability is
// known to be exploited elsewhere must be assessed for Art. 14. An
// exploitation signal is not itself awareness of an actively exploited
// vulnerability in the product (reliable evidence of malicious
// exploitation of the product is, ENISA FAQ 5.1-5.3), so a person decides.
type Review struct {
	ID        int64
	ProductID int64
	ReleaseID int64
	FindingID int64
	VulnID    int64
	VulnKey   string
	Signal    ReviewSignal
	// SignalAt is when the signal was published (KEV date added, EUVD
	// exploitedSince); OpenedAt when cyra opened the review.
	SignalAt       time.Time
	OpenedAt       time.Time
	Decision       ReviewDecision
	DecisionReason string
	DecidedBy      string
	DecidedAt      *time.Time
	// CaseID is the case opened by an open_case decision.
	CaseID int64
}

// Open reports whether the review awaits a decision.
func (r *Review) Open() bool { return r.Decision == "" }

// ReviewFromFinding returns the review a finding's exploitation signal
// opens at now, and false when the finding has no signal. KEV wins over
// EUVD when both list it.
func ReviewFromFinding(f *Finding, now time.Time) (*Review, bool) {
	r := &Review{ProductID: f.ProductID, ReleaseID: f.ReleaseID, FindingID: f.ID, VulnID: f.VulnID, VulnKey: f.VulnKey, OpenedAt: now}
	switch {
	case f.KEVAdded != nil:
		r.Signal, r.SignalAt = SignalKEV, f.KEVAdded.UTC()
	case f.ExploitedSince != nil:
		r.Signal, r.SignalAt = SignalEUVDExploited, f.ExploitedSince.UTC()
	default:
		return nil, false
	}
	return r, true
}

// Validate returns EINVALID naming each bad field.
func (r *Review) Validate() error {
	r.DecisionReason = strings.TrimSpace(r.DecisionReason)
	f := map[string]string{}
	if r.ProductID <= 0 {
		f["product_id"] = "Choose the product concerned."
	}
	if r.Signal != SignalKEV && r.Signal != SignalEUVDExploited {
		f["signal"] = "Use kev or euvd_exploited."
	}
	switch r.Decision {
	case "", ReviewOpenCase:
	case ReviewNotReportable:
		if r.DecisionReason == "" {
			f["decision_reason"] = "Say why the vulnerability is not reportable for this product."
		}
	default:
		f["decision"] = "Use open_case or not_reportable."
	}
	if utf8.RuneCountInString(r.DecisionReason) > maxReason {
		f["decision_reason"] = "Must be at most 2000 characters."
	}
	if (r.Decision == "") != (r.DecidedAt == nil) {
		f["decision"] = "A decided review records when it was decided."
	}
	return Invalid(f)
}

// Decide records the decision. not_reportable needs a reason
// ("decision_reason"); a decided review is not decided again ("decision").
// The caller sets CaseID after opening the case.
func (r *Review) Decide(d ReviewDecision, reason, by string, now time.Time) error {
	if !r.Open() {
		return Invalid(map[string]string{"decision": "The review was already decided (" + string(r.Decision) + ")."})
	}
	if d != ReviewOpenCase && d != ReviewNotReportable {
		return Invalid(map[string]string{"decision": "Use open_case or not_reportable."})
	}
	old := *r
	r.Decision, r.DecisionReason, r.DecidedBy, r.DecidedAt = d, reason, by, &now
	if err := r.Validate(); err != nil {
		*r = old
		return err
	}
	return nil
}

// PrefillInput is what cyra knows when it drafts a case's SRP fields.
type PrefillInput struct {
	Kind         CaseKind
	Title        string
	Organisation *Organisation
	Product      *Product
	// Releases are the affected releases.
	Releases []*Release
	// Vuln is the vulnerability of an AEV case when known; Finding the
	// finding the case started from (either may be nil).
	Vuln    *Vulnerability
	Finding *Finding
	// FixRelease is the version of the product that fixes it, when known.
	FixRelease     string
	AwarenessAt    time.Time
	FixAvailableAt *time.Time
	// MemberStates are where the product was made available; the
	// product's own list when empty.
	MemberStates []string
	Now          time.Time
}

// PrefillFields drafts SRP field values (keyed by field id) from what cyra
// knows; a person completes and corrects them. It fills: notification type
// (1), title (2), manufacturer (4), Member States (5), product name (6),
// affected versions (7), type, class and category from the product's
// classification (8-10), end of support (11) when every affected release
// has a support end and all have ended or none has, the component (12),
// CVE (v19) and EUVD (v20) ids, when the fix became available (v22),
// fix details (v23) when the fixing release is known, the highest public
// CVSS severity as a starting draft of v24, and the awareness time (v26 or
// i37), RFC 3339 in UTC. What cyra does not know (the nature of the
// exploit, impact, measures, sensitivity) is left out. Free text is cut to
// the SRP limits.
func PrefillFields(in PrefillInput) map[string]string {
	out := map[string]string{"1": notificationType(in.Kind)}
	set := func(id, v string) {
		if v = strings.TrimSpace(v); v != "" {
			out[id] = v
		}
	}
	set("2", cutRunes(in.Title, 255))
	if in.Organisation != nil {
		set("4", in.Organisation.LegalName)
	}
	ms := in.MemberStates
	if len(ms) == 0 && in.Product != nil {
		ms = in.Product.MemberStates
	}
	set("5", strings.Join(normalizeMemberStates(ms), ","))
	if p := in.Product; p != nil {
		set("6", cutRunes(p.Name, 255))
		if p.Classification != nil {
			if cat, ok := LookupCategory(p.Classification.Category); ok {
				switch cat.Class {
				case ClassDefault:
					set("8", "Default")
				case ClassImportantI:
					set("8", "Important")
					set("9", "Class I")
				case ClassImportantII:
					set("8", "Important")
					set("9", "Class II")
				case ClassCritical:
					set("8", "Critical")
				}
				if cat.Class != ClassDefault {
					set("10", cat.Name)
				}
			}
		}
	}
	var versions []string
	for _, r := range in.Releases {
		versions = append(versions, r.Version)
	}
	set("7", joinWithin(versions, 255))
	set("11", endOfSupport(in.Releases, in.Now))
	if f := in.Finding; f != nil && f.Component != "" {
		set("12", cutRunes(strings.TrimSpace(f.Component+" "+f.Version), 255))
	}
	if in.Kind == CaseSI {
		if !in.AwarenessAt.IsZero() {
			out["i37"] = formatUTC(in.AwarenessAt)
		}
		return out
	}
	var aliases []string
	switch {
	case in.Vuln != nil:
		aliases = in.Vuln.Aliases
	case in.Finding != nil:
		aliases = in.Finding.Aliases
	}
	var cves, euvds []string
	for _, a := range aliases {
		if IsCVE(a) {
			cves = append(cves, a)
		} else if IsEUVD(a) {
			euvds = append(euvds, a)
		}
	}
	set("v19", VulnKey(cves))
	set("v20", VulnKey(euvds))
	if in.FixAvailableAt != nil {
		out["v22"] = formatUTC(*in.FixAvailableAt)
	}
	if in.FixRelease != "" && in.Product != nil {
		fix := "Security update: " + in.Product.Name + " " + in.FixRelease
		if f := in.Finding; f != nil && f.Fix != "" && f.Component != "" {
			fix += " (updates " + f.Component + " to " + f.Fix + ")"
		}
		set("v23", cutRunes(fix+".", 2000))
	}
	set("v24", severityDraft(in.Vuln, in.Finding))
	if !in.AwarenessAt.IsZero() {
		out["v26"] = formatUTC(in.AwarenessAt)
	}
	return out
}

// endOfSupport returns SRP field 11: "Yes" when every release's support
// period has ended at now, "No" when none has, "" when a release has no
// support end or the releases differ (a person decides).
func endOfSupport(rels []*Release, now time.Time) string {
	ended, running := 0, 0
	for _, r := range rels {
		switch {
		case r.SupportEnd.IsZero():
			return ""
		case r.Supported(now):
			running++
		default:
			ended++
		}
	}
	switch {
	case ended > 0 && running == 0:
		return "Yes"
	case running > 0 && ended == 0:
		return "No"
	}
	return ""
}

// severityDraft describes the highest public CVSS severity as a starting
// draft for SRP field v24.
func severityDraft(v *Vulnerability, f *Finding) string {
	var s Severity
	switch {
	case v != nil && v.MaxSeverity() != nil:
		s = *v.MaxSeverity()
	case f != nil && f.Score > 0:
		s = Severity{Score: f.Score, Rating: f.Rating}
	default:
		return ""
	}
	if s.Rating == "" {
		s.Rating = SeverityRating(s.Score)
	}
	kind := "CVSS"
	if t := strings.TrimPrefix(s.Type, "CVSS_V"); t != s.Type {
		kind = "CVSS v" + t
	}
	out := "Draft from public advisory data: " + kind + " base score " + strconv.FormatFloat(s.Score, 'f', 1, 64) +
		" (" + strings.ToUpper(s.Rating) + ")"
	if s.Vector != "" {
		out += ", vector " + s.Vector
	}
	if s.Source != "" {
		out += ", published by " + s.Source
	}
	return cutRunes(out+". Replace with your own assessment of the severity in this product.", 4000)
}

// cutRunes shortens s to at most n characters (runes and UTF-16 units
// alike), ending with "…" when cut.
func cutRunes(s string, n int) string {
	s = strings.TrimSpace(s)
	if srpLen(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n-1 {
			break
		}
		b.WriteRune(r)
		used += w
	}
	return strings.TrimSpace(b.String()) + "…"
}

// joinWithin joins items with ", " within n characters, ending with "and
// k more" when they do not all fit.
func joinWithin(items []string, n int) string {
	all := strings.Join(items, ", ")
	if srpLen(all) <= n {
		return all
	}
	for k := len(items) - 1; k >= 1; k-- {
		s := strings.Join(items[:k], ", ") + " and " + strconv.Itoa(len(items)-k) + " more"
		if srpLen(s) <= n {
			return s
		}
	}
	return cutRunes(all, n)
}
