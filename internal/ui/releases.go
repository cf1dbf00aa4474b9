package ui

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

// releaseData is the state of the release page: the stored release (nil
// when adding one) and the form.
type releaseData struct {
	ProductID   int64
	ProductName string
	Release     *cra.Release
	Form        releaseForm
	// Options are the releases of other products a release may contain.
	Options []cra.ReleaseRef
	Now     time.Time
	// SBOM is the release's SBOM section (nil when adding a release).
	SBOM *sbomSection
	// Findings counts the release's open findings; nil when they are not
	// known (adding a release, or no findings service).
	Findings *int
}

// releaseForm holds the form's values as typed, so that a date that does
// not parse is shown again for correction.
type releaseForm struct {
	Version, ReleaseDate, PlacedOnMarket, SupportEnd string
	ShortSupportJustification, ModificationReason    string
	Status                                           string
	SubstantialModification, SecurityUpdate          bool
	Components                                       map[int64]bool
}

func formOfRelease(rel *cra.Release) releaseForm {
	f := releaseForm{Version: rel.Version, ReleaseDate: rel.ReleaseDate.String(), PlacedOnMarket: rel.PlacedOnMarket.String(),
		SupportEnd: rel.SupportEnd.String(), ShortSupportJustification: rel.ShortSupportJustification, ModificationReason: rel.ModificationReason,
		Status: string(rel.Status), SubstantialModification: rel.SubstantialModification, SecurityUpdate: rel.SecurityUpdate, Components: map[int64]bool{}}
	for _, c := range rel.Components {
		f.Components[c.ReleaseID] = true
	}
	return f
}

func readReleaseForm(r *http.Request) releaseForm {
	r.ParseForm()
	f := releaseForm{Version: r.PostFormValue("version"), ReleaseDate: r.PostFormValue("release_date"), PlacedOnMarket: r.PostFormValue("placed_on_market"),
		SupportEnd: r.PostFormValue("support_end"), ShortSupportJustification: r.PostFormValue("short_support_justification"),
		ModificationReason: r.PostFormValue("modification_reason"), Status: r.PostFormValue("status"),
		SubstantialModification: r.PostFormValue("substantial_modification") == "yes", SecurityUpdate: r.PostFormValue("security_update") == "yes",
		Components: map[int64]bool{}}
	for _, s := range r.PostForm["components"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			f.Components[id] = true
		} else {
			f.Components[-1] = true // reported by release()
		}
	}
	return f
}

// release turns the form into a release. Dates that do not parse are
// reported as field problems together with the release's own rules, so
// that one round trip shows every problem; nothing is saved then.
func (f releaseForm) release() (cra.Release, error) {
	rel := cra.Release{Version: f.Version, ShortSupportJustification: f.ShortSupportJustification, ModificationReason: f.ModificationReason,
		Status: cra.ReleaseStatus(f.Status), SubstantialModification: f.SubstantialModification, SecurityUpdate: f.SecurityUpdate}
	problems := map[string]string{}
	for _, d := range []struct {
		field, value string
		into         *cra.Date
	}{{"release_date", f.ReleaseDate, &rel.ReleaseDate}, {"placed_on_market", f.PlacedOnMarket, &rel.PlacedOnMarket}} {
		if strings.TrimSpace(d.value) == "" {
			continue
		}
		v, err := cra.ParseDate(d.value)
		if err != nil {
			problems[d.field] = cra.ErrorMessage(err)
			continue
		}
		*d.into = v
	}
	if strings.TrimSpace(f.SupportEnd) != "" {
		ym, err := cra.ParseYearMonth(f.SupportEnd)
		if err != nil {
			problems["support_end"] = cra.ErrorMessage(err)
		}
		rel.SupportEnd = ym
	}
	for id := range f.Components {
		if id <= 0 {
			problems["components"] = "Choose releases from the list."
			continue
		}
		rel.Components = append(rel.Components, cra.ReleaseRef{ReleaseID: id})
	}
	if len(problems) == 0 {
		return rel, nil
	}
	check := rel
	if err := check.Validate(); err != nil {
		for k, v := range cra.ErrorFields(err) {
			if problems[k] == "" {
				problems[k] = v
			}
		}
	}
	return rel, cra.Invalid(problems)
}

// componentOptions lists the releases of every product but one.
func (u *UI) componentOptions(r *http.Request, productID int64) ([]cra.ReleaseRef, error) {
	pf, err := u.Services.Products.Portfolio(r.Context())
	if err != nil {
		return nil, err
	}
	var out []cra.ReleaseRef
	for _, o := range pf.Products {
		if o.Product.ID == productID {
			continue
		}
		for _, rel := range o.Releases {
			out = append(out, cra.ReleaseRef{ReleaseID: rel.ID, ProductID: o.Product.ID, ProductName: o.Product.Name, Version: rel.Version})
		}
	}
	return out, nil
}

// newReleasePage renders the form that adds a release.
func (u *UI) newReleasePage(w http.ResponseWriter, r *http.Request, productID int64, f releaseForm, ferr error) error {
	o, err := u.Services.Products.GetProduct(r.Context(), productID)
	if err != nil {
		return err
	}
	opts, err := u.componentOptions(r, productID)
	if err != nil {
		return err
	}
	p := &Page{Title: "New release of " + o.Product.Name, Nav: "products",
		Data: releaseData{ProductID: productID, ProductName: o.Product.Name, Form: f, Options: opts, Now: u.Now()}}
	if ferr != nil {
		return u.formError(w, r, ferr, "release", p)
	}
	u.render(w, r, http.StatusOK, "release", p)
	return nil
}

func (u *UI) releaseNew(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.newReleasePage(w, r, id, releaseForm{Status: string(cra.ReleaseReleased), Components: map[int64]bool{}}, nil)
}

func (u *UI) releaseCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := readReleaseForm(r)
	rel, err := f.release()
	if err == nil {
		var created *cra.Release
		if created, err = u.Services.Products.CreateRelease(r.Context(), id, rel); err == nil {
			http.Redirect(w, r, "/releases/"+itoa(created.ID)+"?done=release-created", http.StatusSeeOther)
			return nil
		}
	}
	return u.newReleasePage(w, r, id, f, err)
}

// releasePage renders a release with its edit form.
func (u *UI) releasePage(w http.ResponseWriter, r *http.Request, id int64, f *releaseForm, ferr error) error {
	return u.releasePageWith(w, r, id, f, ferr, sbomForm{}, nil)
}

// releasePageWith renders a release; f and ferr are a release form sent
// again, sf and serr an SBOM upload that failed (shown next to the file
// field with the error's status).
func (u *UI) releasePageWith(w http.ResponseWriter, r *http.Request, id int64, f *releaseForm, ferr error, sf sbomForm, serr error) error {
	rel, err := u.Services.Products.GetRelease(r.Context(), id)
	if err != nil {
		return err
	}
	opts, err := u.componentOptions(r, rel.ProductID)
	if err != nil {
		return err
	}
	sec, err := u.sbomSection(r, rel, sf)
	if err != nil {
		return err
	}
	d := releaseData{ProductID: rel.ProductID, ProductName: rel.ProductName, Release: rel, Form: formOfRelease(rel), Options: opts, Now: u.Now(), SBOM: sec}
	if u.Services.Findings != nil {
		_, open, err := u.Services.Findings.Findings(r.Context(), cra.FindingFilter{ReleaseID: rel.ID, Limit: 1})
		if err != nil {
			return err
		}
		d.Findings = &open
	}
	if f != nil {
		d.Form = *f
	}
	p := &Page{Title: rel.ProductName + " " + rel.Version, Nav: "products", Flash: sec.flash(r), Data: d}
	if sec.CanUpload {
		p.Scripts = []string{"js/dropzone.js"}
	}
	if ferr != nil {
		p.Flash = ""
		return u.formError(w, r, ferr, "release", p)
	}
	if serr != nil {
		p.Flash = ""
		p.Errors = cra.ErrorFields(serr)
		p.Error = "The SBOM was not imported, and nothing was stored. " + cra.ErrorMessage(serr)
		u.render(w, r, httpx.Status(serr), "release", p)
		return nil
	}
	u.render(w, r, http.StatusOK, "release", p)
	return nil
}

func (u *UI) release(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.releasePage(w, r, id, nil, nil)
}

func (u *UI) releaseUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := readReleaseForm(r)
	rel, err := f.release()
	if err == nil {
		if _, err = u.Services.Products.UpdateRelease(r.Context(), id, rel); err == nil {
			http.Redirect(w, r, "/releases/"+itoa(id)+"?done=release-updated", http.StatusSeeOther)
			return nil
		}
	}
	return u.releasePage(w, r, id, &f, err)
}
