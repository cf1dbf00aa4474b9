package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
)

// The Art. 14 reporting pages: /reporting lists reviews and open cases,
// /reviews/{id} decides a review, /cases/{id} drafts, files and follows
// one case (cases_stage.go), /cases/{id}/notice the notice to users and
// /settings/reporting the reporting profile. Downloads (the JSON export,
// receipts, the notice as text or HTML) are the API's GET endpoints,
// which a signed-in browser may read with its session.

// maxReceipt bounds an SRP receipt upload, as the case service does.
const maxReceipt = 10 << 20

// caseFuncs are the template functions of the reporting pages.
var caseFuncs = template.FuncMap{
	"stageLabel": stageLabel,
	"stateLabel": stateLabel,
	"stateBadge": stateBadge,
	"countdown":  countdown,
	"utc":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"utcPtr": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	},
	"signalLabel":     signalLabel,
	"sizes":           func() []cra.EnterpriseSize { return enterpriseSizes },
	"sizeName":        sizeName,
	"presenceLists":   func() []presenceList { return presenceLists },
	"kinds":           func() []cra.CaseKind { return cra.CaseKinds },
	"receiptURL":      func(sha string) string { return "/api/v1/receipts/" + sha },
	"shortHash":       func(s string) string { return s[:min(len(s), 12)] },
	"memberStateList": memberStateList,
}

// caseFlashes are the reporting pages' messages after a redirect.
var caseFlashes = map[string]string{
	"case-opened":     "Case opened. Its early warning is drafted from what cyra knows; complete it and file it on the SRP within 24 hours of becoming aware.",
	"not-reportable":  "Review closed as not reportable.",
	"awareness":       "Awareness time changed; the deadlines moved with it.",
	"fix":             "Fix time recorded; the final report is due 14 days after it.",
	"stage-saved":     "Draft saved.",
	"stage-ready":     "Marked ready. File it on the SRP, then record the submission below.",
	"stage-submitted": "Submission recorded. The stage is frozen; its revision hash is below.",
	"closed":          "Case closed.",
	"notice-saved":    "Notice saved.",
	"notice-sent":     "Recorded that the notice was sent.",
	"profile":         "Reporting profile saved.",
}

func caseFlash(r *http.Request) string {
	if f := caseFlashes[r.URL.Query().Get("done")]; f != "" {
		return f
	}
	return flash(r)
}

var enterpriseSizes = []cra.EnterpriseSize{cra.SizeMicro, cra.SizeSmall, cra.SizeMedium, cra.SizeLarge}

func sizeName(size string) string {
	switch s := cra.EnterpriseSize(size); s {
	case cra.SizeMicro:
		return "Micro (fewer than 10 staff, turnover or balance sheet up to €2 m)"
	case cra.SizeSmall:
		return "Small (fewer than 50 staff, turnover or balance sheet up to €10 m)"
	case cra.SizeMedium:
		return "Medium (fewer than 250 staff, turnover up to €50 m or balance sheet up to €43 m)"
	case cra.SizeLarge:
		return "Large"
	}
	return "Not stated"
}

// stageLabel names a stage, numbered for intermediate reports.
func stageLabel(st cra.Stage, seq int) string {
	if st == cra.StageIntermediate {
		return st.Label() + " " + strconv.Itoa(seq)
	}
	return st.Label()
}

// stageKey names a stage report as case views do.
func stageKey(st cra.Stage, seq int) string {
	if st == cra.StageIntermediate {
		return string(st) + "-" + strconv.Itoa(seq)
	}
	return string(st)
}

func stateLabel(s cra.StageState) string {
	switch s {
	case cra.StageDraft:
		return "Draft"
	case cra.StageReady:
		return "Ready to file"
	case cra.StageSubmitted:
		return "Submitted"
	case cra.StageOverdue:
		return "Overdue"
	}
	return "Not started"
}

func stateBadge(s cra.StageState) string {
	switch s {
	case cra.StageSubmitted:
		return "on"
	case cra.StageOverdue:
		return "off"
	case cra.StageReady:
		return "warn"
	}
	return "neutral"
}

func signalLabel(s cra.ReviewSignal) string {
	switch s {
	case cra.SignalKEV:
		return "CISA KEV"
	case cra.SignalEUVDExploited:
		return "EUVD: exploited"
	}
	return string(s)
}

func memberStateList(codes []string) string {
	var names []string
	for _, c := range codes {
		names = append(names, memberStateName(c))
	}
	return strings.Join(names, ", ")
}

// countdown says how long until due from now ("in 5 h 12 min") or how
// long ago it passed ("overdue by 2 h 3 min"). cases.js keeps it current.
func countdown(due time.Time, now time.Time) string {
	d := due.Sub(now)
	if d < 0 {
		return "overdue by " + spell(-d)
	}
	return "in " + spell(d)
}

// spell writes a duration as days, hours and minutes, two units at most.
func spell(d time.Duration) string {
	m := int64(d / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	switch {
	case days > 0:
		return strconv.FormatInt(days, 10) + " d " + strconv.FormatInt(hours, 10) + " h"
	case hours > 0:
		return strconv.FormatInt(hours, 10) + " h " + strconv.FormatInt(mins, 10) + " min"
	case mins > 0:
		return strconv.FormatInt(mins, 10) + " min"
	}
	return "less than a minute"
}

// parseUTC reads a time typed into a form: RFC 3339 (with or without
// seconds), or a date and time without a zone, taken as UTC.
func parseUTC(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// formTime reads a form's time field; a value that cannot be read is an
// error naming the field.
func formTime(r *http.Request, name string) (time.Time, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, ok := parseUTC(v)
	if !ok {
		return time.Time{}, cra.Invalid(map[string]string{name: "Enter a date and time in UTC, such as 2026-09-14T09:15:00Z."})
	}
	return t, nil
}

// caseRow is a case in a list with its next deadline.
type caseRow struct {
	V       cra.CaseView
	Next    cra.Stage
	Due     *time.Time
	Overdue bool
}

func caseRows(list []cra.CaseView, now time.Time) []caseRow {
	var out []caseRow
	for _, v := range list {
		row := caseRow{V: v}
		c := v.Case
		if !c.Closed() {
			for _, st := range []cra.Stage{cra.StageEarlyWarning, cra.StageNotification, cra.StageFinalReport} {
				if c.Submitted(st) != nil {
					continue
				}
				if d := v.Deadlines.For(st).Due; d != nil && (row.Due == nil || d.Before(*row.Due)) {
					t := d.UTC()
					row.Due, row.Next = &t, st
				}
			}
			if row.Next == "" {
				row.Next = c.NextStage()
			}
			row.Overdue = row.Due != nil && now.After(*row.Due)
		}
		out = append(out, row)
	}
	return out
}

// reviewRow is a review with what its finding says about it.
type reviewRow struct {
	R       cra.Review
	Finding *cra.Finding // nil when it cannot be read
}

func (u *UI) reviewRows(r *http.Request, rs []cra.Review) []reviewRow {
	var out []reviewRow
	for _, rv := range rs {
		row := reviewRow{R: rv}
		if rv.FindingID > 0 {
			if f, _, err := u.Services.Findings.Finding(r.Context(), rv.FindingID); err == nil {
				row.Finding = f
			}
		}
		out = append(out, row)
	}
	return out
}

// openCaseForm is the "Open case" form as typed.
type openCaseForm struct {
	Kind, Product, Title, AwarenessAt, MemberStates, Vuln string
	Releases                                              map[string]bool
}

// reportingData is the /reporting page's content.
type reportingData struct {
	Reviews  []reviewRow
	Open     []caseRow
	Closed   []caseRow
	Products []cra.ProductOverview
	Form     openCaseForm
	Now      time.Time
}

func (u *UI) reportingPage(w http.ResponseWriter, r *http.Request, form *openCaseForm, ferr error) error {
	if err := requireActor(r); err != nil {
		return err
	}
	ctx := r.Context()
	now := u.Now()
	d := &reportingData{Now: now, Form: openCaseForm{Kind: string(cra.CaseAEV), AwarenessAt: now.UTC().Format("2006-01-02T15:04Z"), Releases: map[string]bool{}}}
	if form != nil {
		d.Form = *form
	}
	rs, err := u.Services.Cases.Reviews(ctx, cra.ReviewFilter{OpenOnly: true})
	if err != nil {
		return err
	}
	d.Reviews = u.reviewRows(r, rs)
	all, err := u.Services.Cases.Cases(ctx, cra.CaseFilter{})
	if err != nil {
		return err
	}
	for _, row := range caseRows(all, now) {
		if row.V.Case.Closed() {
			d.Closed = append(d.Closed, row)
		} else {
			d.Open = append(d.Open, row)
		}
	}
	// The most urgent first; cases without a deadline after them.
	slices.SortStableFunc(d.Open, func(a, b caseRow) int {
		switch {
		case a.Due == nil && b.Due == nil:
			return 0
		case a.Due == nil:
			return 1
		case b.Due == nil:
			return -1
		}
		return a.Due.Compare(*b.Due)
	})
	pf, err := u.Services.Products.Portfolio(ctx)
	if err != nil {
		return err
	}
	d.Products = pf.Products
	p := &Page{Title: "Reporting", Nav: "reporting", Flash: caseFlash(r), Data: d, Scripts: []string{"js/cases.js"}}
	if ferr != nil {
		p.Flash = ""
		return u.formError(w, r, ferr, "reporting", p)
	}
	u.render(w, r, http.StatusOK, "reporting", p)
	return nil
}

func (u *UI) reporting(w http.ResponseWriter, r *http.Request) error {
	return u.reportingPage(w, r, nil, nil)
}

// reportsMoved sends the old placeholder's address to the reporting page.
func (u *UI) reportsMoved(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/reporting", http.StatusMovedPermanently)
	return nil
}

func (u *UI) caseOpen(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	r.ParseForm()
	form := openCaseForm{Kind: r.PostFormValue("kind"), Product: r.PostFormValue("product_id"), Title: r.PostFormValue("title"),
		AwarenessAt: r.PostFormValue("awareness_at"), MemberStates: r.PostFormValue("member_states"), Vuln: r.PostFormValue("vulnerability"),
		Releases: map[string]bool{}}
	n := cra.NewCase{Kind: cra.CaseKind(form.Kind), Title: form.Title, VulnID: form.Vuln}
	bad := map[string]string{}
	if form.Product != "" {
		id, err := parseInt(form.Product)
		if err != nil || id <= 0 {
			bad["product_id"] = "Choose the product concerned."
		}
		n.ProductID = id
	}
	for _, s := range r.PostForm["release_ids"] {
		form.Releases[s] = true
		if id, err := parseInt(s); err == nil && id > 0 {
			n.ReleaseIDs = append(n.ReleaseIDs, id)
		} else {
			bad["release_ids"] = "Choose releases from the list."
		}
	}
	for ms := range strings.FieldsFuncSeq(form.MemberStates, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n.MemberStates = append(n.MemberStates, ms)
	}
	at, err := formTime(r, "awareness_at")
	if err != nil {
		bad["awareness_at"] = cra.ErrorFields(err)["awareness_at"]
	}
	n.AwarenessAt = at
	if len(bad) > 0 {
		return u.reportingPage(w, r, &form, cra.Invalid(bad))
	}
	v, err := u.Services.Cases.OpenCase(r.Context(), n)
	if err != nil {
		return u.reportingPage(w, r, &form, err)
	}
	http.Redirect(w, r, "/cases/"+itoa(v.Case.ID)+"?done=case-opened", http.StatusSeeOther)
	return nil
}

// reviewData is a review page's content.
type reviewData struct {
	reviewRow
	Reason   string
	Decision string
}

func (u *UI) reviewPage(w http.ResponseWriter, r *http.Request, id int64, decision, reason string, ferr error) error {
	rv, err := u.Services.Cases.Review(r.Context(), id)
	if err != nil {
		return err
	}
	d := reviewData{reviewRow: u.reviewRows(r, []cra.Review{*rv})[0], Reason: reason, Decision: decision}
	p := &Page{Title: "Review of " + rv.VulnKey, Nav: "reporting", Flash: caseFlash(r), Data: d}
	if ferr != nil {
		p.Flash = ""
		return u.formError(w, r, ferr, "review", p)
	}
	u.render(w, r, http.StatusOK, "review", p)
	return nil
}

func (u *UI) review(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.reviewPage(w, r, id, "", "", nil)
}

func (u *UI) reviewDecide(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	decision, reason := r.PostFormValue("decision"), r.PostFormValue("reason")
	if decision == "" {
		return u.reviewPage(w, r, id, decision, reason, cra.Invalid(map[string]string{"decision": "Choose: open a case, or not reportable."}))
	}
	_, v, err := u.Services.Cases.DecideReview(r.Context(), id, cra.ReviewDecision(decision), reason)
	if err != nil {
		return u.reviewPage(w, r, id, decision, reason, err)
	}
	if v != nil {
		http.Redirect(w, r, "/cases/"+itoa(v.Case.ID)+"?done=case-opened", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/reviews/"+itoa(id)+"?done=not-reportable", http.StatusSeeOther)
	return nil
}

// dashboardReporting is the dashboard's reporting panel: open reviews and
// open cases with their next deadline, most urgent first.
type dashboardReporting struct {
	Reviews int
	Cases   []caseRow
	Now     time.Time
}

// Overdue counts the open cases past a deadline.
func (d *dashboardReporting) Overdue() int {
	n := 0
	for _, c := range d.Cases {
		if c.Overdue {
			n++
		}
	}
	return n
}

// reportingPanel returns the dashboard's reporting panel (nil without the
// case service).
func (u *UI) reportingPanel(r *http.Request) (*dashboardReporting, error) {
	if u.Services.Cases == nil {
		return nil, nil
	}
	now := u.Now()
	rs, err := u.Services.Cases.Reviews(r.Context(), cra.ReviewFilter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	cs, err := u.Services.Cases.Cases(r.Context(), cra.CaseFilter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	d := &dashboardReporting{Reviews: len(rs), Cases: caseRows(cs, now), Now: now}
	slices.SortStableFunc(d.Cases, func(a, b caseRow) int {
		switch {
		case a.Due == nil && b.Due == nil:
			return 0
		case a.Due == nil:
			return 1
		case b.Due == nil:
			return -1
		}
		return a.Due.Compare(*b.Due)
	})
	return d, nil
}

// profileForm is the reporting profile form as typed: a Member State for
// the main establishment and, per list, one entry a line.
type profileForm struct {
	Size, Main                                                      string
	Establishments, Representatives, Importers, Distributors, Users string
}

// presenceList is one list of the reporting profile form.
type presenceList struct{ Field, Label, Hint string }

// presenceLists are the profile's lists: form field, label, hint.
var presenceLists = []presenceList{
	{"establishments", "Establishments in the Union", "One a line: Member State, number of employees, name. Used when no main establishment is given."},
	{"authorised_representatives", "Authorised representatives", "Without an establishment in the Union. One a line: Member State, number of products it acts for, name."},
	{"importers", "Importers", "One a line: Member State, number of products it places on the market, name."},
	{"distributors", "Distributors", "One a line: Member State, number of products it makes available, name."},
	{"users", "Users", "One a line: Member State, number of users there."},
}

func (f *profileForm) list(field string) *string {
	switch field {
	case "establishments":
		return &f.Establishments
	case "authorised_representatives":
		return &f.Representatives
	case "importers":
		return &f.Importers
	case "distributors":
		return &f.Distributors
	}
	return &f.Users
}

// List returns a list's text, for the template.
func (f profileForm) List(field string) string { return *f.list(field) }

func formatPresences(ps []cra.Presence) string {
	var lines []string
	for _, p := range ps {
		lines = append(lines, strings.TrimSpace(p.MemberState+" "+strconv.Itoa(p.Count)+" "+p.Name))
	}
	return strings.Join(lines, "\n")
}

// parsePresences reads "DE 120 Name" lines (commas allowed between the
// parts); a bad line is named by its number.
func parsePresences(s string) ([]cra.Presence, string) {
	var out []cra.Presence
	for i, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == ';' })
		bad := "Line " + strconv.Itoa(i+1) + ": write the Member State code, then the number, then the name (such as DE 120 Nordlicht GmbH)."
		if len(parts) < 2 {
			return nil, bad
		}
		n, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, bad
		}
		out = append(out, cra.Presence{MemberState: strings.ToUpper(parts[0]), Count: n, Name: strings.Join(parts[2:], " ")})
	}
	return out, ""
}

func profileFormOf(p *cra.ReportingProfile) profileForm {
	f := profileForm{Size: string(p.Size), Main: p.Routing.MainEstablishment}
	for _, l := range []struct {
		field string
		ps    []cra.Presence
	}{{"establishments", p.Routing.Establishments}, {"authorised_representatives", p.Routing.AuthorisedRepresentatives},
		{"importers", p.Routing.Importers}, {"distributors", p.Routing.Distributors}, {"users", p.Routing.Users}} {
		*f.list(l.field) = formatPresences(l.ps)
	}
	return f
}

// profileData is the reporting settings page's content.
type profileData struct {
	Form        profileForm
	Coordinator string
	Rule        string
	Problem     string
	SMENote     string
	Saved       *time.Time
	CanWrite    bool
}

// coordinatorOf applies Art. 14(7) to routing facts; problem says why no
// coordinator follows, field by field.
func coordinatorOf(rf cra.RoutingFacts) (state, rule, problem string) {
	state, rule, err := cra.CoordinatorMemberState(rf)
	if err == nil {
		return state, rule, ""
	}
	fields := cra.ErrorFields(err)
	if len(fields) == 0 {
		return "", "", cra.ErrorMessage(err)
	}
	var msgs []string
	for _, l := range append([]string{"main_establishment"}, "establishments", "authorised_representatives", "importers", "distributors", "users") {
		if m := fields[l]; m != "" {
			msgs = append(msgs, m)
		}
	}
	return "", "", strings.Join(msgs, " ")
}

func (u *UI) profilePage(w http.ResponseWriter, r *http.Request, form *profileForm, ferr error) error {
	p, _, _, err := u.Services.Cases.ReportingProfile(r.Context())
	if err != nil {
		return err
	}
	d := profileData{Form: profileFormOf(p), SMENote: cra.SMEFineNote(p.Size), CanWrite: cra.ActorFrom(r.Context()).Can(cra.PermOrgWrite)}
	d.Coordinator, d.Rule, d.Problem = coordinatorOf(p.Routing)
	if !p.UpdatedAt.IsZero() {
		t := p.UpdatedAt
		d.Saved = &t
	}
	if form != nil {
		d.Form = *form
	}
	page := &Page{Title: "Reporting profile", Nav: "settings", Flash: caseFlash(r), Data: d}
	if ferr != nil {
		page.Flash = ""
		return u.formError(w, r, ferr, "reporting_settings", page)
	}
	u.render(w, r, http.StatusOK, "reporting_settings", page)
	return nil
}

func (u *UI) reportingSettings(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	return u.profilePage(w, r, nil, nil)
}

func (u *UI) reportingSettingsSave(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	form := profileForm{Size: r.PostFormValue("size"), Main: r.PostFormValue("main_establishment")}
	p := cra.ReportingProfile{Size: cra.EnterpriseSize(form.Size), Routing: cra.RoutingFacts{MainEstablishment: form.Main}}
	bad := map[string]string{}
	for _, l := range presenceLists {
		text := r.PostFormValue(l.Field)
		*form.list(l.Field) = text
		ps, problem := parsePresences(text)
		if problem != "" {
			bad[l.Field] = problem
			continue
		}
		switch l.Field {
		case "establishments":
			p.Routing.Establishments = ps
		case "authorised_representatives":
			p.Routing.AuthorisedRepresentatives = ps
		case "importers":
			p.Routing.Importers = ps
		case "distributors":
			p.Routing.Distributors = ps
		case "users":
			p.Routing.Users = ps
		}
	}
	if len(bad) > 0 {
		return u.profilePage(w, r, &form, cra.Invalid(bad))
	}
	if _, err := u.Services.Cases.SaveReportingProfile(r.Context(), p); err != nil {
		return u.profilePage(w, r, &form, err)
	}
	http.Redirect(w, r, "/settings/reporting?done=profile", http.StatusSeeOther)
	return nil
}

// caseURL is a case page showing a stage.
func caseURL(id int64, st cra.Stage, seq int, done string) string {
	v := url.Values{}
	if st != "" {
		v.Set("stage", string(st))
	}
	if seq > 0 {
		v.Set("seq", strconv.Itoa(seq))
	}
	if done != "" {
		v.Set("done", done)
	}
	s := "/cases/" + itoa(id)
	if len(v) > 0 {
		s += "?" + v.Encode()
	}
	return s
}
