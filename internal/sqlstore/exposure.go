package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"cyra/internal/cra"
)

// maxAtRisk is how many releases ExposureAt ranks.
const maxAtRisk = 10

// severityCountColumns count findings f as cra.SeverityCounts.Add does:
// by severity_rank (cra.SeverityRank of the rating), KEV-listed, and
// exploited (KEV or EUVD).
const severityCountColumns = `sum(CASE WHEN f.severity_rank = 4 THEN 1 ELSE 0 END), sum(CASE WHEN f.severity_rank = 3 THEN 1 ELSE 0 END),
	sum(CASE WHEN f.severity_rank = 2 THEN 1 ELSE 0 END), sum(CASE WHEN f.severity_rank = 1 THEN 1 ELSE 0 END),
	sum(CASE WHEN f.severity_rank BETWEEN 1 AND 4 THEN 0 ELSE 1 END), sum(f.kev), sum(f.exploited)`

// ExposureAt counts the actionable findings (open, and not triaged
// not_affected or fixed) of the releases on the market and within support
// at now, per release, in one grouped query that reads only the index
// findings_release. AtRisk lists the riskiest releases with
// actionable findings (cra.RiskScore, at most 10). Trend is left to the
// caller (ExposureTrend).
func (db *DB) ExposureAt(ctx context.Context, now time.Time) (*cra.Exposure, error) {
	e := &cra.Exposure{At: now, AtRisk: []cra.ReleaseExposure{}}
	market, marketArgs := onMarketWhere(now)
	err := db.view(ctx, func(tx *Tx) error {
		releases := map[int64]*cra.ReleaseExposure{}
		err := queryEach(ctx, tx, `SELECT r.id, r.product_id, p.name, r.version FROM releases r JOIN products p ON p.id = r.product_id
			WHERE `+market, marketArgs, func(rows *sql.Rows) error {
			var x cra.ReleaseExposure
			err := rows.Scan(&x.ReleaseID, &x.ProductID, &x.ProductName, &x.Release)
			releases[x.ReleaseID] = &x
			return err
		})
		if err != nil {
			return err
		}
		e.Releases = len(releases)
		if err := tx.queryRow(ctx, `SELECT count(*) FROM components c JOIN releases r ON r.id = c.release_id WHERE c.match_key = '' AND `+market,
			marketArgs...).Scan(&e.NotMatchable); err != nil {
			return err
		}
		args := append([]any{string(cra.StatusNotAffected), string(cra.StatusFixed)}, marketArgs...)
		return queryEach(ctx, tx, `SELECT f.release_id, `+severityCountColumns+` FROM findings f
			WHERE f.resolved_at IS NULL AND f.status NOT IN (?, ?) AND f.release_id IN (SELECT r.id FROM releases r WHERE `+market+`)
			GROUP BY f.release_id`, args, func(rows *sql.Rows) error {
			var id int64
			var c cra.SeverityCounts
			if err := rows.Scan(&id, &c.Critical, &c.High, &c.Medium, &c.Low, &c.None, &c.KEV, &c.Exploited); err != nil {
				return err
			}
			x := releases[id]
			if x == nil || c.Total() == 0 {
				return nil // a release that left the market since the first query
			}
			addCounts(&e.Counts, c)
			x.Counts, x.Risk = c, cra.RiskScore(c)
			e.AtRisk = append(e.AtRisk, *x)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(e.AtRisk, func(a, b cra.ReleaseExposure) int {
		return cmp.Or(cmp.Compare(b.Risk, a.Risk), strings.Compare(a.ProductName, b.ProductName),
			strings.Compare(a.Release, b.Release), cmp.Compare(a.ReleaseID, b.ReleaseID))
	})
	if len(e.AtRisk) > maxAtRisk {
		e.AtRisk = e.AtRisk[:maxAtRisk]
	}
	return e, nil
}

// addCounts adds c to sum.
func addCounts(sum *cra.SeverityCounts, c cra.SeverityCounts) {
	sum.Critical += c.Critical
	sum.High += c.High
	sum.Medium += c.Medium
	sum.Low += c.Low
	sum.None += c.None
	sum.KEV += c.KEV
	sum.Exploited += c.Exploited
}

// exposureColumns are the columns of an exposure_history row.
const exposureColumns = `day, critical, high, medium, low, none, kev, exploited`

// SaveExposurePoint records a day's counts, replacing any recorded.
func (db *DB) SaveExposurePoint(ctx context.Context, p cra.ExposurePoint) error {
	if p.Day.IsZero() {
		return cra.Errorf(cra.EINVALID, "An exposure point needs its day.")
	}
	c := p.Counts
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO exposure_history (`+exposureColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (day) DO UPDATE SET critical = excluded.critical, high = excluded.high, medium = excluded.medium,
			low = excluded.low, none = excluded.none, kev = excluded.kev, exploited = excluded.exploited`,
			p.Day.String(), c.Critical, c.High, c.Medium, c.Low, c.None, c.KEV, c.Exploited)
		return err
	})
}

// ExposureTrend returns the recorded days from since on, oldest first.
func (db *DB) ExposureTrend(ctx context.Context, since cra.Date) ([]cra.ExposurePoint, error) {
	var out []cra.ExposurePoint
	err := db.view(ctx, func(tx *Tx) error {
		return queryEach(ctx, tx, `SELECT `+exposureColumns+` FROM exposure_history WHERE day >= ? ORDER BY day`, []any{since.String()},
			func(rows *sql.Rows) error {
				var p cra.ExposurePoint
				var day string
				c := &p.Counts
				if err := rows.Scan(&day, &c.Critical, &c.High, &c.Medium, &c.Low, &c.None, &c.KEV, &c.Exploited); err != nil {
					return err
				}
				var err error
				p.Day, err = cra.ParseDate(day)
				out = append(out, p)
				return err
			})
	})
	return out, err
}
