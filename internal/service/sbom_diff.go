package service

import (
	"context"
	"maps"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// componentKey identifies a component across releases independent of its
// version: the purl's package key, or the group and name without a purl.
func componentKey(c cra.Component) string {
	if k, _, ok := cra.SplitPURL(c.PURL); ok {
		return k.String()
	}
	if c.Group != "" {
		return "name:" + c.Group + "/" + c.Name
	}
	return "name:" + c.Name
}

// sameComponent reports whether two components with one key are the same
// version with the same hashes and licences.
func sameComponent(a, b cra.Component) bool {
	return a.Version == b.Version && slices.Equal(a.Hashes, b.Hashes) && slices.Equal(a.Licenses, b.Licenses) && a.PURL == b.PURL
}

// DiffReleases compares the components of two releases of one product.
// Components are matched by package (purl without version, or name); a
// package present in several versions in one release is compared version
// by version.
func (s *SBOMService) DiffReleases(ctx context.Context, fromID, toID int64) (*cra.ReleaseDiff, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	from, err := s.release(ctx, fromID)
	if err != nil {
		return nil, err
	}
	to, err := s.release(ctx, toID)
	if err != nil {
		return nil, err
	}
	if from.ProductID != to.ProductID {
		return nil, cra.Errorf(cra.EINVALID, "Compare releases of one product: %s and %s are different products.", from.ProductName, to.ProductName)
	}
	a, err := s.allComponents(ctx, fromID)
	if err != nil {
		return nil, err
	}
	b, err := s.allComponents(ctx, toID)
	if err != nil {
		return nil, err
	}
	d := &cra.ReleaseDiff{From: from, To: to}
	group := func(cs []cra.Component) map[string][]cra.Component {
		m := map[string][]cra.Component{}
		for _, c := range cs {
			m[componentKey(c)] = append(m[componentKey(c)], c)
		}
		return m
	}
	ga, gb := group(a), group(b)
	keys := map[string]bool{}
	for k := range ga {
		keys[k] = true
	}
	for k := range gb {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		olds, news := ga[k], gb[k]
		// Identical entries on both sides cancel out.
		var restOld []cra.Component
		for _, o := range olds {
			if i := slices.IndexFunc(news, func(n cra.Component) bool { return sameComponent(o, n) }); i >= 0 {
				news = slices.Delete(slices.Clone(news), i, i+1)
				d.Unchanged++
				continue
			}
			restOld = append(restOld, o)
		}
		// What is left pairs up as changes; the surplus is added or removed.
		n := min(len(restOld), len(news))
		for i := range n {
			d.Changed = append(d.Changed, cra.ComponentChange{Key: k, From: restOld[i], To: news[i]})
		}
		d.Removed = append(d.Removed, restOld[n:]...)
		d.Added = append(d.Added, news[n:]...)
	}
	byName := func(x, y cra.Component) int { return strings.Compare(x.Name+"@"+x.Version, y.Name+"@"+y.Version) }
	slices.SortFunc(d.Added, byName)
	slices.SortFunc(d.Removed, byName)
	return d, nil
}
