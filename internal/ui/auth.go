package ui

import (
	"net/http"
	"strings"
	"time"

	"cyra/internal/cra"
)

// setupData is the setup page's form state.
type setupData struct {
	Token string
	Form  cra.SetupForm
}

func (u *UI) setupForm(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		return cra.Errorf(cra.ENOTFOUND, "Open the setup link that cyra serve printed when it started; it contains the one-time token.")
	}
	if err := u.Services.Auth.CheckSetupToken(r.Context(), tok); err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "setup", &Page{Title: "Set up cyra", Data: setupData{Token: tok}})
	return nil
}

func (u *UI) setupSubmit(w http.ResponseWriter, r *http.Request) error {
	f := cra.SetupForm{
		Token: r.PostFormValue("token"),
		Organisation: cra.Organisation{
			LegalName: r.PostFormValue("legal_name"), PostalAddress: r.PostFormValue("postal_address"),
			ContactEmail: r.PostFormValue("contact_email"), Website: r.PostFormValue("website"), MemberState: r.PostFormValue("member_state"),
		},
		Admin: cra.NewUser{Email: r.PostFormValue("admin_email"), Name: r.PostFormValue("admin_name"), Password: r.PostFormValue("admin_password")},
	}
	if f.Admin.Password != r.PostFormValue("admin_password_confirm") {
		return u.formError(w, r, cra.Invalid(map[string]string{"admin_password_confirm": "The passwords do not match."}), "setup",
			&Page{Title: "Set up cyra", Data: setupData{Token: f.Token, Form: f}})
	}
	_, sess, err := u.Services.Auth.CompleteSetup(r.Context(), f, clientInfo(r, u.ProxyHeader))
	if err != nil {
		if code := cra.ErrorCode(err); code == cra.EINVALID {
			f.Admin.Password = ""
			return u.formError(w, r, err, "setup", &Page{Title: "Set up cyra", Data: setupData{Token: f.Token, Form: f}})
		}
		return err
	}
	u.setSession(w, sess)
	http.Redirect(w, r, "/?done=setup", http.StatusSeeOther)
	return nil
}

func (u *UI) setSession(w http.ResponseWriter, secret string) {
	u.Cookies.Set(w, u.Cookies.Session, secret, int(u.SessionMaxAge.Seconds()))
}

// loginData is the sign-in page's state.
type loginData struct {
	Email         string
	Next          string
	SetupRequired bool
}

func (u *UI) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if cra.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	setup, err := u.Services.Auth.SetupRequired(r.Context())
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "login", &Page{Title: "Sign in", Data: loginData{Next: next, SetupRequired: setup}})
	return nil
}

func (u *UI) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	email, next := strings.TrimSpace(r.PostFormValue("email")), localPath(r.PostFormValue("next"))
	_, sess, err := u.Services.Auth.Login(r.Context(), email, r.PostFormValue("password"), clientInfo(r, u.ProxyHeader))
	if err != nil {
		return u.formError(w, r, err, "login", &Page{Title: "Sign in", Data: loginData{Email: email, Next: next}})
	}
	u.setSession(w, sess)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(u.Cookies.Session); err == nil {
		if err := u.Services.Auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	u.Cookies.Set(w, u.Cookies.Session, "", -1)
	http.Redirect(w, r, "/login?done=logout", http.StatusSeeOther)
	return nil
}

// sections are the product areas of the navigation, with what each will
// hold; they fill in as the features land.
var sections = map[string]struct{ Title, Text string }{
	"vulnerabilities": {"Vulnerabilities", "Findings matched from OSV, NVD, CISA KEV, ENISA EUVD and EPSS against every release on the market, with triage (Annex I Part II)."},
}

func (u *UI) section(name string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := requireActor(r); err != nil {
			return err
		}
		s := sections[name]
		u.render(w, r, http.StatusOK, "section", &Page{Title: s.Title, Nav: name, Data: s})
		return nil
	}
}

// dashboardTrendDays is the length of the dashboard's exposure trend.
const dashboardTrendDays = 90

// dashboardData is the dashboard's content.
type dashboardData struct {
	User      *cra.User
	Org       *cra.Organisation
	Portfolio *cra.Portfolio
	// WithWarnings counts the products with at least one warning.
	WithWarnings int
	// Calendar holds the obligations of the next twelve months, the two
	// application dates of the CRA, and everything past or overdue.
	Calendar []calendarItem
	// Exposure is the releases on the market and their actionable
	// findings (nil when the findings service is not available).
	Exposure *cra.Exposure
	// Reporting is the open reviews and cases (nil without the case
	// service).
	Reporting *dashboardReporting
}

// calendarItem is an obligation with the name of its product.
type calendarItem struct {
	cra.CalendarEvent
	ProductName string
}

// calendarHorizon is how far ahead the dashboard lists obligations.
const calendarHorizon = 12 // months

func dashboardCalendar(pf *cra.Portfolio, now time.Time) []calendarItem {
	names := map[int64]string{}
	for _, o := range pf.Products {
		names[o.Product.ID] = o.Product.Name
	}
	until := now.AddDate(0, calendarHorizon, 0)
	var out []calendarItem
	for _, e := range pf.Calendar {
		if e.Kind == "regulation" || e.Past || e.Date.Before(until) {
			out = append(out, calendarItem{e, names[e.ProductID]})
		}
	}
	return out
}

func (u *UI) dashboard(w http.ResponseWriter, r *http.Request) error {
	if cra.ActorFrom(r.Context()) == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	me, err := u.Services.Users.Me(r.Context())
	if err != nil {
		return err
	}
	org, err := u.Services.Organisation.GetOrganisation(r.Context())
	if err != nil && cra.ErrorCode(err) != cra.ENOTFOUND {
		return err
	}
	pf, err := u.Services.Products.Portfolio(r.Context())
	if err != nil {
		return err
	}
	d := dashboardData{User: me, Org: org, Portfolio: pf, Calendar: dashboardCalendar(pf, u.Now())}
	for _, o := range pf.Products {
		if len(o.Warnings) > 0 {
			d.WithWarnings++
		}
	}
	if u.Services.Findings != nil {
		if d.Exposure, err = u.Services.Findings.Exposure(r.Context(), dashboardTrendDays); err != nil {
			return err
		}
	}
	if d.Reporting, err = u.reportingPanel(r); err != nil {
		return err
	}
	p := &Page{Title: "Dashboard", Nav: "dashboard", Data: d, Scripts: []string{"js/cases.js"}}
	if r.URL.Query().Get("done") == "setup" {
		p.Flash = "cyra is set up. Next, invite your team under Settings → Users."
	}
	u.render(w, r, http.StatusOK, "dashboard", p)
	return nil
}
