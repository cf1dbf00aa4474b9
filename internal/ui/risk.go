package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"cyra/internal/cra"
)

// riskData is the risk assessment page's state.
type riskData struct {
	Product  *cra.Product
	Shown    *cra.RiskAssessment // the version shown (nil when none exists)
	Latest   bool                // Shown is the latest version
	Versions []*cra.RiskAssessment
	Form     riskForm
	Now      time.Time
}

// riskForm holds the form's values as typed. Rows are numbered as the
// form numbers them, and so are their field problems.
type riskForm struct {
	Summary, ReviewedOn, ReviewDue string
	Assets                         []cra.RiskAsset
	Threats                        []threatRow
}

type threatRow struct {
	Title, MisuseCase, Decision, Requirements string
	Likelihood, Impact                        int
}

// blankRows is how many empty asset and threat rows the form offers.
const blankRows = 3

// maxRows bounds the rows read from a form (the service allows 200 assets
// and 500 threats).
const maxRows = 600

func formOfRisk(ra *cra.RiskAssessment, today time.Time) riskForm {
	f := riskForm{ReviewedOn: today.Format(time.DateOnly), ReviewDue: today.AddDate(1, 0, 0).Format(time.DateOnly)}
	if ra != nil {
		f.Summary = ra.Summary
		f.Assets = append(f.Assets, ra.Assets...)
		for _, t := range ra.Threats {
			f.Threats = append(f.Threats, threatRow{Title: t.Title, MisuseCase: t.MisuseCase, Decision: t.Decision,
				Requirements: strings.Join(t.Requirements, ", "), Likelihood: t.Likelihood, Impact: t.Impact})
		}
	}
	return f.withBlankRows()
}

func (f riskForm) withBlankRows() riskForm {
	for range blankRows {
		f.Assets = append(f.Assets, cra.RiskAsset{})
		f.Threats = append(f.Threats, threatRow{})
	}
	return f
}

func readRiskForm(r *http.Request) riskForm {
	r.ParseForm()
	f := riskForm{Summary: r.PostFormValue("summary"), ReviewedOn: r.PostFormValue("reviewed_on"), ReviewDue: r.PostFormValue("review_due")}
	for i := 0; i < maxRows; i++ {
		k := fmt.Sprintf("assets[%d].", i)
		if _, ok := r.PostForm[k+"name"]; !ok {
			break
		}
		f.Assets = append(f.Assets, cra.RiskAsset{Name: r.PostFormValue(k + "name"), Description: r.PostFormValue(k + "description")})
	}
	for i := 0; i < maxRows; i++ {
		k := fmt.Sprintf("threats[%d].", i)
		if _, ok := r.PostForm[k+"title"]; !ok {
			break
		}
		l, _ := strconv.Atoi(r.PostFormValue(k + "likelihood"))
		im, _ := strconv.Atoi(r.PostFormValue(k + "impact"))
		f.Threats = append(f.Threats, threatRow{Title: r.PostFormValue(k + "title"), MisuseCase: r.PostFormValue(k + "misuse_case"),
			Decision: r.PostFormValue(k + "decision"), Requirements: r.PostFormValue(k + "requirements"), Likelihood: l, Impact: im})
	}
	return f
}

func (t threatRow) blank() bool {
	return strings.TrimSpace(t.Title+t.MisuseCase+t.Decision+t.Requirements) == "" && t.Likelihood == 0 && t.Impact == 0
}

// assessment turns the form into an assessment, leaving out blank rows.
// err reports dates that do not parse together with every other problem.
// The service numbers field problems by the rows it received; rename maps
// them back to the rows of the form.
func (f riskForm) assessment() (ra cra.RiskAssessment, rename func(error) error, err error) {
	ra.Summary = f.Summary
	problems := map[string]string{}
	for _, d := range []struct {
		field, value string
		into         *cra.Date
	}{{"reviewed_on", f.ReviewedOn, &ra.ReviewedOn}, {"review_due", f.ReviewDue, &ra.ReviewDue}} {
		if strings.TrimSpace(d.value) == "" {
			continue
		}
		v, perr := cra.ParseDate(d.value)
		if perr != nil {
			problems[d.field] = cra.ErrorMessage(perr)
			continue
		}
		*d.into = v
	}
	rows := map[string][]int{}
	for i, a := range f.Assets {
		if strings.TrimSpace(a.Name+a.Description) == "" {
			continue
		}
		rows["assets"] = append(rows["assets"], i)
		ra.Assets = append(ra.Assets, a)
	}
	for i, t := range f.Threats {
		if t.blank() {
			continue
		}
		rows["threats"] = append(rows["threats"], i)
		var reqs []string
		for _, id := range strings.FieldsFunc(t.Requirements, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
			if req, ok := cra.LookupRequirement(id); ok {
				id = req.ID
			}
			reqs = append(reqs, id)
		}
		ra.Threats = append(ra.Threats, cra.Threat{Title: t.Title, MisuseCase: t.MisuseCase, Likelihood: t.Likelihood, Impact: t.Impact,
			Decision: t.Decision, Requirements: reqs})
	}
	rename = func(err error) error {
		fields := cra.ErrorFields(err)
		if len(fields) == 0 {
			return err
		}
		out := map[string]string{}
		for k, v := range fields {
			out[formRow(k, rows)] = v
		}
		return &cra.Error{Code: cra.ErrorCode(err), Message: cra.ErrorMessage(err), Fields: out}
	}
	if len(problems) > 0 {
		check := ra
		for k, v := range cra.ErrorFields(rename(check.Validate())) {
			if problems[k] == "" {
				problems[k] = v
			}
		}
		return ra, rename, cra.Invalid(problems)
	}
	return ra, rename, nil
}

// formRow maps a field such as "threats[1].impact" of the submitted rows
// to the form row that row 1 came from.
func formRow(key string, rows map[string][]int) string {
	kind, rest, ok := strings.Cut(key, "[")
	num, tail, ok2 := strings.Cut(rest, "]")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || n < 0 || n >= len(rows[kind]) {
		return key
	}
	return kind + "[" + strconv.Itoa(rows[kind][n]) + "]" + tail
}

// riskPage renders the page with the version asked for in ?version=.
func (u *UI) riskPage(w http.ResponseWriter, r *http.Request, f *riskForm, ferr error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := u.Services.Products.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	vs, err := u.Services.Compliance.RiskAssessments(r.Context(), id)
	if err != nil {
		return err
	}
	d := riskData{Product: o.Product, Versions: vs, Now: u.Now()}
	if len(vs) > 0 {
		d.Shown, d.Latest = vs[0], true
	}
	if s := r.URL.Query().Get("version"); s != "" {
		n, _ := strconv.Atoi(s)
		d.Shown, d.Latest = nil, false
		for i, v := range vs {
			if v.Version == n {
				d.Shown, d.Latest = v, i == 0
			}
		}
		if d.Shown == nil {
			return cra.Errorf(cra.ENOTFOUND, "The risk assessment of %s has no version %s.", o.Product.Name, s)
		}
	}
	if f != nil {
		d.Form = *f
	} else {
		var latest *cra.RiskAssessment
		if len(vs) > 0 {
			latest = vs[0]
		}
		d.Form = formOfRisk(latest, u.Now().UTC())
	}
	p := &Page{Title: "Risk assessment: " + o.Product.Name, Nav: "products", Flash: flash(r), Data: d}
	if ferr != nil {
		p.Flash = ""
		return u.formError(w, r, ferr, "risk", p)
	}
	u.render(w, r, http.StatusOK, "risk", p)
	return nil
}

func (u *UI) risk(w http.ResponseWriter, r *http.Request) error {
	return u.riskPage(w, r, nil, nil)
}

func (u *UI) riskSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := readRiskForm(r)
	ra, rename, err := f.assessment()
	if err != nil {
		return u.riskPage(w, r, &f, err)
	}
	if _, err := u.Services.Compliance.SaveRiskAssessment(r.Context(), id, ra); err != nil {
		return u.riskPage(w, r, &f, rename(err))
	}
	http.Redirect(w, r, "/products/"+itoa(id)+"/risk?done=risk-saved", http.StatusSeeOther)
	return nil
}
