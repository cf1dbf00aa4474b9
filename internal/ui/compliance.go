package ui

import (
	"net/http"
	"strings"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

func (u *UI) compliance(w http.ResponseWriter, r *http.Request) error {
	pf, err := u.Services.Products.Portfolio(r.Context())
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "compliance", &Page{Title: "Compliance", Nav: "compliance", Data: pf})
	return nil
}

// scopeRef is a product, or one release of it, whose Annex I matrix a page
// shows. Base is the matrix's URL; requirement pages are below it.
type scopeRef struct {
	ProductID   int64
	ProductName string
	Release     *cra.Release // nil for the product's own matrix
	Base        string
}

// matrixScope resolves the product or release in the URL.
func (u *UI) matrixScope(r *http.Request, release bool) (scopeRef, error) {
	id, err := pathID(r)
	if err != nil {
		return scopeRef{}, err
	}
	if release {
		rel, err := u.Services.Products.GetRelease(r.Context(), id)
		if err != nil {
			return scopeRef{}, err
		}
		return scopeRef{ProductID: rel.ProductID, ProductName: rel.ProductName, Release: rel, Base: "/releases/" + itoa(id) + "/requirements"}, nil
	}
	o, err := u.Services.Products.GetProduct(r.Context(), id)
	if err != nil {
		return scopeRef{}, err
	}
	return scopeRef{ProductID: id, ProductName: o.Product.Name, Base: "/products/" + itoa(id) + "/requirements"}, nil
}

func (s scopeRef) releaseID() int64 {
	if s.Release == nil {
		return 0
	}
	return s.Release.ID
}

// matrixData is the requirement matrix page's content.
type matrixData struct {
	scopeRef
	View *cra.MatrixView
}

func (u *UI) matrix(release bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := u.matrixScope(r, release)
		if err != nil {
			return err
		}
		v, err := u.Services.Compliance.Matrix(r.Context(), s.ProductID, s.releaseID())
		if err != nil {
			return err
		}
		title := "Annex I requirements: " + s.ProductName
		if s.Release != nil {
			title += " " + s.Release.Version
		}
		u.render(w, r, http.StatusOK, "matrix", &Page{Title: title, Nav: "products", Flash: flash(r), Data: matrixData{s, v}})
		return nil
	}
}

// requirementData is the state of a requirement's page.
type requirementData struct {
	scopeRef
	Req        cra.Requirement
	Row        cra.MatrixEntry
	Overridden bool
	Form       cra.RequirementState
	// Evidence is the evidence form that was sent ("link" or "file"),
	// so that its problems show on that form.
	Evidence evidenceForm
}

type evidenceForm struct {
	Kind string
	URL  string
	Note string
}

// requirementPage renders a requirement's page; form replaces the stored
// state, ev the evidence form, when a submission is shown again.
func (u *UI) requirementPage(w http.ResponseWriter, r *http.Request, release bool, form *cra.RequirementState, ev evidenceForm, ferr error) error {
	s, err := u.matrixScope(r, release)
	if err != nil {
		return err
	}
	req, ok := cra.LookupRequirement(r.PathValue("req"))
	if !ok || req.ID != r.PathValue("req") {
		return cra.Errorf(cra.ENOTFOUND, "There is no page at %s.", r.URL.Path)
	}
	v, err := u.Services.Compliance.Matrix(r.Context(), s.ProductID, s.releaseID())
	if err != nil {
		return err
	}
	d := requirementData{scopeRef: s, Req: req, Overridden: v.Overridden[req.ID], Evidence: ev}
	for _, row := range v.Rows {
		if row.RequirementID == req.ID {
			d.Row = row
		}
	}
	d.Form = d.Row.RequirementState
	if form != nil {
		d.Form = *form
	}
	p := &Page{Title: req.ID + " " + req.Title + ": " + s.ProductName, Nav: "products", Flash: flash(r), Data: d}
	if ferr != nil {
		p.Flash = ""
		return u.formError(w, r, ferr, "requirement", p)
	}
	u.render(w, r, http.StatusOK, "requirement", p)
	return nil
}

func (u *UI) requirement(release bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		return u.requirementPage(w, r, release, nil, evidenceForm{}, nil)
	}
}

func (u *UI) requirementSubmit(release bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := u.matrixScope(r, release)
		if err != nil {
			return err
		}
		st := cra.RequirementState{RequirementID: r.PathValue("req"), Status: cra.RequirementStatus(r.PostFormValue("status")),
			Justification: r.PostFormValue("justification"), HowMet: r.PostFormValue("how_met"), TestRefs: r.PostFormValue("test_refs"),
			StandardClause: r.PostFormValue("standard_clause")}
		if _, err := u.Services.Compliance.SetRequirement(r.Context(), s.ProductID, s.releaseID(), st); err != nil {
			return u.requirementPage(w, r, release, &st, evidenceForm{}, err)
		}
		http.Redirect(w, r, s.Base+"/"+r.PathValue("req")+"?done=requirement", http.StatusSeeOther)
		return nil
	}
}

func (u *UI) clearOverride(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	req := r.PathValue("req")
	if err := u.Services.Compliance.ClearOverride(r.Context(), id, req); err != nil {
		return err
	}
	http.Redirect(w, r, "/releases/"+itoa(id)+"/requirements/"+req+"?done=override-cleared", http.StatusSeeOther)
	return nil
}

// evidenceAdd adds a link (a URL-encoded form) or a file (a multipart
// form read by readUploads) to a requirement.
func (u *UI) evidenceAdd(release bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := u.matrixScope(r, release)
		if err != nil {
			return err
		}
		ev := evidenceForm{Kind: r.PostFormValue("kind"), URL: r.PostFormValue("url"), Note: r.PostFormValue("note")}
		n := cra.NewEvidence{ReleaseID: s.releaseID(), RequirementID: r.PathValue("req"), Note: ev.Note}
		if ev.Kind == "file" {
			ev.URL = ""
			up, _ := r.Context().Value(uploadKey{}).(*upload)
			switch {
			case up != nil && up.Problem != "":
				return u.requirementPage(w, r, release, nil, ev, &cra.Error{Code: cra.EINVALID, Message: up.Problem, Fields: map[string]string{"file": up.Problem}})
			case up == nil || up.Data == nil:
				// No file chosen: the service still decides first whether
				// the caller may add evidence at all.
				n.Data = []byte{}
			default:
				n.Data, n.FileName, n.ContentType = up.Data, up.Name, up.ContentType
				if n.ContentType == "" || n.ContentType == "application/octet-stream" {
					n.ContentType = http.DetectContentType(up.Data)
				}
			}
		} else {
			ev.Kind, n.URL = "link", ev.URL
		}
		if _, err := u.Services.Compliance.AddEvidence(r.Context(), s.ProductID, n); err != nil {
			if f := cra.ErrorFields(err); n.Data != nil && len(n.Data) == 0 && f["file"] != "" {
				f["file"] = "Choose a file to upload."
			}
			return u.requirementPage(w, r, release, nil, ev, err)
		}
		http.Redirect(w, r, s.Base+"/"+r.PathValue("req")+"?done=evidence-added#evidence", http.StatusSeeOther)
		return nil
	}
}

func (u *UI) evidenceFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	e, data, err := u.Services.Compliance.EvidenceFile(r.Context(), id)
	if err != nil {
		return err
	}
	if e.Kind != cra.EvidenceFile {
		return cra.Errorf(cra.ENOTFOUND, "Evidence %d is a link, not a file.", id)
	}
	httpx.ServeEvidenceFile(w, e, data)
	return nil
}

func (u *UI) evidenceDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := u.Services.Compliance.DeleteEvidence(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, withDone(localPath(r.PostFormValue("next")), "evidence-deleted"), http.StatusSeeOther)
	return nil
}

// withDone adds a ?done= flash code to a local path.
func withDone(path, code string) string {
	if path == "/" {
		path = "/products"
	}
	if strings.Contains(path, "?") {
		return path + "&done=" + code
	}
	return path + "?done=" + code
}
