package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"cyra/internal/cra"
)

// The vulnerability store is split by concern: vuln_import.go and
// vuln_flush.go merge advisories into identities, vuln_query.go reads
// them back, vuln_kev.go keeps the KEV catalog and EPSS scores,
// feed_state.go the feeds' outcomes and leases. This file holds what they
// share: the advisory columns, their encoding and small SQL helpers.

// Advisory-lock keys of the vulnerability tables on PostgreSQL. They sit
// apart from the keys in dialect.go so that the two lists can grow
// independently. lockVulns makes advisory imports take turns (two
// replicas importing the same alias at once would otherwise both create
// an identity for it); lockKEV does the same for KEV catalogs, whose
// history rows depend on what the previous catalog left.
const (
	lockVulns int64 = 0x63797261_0101
	lockKEV   int64 = 0x63797261_0102
)

// setList turns "a, b" into "a = ?, b = ?".
func setList(cols string) string {
	var parts []string
	for _, c := range strings.Split(cols, ",") {
		parts = append(parts, strings.TrimSpace(c)+" = ?")
	}
	return strings.Join(parts, ", ")
}

// queryEach runs a query and calls fn for each row.
func queryEach(ctx context.Context, tx *Tx, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// inBatch is how many values one IN (…) list carries: few round trips and
// well under both databases' parameter limits.
const inBatch = 500

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// valuesRows returns "(?, ?), (?, ?), …": rows tuples of cols marks.
func valuesRows(rows, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

// anys converts a slice for use as query arguments.
func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// jsonList encodes a list as JSON text, "" when it is empty, so that the
// common empty lists cost nothing.
func jsonList[T any](xs []T) (string, error) {
	if len(xs) == 0 {
		return "", nil
	}
	return jsonText(xs)
}

// decodeList decodes what jsonList wrote.
func decodeList[T any](s string, dst *[]T) error {
	if s == "" {
		*dst = nil
		return nil
	}
	return json.Unmarshal([]byte(s), dst)
}

// ecosystemKey is the case-insensitive key of an ecosystem for search:
// lower-cased and without its ":suffix" ("Debian:12" is "debian"), so a
// filter on an ecosystem finds all its releases.
func ecosystemKey(e string) string {
	base, _, _ := strings.Cut(strings.TrimSpace(e), ":")
	return strings.ToLower(base)
}

// advisoryDigest returns the record's digest, computing it when the caller
// left it empty: of Raw, or of the parsed fields when there is no Raw.
func advisoryDigest(a *cra.Advisory) string {
	if a.Digest != "" {
		return a.Digest
	}
	data := a.Raw
	if len(data) == 0 {
		data, _ = json.Marshal(a)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// advisoryFieldColumns are the columns advisoryFields returns, in order.
const advisoryFieldColumns = `summary, details, published, modified, withdrawn, exploited_since, epss,
	severity_json, cwes_json, references_json, aliases_json, related_json, cpes_json, raw, digest`

// advisoryFields returns the values of advisoryFieldColumns for a.
func advisoryFields(a *cra.Advisory, digest string) ([]any, error) {
	var firstErr error
	list := func(s string, err error) string {
		if firstErr == nil {
			firstErr = err
		}
		return s
	}
	lists := []string{list(jsonList(a.Severity)), list(jsonList(a.CWEs)), list(jsonList(a.References)),
		list(jsonList(a.Aliases)), list(jsonList(a.Related)), list(jsonList(a.CPEs))}
	if firstErr != nil {
		return nil, firstErr
	}
	var epss any
	if a.EPSS != nil {
		epss = *a.EPSS
	}
	raw := a.Raw
	if raw == nil {
		raw = []byte{}
	}
	return []any{a.Summary, a.Details, dbTimePtr(a.Published), dbTimePtr(a.Modified), dbTimePtr(a.Withdrawn),
		dbTimePtr(a.ExploitedSince), epss, lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], raw, digest}, nil
}

// advisoryColumns are what scanAdvisory reads.
const advisoryColumns = `id, vuln_id, source, source_id, ` + advisoryFieldColumns

// scanAdvisory reads a row of advisoryColumns; it returns the advisory's
// row id and identity.
func scanAdvisory(row interface{ Scan(...any) error }) (cra.Advisory, int64, int64, error) {
	var a cra.Advisory
	var id, vulnID int64
	var published, modified, withdrawn, exploited scanTime
	var epss *float64
	var severity, cwes, refs, aliases, related, cpes string
	if err := row.Scan(&id, &vulnID, &a.Source, &a.ID, &a.Summary, &a.Details, &published, &modified, &withdrawn, &exploited, &epss,
		&severity, &cwes, &refs, &aliases, &related, &cpes, &a.Raw, &a.Digest); err != nil {
		return a, 0, 0, err
	}
	a.Published, a.Modified, a.Withdrawn, a.ExploitedSince, a.EPSS = published.Ptr(), modified.Ptr(), withdrawn.Ptr(), exploited.Ptr(), epss
	for _, err := range []error{decodeList(severity, &a.Severity), decodeList(cwes, &a.CWEs), decodeList(refs, &a.References),
		decodeList(aliases, &a.Aliases), decodeList(related, &a.Related), decodeList(cpes, &a.CPEs)} {
		if err != nil {
			return a, 0, 0, err
		}
	}
	return a, id, vulnID, nil
}

// affectedColumns are the columns of an advisory_affected row after id.
const affectedColumns = `advisory_id, vuln_id, ecosystem, name, eco_key, name_key, purl, ranges_json, versions_json, symbols_json, match_key`

// affectedColumnCount is how many columns affectedColumns lists.
const affectedColumnCount = 11

// affectedValues returns the values of affectedColumns.
func affectedValues(advisoryID, vulnID int64, af *cra.Affected) ([]any, error) {
	ranges, err := jsonList(af.Ranges)
	if err != nil {
		return nil, err
	}
	versions, err := jsonList(af.Versions)
	if err != nil {
		return nil, err
	}
	symbols, err := jsonList(af.Symbols)
	if err != nil {
		return nil, err
	}
	return []any{advisoryID, vulnID, af.Ecosystem, af.Name, ecosystemKey(af.Ecosystem), strings.ToLower(af.Name), af.PURL,
		ranges, versions, symbols, affectedMatchKey(af.Ecosystem, af.Name)}, nil
}

// loadAffected returns the affected packages of the advisories with the
// given row ids, in stored order.
func loadAffected(ctx context.Context, tx *Tx, advisoryIDs []int64) (map[int64][]cra.Affected, error) {
	out := map[int64][]cra.Affected{}
	for chunk := range slices.Chunk(advisoryIDs, inBatch) {
		err := queryEach(ctx, tx, `SELECT advisory_id, ecosystem, name, purl, ranges_json, versions_json, symbols_json
			FROM advisory_affected WHERE advisory_id IN (`+placeholders(len(chunk))+`) ORDER BY advisory_id, id`, anys(chunk),
			func(rows *sql.Rows) error {
				var id int64
				var af cra.Affected
				var ranges, versions, symbols string
				if err := rows.Scan(&id, &af.Ecosystem, &af.Name, &af.PURL, &ranges, &versions, &symbols); err != nil {
					return err
				}
				if err := decodeList(ranges, &af.Ranges); err != nil {
					return err
				}
				if err := decodeList(versions, &af.Versions); err != nil {
					return err
				}
				out[id] = append(out[id], af)
				return decodeList(symbols, &out[id][len(out[id])-1].Symbols)
			})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
