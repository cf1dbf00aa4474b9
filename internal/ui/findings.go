package ui

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
)

// findingsPerPage is the size of a page of the findings list.
const findingsPerPage = 50

// findingFuncs are the template functions of the findings pages and the
// dashboard's exposure section.
var findingFuncs = template.FuncMap{
	"ratingBadge":        ratingBadge,
	"ratingLabel":        ratingLabel,
	"triageLabel":        triageLabel,
	"triageBadge":        triageBadge,
	"scopeLabel":         scopeLabel,
	"justificationLabel": justificationLabel,
	"responseLabel":      responseLabel,
	"triageStatuses":     func() []cra.TriageStatus { return cra.TriageStatuses },
	"justifications":     func() []string { return cra.Justifications },
	"triageResponses":    func() []string { return cra.Responses },
	"exposureTrend":      exposureTrend,
	"minSeverities":      func() []string { return []string{"critical", "high", "medium", "low"} },
}

// ratingBadge is the badge class of a CVSS rating.
func ratingBadge(rating string) string {
	switch cra.SeverityRank(rating) {
	case 4, 3:
		return "off"
	case 2:
		return "warn"
	}
	return "neutral"
}

// ratingLabel writes a rating as a word, "Unknown" when there is none.
func ratingLabel(rating string) string {
	if rating == "" {
		return "Unknown"
	}
	return strings.ToUpper(rating[:1]) + strings.ToLower(rating[1:])
}

// triageLabel names a finding status.
func triageLabel(s cra.TriageStatus) string {
	switch s {
	case cra.StatusUntriaged:
		return "Untriaged"
	case cra.StatusUnderInvestigation:
		return "Under investigation"
	case cra.StatusAffected:
		return "Affected"
	case cra.StatusNotAffected:
		return "Not affected"
	case cra.StatusFixed:
		return "Fixed"
	}
	return string(s)
}

// triageBadge is the badge class of a finding status: closed decisions
// are green, open questions amber, confirmed exposure red.
func triageBadge(s cra.TriageStatus) string {
	switch s {
	case cra.StatusNotAffected, cra.StatusFixed:
		return "on"
	case cra.StatusAffected:
		return "off"
	case cra.StatusUnderInvestigation:
		return "warn"
	}
	return "neutral"
}

func scopeLabel(s cra.TriageScope) string {
	if s == cra.ScopeProduct {
		return "All versions of the product"
	}
	return "This release"
}

// justificationLabel writes a VEX justification as words.
func justificationLabel(j string) string {
	if j == "" {
		return ""
	}
	s := strings.ReplaceAll(j, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// responseLabel writes a CycloneDX response as words.
func responseLabel(r string) string {
	switch r {
	case "can_not_fix":
		return "Cannot fix"
	case "will_not_fix":
		return "Will not fix"
	case "update":
		return "Update"
	case "rollback":
		return "Roll back"
	case "workaround_available":
		return "Workaround available"
	}
	return r
}

// findingsFilterForm is the filter form as typed, so that a bad value is
// shown again for correction.
type findingsFilterForm struct {
	Product, Release, Severity, EPSS, Component, Vuln, State, Sort string
	KEV, Exploited, OnMarket                                       bool
	Statuses                                                       map[string]bool
}

// findingsData is the findings page's content.
type findingsData struct {
	Form        findingsFilterForm
	Products    []cra.ProductOverview
	Findings    []cra.Finding
	Total       int
	Page, Pages int
	First, Last int
	Prev, Next  string
	Filtered    bool
}

// query is the form as URL values, without the page.
func (f findingsFilterForm) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"product": f.Product, "release": f.Release, "severity": f.Severity, "epss": f.EPSS,
		"component": f.Component, "vuln": f.Vuln, "sort": f.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.State != "" && f.State != "open" {
		v.Set("state", f.State)
	}
	if f.KEV {
		v.Set("kev", "on")
	}
	if f.Exploited {
		v.Set("exploited", "on")
	}
	if f.OnMarket {
		v.Set("on_market", "on")
	}
	for _, s := range append([]cra.TriageStatus{cra.StatusUntriaged}, cra.TriageStatuses...) {
		if f.Statuses[string(s)] {
			v.Add("status", string(s))
		}
	}
	return v
}

func (d *findingsData) pageLink(page int) string {
	v := d.Form.query()
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "/findings?" + v.Encode()
}

// SortLink is the list in another order, from the first page.
func (d *findingsData) SortLink(sort string) string {
	f := d.Form
	f.Sort = sort
	if sort == string(cra.FindingSortRisk) {
		f.Sort = ""
	}
	return "/findings?" + f.query().Encode()
}

// Sorted reports whether the list is in this order.
func (d *findingsData) Sorted(sort string) bool {
	return d.Form.Sort == sort || (d.Form.Sort == "" && sort == string(cra.FindingSortRisk))
}

// readFindingsFilter reads the filter form; problems are reported per
// field, together with the filter's own.
func readFindingsFilter(r *http.Request, now time.Time) (findingsFilterForm, cra.FindingFilter, error) {
	q := r.URL.Query()
	form := findingsFilterForm{Product: strings.TrimSpace(q.Get("product")), Release: strings.TrimSpace(q.Get("release")),
		Severity: strings.ToLower(strings.TrimSpace(q.Get("severity"))), EPSS: strings.TrimSpace(q.Get("epss")),
		Component: strings.TrimSpace(q.Get("component")), Vuln: strings.TrimSpace(q.Get("vuln")), State: q.Get("state"), Sort: q.Get("sort"),
		KEV: q.Get("kev") != "", Exploited: q.Get("exploited") != "", OnMarket: q.Get("on_market") != "", Statuses: map[string]bool{}}
	f := cra.FindingFilter{MinSeverity: form.Severity, KEV: form.KEV, Exploited: form.Exploited, Component: form.Component, Vuln: cra.NormalizeVulnID(form.Vuln),
		Sort: cra.FindingSort(form.Sort), Limit: findingsPerPage}
	if form.OnMarket {
		f.OnMarket = now
	}
	bad := map[string]string{}
	for _, id := range []struct {
		name, value string
		into        *int64
	}{{"product", form.Product, &f.ProductID}, {"release", form.Release, &f.ReleaseID}} {
		if id.value == "" {
			continue
		}
		if n, err := strconv.ParseInt(id.value, 10, 64); err == nil && n > 0 {
			*id.into = n
		} else {
			bad[id.name] = "Choose from the list."
		}
	}
	if form.EPSS != "" {
		v, err := strconv.ParseFloat(strings.TrimSuffix(form.EPSS, "%"), 64)
		switch {
		case err != nil || math.IsNaN(v):
			bad["epss"] = "EPSS is a probability between 0 and 1, such as 0.1."
		case strings.HasSuffix(form.EPSS, "%"):
			f.MinEPSS = v / 100
		default:
			f.MinEPSS = v
		}
	}
	for _, v := range q["status"] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				form.Statuses[s] = true
				f.Statuses = append(f.Statuses, cra.TriageStatus(s))
			}
		}
	}
	switch form.State {
	case "", "open":
	case "resolved":
		f.Resolved = true
	case "all":
		f.All = true
	default:
		bad["state"] = "Choose open, resolved or all."
	}
	if len([]rune(form.Component)) > 200 {
		bad["component"] = "At most 200 characters."
	}
	if len([]rune(form.Vuln)) > 200 {
		bad["vuln"] = "At most 200 characters."
	}
	if err := f.Validate(); err != nil {
		for k, v := range cra.ErrorFields(err) {
			if bad[k] == "" {
				bad[k] = v
			}
		}
	}
	if len(bad) > 0 {
		return form, f, &cra.Error{Code: cra.EINVALID, Message: "Correct the highlighted filters.", Fields: bad}
	}
	return form, f, nil
}

func (u *UI) findings(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	form, f, ferr := readFindingsFilter(r, u.Now())
	d := &findingsData{Form: form, Page: 1}
	d.Filtered = len(form.query()) > 0
	page := &Page{Title: "Findings", Nav: "findings", Data: d}
	pf, err := u.Services.Products.Portfolio(r.Context())
	if err != nil {
		return err
	}
	d.Products = pf.Products
	if ferr != nil {
		return u.formError(w, r, ferr, "findings", page)
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 1 {
		d.Page = min(n, 1_000_000)
	}
	f.Offset = (d.Page - 1) * findingsPerPage
	if d.Findings, d.Total, err = u.Services.Findings.Findings(r.Context(), f); err != nil {
		if cra.ErrorCode(err) == cra.EINVALID {
			return u.formError(w, r, err, "findings", page)
		}
		return err
	}
	d.Pages = max(1, (d.Total+findingsPerPage-1)/findingsPerPage)
	if d.Page > d.Pages {
		// Past the end (the filter changed, or a stale link): the last page.
		d.Page = d.Pages
		f.Offset = (d.Page - 1) * findingsPerPage
		if d.Findings, d.Total, err = u.Services.Findings.Findings(r.Context(), f); err != nil {
			return err
		}
	}
	if len(d.Findings) > 0 {
		d.First, d.Last = f.Offset+1, f.Offset+len(d.Findings)
	}
	if d.Page > 1 {
		d.Prev = d.pageLink(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = d.pageLink(d.Page + 1)
	}
	u.render(w, r, http.StatusOK, "findings", page)
	return nil
}

// triageForm is the triage form as typed.
type triageForm struct {
	Status, Scope, Justification, Impact, Action, Comment string
	Responses                                             map[string]bool
}

func (f triageForm) input() cra.TriageInput {
	in := cra.TriageInput{Status: cra.TriageStatus(f.Status), Scope: cra.TriageScope(f.Scope), Justification: f.Justification,
		Impact: f.Impact, Action: f.Action, Comment: f.Comment}
	for _, r := range cra.Responses {
		if f.Responses[r] {
			in.Responses = append(in.Responses, r)
		}
	}
	// Responses the form does not offer are passed on for the service
	// to refuse by name.
	for r := range f.Responses {
		if !slices.Contains(cra.Responses, r) {
			in.Responses = append(in.Responses, r)
		}
	}
	// A justification only belongs to not_affected; the select stays in
	// the form (hidden) when another status is chosen.
	if in.Status != cra.StatusNotAffected {
		in.Justification = ""
	}
	return in
}

// formOfTriage starts the form from the decision in force, so that a
// change is a small edit.
func formOfTriage(t *cra.Triage) triageForm {
	f := triageForm{Scope: string(cra.ScopeRelease), Responses: map[string]bool{}}
	if t == nil {
		return f
	}
	f.Status, f.Scope, f.Justification, f.Impact, f.Action = string(t.Status), string(t.Scope), t.Justification, t.Impact, t.Action
	for _, r := range t.Responses {
		f.Responses[r] = true
	}
	return f
}

// findingData is a finding page's content.
type findingData struct {
	F       *cra.Finding
	History []cra.Triage
	Form    triageForm
}

// OtherAliases are the vulnerability's ids besides the one it is shown by.
func (d findingData) OtherAliases() []string {
	var out []string
	for _, a := range d.F.Aliases {
		if a != d.F.VulnKey {
			out = append(out, a)
		}
	}
	return out
}

// Path is the dependency path from the product to the component.
func (d findingData) Path() []string {
	return append(append([]string{d.F.ProductName}, d.F.Path...), d.F.Component)
}

func (u *UI) findingPage(w http.ResponseWriter, r *http.Request, id int64, form *triageForm, ferr error) error {
	f, history, err := u.Services.Findings.Finding(r.Context(), id)
	if err != nil {
		return err
	}
	d := findingData{F: f, History: history, Form: formOfTriage(f.Triage)}
	if form != nil {
		d.Form = *form
	}
	p := &Page{Title: f.VulnKey + " in " + f.Component, Nav: "findings", Flash: flash(r), Data: d}
	if ferr != nil {
		p.Flash = ""
		return u.formError(w, r, ferr, "finding", p)
	}
	u.render(w, r, http.StatusOK, "finding", p)
	return nil
}

func (u *UI) finding(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.findingPage(w, r, id, nil, nil)
}

func (u *UI) findingTriage(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	r.ParseForm()
	form := triageForm{Status: r.PostFormValue("status"), Scope: r.PostFormValue("scope"), Justification: r.PostFormValue("justification"),
		Impact: r.PostFormValue("impact"), Action: r.PostFormValue("action"), Comment: r.PostFormValue("comment"), Responses: map[string]bool{}}
	for _, s := range r.PostForm["responses"] {
		form.Responses[s] = true
	}
	if _, err := u.Services.Findings.Triage(r.Context(), id, form.input()); err != nil {
		return u.findingPage(w, r, id, &form, err)
	}
	http.Redirect(w, r, "/findings/"+itoa(id)+"?done=triaged#history", http.StatusSeeOther)
	return nil
}

// exposureTrend draws the exposure trend as one polyline per severity,
// oldest day on the left, on a shared scale; the label says in words what
// the lines show, so the chart needs neither script nor sight.
func exposureTrend(points []cra.ExposurePoint) template.HTML {
	if len(points) == 0 {
		return ""
	}
	const w, h, top = 600.0, 150.0, 10.0
	series := []struct {
		name  string
		count func(cra.SeverityCounts) int
	}{
		{"critical", func(c cra.SeverityCounts) int { return c.Critical }},
		{"high", func(c cra.SeverityCounts) int { return c.High }},
		{"medium", func(c cra.SeverityCounts) int { return c.Medium }},
		{"low", func(c cra.SeverityCounts) int { return c.Low }},
	}
	peak := 1
	for _, p := range points {
		for _, s := range series {
			peak = max(peak, s.count(p.Counts))
		}
	}
	n := len(points)
	x := func(i int) float64 {
		if n == 1 {
			return w * float64(i)
		}
		return w * float64(i) / float64(n-1)
	}
	y := func(v int) float64 { return h - (h-top)*float64(v)/float64(peak) }
	first, last := points[0], points[n-1]
	var b strings.Builder
	var said []string
	for _, s := range series {
		said = append(said, fmt.Sprintf("%s %d → %d", s.name, s.count(first.Counts), s.count(last.Counts)))
	}
	label := fmt.Sprintf("Actionable findings of the releases on the market from %s to %s: %s.", first.Day, last.Day, strings.Join(said, ", "))
	fmt.Fprintf(&b, `<svg class="exposure-trend" role="img" aria-label="%s" viewBox="0 0 %.0f %.0f" preserveAspectRatio="none" data-testid="exposure-trend">`,
		template.HTMLEscapeString(label), w, h)
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%.1f" x2="%.0f" y2="%.1f"/><line class="grid" x1="0" y1="%.1f" x2="%.0f" y2="%.1f"/>`, h, w, h, y(peak), w, y(peak))
	for _, s := range series {
		var pts []string
		for i, p := range points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(s.count(p.Counts))))
		}
		if n == 1 {
			// One day is a level line across the chart.
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", w, y(s.count(first.Counts))))
		}
		fmt.Fprintf(&b, `<polyline class="sev-%s" fill="none" stroke-width="2" vector-effect="non-scaling-stroke" points="%s"/>`, s.name, strings.Join(pts, " "))
	}
	b.WriteString(`</svg>`)
	fmt.Fprintf(&b, `<p class="hint trend-axis"><span>%s</span><span>peak %d</span><span>%s</span></p>`,
		template.HTMLEscapeString(first.Day.String()), peak, template.HTMLEscapeString(last.Day.String()))
	return template.HTML(b.String())
}
