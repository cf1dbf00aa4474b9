package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// FindVulnerability returns the identity that id names (tried as given and
// normalised) with everything attached to it; ENOTFOUND when no identity
// has the id.
func (db *DB) FindVulnerability(ctx context.Context, id string) (*cra.Vulnerability, error) {
	var v *cra.Vulnerability
	err := db.view(ctx, func(tx *Tx) error {
		cands := aliasCandidates(id)
		v = &cra.Vulnerability{}
		err := tx.queryRow(ctx, `SELECT v.id, v.vuln_key FROM vuln_aliases a JOIN vulnerabilities v ON v.id = a.vuln_id
			WHERE a.alias IN (`+placeholders(len(cands))+`) ORDER BY v.id LIMIT 1`, anys(cands)...).Scan(&v.ID, &v.Key)
		if err != nil {
			return notFound(err, "No vulnerability "+strings.TrimSpace(id)+" is known.")
		}
		err = queryEach(ctx, tx, `SELECT alias FROM vuln_aliases WHERE vuln_id = ?`, []any{v.ID}, func(rows *sql.Rows) error {
			var a string
			err := rows.Scan(&a)
			v.Aliases = append(v.Aliases, a)
			return err
		})
		if err != nil {
			return err
		}
		slices.Sort(v.Aliases)
		var rowIDs []int64
		err = queryEach(ctx, tx, `SELECT `+advisoryColumns+` FROM advisories WHERE vuln_id = ? ORDER BY source, source_id`, []any{v.ID},
			func(rows *sql.Rows) error {
				a, rowID, _, err := scanAdvisory(rows)
				v.Advisories, rowIDs = append(v.Advisories, a), append(rowIDs, rowID)
				return err
			})
		if err != nil {
			return err
		}
		affected, err := loadAffected(ctx, tx, rowIDs)
		if err != nil {
			return err
		}
		for i := range v.Advisories {
			v.Advisories[i].Affected = affected[rowIDs[i]]
		}
		cves := v.CVEs()
		if len(cves) == 0 {
			return nil
		}
		in := placeholders(len(cves))
		if v.KEV, err = queryKEV(ctx, tx, `WHERE cve IN (`+in+`) ORDER BY cve`, anys(cves)...); err != nil {
			return err
		}
		v.EPSS, err = queryEPSS(ctx, tx, `WHERE cve IN (`+in+`) ORDER BY score_date DESC, cve`, anys(cves)...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// aliasCandidates returns the spellings of an id to look up: as given,
// normalised, and upper-cased (for prefixes NormalizeVulnID does not know).
func aliasCandidates(id string) []string {
	id = strings.TrimSpace(id)
	out := []string{id}
	for _, c := range []string{cra.NormalizeVulnID(id), strings.ToUpper(id)} {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// kevListed selects the identities with a CVE that KEV currently lists.
const kevListed = `v.id IN (SELECT a.vuln_id FROM vuln_aliases a JOIN kev_entries k ON k.cve = a.alias WHERE k.removed_at IS NULL)`

// SearchVulnerabilities returns a page of identities, newest first, and
// the total that match. The page is chosen on the vulnerabilities table
// alone (its sort_at is kept by the importer, so the unfiltered list is an
// index scan); the details of the page's identities are then read in one
// query per table, never per identity.
func (db *DB) SearchVulnerabilities(ctx context.Context, f cra.VulnFilter) ([]cra.VulnSummary, int, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	var out []cra.VulnSummary
	var total int
	err := db.view(ctx, func(tx *Tx) error {
		where, args, err := vulnWhere(ctx, tx, f)
		if err != nil {
			return err
		}
		if err := tx.queryRow(ctx, `SELECT count(*) FROM vulnerabilities v WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		var ids []int64
		err = queryEach(ctx, tx, `SELECT v.id FROM vulnerabilities v WHERE `+where+` ORDER BY v.sort_at DESC, v.vuln_key LIMIT ? OFFSET ?`,
			append(args, limit, max(f.Offset, 0)), func(rows *sql.Rows) error {
				var id int64
				err := rows.Scan(&id)
				ids = append(ids, id)
				return err
			})
		if err != nil || len(ids) == 0 {
			return err
		}
		out, err = loadSummaries(ctx, tx, ids, true)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// vulnWhere turns a filter into a condition on vulnerabilities v.
func vulnWhere(ctx context.Context, tx *Tx, f cra.VulnFilter) (string, []any, error) {
	where, args := []string{"1 = 1"}, []any{}
	if q := strings.TrimSpace(f.Query); q != "" {
		// An id matches exactly; anything else is a substring of a summary
		// or a package name.
		cands := aliasCandidates(q)
		in := placeholders(len(cands))
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM vuln_aliases WHERE alias IN (`+in+`)`, anys(cands)...).Scan(&n); err != nil {
			return "", nil, err
		}
		if n > 0 {
			where, args = append(where, `v.id IN (SELECT vuln_id FROM vuln_aliases WHERE alias IN (`+in+`))`), append(args, anys(cands)...)
		} else {
			like := likePattern(q)
			where = append(where, `(v.id IN (SELECT vuln_id FROM advisories WHERE lower(summary) LIKE ? ESCAPE '\')
				OR v.id IN (SELECT vuln_id FROM advisory_affected WHERE name_key LIKE ? ESCAPE '\'))`)
			args = append(args, like, like)
		}
	}
	eco, pkg := ecosystemKey(f.Ecosystem), strings.ToLower(strings.TrimSpace(f.Package))
	switch {
	case pkg != "" && eco != "":
		where, args = append(where, `v.id IN (SELECT vuln_id FROM advisory_affected WHERE name_key = ? AND eco_key = ?)`), append(args, pkg, eco)
	case pkg != "":
		where, args = append(where, `v.id IN (SELECT vuln_id FROM advisory_affected WHERE name_key = ?)`), append(args, pkg)
	case eco != "":
		where, args = append(where, `v.id IN (SELECT vuln_id FROM advisory_affected WHERE eco_key = ?)`), append(args, eco)
	}
	if f.KEV {
		where = append(where, kevListed)
	}
	if f.Exploited {
		where = append(where, `(`+kevListed+` OR v.id IN (SELECT vuln_id FROM advisories WHERE exploited_since IS NOT NULL))`)
	}
	return strings.Join(where, " AND "), args, nil
}

// likePattern returns a lower-cased LIKE pattern matching s anywhere, with
// % and _ taken literally.
func likePattern(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(s)) + "%"
}

// maxSummaryPackages is how many "ecosystem/name" a summary lists.
const maxSummaryPackages = 5

// loadSummaries builds the summaries of the given identities, in order,
// with one query per table. The advisories are read without Raw, with
// details only where the summary is missing, and handed to the
// cra.Vulnerability methods, so a summary says what the vulnerability's
// own page says. packages adds the first affected packages (search
// results show them; findings do not need them).
func loadSummaries(ctx context.Context, tx *Tx, ids []int64, packages bool) ([]cra.VulnSummary, error) {
	in, args := placeholders(len(ids)), anys(ids)
	out := make([]cra.VulnSummary, len(ids))
	vulns := make([]cra.Vulnerability, len(ids))
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		out[i].ID, at[id] = id, i
	}
	// each runs a query whose first column is the identity's id and calls
	// fn with the identity's index and the other columns' destinations
	// scanned.
	each := func(q string, fn func(i int) error, dest ...any) error {
		var id int64
		return queryEach(ctx, tx, q, args, func(rows *sql.Rows) error {
			if err := rows.Scan(append([]any{&id}, dest...)...); err != nil {
				return err
			}
			return fn(at[id])
		})
	}
	var key, alias, eco, name, severity, kevAdded string
	var a cra.Advisory
	var published, modified, withdrawn, exploited scanTime
	var score cra.EPSSScore
	var scoreDate string
	steps := []func() error{
		func() error {
			return each(`SELECT id, vuln_key FROM vulnerabilities WHERE id IN (`+in+`)`, func(i int) error {
				out[i].Key = key
				return nil
			}, &key)
		},
		func() error {
			return each(`SELECT vuln_id, alias FROM vuln_aliases WHERE vuln_id IN (`+in+`)`, func(i int) error {
				out[i].Aliases = append(out[i].Aliases, alias)
				return nil
			}, &alias)
		},
		func() error {
			return each(`SELECT vuln_id, source, source_id, summary, CASE WHEN summary = '' THEN substr(details, 1, 2000) ELSE '' END,
				published, modified, withdrawn, exploited_since, severity_json
				FROM advisories WHERE vuln_id IN (`+in+`) ORDER BY source, source_id`, func(i int) error {
				adv := a
				adv.Published, adv.Modified, adv.Withdrawn, adv.ExploitedSince = published.Ptr(), modified.Ptr(), withdrawn.Ptr(), exploited.Ptr()
				if err := decodeList(severity, &adv.Severity); err != nil {
					return err
				}
				vulns[i].Advisories = append(vulns[i].Advisories, adv)
				return nil
			}, &a.Source, &a.ID, &a.Summary, &a.Details, &published, &modified, &withdrawn, &exploited, &severity)
		},
		func() error {
			if !packages {
				return nil
			}
			return each(`SELECT DISTINCT vuln_id, ecosystem, name FROM advisory_affected WHERE vuln_id IN (`+in+`)
				ORDER BY vuln_id, ecosystem, name`, func(i int) error {
				if len(out[i].Packages) < maxSummaryPackages {
					out[i].Packages = append(out[i].Packages, eco+"/"+name)
				}
				return nil
			}, &eco, &name)
		},
		func() error {
			return each(`SELECT a.vuln_id, k.date_added FROM vuln_aliases a JOIN kev_entries k ON k.cve = a.alias
				WHERE a.vuln_id IN (`+in+`) AND k.removed_at IS NULL`, func(i int) error {
				d, err := cra.ParseDate(kevAdded)
				if err == nil && (out[i].KEVAdded == nil || d.Before(out[i].KEVAdded.Time)) {
					out[i].KEVAdded = &d
				}
				return nil // an entry without a date is listed all the same
			}, &kevAdded)
		},
		func() error {
			return each(`SELECT a.vuln_id, e.cve, e.score_date, e.score, e.percentile FROM vuln_aliases a JOIN epss_scores e ON e.cve = a.alias
				WHERE a.vuln_id IN (`+in+`) AND e.score_date = (SELECT MAX(e2.score_date) FROM epss_scores e2 WHERE e2.cve = a.alias)`,
				func(i int) error {
					s := score
					var err error
					if s.Date, err = cra.ParseDate(scoreDate); err != nil {
						return err
					}
					if cur := out[i].EPSS; cur == nil || s.Date.After(cur.Date.Time) || (s.Date.Equal(cur.Date.Time) && s.Score > cur.Score) {
						out[i].EPSS = &s
					}
					return nil
				}, &score.CVE, &scoreDate, &score.Score, &score.Percentile)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	for i := range out {
		summarize(&out[i], &vulns[i])
	}
	return out, nil
}

// summarize fills the fields of s that derive from v's advisories.
func summarize(s *cra.VulnSummary, v *cra.Vulnerability) {
	slices.Sort(s.Aliases)
	s.Summary = v.Summary()
	if sev := v.MaxSeverity(); sev != nil {
		c := *sev
		s.Severity = &c
	}
	s.Withdrawn, s.ExploitedSince = v.Withdrawn(), v.ExploitedSince()
	for _, a := range v.Advisories {
		if a.Published != nil && (s.Published == nil || a.Published.Before(*s.Published)) {
			s.Published = a.Published
		}
		if a.Modified != nil && !a.Modified.IsZero() && (s.Modified == nil || a.Modified.After(*s.Modified)) {
			s.Modified = a.Modified
		}
		if !slices.Contains(s.Sources, a.Source) {
			s.Sources = append(s.Sources, a.Source)
		}
	}
	slices.SortFunc(s.Sources, compareSources)
}

// compareSources orders sources as cra.FeedNames lists them, unknown ones
// last by name.
func compareSources(a, b cra.VulnSource) int {
	ia, ib := slices.Index(cra.FeedNames, a), slices.Index(cra.FeedNames, b)
	if ia < 0 {
		ia = len(cra.FeedNames)
	}
	if ib < 0 {
		ib = len(cra.FeedNames)
	}
	if ia != ib {
		return ia - ib
	}
	return strings.Compare(string(a), string(b))
}

// KnownCVEs returns every CVE id among the aliases, sorted.
func (db *DB) KnownCVEs(ctx context.Context) ([]string, error) {
	out, err := db.queryStrings(ctx, `SELECT alias FROM vuln_aliases WHERE alias LIKE 'CVE-%'`)
	out = slices.DeleteFunc(out, func(s string) bool { return !cra.IsCVE(s) })
	return out, err
}

// ComponentPURLTypes returns the distinct purl types of the components of
// every release's current SBOM (the components table holds only those),
// so a feed can sync just the ecosystems the portfolio uses.
func (db *DB) ComponentPURLTypes(ctx context.Context) ([]string, error) {
	return db.queryStrings(ctx, `SELECT DISTINCT purl_type FROM components WHERE purl_type <> ''`)
}

// queryStrings returns the first column of a query's rows, sorted in Go (so the
// order does not depend on a database's collation).
func (db *DB) queryStrings(ctx context.Context, q string, args ...any) ([]string, error) {
	var out []string
	err := db.view(ctx, func(tx *Tx) error {
		return queryEach(ctx, tx, q, args, func(rows *sql.Rows) error {
			var s string
			err := rows.Scan(&s)
			out = append(out, s)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// walkPage is how many advisories WalkAdvisories reads per transaction:
// their Raw documents make them large.
const walkPage = 200

// WalkAdvisories calls fn for every advisory in (source, id) order. It
// reads a page at a time, each in a short transaction, so that fn may
// take its time (writing an export, say) without holding one open.
func (db *DB) WalkAdvisories(ctx context.Context, fn func(cra.Advisory) error) error {
	var source, id string
	for {
		var page []cra.Advisory
		err := db.view(ctx, func(tx *Tx) error {
			var rowIDs []int64
			err := queryEach(ctx, tx, `SELECT `+advisoryColumns+` FROM advisories WHERE (source, source_id) > (?, ?)
				ORDER BY source, source_id LIMIT ?`, []any{source, id, walkPage}, func(rows *sql.Rows) error {
				a, rowID, _, err := scanAdvisory(rows)
				page, rowIDs = append(page, a), append(rowIDs, rowID)
				return err
			})
			if err != nil {
				return err
			}
			affected, err := loadAffected(ctx, tx, rowIDs)
			for i := range page {
				page[i].Affected = affected[rowIDs[i]]
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, a := range page {
			if err := fn(a); err != nil {
				return err
			}
		}
		if len(page) < walkPage {
			return nil
		}
		source, id = string(page[len(page)-1].Source), page[len(page)-1].ID
	}
}
