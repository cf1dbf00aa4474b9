package api

import (
	"net/http"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

func handleListProducts(products cra.ProductService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pf, err := products.Portfolio(r.Context())
		if err != nil {
			return err
		}
		out := struct {
			Products  []ProductOverview `json:"products"`
			Readiness Readiness         `json:"readiness"`
		}{Products: []ProductOverview{}, Readiness: readinessJSON(pf.Readiness)}
		for _, o := range pf.Products {
			out.Products = append(out.Products, overviewJSON(o, now()))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

// CalendarEvent is the JSON form of an obligations-calendar entry.
type CalendarEvent struct {
	Date      string `json:"date"`
	Kind      string `json:"kind"`
	Title     string `json:"title"`
	ProductID int64  `json:"product_id,omitempty"`
	ReleaseID int64  `json:"release_id,omitempty"`
	Past      bool   `json:"past"`
}

func handleCalendar(products cra.ProductService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pf, err := products.Portfolio(r.Context())
		if err != nil {
			return err
		}
		out := struct {
			Events []CalendarEvent `json:"events"`
		}{Events: []CalendarEvent{}}
		for _, e := range pf.Calendar {
			out.Events = append(out.Events, CalendarEvent{Date: e.Date.UTC().Format(time.DateOnly), Kind: e.Kind, Title: e.Title,
				ProductID: e.ProductID, ReleaseID: e.ReleaseID, Past: e.Past})
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleGetProduct(products cra.ProductService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		o, err := products.GetProduct(r.Context(), id)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, overviewJSON(*o, now()))
		return nil
	}
}

func handleCreateProduct(products cra.ProductService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in ProductInput
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		p, err := products.CreateProduct(r.Context(), in.Product())
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/products/"+itoa(p.ID))
		httpx.JSON(w, http.StatusCreated, productJSON(p))
		return nil
	}
}

func handleUpdateProduct(products cra.ProductService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in ProductInput
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		p, err := products.UpdateProduct(r.Context(), id, in.Product())
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, productJSON(p))
		return nil
	}
}

func handleDecideScope(products cra.ProductService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in struct {
			Answers cra.ScopeAnswers `json:"answers"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		p, err := products.DecideScope(r.Context(), id, in.Answers)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, productJSON(p))
		return nil
	}
}

func handleClassify(products cra.ProductService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in struct {
			Category      string                   `json:"category"`
			Rationale     string                   `json:"rationale"`
			Standards     cra.StandardsApplication `json:"standards"`
			TechDocPublic bool                     `json:"tech_doc_public"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		p, err := products.Classify(r.Context(), id, cra.Classification{Category: in.Category, Rationale: in.Rationale, Standards: in.Standards, TechDocPublic: in.TechDocPublic})
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, productJSON(p))
		return nil
	}
}

func handleScopeQuestions() handler {
	type question struct {
		ID         string `json:"id"`
		Text       string `json:"text"`
		Help       string `json:"help"`
		ExcludesIf bool   `json:"excludes_if"`
		Reason     string `json:"reason"`
		Article    string `json:"article"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		out := struct {
			Questions []question `json:"questions"`
		}{}
		for _, q := range cra.ScopeQuestions {
			out.Questions = append(out.Questions, question{ID: q.ID, Text: q.Text, Help: q.Help, ExcludesIf: q.Excludes, Reason: q.Reason, Article: q.Article})
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleCategories() handler {
	type category struct {
		Code  string           `json:"code"`
		Class cra.ProductClass `json:"class"`
		Name  string           `json:"name"`
		Ref   string           `json:"ref"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		out := struct {
			Categories []category `json:"categories"`
		}{}
		for _, c := range cra.Categories {
			out.Categories = append(out.Categories, category{Code: c.Code, Class: c.Class, Name: c.Name, Ref: c.Ref})
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleListReleases(products cra.ProductService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		rs, err := products.ListReleases(r.Context(), id)
		if err != nil {
			return err
		}
		out := struct {
			Releases []Release `json:"releases"`
		}{Releases: []Release{}}
		for _, rel := range rs {
			out.Releases = append(out.Releases, releaseJSON(rel, now()))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

// decodeRelease reads the {id} of the path and a release from the body.
func decodeRelease(w http.ResponseWriter, r *http.Request) (int64, cra.Release, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, cra.Release{}, err
	}
	var in ReleaseInput
	if err := httpx.Decode(w, r, &in); err != nil {
		return 0, cra.Release{}, err
	}
	rel, err := in.Release()
	return id, rel, err
}

func handleCreateRelease(products cra.ProductService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, rel, err := decodeRelease(w, r)
		if err != nil {
			return err
		}
		created, err := products.CreateRelease(r.Context(), id, rel)
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/releases/"+itoa(created.ID))
		httpx.JSON(w, http.StatusCreated, releaseJSON(created, now()))
		return nil
	}
}

func handleGetRelease(products cra.ProductService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		rel, err := products.GetRelease(r.Context(), id)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, releaseJSON(rel, now()))
		return nil
	}
}

func handleUpdateRelease(products cra.ProductService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, rel, err := decodeRelease(w, r)
		if err != nil {
			return err
		}
		updated, err := products.UpdateRelease(r.Context(), id, rel)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, releaseJSON(updated, now()))
		return nil
	}
}
