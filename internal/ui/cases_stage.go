package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
)

// stageTab is one tab of a case page: a stage report, or the next
// intermediate report not started yet.
type stageTab struct {
	Stage   cra.Stage
	Seq     int
	Label   string
	State   cra.StageState
	URL     string
	Current bool
	New     bool // an intermediate report to start
}

// deadlineRow is a statutory stage's deadline on the case page.
type deadlineRow struct {
	cra.StageDeadline
	State   cra.StageState
	Overdue bool
	Late    bool // submitted after its deadline
}

// fieldView is one SRP field of the stage form and copy-ready view.
type fieldView struct {
	cra.SRPField
	Requirement cra.FieldStatus
	Value       string
	Values      map[string]bool // the chosen values of a multi-valued field
	Available   bool            // a "required if available" field's marker
	Input       string          // "text", "textarea", "select", "checks", "checkbox", "datetime"
}

// Required reports whether the stage requires the field.
func (f fieldView) Required() bool { return f.Requirement == cra.SRPRequired }

// IfAvailable reports whether the field is required when its information
// is available.
func (f fieldView) IfAvailable() bool { return f.Requirement == cra.SRPRequiredIfAvailable }

// Display is the value as the SRP form shows it: an option's label, or
// Member State names.
func (f fieldView) Display() string {
	switch f.Format {
	case cra.FieldMultiSelect:
		return memberStateList(strings.Split(f.Value, ","))
	case cra.FieldEnum, cra.FieldCheckboxes:
		var out []string
		for v := range strings.SplitSeq(f.Value, ",") {
			label := v
			for _, o := range f.Options {
				if o.Value == v {
					label = o.Label
				}
			}
			out = append(out, label)
		}
		return strings.Join(out, "; ")
	}
	return f.Value
}

// stageView is the selected stage of a case page.
type stageView struct {
	Stage    cra.Stage
	Seq      int
	Key      string
	Label    string
	Report   *cra.StageReport // nil when not started
	State    cra.StageState
	Fields   []fieldView
	Problems []cra.FieldProblem
	Model    string
	Editable bool
	Deadline cra.StageDeadline
}

// HasValues reports whether any field has a value.
func (s stageView) HasValues() bool {
	return slices.ContainsFunc(s.Fields, func(f fieldView) bool { return f.Value != "" })
}

// caseData is a case page's content.
type caseData struct {
	V          *cra.CaseView
	Now        time.Time
	Deadlines  []deadlineRow
	Tabs       []stageTab
	S          stageView
	Releases   string
	Awareness  struct{ At, Reason string }
	Fix        string
	Submit     struct{ At, SRPID string }
	CloseWhy   string
	CanFileNew bool
}

// Closed reports whether the case is closed.
func (d *caseData) Closed() bool { return d.V.Case.Closed() }

// stageOf reads the selected stage from the query: the next stage to
// file by default.
func stageOf(r *http.Request, c *cra.Case) (cra.Stage, int, error) {
	q := r.URL.Query()
	st := cra.Stage(q.Get("stage"))
	if st == "" {
		if st = c.NextStage(); st == "" {
			st = cra.StageFinalReport
		}
	}
	if !slices.Contains(cra.Stages, st) {
		return "", 0, cra.Errorf(cra.ENOTFOUND, "There is no stage %q.", st)
	}
	seq := 0
	if st == cra.StageIntermediate {
		n, err := strconv.Atoi(q.Get("seq"))
		if err != nil || n < 1 || n > c.NextIntermediateSeq() {
			return "", 0, cra.Errorf(cra.ENOTFOUND, "There is no such intermediate report.")
		}
		seq = n
	}
	return st, seq, nil
}

// buildFields lays out a stage's fields in SRP order with values.
func buildFields(m cra.FieldModel, kind cra.CaseKind, st cra.Stage, values map[string]string) []fieldView {
	var out []fieldView
	for _, f := range m.FieldsFor(kind, st) {
		fv := fieldView{SRPField: f, Requirement: f.Requirement(st), Value: values[f.ID], Values: map[string]bool{},
			Available: values[cra.AvailableKey(f.ID)] == "Yes"}
		for v := range strings.SplitSeq(fv.Value, ",") {
			if v != "" {
				fv.Values[v] = true
			}
		}
		switch f.Format {
		case cra.FieldText:
			fv.Input = "text"
			if f.MaxLen == 0 || f.MaxLen > 255 {
				fv.Input = "textarea"
			}
		case cra.FieldEnum, cra.FieldYesNo, cra.FieldYesNoUnknown:
			fv.Input = "select"
		case cra.FieldMultiSelect, cra.FieldCheckboxes:
			fv.Input = "checks"
		case cra.FieldCheckbox:
			fv.Input = "checkbox"
		case cra.FieldDateTime:
			fv.Input = "datetime"
		}
		out = append(out, fv)
	}
	return out
}

// readStageForm reads a stage form: every field the stage shows, empty
// ones too, so that clearing a field clears it.
func readStageForm(r *http.Request, m cra.FieldModel, kind cra.CaseKind, st cra.Stage) map[string]string {
	values := map[string]string{}
	for _, f := range m.FieldsFor(kind, st) {
		name := "f_" + f.ID
		switch f.Format {
		case cra.FieldMultiSelect, cra.FieldCheckboxes:
			values[f.ID] = strings.Join(r.PostForm[name], ",")
		case cra.FieldCheckbox:
			values[f.ID] = ""
			if r.PostFormValue(name) != "" {
				values[f.ID] = "Yes"
			}
		default:
			values[f.ID] = r.PostFormValue(name)
		}
		if f.Requirement(st) == cra.SRPRequiredIfAvailable {
			values[cra.AvailableKey(f.ID)] = ""
			if r.PostFormValue(name+cra.AvailableSuffix) != "" {
				values[cra.AvailableKey(f.ID)] = "Yes"
			}
		}
	}
	return values
}

// casePage renders a case with the stage st (seq) selected; values, when
// set, are the stage form as typed.
func (u *UI) casePage(w http.ResponseWriter, r *http.Request, id int64, st cra.Stage, seq int, values map[string]string, fill func(*caseData), ferr error) error {
	ctx := r.Context()
	v, err := u.Services.Cases.Case(ctx, id)
	if err != nil {
		return err
	}
	c := v.Case
	if st == "" {
		if st, seq, err = stageOf(r, c); err != nil {
			return err
		}
	}
	now := u.Now()
	d := &caseData{V: v, Now: now}
	var rels []string
	for _, rel := range v.Releases {
		rels = append(rels, rel.Version)
	}
	d.Releases = strings.Join(rels, ", ")
	for _, s := range []cra.Stage{cra.StageEarlyWarning, cra.StageNotification, cra.StageFinalReport} {
		row := deadlineRow{StageDeadline: v.Deadlines.For(s), State: v.States[string(s)]}
		if row.State == "" {
			row.State = c.StateOf(s, 0, now)
		}
		row.Overdue = row.State == cra.StageOverdue
		if sub := c.Submitted(s); sub != nil {
			row.Late = v.Deadlines.Late(s, *sub.SubmittedAt)
		}
		d.Deadlines = append(d.Deadlines, row)
	}
	// Tabs: the statutory stages and the intermediate reports, in
	// submission order, and a tab to start the next intermediate report
	// while one may be started.
	var openIntermediate bool
	for _, s := range cra.Stages {
		if s == cra.StageIntermediate {
			var ims []cra.StageReport
			for _, rep := range c.Stages {
				if rep.Stage == cra.StageIntermediate {
					ims = append(ims, rep)
				}
			}
			slices.SortFunc(ims, func(a, b cra.StageReport) int { return a.Seq - b.Seq })
			for _, rep := range ims {
				d.Tabs = append(d.Tabs, stageTab{Stage: s, Seq: rep.Seq, Label: stageLabel(s, rep.Seq), State: c.StateOf(s, rep.Seq, now)})
				openIntermediate = openIntermediate || !rep.Submitted()
			}
			if !c.Closed() && c.Submitted(cra.StageNotification) != nil && !openIntermediate {
				n := c.NextIntermediateSeq()
				d.Tabs = append(d.Tabs, stageTab{Stage: s, Seq: n, Label: "New intermediate report", New: true})
			}
			continue
		}
		d.Tabs = append(d.Tabs, stageTab{Stage: s, Label: s.Label(), State: c.StateOf(s, 0, now)})
	}
	found := false
	for i := range d.Tabs {
		t := &d.Tabs[i]
		t.URL = caseURL(id, t.Stage, t.Seq, "") + "#stage"
		if t.Stage == st && t.Seq == seq {
			t.Current, found = true, true
		}
	}
	if !found {
		return cra.Errorf(cra.ENOTFOUND, "Case %d has no %s.", id, strings.ToLower(stageLabel(st, seq)))
	}
	// The selected stage: its report, or what it would start from.
	s := stageView{Stage: st, Seq: seq, Key: stageKey(st, seq), Label: stageLabel(st, seq), Report: c.Report(st, seq), Deadline: v.Deadlines.For(st)}
	s.State = c.StateOf(st, seq, now)
	m := v.Model
	if s.Report != nil {
		if mm, ok := cra.LookupFieldModel(s.Report.ModelVersion); ok {
			m = mm
		}
	}
	s.Model = m.Version
	s.Editable = !c.Closed() && (s.Report == nil || !s.Report.Submitted())
	if values == nil {
		if s.Report != nil {
			values = s.Report.Fields
		} else if s.Editable {
			if values, err = u.Services.Cases.StartStage(ctx, id, st, seq); err != nil {
				return err
			}
		}
	}
	s.Fields = buildFields(m, c.Kind, st, values)
	s.Problems = v.Problems[s.Key]
	d.S = s
	d.Submit.At = now.UTC().Format(time.RFC3339)
	if fill != nil {
		fill(d)
	}
	title := c.Title
	p := &Page{Title: title, Nav: "reporting", Flash: caseFlash(r), Data: d, Scripts: []string{"js/cases.js"}}
	if ferr != nil {
		p.Flash = ""
		return u.formError(w, r, ferr, "case", p)
	}
	u.render(w, r, http.StatusOK, "case", p)
	return nil
}

func (u *UI) caseView(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.casePage(w, r, id, "", 0, nil, nil, nil)
}

// stageParams reads a stage form's path stage and its seq field.
func stageParams(r *http.Request) (int64, cra.Stage, int, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, "", 0, err
	}
	st := cra.Stage(r.PathValue("stage"))
	if !slices.Contains(cra.Stages, st) {
		return 0, "", 0, cra.Errorf(cra.ENOTFOUND, "There is no page at %s.", r.URL.Path)
	}
	seq := 0
	if st == cra.StageIntermediate {
		if seq, err = strconv.Atoi(r.FormValue("seq")); err != nil || seq < 1 {
			return 0, "", 0, cra.Errorf(cra.ENOTFOUND, "There is no such intermediate report.")
		}
	}
	return id, st, seq, nil
}

func (u *UI) caseStageSave(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, st, seq, err := stageParams(r)
	if err != nil {
		return err
	}
	v, err := u.Services.Cases.Case(r.Context(), id)
	if err != nil {
		return err
	}
	m := v.Model
	if rep := v.Case.Report(st, seq); rep != nil {
		if mm, ok := cra.LookupFieldModel(rep.ModelVersion); ok {
			m = mm
		}
	}
	values := readStageForm(r, m, v.Case.Kind, st)
	if _, err := u.Services.Cases.SaveStage(r.Context(), id, st, seq, values); err != nil {
		return u.casePage(w, r, id, st, seq, values, nil, err)
	}
	if st == cra.StageIntermediate {
		// The date the CSIRT asked for the report by (empty clears it).
		due, err := formTime(r, "requested_due_at")
		if err == nil {
			_, err = u.Services.Cases.SetRequestedDue(r.Context(), id, seq, due)
		}
		if err != nil {
			return u.casePage(w, r, id, st, seq, values, nil, err)
		}
	}
	done := "stage-saved"
	// "Save and mark ready" saves, then checks the draft is complete; a
	// refusal shows what is missing with the draft saved.
	if r.PostFormValue("then") == "ready" {
		if _, err := u.Services.Cases.MarkReady(r.Context(), id, st, seq); err != nil {
			return u.casePage(w, r, id, st, seq, nil, nil, err)
		}
		done = "stage-ready"
	}
	http.Redirect(w, r, caseURL(id, st, seq, done)+"#stage", http.StatusSeeOther)
	return nil
}

func (u *UI) caseStageSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, st, seq, err := stageParams(r)
	if err != nil {
		return err
	}
	// Who may file is decided before anything else.
	if err := cra.Authorize(r.Context(), cra.PermReportsSubmit); err != nil {
		return err
	}
	typed := func(d *caseData) {
		d.Submit.At, d.Submit.SRPID = r.PostFormValue("submitted_at"), r.PostFormValue("srp_id")
	}
	fail := func(err error) error { return u.casePage(w, r, id, st, seq, nil, typed, err) }
	in := cra.SubmissionInput{SRPID: r.PostFormValue("srp_id")}
	up, _ := r.Context().Value(uploadKey{}).(*upload)
	if up != nil && up.Problem != "" {
		code := cra.EINVALID
		if up.TooLarge {
			code = cra.ETOOLARGE
		}
		return fail(&cra.Error{Code: code, Message: up.Problem, Fields: map[string]string{"file": up.Problem}})
	}
	if up != nil && len(up.Data) > 0 {
		in.Receipt, in.ReceiptName, in.ReceiptType = up.Data, up.Name, up.ContentType
	}
	if in.SubmittedAt, err = formTime(r, "submitted_at"); err != nil {
		return fail(err)
	}
	if _, err := u.Services.Cases.SubmitStage(r.Context(), id, st, seq, in); err != nil {
		if cra.ErrorCode(err) == cra.ETOOLARGE {
			err = &cra.Error{Code: cra.ETOOLARGE, Message: cra.ErrorMessage(err), Fields: map[string]string{"file": cra.ErrorMessage(err)}}
		}
		return fail(err)
	}
	http.Redirect(w, r, caseURL(id, st, seq, "stage-submitted")+"#stage", http.StatusSeeOther)
	return nil
}

func (u *UI) caseAwareness(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	typed := func(d *caseData) {
		d.Awareness.At, d.Awareness.Reason = r.PostFormValue("awareness_at"), r.PostFormValue("awareness_reason")
	}
	at, err := formTime(r, "awareness_at")
	if err == nil {
		_, err = u.Services.Cases.SetAwareness(r.Context(), id, at, r.PostFormValue("awareness_reason"))
	}
	if err != nil {
		return u.casePage(w, r, id, "", 0, nil, typed, err)
	}
	http.Redirect(w, r, "/cases/"+itoa(id)+"?done=awareness", http.StatusSeeOther)
	return nil
}

func (u *UI) caseFix(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	typed := func(d *caseData) { d.Fix = r.PostFormValue("fix_available_at") }
	at, err := formTime(r, "fix_available_at")
	if err == nil {
		_, err = u.Services.Cases.SetFixAvailable(r.Context(), id, at)
	}
	if err != nil {
		return u.casePage(w, r, id, "", 0, nil, typed, err)
	}
	http.Redirect(w, r, "/cases/"+itoa(id)+"?done=fix", http.StatusSeeOther)
	return nil
}

func (u *UI) caseClose(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	reason := r.PostFormValue("closed_reason")
	if _, err := u.Services.Cases.CloseCase(r.Context(), id, reason); err != nil {
		return u.casePage(w, r, id, "", 0, nil, func(d *caseData) { d.CloseWhy = reason }, err)
	}
	http.Redirect(w, r, "/cases/"+itoa(id)+"?done=closed", http.StatusSeeOther)
	return nil
}

// printData is a stage's printable report.
type printData struct {
	V        *cra.CaseView
	S        stageView
	Releases string
	Printed  time.Time
}

func (u *UI) caseStagePrint(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	st := cra.Stage(r.PathValue("stage"))
	seq, _ := strconv.Atoi(r.URL.Query().Get("seq"))
	v, err := u.Services.Cases.Case(r.Context(), id)
	if err != nil {
		return err
	}
	rep := v.Case.Report(st, seq)
	if rep == nil {
		return cra.Errorf(cra.ENOTFOUND, "Case %d has no %s draft to print yet.", id, strings.ToLower(stageLabel(st, seq)))
	}
	m := v.Model
	if mm, ok := cra.LookupFieldModel(rep.ModelVersion); ok {
		m = mm
	}
	var rels []string
	for _, rel := range v.Releases {
		rels = append(rels, rel.Version)
	}
	now := u.Now()
	s := stageView{Stage: st, Seq: seq, Key: stageKey(st, seq), Label: stageLabel(st, seq), Report: rep, State: v.Case.StateOf(st, seq, now),
		Fields: buildFields(m, v.Case.Kind, st, rep.Fields), Problems: v.Problems[stageKey(st, seq)], Model: m.Version, Deadline: v.Deadlines.For(st)}
	u.render(w, r, http.StatusOK, "case_print", &Page{Title: v.Case.Title + " · " + s.Label, Nav: "reporting",
		Data: printData{V: v, S: s, Releases: strings.Join(rels, ", "), Printed: now}, Scripts: []string{"js/cases.js"}})
	return nil
}

// noticeData is the notice page's content.
type noticeData struct {
	V       *cra.CaseView
	Subject string
	Body    string
	Saved   bool
	SentAt  string
	Channel string
}

// suggestNotice drafts a notice to users from the case: what is
// affected, what users should do and what was done, from the latest
// stage that says so.
func suggestNotice(v *cra.CaseView) (subject, body string) {
	c := v.Case
	what := c.Title
	if c.VulnKey != "" {
		what = c.VulnKey
	}
	subject = "Security notice: " + what + " in " + v.ProductName
	var rels []string
	for _, r := range v.Releases {
		rels = append(rels, r.Version)
	}
	latest := func(id string) string {
		out := ""
		for _, s := range c.Stages {
			if s.Fields[id] != "" {
				out = s.Fields[id]
			}
		}
		return out
	}
	var b strings.Builder
	b.WriteString(v.ProductName)
	if len(rels) > 0 {
		b.WriteString(" " + strings.Join(rels, ", "))
	}
	if c.Kind == cra.CaseAEV {
		b.WriteString(" is affected by " + what + ", a vulnerability that is being actively exploited.")
	} else {
		b.WriteString(" is affected by a security incident: " + c.Title + ".")
	}
	b.WriteString("\n\nWhat you should do:\n")
	if s := latest("17"); s != "" {
		b.WriteString(s)
	} else if s := latest("14"); s != "" {
		b.WriteString(s)
	} else {
		b.WriteString("(Say what users can do to reduce the risk.)")
	}
	if s := latest("v23"); s != "" {
		b.WriteString("\n\nThe fix:\n" + s)
	} else if s := latest("16"); s != "" {
		b.WriteString("\n\nWhat we have done:\n" + s)
	}
	b.WriteString("\n\nWe will update this notice when we know more.")
	return subject, b.String()
}

func (u *UI) noticePage(w http.ResponseWriter, r *http.Request, id int64, typed *noticeData, ferr error) error {
	v, err := u.Services.Cases.Case(r.Context(), id)
	if err != nil {
		return err
	}
	d := noticeData{V: v, SentAt: u.Now().UTC().Format("2006-01-02T15:04Z")}
	if n := v.Notice; n != nil {
		d.Subject, d.Body, d.Saved = n.Subject, n.Body, true
	} else {
		d.Subject, d.Body = suggestNotice(v)
	}
	if typed != nil {
		if typed.Subject != "" || typed.Body != "" {
			d.Subject, d.Body = typed.Subject, typed.Body
		}
		if typed.SentAt != "" || typed.Channel != "" {
			d.SentAt, d.Channel = typed.SentAt, typed.Channel
		}
	}
	p := &Page{Title: "Notice to users · " + v.Case.Title, Nav: "reporting", Flash: caseFlash(r), Data: d}
	if ferr != nil {
		p.Flash = ""
		return u.formError(w, r, ferr, "case_notice", p)
	}
	u.render(w, r, http.StatusOK, "case_notice", p)
	return nil
}

func (u *UI) caseNotice(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.noticePage(w, r, id, nil, nil)
}

func (u *UI) caseNoticeSave(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	typed := &noticeData{Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	if _, err := u.Services.Cases.SaveNotice(r.Context(), id, typed.Subject, typed.Body); err != nil {
		return u.noticePage(w, r, id, typed, err)
	}
	http.Redirect(w, r, "/cases/"+itoa(id)+"/notice?done=notice-saved", http.StatusSeeOther)
	return nil
}

func (u *UI) caseNoticeSent(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	typed := &noticeData{SentAt: r.PostFormValue("sent_at"), Channel: r.PostFormValue("channel")}
	at, err := formTime(r, "sent_at")
	if err == nil {
		_, err = u.Services.Cases.MarkNoticeSent(r.Context(), id, at, typed.Channel)
	}
	if err != nil {
		return u.noticePage(w, r, id, typed, err)
	}
	http.Redirect(w, r, "/cases/"+itoa(id)+"/notice?done=notice-sent", http.StatusSeeOther)
	return nil
}
