package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// VulnService implements cra.VulnService: it reads vulnerability
// intelligence and runs the feeds that keep it current.
type VulnService struct {
	*deps
	mon     *monitor
	feeds   *feedRunner
	version string
}

var _ cra.VulnService = (*VulnService)(nil)

// Vulnerability returns the identity that id names.
func (s *VulnService) Vulnerability(ctx context.Context, id string) (*cra.Vulnerability, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, err
	}
	id = cra.NormalizeVulnID(id)
	if id == "" || len(id) > 200 {
		return nil, cra.Errorf(cra.EINVALID, "Give a vulnerability id such as CVE-2021-44228, GHSA-… or EUVD-2025-1234.")
	}
	v, err := s.store.FindVulnerability(ctx, id)
	if cra.ErrorCode(err) == cra.ENOTFOUND && cra.IsCVE(id) {
		// A CVE that no advisory names yet may still be KEV-listed: show
		// what cyra knows rather than nothing.
		entries, kerr := s.store.KEVEntries(ctx)
		if kerr != nil {
			return nil, kerr
		}
		for _, k := range entries {
			if k.CVE == id {
				return &cra.Vulnerability{Key: id, Aliases: []string{id}, KEV: []cra.KEVEntry{k}}, nil
			}
		}
	}
	return v, err
}

// SearchVulnerabilities lists vulnerabilities by alias, text, package or
// exploitation.
func (s *VulnService) SearchVulnerabilities(ctx context.Context, f cra.VulnFilter) ([]cra.VulnSummary, int, error) {
	if err := cra.Authorize(ctx, cra.PermProductsRead); err != nil {
		return nil, 0, err
	}
	f.Query = strings.TrimSpace(f.Query)
	if len(f.Query) > 200 {
		return nil, 0, &cra.Error{Code: cra.EINVALID, Message: "The search text is longer than 200 characters.", Fields: map[string]string{"q": "at most 200 characters"}}
	}
	switch {
	case f.Limit <= 0:
		f.Limit = 50
	case f.Limit > 500:
		return nil, 0, &cra.Error{Code: cra.EINVALID, Message: "limit must be at most 500.", Fields: map[string]string{"limit": "at most 500"}}
	}
	if f.Offset < 0 {
		return nil, 0, &cra.Error{Code: cra.EINVALID, Message: "offset must not be negative.", Fields: map[string]string{"offset": "must not be negative"}}
	}
	return s.store.SearchVulnerabilities(ctx, f)
}

// ImportAdvisories stores advisories read offline.
func (s *VulnService) ImportAdvisories(ctx context.Context, origin string, recs []cra.Advisory) (cra.ImportStats, error) {
	if err := cra.Authorize(ctx, cra.PermFeedsWrite); err != nil {
		return cra.ImportStats{}, err
	}
	return s.importAdvisories(ctx, "import", origin, recs)
}

// importAdvisories normalises, validates and stores advisories; records
// that fail validation are skipped with a reason.
func (s *VulnService) importAdvisories(ctx context.Context, action, origin string, recs []cra.Advisory) (cra.ImportStats, error) {
	var skipped cra.ImportStats
	ok := recs[:0:0]
	for _, r := range recs {
		if err := normalizeAdvisory(&r); err != nil {
			skipped.Skipped++
			skipped.Problem(origin + ": " + err.Error())
			continue
		}
		ok = append(ok, r)
	}
	st, err := s.store.ImportAdvisories(ctx, ok, s.auditImport(ctx, action, origin))
	if err != nil {
		return st, err
	}
	s.mon.advisoriesChanged(ctx, ok, st)
	st.Add(skipped)
	return st, nil
}

// normalizeAdvisory puts ids in canonical spelling, drops self-aliases
// and duplicates, and refuses a record cyra could not identify.
func normalizeAdvisory(a *cra.Advisory) error {
	a.ID = cra.NormalizeVulnID(a.ID)
	if a.ID == "" {
		return fmt.Errorf("a %s record has no id", a.Source)
	}
	if !slices.Contains([]cra.VulnSource{cra.SourceOSV, cra.SourceNVD, cra.SourceEUVD}, a.Source) {
		return fmt.Errorf("%s: unknown source %q", a.ID, a.Source)
	}
	if a.Digest == "" {
		return fmt.Errorf("%s: no digest of the published record", a.ID)
	}
	a.Aliases = cleanIDs(a.Aliases, a.ID)
	a.Related = cleanIDs(a.Related, a.ID)
	return nil
}

func cleanIDs(ids []string, self string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = cra.NormalizeVulnID(id)
		if id != "" && id != self && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// ImportKEV stores a KEV catalog read offline.
func (s *VulnService) ImportKEV(ctx context.Context, origin string, cat cra.KEVCatalog) (cra.ImportStats, error) {
	if err := cra.Authorize(ctx, cra.PermFeedsWrite); err != nil {
		return cra.ImportStats{}, err
	}
	if len(cat.Entries) == 0 {
		// An empty catalog would mark every entry removed: that is never
		// what a real catalog says.
		return cra.ImportStats{}, cra.Errorf(cra.EINVALID, "%s lists no KEV entries; nothing imported.", origin)
	}
	return s.saveKEV(ctx, cat, s.auditImport(ctx, "import", origin))
}

// saveKEV stores a KEV catalog and refreshes the findings' facts.
func (s *VulnService) saveKEV(ctx context.Context, cat cra.KEVCatalog, audit cra.AuditFunc) (cra.ImportStats, error) {
	before, err := s.store.KEVEntries(ctx)
	if err != nil {
		return cra.ImportStats{}, err
	}
	st, err := s.store.SaveKEVCatalog(ctx, cat, s.now(), audit)
	if err == nil && st.Added+st.Changed+st.Removed > 0 {
		// Findings carry whether and since when KEV lists a CVE: only
		// CVEs that came, went or changed their date need a refresh.
		s.mon.idsChanged(ctx, kevChanges(before, cat))
	}
	return st, err
}

// kevChanges returns the CVEs whose listing a catalog changes: added,
// dropped, or listed with another date.
func kevChanges(before []cra.KEVEntry, cat cra.KEVCatalog) []string {
	was := make(map[string]cra.Date, len(before))
	for _, e := range before {
		if e.Removed == nil {
			was[e.CVE] = e.DateAdded
		}
	}
	var out []string
	for _, e := range cat.Entries {
		cve := cra.NormalizeVulnID(e.CVE)
		if d, ok := was[cve]; !ok || !d.Equal(e.DateAdded.Time) {
			out = append(out, cve)
		}
		delete(was, cve)
	}
	for cve := range was {
		out = append(out, cve)
	}
	return out
}

// saveEPSS stores EPSS scores and refreshes the findings' facts.
func (s *VulnService) saveEPSS(ctx context.Context, scores []cra.EPSSScore, audit cra.AuditFunc) (cra.ImportStats, error) {
	st, err := s.store.SaveEPSS(ctx, scores, audit)
	if err == nil && st.Added+st.Changed > 0 {
		s.mon.factsChanged(ctx)
	}
	return st, err
}

// ImportEPSS stores EPSS scores read offline.
func (s *VulnService) ImportEPSS(ctx context.Context, origin string, scores []cra.EPSSScore) (cra.ImportStats, error) {
	if err := cra.Authorize(ctx, cra.PermFeedsWrite); err != nil {
		return cra.ImportStats{}, err
	}
	return s.saveEPSS(ctx, scores, s.auditImport(ctx, "import", origin))
}

// auditImport returns the audit function of an import: one entry per
// import that changed something, with its counts.
func (s *VulnService) auditImport(ctx context.Context, action, origin string) cra.AuditFunc {
	actor := cra.ActorFrom(ctx)
	return func(st cra.ImportStats) cra.AuditRecord {
		return s.record(actor, "vulns."+action, "feed", origin, nil, map[string]any{
			"added": st.Added, "changed": st.Changed, "removed": st.Removed, "merged": st.Merged,
		})
	}
}
