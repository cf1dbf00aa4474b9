package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
)

// componentsPerPage is the size of a page of the components table.
const componentsPerPage = 100

// componentsData is the components page's content.
type componentsData struct {
	Release *cra.Release
	Current *cra.SBOMRecord // nil when the release has no SBOM
	// DirectKnown is false when the SBOM does not state the subject's
	// direct dependencies, so "not direct" does not mean transitive.
	DirectKnown bool
	Query       string
	Direct      bool
	NoPURL      bool
	Components  []cra.StoredComponent
	Total       int
	Page, Pages int
	First, Last int // 1-based positions of the rows shown
	Prev, Next  string
	Filtered    bool
}

// pageLink is the components page's URL for a page with the filter.
func (d *componentsData) pageLink(page int) string {
	v := url.Values{}
	if d.Query != "" {
		v.Set("q", d.Query)
	}
	if d.Direct {
		v.Set("direct", "on")
	}
	if d.NoPURL {
		v.Set("nopurl", "on")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	link := "/releases/" + itoa(d.Release.ID) + "/components"
	if len(v) > 0 {
		link += "?" + v.Encode()
	}
	return link
}

func (u *UI) components(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rel, err := u.Services.Products.GetRelease(r.Context(), id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := &componentsData{Release: rel, Query: strings.TrimSpace(q.Get("q")), Direct: q.Get("direct") != "", NoPURL: q.Get("nopurl") != "", Page: 1}
	if r := []rune(d.Query); len(r) > 200 {
		d.Query = string(r[:200])
	}
	d.Filtered = d.Query != "" || d.Direct || d.NoPURL
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		d.Page = min(n, 1_000_000)
	}
	recs, err := u.Services.SBOMs.SBOMs(r.Context(), id)
	if err != nil {
		return err
	}
	if len(recs) > 0 && recs[0].Current {
		d.Current = recs[0]
		d.DirectKnown = directKnown(d.Current)
	}
	f := cra.ComponentFilter{ReleaseID: id, Query: d.Query, DirectOnly: d.Direct, WithoutPURL: d.NoPURL, Limit: componentsPerPage, Offset: (d.Page - 1) * componentsPerPage}
	d.Components, d.Total, err = u.Services.SBOMs.Components(r.Context(), f)
	if err != nil {
		return err
	}
	d.Pages = max(1, (d.Total+componentsPerPage-1)/componentsPerPage)
	if d.Page > d.Pages {
		// Past the end (the filter changed, or a stale link): show the last page.
		d.Page = d.Pages
		f.Offset = (d.Page - 1) * componentsPerPage
		if d.Components, d.Total, err = u.Services.SBOMs.Components(r.Context(), f); err != nil {
			return err
		}
	}
	if len(d.Components) > 0 {
		d.First = f.Offset + 1
		d.Last = f.Offset + len(d.Components)
	}
	if d.Page > 1 {
		d.Prev = d.pageLink(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = d.pageLink(d.Page + 1)
	}
	u.render(w, r, http.StatusOK, "components", &Page{Title: "Components of " + rel.ProductName + " " + rel.Version, Nav: "products", Data: d})
	return nil
}

// diffOption is a release the diff form offers.
type diffOption struct {
	ID         int64
	Version    string
	HasSBOM    bool
	Components int
}

// diffData is the release comparison page's content.
type diffData struct {
	ProductID   int64
	ProductName string
	Options     []diffOption // newest first
	From, To    int64
	WithSBOM    int // how many releases have an SBOM
	Diff        *cra.ReleaseDiff
}

func (u *UI) diff(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := u.Services.Products.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	d := &diffData{ProductID: id, ProductName: o.Product.Name}
	var withSBOM []int64
	for _, rel := range o.Releases {
		opt := diffOption{ID: rel.ID, Version: rel.Version}
		recs, err := u.Services.SBOMs.SBOMs(r.Context(), rel.ID)
		if err != nil {
			return err
		}
		if len(recs) > 0 && recs[0].Current {
			opt.HasSBOM, opt.Components = true, recs[0].ComponentCount
			withSBOM = append(withSBOM, rel.ID)
		}
		d.Options = append(d.Options, opt)
	}
	d.WithSBOM = len(withSBOM)
	page := &Page{Title: "Compare releases of " + o.Product.Name, Nav: "products", Data: d}
	problems := map[string]string{}
	q := r.URL.Query()
	known := func(field string) int64 {
		s := strings.TrimSpace(q.Get(field))
		if s == "" {
			return 0
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			for _, opt := range d.Options {
				if opt.ID == v {
					return v
				}
			}
		}
		problems[field] = "Choose a release of " + o.Product.Name + " from the list."
		return 0
	}
	d.From, d.To = known("from"), known("to")
	// Defaults: the two newest releases with an SBOM; with only "to"
	// given, the next older one with an SBOM.
	if d.To == 0 && problems["to"] == "" && len(withSBOM) > 0 {
		d.To = withSBOM[0]
	}
	if d.From == 0 && problems["from"] == "" {
		for i, rid := range withSBOM {
			if rid == d.To && i+1 < len(withSBOM) {
				d.From = withSBOM[i+1]
			}
		}
		for _, rid := range withSBOM {
			if d.From == 0 && d.To != 0 && rid != d.To {
				d.From = rid
			}
		}
	}
	if len(problems) == 0 && d.From != 0 && d.To != 0 {
		if d.From == d.To {
			problems["to"] = "Choose two different releases."
		} else if d.Diff, err = u.Services.SBOMs.DiffReleases(r.Context(), d.From, d.To); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return u.formError(w, r, cra.Invalid(problems), "diff", page)
	}
	u.render(w, r, http.StatusOK, "diff", page)
	return nil
}

// searchData is the component search page's content.
type searchData struct {
	PURL, Version string
	Searched      bool
	Hits          []cra.ComponentHit
	Now           time.Time
}

func (u *UI) componentSearch(w http.ResponseWriter, r *http.Request) error {
	if err := cra.Authorize(r.Context(), cra.PermProductsRead); err != nil {
		return err
	}
	q := r.URL.Query()
	d := &searchData{PURL: strings.TrimSpace(q.Get("purl")), Version: strings.TrimSpace(q.Get("version")), Now: u.Now()}
	page := &Page{Title: "Find a component", Nav: "products", Data: d}
	if d.PURL == "" && d.Version != "" {
		return u.formError(w, r, cra.Invalid(map[string]string{"purl": "Give the package URL too, e.g. pkg:npm/lodash."}), "component_search", page)
	}
	if d.PURL != "" {
		hits, err := u.Services.SBOMs.SearchComponents(r.Context(), d.PURL, d.Version)
		if err != nil {
			if cra.ErrorCode(err) == cra.EINVALID && cra.ErrorFields(err)["purl"] == "" {
				err = &cra.Error{Code: cra.EINVALID, Message: cra.ErrorMessage(err), Fields: map[string]string{"purl": cra.ErrorMessage(err)}}
			}
			return u.formError(w, r, err, "component_search", page)
		}
		d.Hits, d.Searched = hits, true
	}
	u.render(w, r, http.StatusOK, "component_search", page)
	return nil
}
