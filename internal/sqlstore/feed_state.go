package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"cyra/internal/cra"
)

// AcquireFeedLease takes a feed's lease (see cra.VulnStore). The row is
// created if missing, then taken with one conditional UPDATE: on
// PostgreSQL a second replica's UPDATE waits for the first to commit and
// re-checks the condition against the row it wrote, on SQLite the single
// writer serialises them, so exactly one of two racing holders wins. A
// lease is free when nobody holds it, when holder already does (a renewal)
// or when it ran out at or before now.
func (db *DB) AcquireFeedLease(ctx context.Context, feed cra.VulnSource, holder string, now, until time.Time) (bool, error) {
	if holder == "" {
		return false, cra.Errorf(cra.EINVALID, "A feed lease needs a holder.")
	}
	var ok bool
	err := db.update(ctx, func(tx *Tx) error {
		if err := ensureFeedRow(ctx, tx, feed); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE feed_state SET lease_holder = ?, lease_until = ?, last_start = ?
			WHERE feed = ? AND (lease_holder IS NULL OR lease_holder = ? OR lease_until <= ?)`,
			holder, dbTime(until), dbTime(now), string(feed), holder, dbTime(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

func ensureFeedRow(ctx context.Context, tx *Tx, feed cra.VulnSource) error {
	_, err := tx.exec(ctx, `INSERT INTO feed_state (feed) VALUES (?) ON CONFLICT (feed) DO NOTHING`, string(feed))
	return err
}

// releaseLease clears the lease columns when, and only when, the holder
// given as its two arguments still holds it: a run whose lease ran out and
// was taken over must not free the new holder's lease.
const releaseLease = `lease_holder = CASE WHEN lease_holder = ? THEN NULL ELSE lease_holder END,
	lease_until = CASE WHEN lease_holder = ? THEN NULL ELSE lease_until END`

// FinishFeedRun records a run's outcome (see cra.VulnStore). The outcome is
// recorded even when the lease was lost meanwhile, since the run's writes
// are committed all the same.
func (db *DB) FinishFeedRun(ctx context.Context, feed cra.VulnSource, holder string, at time.Time, stats cra.ImportStats, cursor, errMsg string) error {
	return db.update(ctx, func(tx *Tx) error {
		if err := ensureFeedRow(ctx, tx, feed); err != nil {
			return err
		}
		if errMsg != "" {
			_, err := tx.exec(ctx, `UPDATE feed_state SET last_error = ?, last_error_at = ?, `+releaseLease+` WHERE feed = ?`,
				errMsg, dbTime(at), holder, holder, string(feed))
			return err
		}
		js, err := jsonText(stats)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE feed_state SET last_success = ?, last_stats_json = ?, cursor = ?, last_error = '', last_error_at = NULL,
			`+releaseLease+` WHERE feed = ?`, dbTime(at), js, cursor, holder, holder, string(feed))
		return err
	})
}

// FeedStates returns the state of every feed that has run, in the order
// of cra.FeedNames, with how many records each holds: its advisories,
// the KEV entries listed, the CVEs with EPSS scores.
func (db *DB) FeedStates(ctx context.Context) ([]cra.FeedState, error) {
	now := db.now()
	var out []cra.FeedState
	err := db.view(ctx, func(tx *Tx) error {
		err := queryEach(ctx, tx, `SELECT feed, last_start, last_success, last_error, last_error_at, last_stats_json, cursor, lease_holder, lease_until
			FROM feed_state`, nil, func(rows *sql.Rows) error {
			var s cra.FeedState
			var start, success, errAt, until scanTime
			var stats string
			var holder sql.NullString
			if err := rows.Scan(&s.Feed, &start, &success, &s.LastError, &errAt, &stats, &s.Cursor, &holder, &until); err != nil {
				return err
			}
			s.LastStart, s.LastSuccess, s.LastErrorAt = start.Ptr(), success.Ptr(), errAt.Ptr()
			if holder.Valid && until.Valid && until.T.After(now) {
				s.Running, s.Holder = true, holder.String
			}
			out = append(out, s)
			if stats == "" {
				return nil
			}
			return json.Unmarshal([]byte(stats), &out[len(out)-1].LastStats)
		})
		if err != nil {
			return err
		}
		for i := range out {
			if out[i].Records, err = feedRecords(ctx, tx, out[i].Feed); err != nil {
				return err
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b cra.FeedState) int { return compareSources(a.Feed, b.Feed) })
	return out, err
}

// feedRecords counts what cyra holds of a feed. The distinct CVEs of the
// EPSS history (a row per CVE and day) are counted by walking the primary
// key from one CVE to the next, an index seek each, rather than by
// reading every row.
func feedRecords(ctx context.Context, tx *Tx, feed cra.VulnSource) (int, error) {
	var n int
	var err error
	switch feed {
	case cra.SourceKEV:
		err = tx.queryRow(ctx, `SELECT count(*) FROM kev_entries WHERE removed_at IS NULL`).Scan(&n)
	case cra.SourceEPSS:
		err = tx.queryRow(ctx, `WITH RECURSIVE c (cve) AS (
			SELECT MIN(cve) FROM epss_scores
			UNION ALL
			SELECT (SELECT MIN(e.cve) FROM epss_scores e WHERE e.cve > c.cve) FROM c WHERE c.cve IS NOT NULL
		) SELECT count(cve) FROM c`).Scan(&n)
	default:
		err = tx.queryRow(ctx, `SELECT count(*) FROM advisories WHERE source = ?`, string(feed)).Scan(&n)
	}
	return n, err
}
