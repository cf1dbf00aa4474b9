package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// Apply makes products and releases match a declarative document. It
// validates the whole document first, naming every problem by its path,
// and writes nothing unless the document is valid. Objects that already
// match are left alone, so applying a document twice changes nothing.
func (s *ProductService) Apply(ctx context.Context, doc cra.ApplyDocument) (*cra.ApplyResult, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return nil, err
	}
	if err := s.validateDocument(ctx, &doc); err != nil {
		return nil, err
	}
	res := &cra.ApplyResult{}
	ids := map[string]int64{} // product name -> id
	for i := range doc.Products {
		ap := &doc.Products[i]
		id, action, err := s.applyProduct(ctx, ap)
		if err != nil {
			return res, prefixFields(err, fmt.Sprintf("products[%d]", i))
		}
		ids[ap.Product.Name] = id
		res.Changes = append(res.Changes, cra.ApplyChange{Object: "product " + ap.Product.Name, Action: action})
	}
	// Releases in two passes, so that components may name releases that
	// the same document creates further down.
	releaseIDs := map[[2]string]int64{}
	actions := map[[2]string]string{}
	for i := range doc.Products {
		ap := &doc.Products[i]
		for j := range ap.Releases {
			r := ap.Releases[j].Release
			key := [2]string{ap.Product.Name, r.Version}
			id, action, err := s.applyRelease(ctx, ids[ap.Product.Name], r)
			if err != nil {
				return res, prefixFields(err, fmt.Sprintf("products[%d].releases[%d]", i, j))
			}
			releaseIDs[key], actions[key] = id, action
		}
	}
	for i := range doc.Products {
		ap := &doc.Products[i]
		for j := range ap.Releases {
			ar := ap.Releases[j]
			key := [2]string{ap.Product.Name, ar.Release.Version}
			changed, err := s.applyComponents(ctx, releaseIDs[key], ar, releaseIDs)
			if err != nil {
				return res, prefixFields(err, fmt.Sprintf("products[%d].releases[%d]", i, j))
			}
			if changed && actions[key] == "unchanged" {
				actions[key] = "updated"
			}
			res.Changes = append(res.Changes, cra.ApplyChange{Object: "release " + ap.Product.Name + " " + ar.Release.Version, Action: actions[key]})
		}
	}
	return res, nil
}

// prefixFields re-keys an error's field problems under a document path.
func prefixFields(err error, prefix string) error {
	f := cra.ErrorFields(err)
	if len(f) == 0 {
		return err
	}
	out := map[string]string{}
	for k, v := range f {
		out[prefix+"."+k] = v
	}
	return &cra.Error{Code: cra.ErrorCode(err), Message: cra.ErrorMessage(err), Fields: out}
}

// validateDocument checks every product, decision and release, and that
// every component resolves, before anything is written.
func (s *ProductService) validateDocument(ctx context.Context, doc *cra.ApplyDocument) error {
	f := map[string]string{}
	add := func(prefix string, err error) {
		for k, v := range cra.ErrorFields(err) {
			f[prefix+"."+k] = v
		}
		if err != nil && len(cra.ErrorFields(err)) == 0 {
			f[prefix] = cra.ErrorMessage(err)
		}
	}
	inDoc := map[[2]string]bool{}
	seen := map[string]bool{}
	for i := range doc.Products {
		ap := &doc.Products[i]
		prefix := fmt.Sprintf("products[%d]", i)
		add(prefix, ap.Product.Validate())
		if seen[ap.Product.Name] {
			f[prefix+".name"] = "The document names this product twice."
		}
		seen[ap.Product.Name] = true
		if ap.Scope != nil {
			r, err := cra.EvaluateScope(ap.Scope)
			add(prefix+".scope", err)
			if err == nil && !r.Complete {
				for _, id := range r.Unanswered {
					f[prefix+".scope."+id] = "Answer this scope question (true or false)."
				}
			}
		}
		if c := ap.Classification; c != nil {
			add(prefix+".classification", validateClassification(c))
			if c.TechDocPublic && !ap.Product.Licensing.FOSS() {
				f[prefix+".classification.tech_doc_public"] = "Only for free and open-source products (Art. 32(5))."
			}
		}
		versions := map[string]bool{}
		for j := range ap.Releases {
			rp := fmt.Sprintf("%s.releases[%d]", prefix, j)
			r := &ap.Releases[j].Release
			add(rp, r.Validate())
			if versions[r.Version] {
				f[rp+".version"] = "The document lists this version twice."
			}
			versions[r.Version] = true
			inDoc[[2]string{ap.Product.Name, r.Version}] = true
		}
	}
	for i := range doc.Products {
		ap := &doc.Products[i]
		for j, ar := range ap.Releases {
			for k, c := range ar.Components {
				cp := fmt.Sprintf("products[%d].releases[%d].components[%d]", i, j, k)
				if c.Product == ap.Product.Name {
					f[cp] = "A release cannot contain a release of its own product."
					continue
				}
				if inDoc[[2]string{c.Product, c.Version}] {
					continue
				}
				if _, err := s.releaseByName(ctx, c.Product, c.Version); err != nil {
					if cra.ErrorCode(err) != cra.ENOTFOUND {
						return err
					}
					f[cp] = fmt.Sprintf("There is no release %s %s, in this document or in cyra.", c.Product, c.Version)
				}
			}
		}
	}
	if len(f) == 0 {
		if err := s.checkCycles(ctx, doc, f); err != nil {
			return err
		}
	}
	if len(f) > 0 {
		return &cra.Error{Code: cra.EINVALID, Message: fmt.Sprintf("The document has %d problem(s); nothing was applied.", len(f)), Fields: f}
	}
	return nil
}

// checkCycles refuses a document whose components, together with the
// composition already stored, would make a release contain itself. The
// store refuses cycles too, but only while writing; finding them here
// keeps an invalid document from being half applied.
func (s *ProductService) checkCycles(ctx context.Context, doc *cra.ApplyDocument, f map[string]string) error {
	type key = [2]string
	stored, err := s.store.FindReleases(ctx, cra.ReleaseFilter{})
	if err != nil {
		return err
	}
	edges := map[key][]key{}
	for _, r := range stored {
		for _, c := range r.Components {
			edges[key{r.ProductName, r.Version}] = append(edges[key{r.ProductName, r.Version}], key{c.ProductName, c.Version})
		}
	}
	paths := map[key]string{}
	var order []key
	for i, ap := range doc.Products {
		for j, ar := range ap.Releases {
			k := key{ap.Product.Name, ar.Release.Version}
			paths[k] = fmt.Sprintf("products[%d].releases[%d].components", i, j)
			order = append(order, k)
			edges[k] = nil // the document's list replaces the stored one
			for _, c := range ar.Components {
				edges[k] = append(edges[k], key{c.Product, c.Version})
			}
		}
	}
	// Depth-first search from each release of the document.
	const (
		unseen = iota
		onPath
		done
	)
	state := map[key]int{}
	var stack []key
	var visit func(k key) []key
	visit = func(k key) []key {
		state[k] = onPath
		stack = append(stack, k)
		for _, next := range edges[k] {
			switch state[next] {
			case onPath:
				i := slices.Index(stack, next)
				return append(slices.Clone(stack[i:]), next)
			case unseen:
				if cycle := visit(next); cycle != nil {
					return cycle
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[k] = done
		return nil
	}
	for _, k := range order {
		if state[k] != unseen {
			continue
		}
		stack = stack[:0]
		if cycle := visit(k); cycle != nil {
			var names []string
			for _, c := range cycle {
				names = append(names, c[0]+" "+c[1])
			}
			msg := "These components make a cycle (" + strings.Join(names, " contains ") + "); products cannot contain each other."
			// Every release of the document on the cycle gets the message.
			for _, c := range cycle {
				if path, ok := paths[c]; ok {
					f[path] = msg
				}
			}
			return nil
		}
	}
	return nil
}

// validateClassification checks a classification's fields and makes its
// category code canonical.
func validateClassification(c *cra.Classification) error {
	f := map[string]string{}
	cat, ok := cra.LookupCategory(c.Category)
	if !ok {
		f["category"] = fmt.Sprintf("Unknown category %q; use default or an Annex III/IV code such as I-12, II-2 or C-3.", c.Category)
	} else {
		c.Category = cat.Code
	}
	if c.Rationale == "" {
		f["rationale"] = "Explain why the product does (or does not) have the core functionality of the category (Art. 7(1), Reg. (EU) 2025/2392)."
	} else if len([]rune(c.Rationale)) > 20000 {
		f["rationale"] = "Must be at most 20000 characters."
	}
	if c.Standards == "" {
		c.Standards = cra.StandardsNone
	}
	if !c.Standards.Valid() {
		f["standards"] = "Choose full, partial or none."
	}
	return cra.Invalid(f)
}

func (s *ProductService) releaseByName(ctx context.Context, product, version string) (*cra.Release, error) {
	ps, err := s.store.FindProducts(ctx, cra.ProductFilter{Name: &product})
	if err != nil || len(ps) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "No product named %q.", product)
	}
	rs, err := s.store.FindReleases(ctx, cra.ReleaseFilter{ProductID: &ps[0].ID, Version: &version})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "No release %s %s.", product, version)
	}
	return rs[0], nil
}

// applyProduct creates or updates one product and its decisions.
func (s *ProductService) applyProduct(ctx context.Context, ap *cra.ApplyProduct) (int64, string, error) {
	name := ap.Product.Name
	existing, err := s.store.FindProducts(ctx, cra.ProductFilter{Name: &name})
	if err != nil {
		return 0, "", err
	}
	action := "unchanged"
	var p *cra.Product
	if len(existing) == 0 {
		if p, err = s.CreateProduct(ctx, ap.Product); err != nil {
			return 0, "", err
		}
		action = "created"
	} else {
		p = existing[0]
		if !maps.Equal(productSummary(p), productSummary(&ap.Product)) {
			if p, err = s.UpdateProduct(ctx, p.ID, ap.Product); err != nil {
				return 0, "", err
			}
			action = "updated"
		}
	}
	if ap.Scope != nil && (p.Scope == nil || !sameAnswers(p.Scope.Answers, ap.Scope)) {
		if p, err = s.DecideScope(ctx, p.ID, ap.Scope); err != nil {
			return 0, "", prefixFields(err, "scope")
		}
		action = changed(action)
	}
	if c := ap.Classification; c != nil {
		if old := p.Classification; old == nil || old.Category != c.Category || old.Rationale != c.Rationale || old.Standards != c.Standards || old.TechDocPublic != c.TechDocPublic {
			if p, err = s.Classify(ctx, p.ID, *c); err != nil {
				return 0, "", prefixFields(err, "classification")
			}
			action = changed(action)
		}
	}
	return p.ID, action, nil
}

func changed(action string) string {
	if action == "unchanged" {
		return "updated"
	}
	return action
}

// sameAnswers compares scope answers question by question.
func sameAnswers(a, b cra.ScopeAnswers) bool {
	for _, q := range cra.ScopeQuestions {
		if a[q.ID] != b[q.ID] {
			return false
		}
	}
	return true
}

// applyRelease creates or updates a release's own fields (not its
// components).
func (s *ProductService) applyRelease(ctx context.Context, productID int64, r cra.Release) (int64, string, error) {
	rs, err := s.store.FindReleases(ctx, cra.ReleaseFilter{ProductID: &productID, Version: &r.Version})
	if err != nil {
		return 0, "", err
	}
	if len(rs) == 0 {
		r.Components = nil
		created, err := s.CreateRelease(ctx, productID, r)
		if err != nil {
			return 0, "", err
		}
		return created.ID, "created", nil
	}
	cur := rs[0]
	r.Components = cur.Components
	if maps.Equal(releaseSummary(cur), releaseSummary(&r)) {
		return cur.ID, "unchanged", nil
	}
	if _, err := s.UpdateRelease(ctx, cur.ID, r); err != nil {
		return 0, "", err
	}
	return cur.ID, "updated", nil
}

// applyComponents sets a release's components when they differ from the
// document, and reports whether it did.
func (s *ProductService) applyComponents(ctx context.Context, id int64, ar cra.ApplyRelease, inDoc map[[2]string]int64) (bool, error) {
	var want []int64
	for _, c := range ar.Components {
		cid, ok := inDoc[[2]string{c.Product, c.Version}]
		if !ok {
			r, err := s.releaseByName(ctx, c.Product, c.Version)
			if err != nil {
				return false, err
			}
			cid = r.ID
		}
		want = append(want, cid)
	}
	cur, err := s.store.FindReleaseByID(ctx, id)
	if err != nil {
		return false, err
	}
	var have []int64
	for _, c := range cur.Components {
		have = append(have, c.ReleaseID)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	slices.Sort(have)
	if slices.Equal(want, have) {
		return false, nil
	}
	next := *cur
	next.Components = nil
	for _, cid := range want {
		next.Components = append(next.Components, cra.ReleaseRef{ReleaseID: cid})
	}
	if _, err := s.UpdateRelease(ctx, id, next); err != nil {
		return false, err
	}
	return true, nil
}
