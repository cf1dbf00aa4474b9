package ui

import (
	"net/http"
	"time"

	"cyra/internal/cra"
)

func (u *UI) products(w http.ResponseWriter, r *http.Request) error {
	pf, err := u.Services.Products.Portfolio(r.Context())
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "products", &Page{Title: "Products", Nav: "products", Flash: flash(r), Data: pf})
	return nil
}

// productData is the product page's content.
type productData struct {
	*cra.ProductOverview
	Now time.Time
}

func (u *UI) product(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := u.Services.Products.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "product", &Page{Title: o.Product.Name, Nav: "products", Flash: flash(r), Data: productData{o, u.Now()}})
	return nil
}

// productFormData is the state of the form that creates or edits a
// product.
type productFormData struct {
	ID      int64 // 0 when creating
	Name    string
	Product cra.Product
}

// productForm reads the product form.
func productForm(r *http.Request) cra.Product {
	r.ParseForm()
	return cra.Product{
		Name: r.PostFormValue("name"), Model: r.PostFormValue("model"), SKU: r.PostFormValue("sku"), Description: r.PostFormValue("description"),
		IntendedPurpose: r.PostFormValue("intended_purpose"), ForeseeableUse: r.PostFormValue("foreseeable_use"),
		ForeseeableMisuse: r.PostFormValue("foreseeable_misuse"), OperatingEnvironment: r.PostFormValue("operating_environment"),
		RemoteDataProcessing: r.PostFormValue("remote_data_processing") == "yes", RDPDescription: r.PostFormValue("rdp_description"),
		OperatorRole: cra.OperatorRole(r.PostFormValue("operator_role")), Licensing: cra.Licensing(r.PostFormValue("licensing")),
		MemberStates: r.PostForm["member_states"], Team: r.PostFormValue("team"), Lifecycle: cra.Lifecycle(r.PostFormValue("lifecycle")),
	}
}

func (u *UI) productNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	p := cra.Product{OperatorRole: cra.RoleManufacturer, Licensing: cra.LicensingProprietary, Lifecycle: cra.LifecycleDevelopment}
	u.render(w, r, http.StatusOK, "product_form", &Page{Title: "New product", Nav: "products", Data: productFormData{Product: p}})
	return nil
}

func (u *UI) productCreate(w http.ResponseWriter, r *http.Request) error {
	p := productForm(r)
	created, err := u.Services.Products.CreateProduct(r.Context(), p)
	if err != nil {
		return u.formError(w, r, err, "product_form", &Page{Title: "New product", Nav: "products", Data: productFormData{Product: p}})
	}
	http.Redirect(w, r, "/products/"+itoa(created.ID)+"?done=product-created", http.StatusSeeOther)
	return nil
}

func (u *UI) productEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := u.Services.Products.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "product_form", &Page{Title: "Edit " + o.Product.Name, Nav: "products",
		Data: productFormData{ID: id, Name: o.Product.Name, Product: *o.Product}})
	return nil
}

func (u *UI) productUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p := productForm(r)
	if _, err := u.Services.Products.UpdateProduct(r.Context(), id, p); err != nil {
		o, gerr := u.Services.Products.GetProduct(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		return u.formError(w, r, err, "product_form", &Page{Title: "Edit " + o.Product.Name, Nav: "products",
			Data: productFormData{ID: id, Name: o.Product.Name, Product: p}})
	}
	http.Redirect(w, r, "/products/"+itoa(id)+"?done=product-updated", http.StatusSeeOther)
	return nil
}

// scopeData is the scope questionnaire's state: answers are "yes", "no"
// or "" (unanswered) by question ID.
type scopeData struct {
	Product *cra.Product
	Answers map[string]string
}

func (u *UI) scopeForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := u.Services.Products.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	answers := map[string]string{}
	if s := o.Product.Scope; s != nil {
		for qid, yes := range s.Answers {
			answers[qid] = yesNo(yes)
		}
	}
	u.render(w, r, http.StatusOK, "scope", &Page{Title: "Scope check: " + o.Product.Name, Nav: "products", Data: scopeData{o.Product, answers}})
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (u *UI) scopeSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	answers, raw := cra.ScopeAnswers{}, map[string]string{}
	for _, q := range cra.ScopeQuestions {
		switch v := r.PostFormValue("answers." + q.ID); v {
		case "yes", "no":
			answers[q.ID], raw[q.ID] = v == "yes", v
		}
	}
	if _, err := u.Services.Products.DecideScope(r.Context(), id, answers); err != nil {
		o, gerr := u.Services.Products.GetProduct(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		return u.formError(w, r, err, "scope", &Page{Title: "Scope check: " + o.Product.Name, Nav: "products", Data: scopeData{o.Product, raw}})
	}
	http.Redirect(w, r, "/products/"+itoa(id)+"?done=scope", http.StatusSeeOther)
	return nil
}

// classifyData is the classification form's state.
type classifyData struct {
	Product *cra.Product
	Form    cra.Classification
}

func (u *UI) classifyForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := u.Services.Products.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	f := cra.Classification{Standards: cra.StandardsNone}
	if c := o.Product.Classification; c != nil {
		f = *c
	}
	u.render(w, r, http.StatusOK, "classification", &Page{Title: "Classification: " + o.Product.Name, Nav: "products", Data: classifyData{o.Product, f}})
	return nil
}

func (u *UI) classifySubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c := cra.Classification{Category: r.PostFormValue("category"), Rationale: r.PostFormValue("rationale"),
		Standards: cra.StandardsApplication(r.PostFormValue("standards")), TechDocPublic: r.PostFormValue("tech_doc_public") == "yes"}
	if _, err := u.Services.Products.Classify(r.Context(), id, c); err != nil {
		o, gerr := u.Services.Products.GetProduct(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		return u.formError(w, r, err, "classification", &Page{Title: "Classification: " + o.Product.Name, Nav: "products", Data: classifyData{o.Product, c}})
	}
	http.Redirect(w, r, "/products/"+itoa(id)+"?done=classified", http.StatusSeeOther)
	return nil
}
