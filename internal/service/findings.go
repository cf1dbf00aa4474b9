package service

import (
	"bytes"
	"context"
	"slices"
	"time"

	"cyra/internal/cra"
	"cyra/internal/matching"
	"cyra/internal/sbom"
)

// FindingService implements cra.FindingService.
type FindingService struct {
	*deps
	mon     *monitor
	maxSize int64
}

var _ cra.FindingService = (*FindingService)(nil)

// Findings lists findings.
func (s *FindingService) Findings(ctx context.Context, f cra.FindingFilter) ([]cra.Finding, int, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, 0, err
	}
	switch {
	case f.Limit == 0:
		f.Limit = 50
	case f.Limit > 500:
		return nil, 0, &cra.Error{Code: cra.EINVALID, Message: "limit must be at most 500.", Fields: map[string]string{"limit": "at most 500"}}
	}
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	return s.store.FindFindings(ctx, f)
}

// Finding returns a finding with its triage history.
func (s *FindingService) Finding(ctx context.Context, id int64) (*cra.Finding, []cra.Triage, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, nil, err
	}
	f, err := s.store.FindFinding(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	hist, err := s.store.TriageHistory(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return f, hist, nil
}

// Triage records a decision on a finding.
func (s *FindingService) Triage(ctx context.Context, findingID int64, in cra.TriageInput) (*cra.Finding, error) {
	if err := cra.Authorize(ctx, cra.PermTriage); err != nil {
		return nil, err
	}
	f, err := s.store.FindFinding(ctx, findingID)
	if err != nil {
		return nil, err
	}
	actor := cra.ActorFrom(ctx)
	t := cra.Triage{ProductID: f.ProductID, ReleaseID: f.ReleaseID, Package: f.Package, VulnID: f.VulnID, Scope: in.Scope,
		Status: in.Status, Justification: in.Justification, Impact: in.Impact, Action: in.Action,
		Responses: slices.Clone(in.Responses), Comment: in.Comment, By: decider(actor), At: s.now()}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if t.Scope == cra.ScopeProduct {
		t.ReleaseID = 0
	}
	after := map[string]any{"vulnerability": f.VulnKey, "package": f.Package, "scope": string(t.Scope), "status": string(t.Status)}
	if f.Triage == nil {
		after["previous"] = string(cra.StatusUntriaged)
	} else {
		after["previous"] = string(f.Triage.Status)
	}
	if t.Scope == cra.ScopeRelease {
		after["release"] = f.ProductName + " " + f.Release
	} else {
		after["product"] = f.ProductName
	}
	for k, v := range map[string]string{"justification": t.Justification, "impact": t.Impact, "action": t.Action, "comment": t.Comment} {
		if v != "" {
			after[k] = v
		}
	}
	if len(t.Responses) > 0 {
		after["responses"] = t.Responses
	}
	rec := s.record(actor, "finding.triage", "finding", itoa(f.ID), nil, after)
	if err := s.store.SaveTriage(ctx, &t, rec); err != nil {
		return nil, err
	}
	// A decision that reopens an exploited finding calls for a review.
	if s.mon.exposed != nil && !t.Status.Closes() && f.Exploited() {
		s.mon.exposed(ctx, []string{f.VulnKey})
	}
	s.mon.recordExposure(ctx)
	return s.store.FindFinding(ctx, findingID)
}

// Exposure is the portfolio's exposure with its trend.
func (s *FindingService) Exposure(ctx context.Context, days int) (*cra.Exposure, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	switch {
	case days == 0:
		days = 90
	case days < 0 || days > 3660:
		return nil, &cra.Error{Code: cra.EINVALID, Message: "days must be between 1 and 3660.", Fields: map[string]string{"days": "between 1 and 3660"}}
	}
	now := s.now()
	e, err := s.store.ExposureAt(ctx, now)
	if err != nil {
		return nil, err
	}
	today := cra.Date{Time: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
	since := cra.Date{Time: today.AddDate(0, 0, -(days - 1))}
	points, err := s.store.ExposureTrend(ctx, since)
	if err != nil {
		return nil, err
	}
	e.Trend = fillTrend(points, since, today, e.Counts)
	return e, nil
}

// fillTrend makes one point per day from the first recorded day (or
// today) to today: a day without a record carries the day before's
// counts, and today shows the live counts.
func fillTrend(points []cra.ExposurePoint, since, today cra.Date, live cra.SeverityCounts) []cra.ExposurePoint {
	var out []cra.ExposurePoint
	i := 0
	var cur *cra.SeverityCounts
	for d := since; !d.After(today.Time); d = (cra.Date{Time: d.AddDate(0, 0, 1)}) {
		for i < len(points) && !points[i].Day.After(d.Time) {
			cur = &points[i].Counts
			i++
		}
		switch {
		case d.Equal(today.Time):
			out = append(out, cra.ExposurePoint{Day: d, Counts: live})
		case cur != nil:
			out = append(out, cra.ExposurePoint{Day: d, Counts: *cur})
		}
	}
	return out
}

// Rematch matches releases again.
func (s *FindingService) Rematch(ctx context.Context, releaseIDs []int64) (cra.FindingChanges, error) {
	if err := cra.Authorize(ctx, cra.PermProductsWrite); err != nil {
		return cra.FindingChanges{}, err
	}
	if len(releaseIDs) == 0 {
		rels, err := s.store.FindReleases(ctx, cra.ReleaseFilter{})
		if err != nil {
			return cra.FindingChanges{}, err
		}
		for _, r := range rels {
			releaseIDs = append(releaseIDs, r.ID)
		}
	} else {
		for _, id := range releaseIDs {
			if _, err := s.store.FindReleaseByID(ctx, id); err != nil {
				return cra.FindingChanges{}, err
			}
		}
	}
	return s.mon.matchReleases(ctx, releaseIDs)
}

// Scan matches an SBOM against the local database without storing it.
func (s *FindingService) Scan(ctx context.Context, fileName string, data []byte, format cra.SBOMFormat) (*cra.ScanResult, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	if fileName == "" {
		fileName = "SBOM"
	}
	if int64(len(data)) > s.maxSize {
		return nil, cra.Errorf(cra.ETOOLARGE, "%s is larger than the %d-byte limit for SBOMs.", fileName, s.maxSize)
	}
	doc, err := sbom.Parse(fileName, bytes.NewReader(data), sbom.Options{MaxSize: s.maxSize, Format: format})
	if err != nil {
		return nil, err
	}
	res, err := s.mon.scan(ctx, fileName, doc)
	if err != nil {
		return nil, err
	}
	// What the scan was matched against: how many vulnerabilities cyra
	// holds and when a feed last brought data.
	if _, res.Advisories, err = s.store.SearchVulnerabilities(ctx, cra.VulnFilter{Limit: 1}); err != nil {
		return nil, err
	}
	states, err := s.store.FeedStates(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		if st.LastSuccess != nil && st.LastSuccess.After(res.FeedsAt) {
			res.FeedsAt = *st.LastSuccess
		}
	}
	return res, nil
}

// decider names who made a triage decision, as VEX documents and the
// history show it: the person's e-mail (the audit log records the token
// or session), or the system actor's label.
func decider(a *cra.Actor) string {
	if a.Email != "" {
		return a.Email
	}
	return a.Label()
}

// scan matches a parsed SBOM.
func (m *monitor) scan(ctx context.Context, fileName string, doc *cra.SBOM) (*cra.ScanResult, error) {
	res := &cra.ScanResult{File: fileName, Format: doc.Format, Components: len(doc.Components),
		NotMatchable: []cra.ScanComponent{}, Findings: []cra.ScanFinding{}}
	setDepPaths(doc)
	comps := make([]cra.MatchComponent, 0, len(doc.Components))
	for _, c := range doc.Components {
		sc := cra.ScanComponent{Name: c.Name, Version: c.Version, PURL: c.PURL}
		if c.PURL == "" {
			sc.NotMatchable = "no purl"
			if c.PURLProblem != "" {
				sc.NotMatchable = "purl " + c.RawPURL + ": " + c.PURLProblem
			}
			res.NotMatchable = append(res.NotMatchable, sc)
			continue
		}
		pkg, err := matching.ParsePURL(c.PURL)
		if err != nil {
			sc.NotMatchable = err.Error()
			res.NotMatchable = append(res.NotMatchable, sc)
			continue
		}
		comps = append(comps, cra.MatchComponent{Ref: c.Ref, Name: c.Name, Version: c.Version, PURL: c.PURL, Direct: c.Direct,
			MatchKeys: pkg.Keys(), Path: c.DepPath, PathKnown: true})
	}
	m.mu.Lock()
	hits, bad, err := m.match(ctx, comps)
	var facts map[int64]cra.VulnFacts
	if err == nil {
		facts, err = m.facts(ctx, hits)
	}
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	reported := map[int]bool{}
	for _, b := range bad {
		if reported[b.comp] {
			continue
		}
		reported[b.comp] = true
		c := comps[b.comp]
		res.NotMatchable = append(res.NotMatchable, cra.ScanComponent{Name: c.Name, Version: c.Version, PURL: c.PURL, NotMatchable: b.reason})
	}
	for _, h := range hits {
		fa, ok := facts[h.vulnID]
		if !ok || fa.Withdrawn {
			continue
		}
		c := comps[h.comp]
		sf := cra.ScanFinding{PURL: c.PURL, Component: c.Name, Version: h.pkg.Version, Ecosystem: h.pkg.Ecosystem,
			VulnID: fa.Key, Aliases: fa.Aliases, Summary: fa.Summary, Advisories: h.advisories, Score: fa.Score, Rating: fa.Rating,
			KEV: fa.KEVAdded != nil, KEVAdded: fa.KEVAdded, Exploited: fa.KEVAdded != nil || fa.ExploitedSince != nil,
			ExploitedSince: fa.ExploitedSince, EPSS: fa.EPSS, FixedVersions: nonNil(h.fixed), Fix: h.fix, Uncertain: h.uncertain}
		sf.Path, sf.Direct = knownPath(c)
		res.Findings = append(res.Findings, sf)
	}
	slices.SortFunc(res.Findings, func(a, b cra.ScanFinding) int {
		fa := cra.Finding{VulnKey: a.VulnID, Package: a.PURL, KEVAdded: a.KEVAdded, ExploitedSince: a.ExploitedSince, EPSS: a.EPSS, Score: a.Score}
		fb := cra.Finding{VulnKey: b.VulnID, Package: b.PURL, KEVAdded: b.KEVAdded, ExploitedSince: b.ExploitedSince, EPSS: b.EPSS, Score: b.Score}
		return cra.CompareFindings(&fa, &fb)
	})
	return res, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// matchReleases matches the current components of releases and merges
// the findings.
func (m *monitor) matchReleases(ctx context.Context, releaseIDs []int64) (cra.FindingChanges, error) {
	var total cra.FindingChanges
	var keys []string // of exploited vulnerabilities found
	// Batches bound memory on large portfolios.
	for len(releaseIDs) > 0 {
		n := min(len(releaseIDs), 200)
		batch := releaseIDs[:n]
		releaseIDs = releaseIDs[n:]
		ch, exploited, err := m.rematch(ctx, cra.MatchComponentFilter{ReleaseIDs: batch}, cra.FindingScope{ReleaseIDs: batch})
		if err != nil {
			return total, err
		}
		addChanges(&total, ch)
		keys = append(keys, exploited...)
	}
	m.afterMatch(ctx, total, keys)
	return total, nil
}

// matchKeys matches the components of the packages under keys, in every
// release, and merges the findings of those packages.
func (m *monitor) matchKeys(ctx context.Context, keys []string) (cra.FindingChanges, error) {
	var total cra.FindingChanges
	var exploitedKeys []string
	for len(keys) > 0 {
		n := min(len(keys), 500)
		batch := keys[:n]
		keys = keys[n:]
		ch, exploited, err := m.rematch(ctx, cra.MatchComponentFilter{MatchKeys: batch}, cra.FindingScope{MatchKeys: batch})
		if err != nil {
			return total, err
		}
		addChanges(&total, ch)
		exploitedKeys = append(exploitedKeys, exploited...)
	}
	m.afterMatch(ctx, total, exploitedKeys)
	return total, nil
}

// afterMatch runs what follows a match, outside the match lock: reviews
// for exploited vulnerabilities among findings that opened, and the
// exposure trend.
func (m *monitor) afterMatch(ctx context.Context, ch cra.FindingChanges, exploited []string) {
	if len(ch.New) > 0 && len(exploited) > 0 && m.exposed != nil {
		slices.Sort(exploited)
		m.exposed(ctx, slices.Compact(exploited))
	}
	m.recordExposure(ctx)
}

func addChanges(total *cra.FindingChanges, ch cra.FindingChanges) {
	total.Opened += ch.Opened
	total.Reopened += ch.Reopened
	total.Updated += ch.Updated
	total.Resolved += ch.Resolved
	total.New = append(total.New, ch.New...)
}

// rematch matches the selected components and saves the findings of
// scope.
// It also returns the display ids of the exploited vulnerabilities found.
func (m *monitor) rematch(ctx context.Context, f cra.MatchComponentFilter, scope cra.FindingScope) (cra.FindingChanges, []string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	comps, err := m.store.MatchComponents(ctx, f)
	if err != nil {
		return cra.FindingChanges{}, nil, err
	}
	hits, bad, err := m.match(ctx, comps)
	if err != nil {
		return cra.FindingChanges{}, nil, err
	}
	for _, b := range bad {
		m.logger.Debug("component not matchable", "purl", comps[b.comp].PURL, "reason", b.reason)
		if b.vulnID != 0 {
			// An advisory that cannot decide keeps what was found before.
			c := comps[b.comp]
			scope.Undecided = append(scope.Undecided, cra.FindingMatch{ReleaseID: c.ReleaseID, Package: packageOf(c.PURL), VulnID: b.vulnID})
		}
	}
	facts, err := m.facts(ctx, hits)
	if err != nil {
		return cra.FindingChanges{}, nil, err
	}
	var exploited []string
	for _, fa := range facts {
		if fa.KEVAdded != nil || fa.ExploitedSince != nil {
			exploited = append(exploited, fa.Key)
		}
	}
	graphs := map[int64]*graph{}
	refNames := map[int64]map[string]string{}
	found := make([]cra.FindingMatch, 0, len(hits))
	for _, h := range hits {
		fa, ok := facts[h.vulnID]
		if !ok || fa.Withdrawn {
			continue
		}
		c := comps[h.comp]
		fm := cra.FindingMatch{ReleaseID: c.ReleaseID, Package: packageOf(c.PURL), PURL: c.PURL, Component: c.Name,
			Version: h.pkg.Version, MatchKey: h.key, VulnID: h.vulnID, Advisory: h.advisories, Fixed: h.fixed, Fix: h.fix,
			Uncertain: h.uncertain, Direct: c.Direct}
		if c.PathKnown {
			fm.Path, fm.Direct = knownPath(c)
			found = append(found, fm)
			continue
		}
		// Stored before paths were computed at upload: read the graph.
		g, ok := graphs[c.SBOMID]
		if !ok {
			g, refNames[c.SBOMID], err = m.sbomGraph(ctx, c.SBOMID, comps)
			if err != nil {
				return cra.FindingChanges{}, nil, err
			}
			graphs[c.SBOMID] = g
		}
		if path, direct := g.path(c.Ref); len(path) > 0 || direct {
			fm.Path, fm.Direct = names(path, refNames[c.SBOMID]), direct || c.Direct
		}
		found = append(found, fm)
	}
	ch, err := m.store.SaveFindings(ctx, scope, found, facts, m.now())
	if err != nil {
		return ch, nil, err
	}
	return ch, exploited, nil
}

// knownPath is a component's path computed at upload (Component.DepPath)
// and whether it is direct: so the SBOM says, or it hangs off the subject.
func knownPath(c cra.MatchComponent) ([]string, bool) {
	return c.Path, c.Direct || (c.Path != nil && len(c.Path) == 0)
}

// sbomGraph loads the dependency graph of a stored SBOM and the names of
// its components.
//
// Stored SBOMs never change, so graphs are cached by SBOM (up to
// graphCacheSize of them); the caller holds m.mu.
func (m *monitor) sbomGraph(ctx context.Context, sbomID int64, comps []cra.MatchComponent) (*graph, map[string]string, error) {
	cg, ok := m.graphs[sbomID]
	if !ok {
		rec, err := m.store.FindSBOMByID(ctx, sbomID)
		if err != nil {
			return nil, nil, err
		}
		deps, err := m.store.SBOMGraph(ctx, sbomID)
		if err != nil {
			return nil, nil, err
		}
		cg = &cachedGraph{}
		subject := ""
		if rec.Subject != nil {
			subject, cg.subjectName = rec.Subject.Ref, rec.Subject.Name
		}
		cg.subject, cg.g = subject, newGraph(subject, deps)
		if len(m.graphs) >= graphCacheSize {
			clear(m.graphs)
		}
		m.graphs[sbomID] = cg
	}
	byRef := map[string]string{}
	if cg.subject != "" {
		byRef[cg.subject] = cg.subjectName
	}
	for _, c := range comps {
		if c.SBOMID == sbomID {
			byRef[c.Ref] = c.Name
		}
	}
	return cg.g, byRef, nil
}

// cachedGraph is the dependency graph of a stored SBOM.
type cachedGraph struct {
	g                    *graph
	subject, subjectName string
}

// graphCacheSize bounds the SBOM graphs kept (a 500-component SBOM's
// graph takes about 100 kB).
const graphCacheSize = 256

// advisoriesChanged re-evaluates findings after an advisory import. The
// packages the records name are matched again; when records changed or
// identities merged, so are the packages of every open finding (a record
// may have dropped a package, or a finding's identity changed). The
// facts of open findings are refreshed for changed severities.
func (m *monitor) advisoriesChanged(ctx context.Context, recs []cra.Advisory, st cra.ImportStats) {
	if st.Added+st.Changed+st.Merged == 0 {
		return
	}
	keys := map[string]bool{}
	for i := range recs {
		for _, a := range recs[i].Affected {
			keys[matching.IndexKey(a.Ecosystem, a.Name)] = true
		}
	}
	// The import moved the advisory generation, so the next match reloads
	// what it needs (see monitor.entries).
	if st.Changed+st.Merged > 0 {
		open, err := m.store.OpenFindingKeys(ctx)
		if err != nil {
			m.logger.Error("findings not re-evaluated", "err", err)
			return
		}
		for _, k := range open {
			keys[k] = true
		}
	}
	list := make([]string, 0, len(keys))
	for k := range keys {
		list = append(list, k)
	}
	slices.Sort(list)
	if _, err := m.matchKeys(ctx, list); err != nil {
		m.logger.Error("findings not re-evaluated", "err", err)
		return
	}
	// A record may have changed an identity's severity, or joined one that
	// has findings elsewhere: refresh the facts of the identities the
	// records name (all of them after a large import).
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	m.idsChanged(ctx, ids)
}

// targetedRefresh is the most ids whose facts are refreshed one by one;
// above it every open finding's facts are.
const targetedRefresh = 200

// idsChanged refreshes the facts of the findings of the identities that
// the given ids (any alias) name.
func (m *monitor) idsChanged(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	if len(ids) > targetedRefresh {
		m.factsChanged(ctx)
		return
	}
	// Resolve each id exactly (any alias), never by text search.
	var vulnIDs []int64
	for _, id := range ids {
		v, err := m.store.FindVulnerability(ctx, id)
		switch {
		case err == nil:
			if !slices.Contains(vulnIDs, v.ID) {
				vulnIDs = append(vulnIDs, v.ID)
			}
		case cra.ErrorCode(err) == cra.ENOTFOUND:
		default:
			m.logger.Error("finding facts not refreshed", "err", err)
			return
		}
	}
	if len(vulnIDs) == 0 {
		return
	}
	sums, err := m.store.VulnSummaries(ctx, vulnIDs)
	if err != nil {
		m.logger.Error("finding facts not refreshed", "err", err)
		return
	}
	facts := make([]cra.VulnFacts, len(sums))
	for i := range sums {
		facts[i] = cra.FactsFromSummary(&sums[i])
	}
	m.refresh(ctx, facts)
}

// factsChanged refreshes the facts (KEV, EPSS, severity) that open
// findings carry.
func (m *monitor) factsChanged(ctx context.Context) {
	ids, err := m.store.FindingVulnIDs(ctx)
	if err != nil {
		m.logger.Error("finding facts not refreshed", "err", err)
		return
	}
	var all []cra.VulnFacts
	for len(ids) > 0 {
		n := min(len(ids), 500)
		sums, err := m.store.VulnSummaries(ctx, ids[:n])
		if err != nil {
			m.logger.Error("finding facts not refreshed", "err", err)
			return
		}
		ids = ids[n:]
		for i := range sums {
			all = append(all, cra.FactsFromSummary(&sums[i]))
		}
	}
	m.refresh(ctx, all)
}

// refresh stores facts on the findings of their identities and opens the
// reviews exploited ones call for.
func (m *monitor) refresh(ctx context.Context, facts []cra.VulnFacts) {
	if len(facts) == 0 {
		return
	}
	if _, err := m.store.RefreshFindingFacts(ctx, facts); err != nil {
		m.logger.Error("finding facts not refreshed", "err", err)
		return
	}
	var exploited []string
	for _, f := range facts {
		if f.KEVAdded != nil || f.ExploitedSince != nil {
			exploited = append(exploited, f.Key)
		}
	}
	if len(exploited) > 0 && m.exposed != nil {
		m.exposed(ctx, exploited)
	}
	m.recordExposure(ctx)
}

// exposureEvery is how often, at most, a change records the day's
// exposure: counting it aggregates every open finding, which an SBOM
// upload must not pay each time on a large portfolio.
const exposureEvery = 10 * time.Minute

// recordExposure stores today's exposure for the trend, at most every
// exposureEvery (and on the first change of a day).
func (m *monitor) recordExposure(ctx context.Context) {
	now := m.now()
	m.expMu.Lock()
	last := m.lastExposure
	due := last.IsZero() || now.Sub(last) >= exposureEvery || now.YearDay() != last.YearDay() || now.Year() != last.Year()
	if due {
		m.lastExposure = now
	}
	m.expMu.Unlock()
	if !due {
		return
	}
	e, err := m.store.ExposureAt(ctx, now)
	if err == nil {
		day := cra.Date{Time: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
		err = m.store.SaveExposurePoint(ctx, cra.ExposurePoint{Day: day, Counts: e.Counts})
	}
	if err != nil {
		m.logger.Error("exposure not recorded", "err", err)
	}
}
