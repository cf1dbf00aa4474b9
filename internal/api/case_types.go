package api

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
)

// Review is the JSON form of a reportability review.
type Review struct {
	ID             int64      `json:"id"`
	ProductID      int64      `json:"product_id"`
	ReleaseID      int64      `json:"release_id"`
	FindingID      int64      `json:"finding_id"`
	VulnID         string     `json:"vuln_id"`
	Signal         string     `json:"signal"`
	SignalAt       time.Time  `json:"signal_at"`
	OpenedAt       time.Time  `json:"opened_at"`
	Open           bool       `json:"open"`
	Decision       *string    `json:"decision"`
	DecisionReason string     `json:"decision_reason"`
	DecidedBy      string     `json:"decided_by"`
	DecidedAt      *time.Time `json:"decided_at"`
	CaseID         *int64     `json:"case_id"`
	URL            string     `json:"url"`
	FindingURL     string     `json:"finding_url"`
}

func reviewJSON(r *cra.Review) Review {
	out := Review{ID: r.ID, ProductID: r.ProductID, ReleaseID: r.ReleaseID, FindingID: r.FindingID, VulnID: r.VulnKey, Signal: string(r.Signal),
		SignalAt: r.SignalAt.UTC(), OpenedAt: r.OpenedAt.UTC(), Open: r.Open(), Decision: optional(string(r.Decision)),
		DecisionReason: r.DecisionReason, DecidedBy: r.DecidedBy, DecidedAt: timePtr(r.DecidedAt), CaseID: optional(r.CaseID),
		URL: Prefix + "/reviews/" + itoa(r.ID)}
	if r.FindingID > 0 {
		out.FindingURL = Prefix + "/findings/" + itoa(r.FindingID)
	}
	return out
}

// CaseRelease is an affected release of a case.
type CaseRelease struct {
	ID      int64  `json:"id"`
	Version string `json:"version"`
}

// AwarenessChange is the JSON form of a change of a case's awareness time.
type AwarenessChange struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Deadline is the JSON form of a stage's deadline: due (null while it
// cannot be computed, pending_reason then says why), the rule it follows
// and the stage's state.
type Deadline struct {
	Stage         cra.Stage      `json:"stage"`
	Label         string         `json:"label"`
	Due           *time.Time     `json:"due"`
	PendingReason string         `json:"pending_reason"`
	Rule          string         `json:"rule"`
	State         cra.StageState `json:"state"`
}

// FieldProblem is the JSON form of what keeps a stage's field from being
// submitted.
type FieldProblem struct {
	Field   string `json:"field"`
	Name    string `json:"name"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// StageReport is the JSON form of one stage of a case. A stage not started
// yet has status "" and no fields; state adds overdue to the stored status.
type StageReport struct {
	Key            string            `json:"key"`
	Stage          cra.Stage         `json:"stage"`
	Seq            int               `json:"seq"`
	Label          string            `json:"label"`
	Started        bool              `json:"started"`
	Status         cra.StageState    `json:"status"`
	State          cra.StageState    `json:"state"`
	ModelVersion   string            `json:"model_version"`
	Fields         map[string]string `json:"fields"`
	Problems       []FieldProblem    `json:"problems"`
	UpdatedBy      string            `json:"updated_by"`
	UpdatedAt      *time.Time        `json:"updated_at"`
	RequestedDueAt *time.Time        `json:"requested_due_at"`
	SubmittedAt    *time.Time        `json:"submitted_at"`
	SubmittedBy    string            `json:"submitted_by"`
	SRPID          string            `json:"srp_id"`
	ReceiptSHA256  string            `json:"receipt_sha256"`
	ReceiptURL     string            `json:"receipt_url"`
	Revision       string            `json:"revision"`
}

// StageRevision is the JSON form of a submitted stage's frozen revision.
type StageRevision struct {
	Stage         cra.Stage `json:"stage"`
	Seq           int       `json:"seq"`
	Revision      string    `json:"revision"`
	SubmittedAt   time.Time `json:"submitted_at"`
	SubmittedBy   string    `json:"submitted_by"`
	SRPID         string    `json:"srp_id"`
	ReceiptSHA256 string    `json:"receipt_sha256"`
	RecordedAt    time.Time `json:"recorded_at"`
}

// Coordinator is the CSIRT designated as coordinator that receives the
// case's notifications (Art. 14(7)): its Member State and the rule that
// chose it, or why it could not be decided.
type Coordinator struct {
	MemberState string `json:"member_state"`
	Rule        string `json:"rule"`
	Error       string `json:"error"`
}

// UserNotice is the JSON form of a case's notice to impacted users.
type UserNotice struct {
	CaseID    int64      `json:"case_id"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	UpdatedBy string     `json:"updated_by"`
	UpdatedAt time.Time  `json:"updated_at"`
	Sent      bool       `json:"sent"`
	SentAt    *time.Time `json:"sent_at"`
	SentBy    string     `json:"sent_by"`
	Channel   string     `json:"channel"`
	TextURL   string     `json:"text_url"`
	HTMLURL   string     `json:"html_url"`
}

func noticeJSON(n *cra.UserNotice) UserNotice {
	base := Prefix + "/cases/" + itoa(n.CaseID) + "/notice"
	return UserNotice{CaseID: n.CaseID, Subject: n.Subject, Body: n.Body, UpdatedBy: n.UpdatedBy, UpdatedAt: n.UpdatedAt.UTC(),
		Sent: n.SentAt != nil, SentAt: timePtr(n.SentAt), SentBy: n.SentBy, Channel: n.Channel, TextURL: base + ".txt", HTMLURL: base + ".html"}
}

// Case is the JSON form of a case with its deadlines, stages and routing.
// Lists leave out what only one case's view holds (releases' versions,
// coordinator, revisions, notice): releases then carry ids only.
type Case struct {
	ID               int64             `json:"id"`
	Kind             cra.CaseKind      `json:"kind"`
	KindLabel        string            `json:"kind_label"`
	Title            string            `json:"title"`
	ProductID        int64             `json:"product_id"`
	Product          string            `json:"product"`
	Releases         []CaseRelease     `json:"releases"`
	VulnID           string            `json:"vuln_id"`
	ReviewID         *int64            `json:"review_id"`
	AwarenessAt      time.Time         `json:"awareness_at"`
	AwarenessChanges []AwarenessChange `json:"awareness_changes"`
	Retroactive      bool              `json:"retroactive"`
	MemberStates     []string          `json:"member_states"`
	FixAvailableAt   *time.Time        `json:"fix_available_at"`
	Open             bool              `json:"open"`
	NextStage        cra.Stage         `json:"next_stage"`
	NextDeadline     *time.Time        `json:"next_deadline"`
	Overdue          bool              `json:"overdue"`
	Deadlines        []Deadline        `json:"deadlines"`
	Stages           []StageReport     `json:"stages,omitempty"`
	FieldModel       string            `json:"field_model"`
	Coordinator      *Coordinator      `json:"coordinator"`
	SMENote          string            `json:"sme_note"`
	Revisions        []StageRevision   `json:"revisions"`
	Notice           *UserNotice       `json:"notice"`
	CreatedBy        string            `json:"created_by"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	ClosedAt         *time.Time        `json:"closed_at"`
	ClosedBy         string            `json:"closed_by"`
	ClosedReason     string            `json:"closed_reason"`
	URL              string            `json:"url"`
	ExportURL        string            `json:"export_url"`
}

// StageKey names a stage report as case views do: the stage, with
// "-<seq>" for an intermediate report ("intermediate-2").
func StageKey(st cra.Stage, seq int) string {
	if st == cra.StageIntermediate {
		return string(st) + "-" + strconv.Itoa(seq)
	}
	return string(st)
}

// StageLabel is the stage's name, numbered for intermediate reports.
func StageLabel(st cra.Stage, seq int) string {
	if st == cra.StageIntermediate {
		return st.Label() + " " + strconv.Itoa(seq)
	}
	return st.Label()
}

// stageState is a stage's state from the view, else computed at now.
func stageState(v *cra.CaseView, st cra.Stage, seq int, now time.Time) cra.StageState {
	if s, ok := v.States[StageKey(st, seq)]; ok {
		return s
	}
	return v.Case.StateOf(st, seq, now)
}

// CaseStages lists a case's stages in submission order: the early
// warning, the notification, intermediate reports and the final report,
// statutory stages whether started or not.
func CaseStages(c *cra.Case) []cra.StageReport {
	var out []cra.StageReport
	for _, st := range cra.Stages {
		if st == cra.StageIntermediate {
			var ims []cra.StageReport
			for _, r := range c.Stages {
				if r.Stage == cra.StageIntermediate {
					ims = append(ims, r)
				}
			}
			slices.SortFunc(ims, func(a, b cra.StageReport) int { return a.Seq - b.Seq })
			out = append(out, ims...)
			continue
		}
		if r := c.Report(st, 0); r != nil {
			out = append(out, *r)
		} else {
			out = append(out, cra.StageReport{Stage: st})
		}
	}
	return out
}

// NextDeadline returns the earliest deadline of a statutory stage of an
// open case that is not submitted, and whether it has passed.
func NextDeadline(v *cra.CaseView, now time.Time) (*time.Time, bool) {
	c := v.Case
	if c.Closed() {
		return nil, false
	}
	var next *time.Time
	for _, st := range []cra.Stage{cra.StageEarlyWarning, cra.StageNotification, cra.StageFinalReport} {
		if c.Submitted(st) != nil {
			continue
		}
		if d := v.Deadlines.For(st).Due; d != nil && (next == nil || d.Before(*next)) {
			t := d.UTC()
			next = &t
		}
	}
	return next, next != nil && now.After(*next)
}

// CaseOf is the JSON form of a case view at now, as GET /cases/{id}
// answers (`cyra case show --json` prints it too).
func CaseOf(v *cra.CaseView, now time.Time) Case { return caseJSON(v, now) }

func caseJSON(v *cra.CaseView, now time.Time) Case {
	c := v.Case
	out := Case{ID: c.ID, Kind: c.Kind, KindLabel: c.Kind.Label(), Title: c.Title, ProductID: c.ProductID, Product: v.ProductName,
		Releases: []CaseRelease{}, VulnID: c.VulnKey, ReviewID: optional(c.ReviewID), AwarenessAt: c.AwarenessAt.UTC(),
		AwarenessChanges: []AwarenessChange{}, Retroactive: c.Retroactive(), MemberStates: nonNil(c.MemberStates),
		FixAvailableAt: timePtr(c.FixAvailableAt), Open: !c.Closed(), NextStage: c.NextStage(), Deadlines: []Deadline{},
		Stages: []StageReport{}, FieldModel: v.Model.Version, SMENote: v.SMENote, Revisions: []StageRevision{},
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(), ClosedAt: timePtr(c.ClosedAt),
		ClosedBy: c.ClosedBy, ClosedReason: c.ClosedReason, URL: Prefix + "/cases/" + itoa(c.ID), ExportURL: Prefix + "/cases/" + itoa(c.ID) + "/export"}
	out.NextDeadline, out.Overdue = NextDeadline(v, now)
	versions := map[int64]string{}
	for _, r := range v.Releases {
		versions[r.ReleaseID] = r.Version
	}
	for _, id := range c.ReleaseIDs {
		out.Releases = append(out.Releases, CaseRelease{ID: id, Version: versions[id]})
	}
	for _, a := range c.AwarenessChanges {
		out.AwarenessChanges = append(out.AwarenessChanges, AwarenessChange{From: a.From.UTC(), To: a.To.UTC(), Reason: a.Reason, By: a.By, At: a.At.UTC()})
	}
	out.Deadlines = deadlinesJSON(v, now)
	for _, r := range CaseStages(c) {
		out.Stages = append(out.Stages, stageJSON(v, &r, now))
	}
	if v.Coordinator != "" || v.CoordinatorError != "" {
		out.Coordinator = &Coordinator{MemberState: v.Coordinator, Rule: v.CoordinatorRule, Error: v.CoordinatorError}
	}
	out.Revisions = revisionsJSON(v.Revisions)
	if v.Notice != nil {
		n := noticeJSON(v.Notice)
		out.Notice = &n
	}
	return out
}

func deadlinesJSON(v *cra.CaseView, now time.Time) []Deadline {
	out := []Deadline{}
	for _, st := range []cra.Stage{cra.StageEarlyWarning, cra.StageNotification, cra.StageFinalReport} {
		d := v.Deadlines.For(st)
		out = append(out, Deadline{Stage: st, Label: st.Label(), Due: timePtr(d.Due), PendingReason: d.PendingReason, Rule: d.Rule,
			State: stageState(v, st, 0, now)})
	}
	return out
}

func stageJSON(v *cra.CaseView, r *cra.StageReport, now time.Time) StageReport {
	key := StageKey(r.Stage, r.Seq)
	out := StageReport{Key: key, Stage: r.Stage, Seq: r.Seq, Label: StageLabel(r.Stage, r.Seq), Started: r.Status != "" || r.Fields != nil,
		Status: r.Status, State: stageState(v, r.Stage, r.Seq, now), ModelVersion: r.ModelVersion, Fields: r.Fields, Problems: []FieldProblem{},
		UpdatedBy: r.UpdatedBy, RequestedDueAt: timePtr(r.RequestedDueAt), SubmittedAt: timePtr(r.SubmittedAt), SubmittedBy: r.SubmittedBy,
		SRPID: r.SRPID, ReceiptSHA256: r.ReceiptSHA256, Revision: r.Revision}
	if out.Fields == nil {
		out.Fields = map[string]string{}
	}
	if !r.UpdatedAt.IsZero() {
		out.UpdatedAt = timePtr(&r.UpdatedAt)
	}
	if r.ReceiptSHA256 != "" {
		out.ReceiptURL = Prefix + "/receipts/" + r.ReceiptSHA256
	}
	for _, p := range v.Problems[key] {
		out.Problems = append(out.Problems, FieldProblem{Field: p.Field, Name: p.Name, Code: p.Code, Message: p.Message})
	}
	return out
}

func revisionsJSON(revs []cra.StageRevision) []StageRevision {
	out := []StageRevision{}
	for _, r := range revs {
		out = append(out, StageRevision{Stage: r.Stage, Seq: r.Seq, Revision: r.Revision, SubmittedAt: r.SubmittedAt.UTC(), SubmittedBy: r.SubmittedBy,
			SRPID: r.SRPID, ReceiptSHA256: r.Receipt, RecordedAt: r.RecordedAt.UTC()})
	}
	return out
}

// ExportField is one SRP field of an exported stage, in SRP order.
type ExportField struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Status   cra.FieldStatus `json:"status"`
	Required bool            `json:"required"`
	MaxLen   int             `json:"max_len,omitempty"`
	Value    string          `json:"value"`
}

// ExportStage is one stage of an exported case: its submission and its
// fields in SRP order (every field the stage shows, empty ones included).
type ExportStage struct {
	Key           string         `json:"key"`
	Stage         cra.Stage      `json:"stage"`
	Seq           int            `json:"seq"`
	Label         string         `json:"label"`
	Status        cra.StageState `json:"status"`
	ModelVersion  string         `json:"model_version"`
	SubmittedAt   *time.Time     `json:"submitted_at"`
	SubmittedBy   string         `json:"submitted_by"`
	SRPID         string         `json:"srp_id"`
	ReceiptSHA256 string         `json:"receipt_sha256"`
	Revision      string         `json:"revision"`
	Fields        []ExportField  `json:"fields"`
}

// CaseExport is a case as one JSON document, for the record or for
// another tool: the case, each started stage with its SRP fields (ids,
// names and values) in SRP order, the deadlines and the frozen revisions.
// `GET /api/v1/cases/{id}/export` and `cyra case export` write it.
type CaseExport struct {
	ExportedAt time.Time       `json:"exported_at"`
	Case       Case            `json:"case"`
	Stages     []ExportStage   `json:"stages"`
	Deadlines  []Deadline      `json:"deadlines"`
	Revisions  []StageRevision `json:"revisions"`
}

// FieldModelOf returns the field model a stage report follows (the
// current one when it has none yet or names an unknown version).
func FieldModelOf(r *cra.StageReport) cra.FieldModel {
	if m, ok := cra.LookupFieldModel(r.ModelVersion); ok {
		return m
	}
	return cra.CurrentFieldModel()
}

// ExportCase builds the export of a case view at now.
func ExportCase(v *cra.CaseView, now time.Time) CaseExport {
	c := caseJSON(v, now)
	out := CaseExport{ExportedAt: now.UTC(), Case: c, Stages: []ExportStage{}, Deadlines: c.Deadlines, Revisions: c.Revisions}
	// The case's stages are in the export's own list, with their fields
	// in SRP order.
	out.Case.Stages = nil
	for _, r := range CaseStages(v.Case) {
		if r.Status == "" && r.Fields == nil {
			continue
		}
		m := FieldModelOf(&r)
		s := ExportStage{Key: StageKey(r.Stage, r.Seq), Stage: r.Stage, Seq: r.Seq, Label: StageLabel(r.Stage, r.Seq), Status: r.Status,
			ModelVersion: m.Version, SubmittedAt: timePtr(r.SubmittedAt), SubmittedBy: r.SubmittedBy, SRPID: r.SRPID,
			ReceiptSHA256: r.ReceiptSHA256, Revision: r.Revision, Fields: []ExportField{}}
		for _, f := range m.FieldsFor(v.Case.Kind, r.Stage) {
			req := f.Requirement(r.Stage)
			s.Fields = append(s.Fields, ExportField{ID: f.ID, Name: f.Name, Status: f.StatusAt(r.Stage), Required: req == cra.SRPRequired,
				MaxLen: f.MaxLen, Value: r.Fields[f.ID]})
		}
		out.Stages = append(out.Stages, s)
	}
	return out
}

// Presence is the JSON form of an establishment or economic operator in a
// Member State, with the number Art. 14(7) compares.
type Presence struct {
	MemberState string `json:"member_state"`
	Name        string `json:"name"`
	Count       int    `json:"count"`
}

// RoutingFacts is the JSON form of what decides the CSIRT designated as
// coordinator (Art. 14(7)).
type RoutingFacts struct {
	MainEstablishment         string     `json:"main_establishment"`
	Establishments            []Presence `json:"establishments"`
	AuthorisedRepresentatives []Presence `json:"authorised_representatives"`
	Importers                 []Presence `json:"importers"`
	Distributors              []Presence `json:"distributors"`
	Users                     []Presence `json:"users"`
}

// ReportingProfileInput is what PUT /reporting-profile takes.
type ReportingProfileInput struct {
	Size    cra.EnterpriseSize `json:"size"`
	Routing RoutingFacts       `json:"routing"`
}

// ReportingProfile is the JSON form of the reporting profile with the
// coordinator its routing facts lead to.
type ReportingProfile struct {
	ReportingProfileInput
	SMENote     string      `json:"sme_note"`
	Coordinator Coordinator `json:"coordinator"`
	UpdatedAt   *time.Time  `json:"updated_at"`
}

func presencesJSON(ps []cra.Presence) []Presence {
	out := []Presence{}
	for _, p := range ps {
		out = append(out, Presence{MemberState: p.MemberState, Name: p.Name, Count: p.Count})
	}
	return out
}

func presences(ps []Presence) []cra.Presence {
	var out []cra.Presence
	for _, p := range ps {
		out = append(out, cra.Presence{MemberState: p.MemberState, Name: p.Name, Count: p.Count})
	}
	return out
}

// Profile converts the input to the domain's profile.
func (in ReportingProfileInput) Profile() cra.ReportingProfile {
	r := in.Routing
	return cra.ReportingProfile{Size: in.Size, Routing: cra.RoutingFacts{MainEstablishment: r.MainEstablishment,
		Establishments: presences(r.Establishments), AuthorisedRepresentatives: presences(r.AuthorisedRepresentatives),
		Importers: presences(r.Importers), Distributors: presences(r.Distributors), Users: presences(r.Users)}}
}

func profileJSON(p *cra.ReportingProfile, state, rule string) ReportingProfile {
	r := p.Routing
	out := ReportingProfile{ReportingProfileInput: ReportingProfileInput{Size: p.Size, Routing: RoutingFacts{MainEstablishment: r.MainEstablishment,
		Establishments: presencesJSON(r.Establishments), AuthorisedRepresentatives: presencesJSON(r.AuthorisedRepresentatives),
		Importers: presencesJSON(r.Importers), Distributors: presencesJSON(r.Distributors), Users: presencesJSON(r.Users)}},
		SMENote: cra.SMEFineNote(p.Size)}
	out.Coordinator = CoordinatorOf(r)
	if state != "" {
		out.Coordinator = Coordinator{MemberState: state, Rule: rule}
	}
	if !p.UpdatedAt.IsZero() {
		out.UpdatedAt = timePtr(&p.UpdatedAt)
	}
	return out
}

// CoordinatorOf applies Art. 14(7) to routing facts. When no coordinator
// follows, Error says why in words, field by field (the error's own
// message is the generic one of every invalid input).
func CoordinatorOf(r cra.RoutingFacts) Coordinator {
	state, rule, err := cra.CoordinatorMemberState(r)
	if err == nil {
		return Coordinator{MemberState: state, Rule: rule}
	}
	fields := cra.ErrorFields(err)
	if len(fields) == 0 {
		return Coordinator{Error: cra.ErrorMessage(err)}
	}
	var msgs []string
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		msgs = append(msgs, fields[k])
	}
	return Coordinator{Error: strings.Join(msgs, " ")}
}
