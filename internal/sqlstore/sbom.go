package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"cyra/internal/cra"
)

// sbomMetadata is the stored form of an SBOM's descriptive metadata.
type sbomMetadata struct {
	Tools    []string       `json:"tools,omitempty"`
	Authors  []string       `json:"authors,omitempty"`
	Supplier string         `json:"supplier,omitempty"`
	Subject  *cra.Component `json:"subject,omitempty"`
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// SaveSBOM stores an SBOM and replaces the release's components.
func (db *DB) SaveSBOM(ctx context.Context, rec *cra.SBOMRecord, original []byte, s *cra.SBOM, audit cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		meta, err := jsonText(sbomMetadata{Tools: rec.Tools, Authors: rec.Authors, Supplier: rec.Supplier, Subject: rec.Subject})
		if err != nil {
			return err
		}
		quality, err := jsonText(rec.Quality)
		if err != nil {
			return err
		}
		warnings, err := jsonText(rec.Warnings)
		if err != nil {
			return err
		}
		created := ""
		if rec.Created != nil {
			created = dbTime(*rec.Created)
		}
		if _, err := tx.exec(ctx, `UPDATE sboms SET current = 0 WHERE release_id = ? AND current = 1`, rec.ReleaseID); err != nil {
			return err
		}
		id, err := tx.insertID(ctx, `INSERT INTO sboms (release_id, format, spec_version, serial_number, file_name, sha256, size, content,
			document_created, metadata, component_count, quality_score, quality, warnings, uploaded_by, uploaded_at, current)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			rec.ReleaseID, string(rec.Format), rec.SpecVersion, rec.SerialNumber, rec.FileName, rec.SHA256, rec.Size, original,
			created, meta, rec.ComponentCount, rec.Quality.Score, quality, warnings, rec.UploadedBy, dbTime(rec.UploadedAt))
		if err != nil {
			if cra.ErrorCode(formatError(err)) == cra.EINVALID {
				return cra.Errorf(cra.ENOTFOUND, "Release %d not found.", rec.ReleaseID)
			}
			return err
		}
		rec.ID, rec.Current = id, true
		if _, err := tx.exec(ctx, `DELETE FROM components WHERE release_id = ?`, rec.ReleaseID); err != nil {
			return err
		}
		if err := insertComponents(ctx, tx, rec, s.Components); err != nil {
			return err
		}
		if err := insertEdges(ctx, tx, id, s.Dependencies); err != nil {
			return err
		}
		audit.ObjectID = itoa(id)
		return db.appendAudit(ctx, tx, audit)
	})
}

// componentColumns are the columns insertComponents writes, in order.
const componentColumns = `release_id, sbom_id, ref, type, name, grp, version, purl, purl_type, purl_namespace, purl_name,
	raw_purl, purl_problem, cpe, supplier, author, hashes, licenses, scope, direct, parent, match_key, match_key_alt, dep_path`

// batchRows is how many rows one INSERT carries: few statements (round
// trips on PostgreSQL) and well under both databases' parameter limits.
const batchRows = 200

// insertComponents writes components in multi-row INSERTs, with the match
// keys the matcher looks them up by.
func insertComponents(ctx context.Context, tx *Tx, rec *cra.SBOMRecord, cs []cra.Component) error {
	const cols = 24
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	for start := 0; start < len(cs); start += batchRows {
		end := min(start+batchRows, len(cs))
		args := make([]any, 0, (end-start)*cols)
		for _, c := range cs[start:end] {
			key, _, _ := cra.SplitPURL(c.PURL)
			hashes, licenses := "", ""
			if len(c.Hashes) > 0 {
				b, _ := json.Marshal(c.Hashes)
				hashes = string(b)
			}
			if len(c.Licenses) > 0 {
				b, _ := json.Marshal(c.Licenses)
				licenses = string(b)
			}
			matchKey, matchAlt := componentMatchKeys(c.PURL)
			args = append(args, rec.ReleaseID, rec.ID, c.Ref, c.Type, c.Name, c.Group, c.Version, c.PURL, key.Type, key.Namespace, key.Name,
				c.RawPURL, c.PURLProblem, c.CPE, c.Supplier, c.Author, hashes, licenses, c.Scope, boolInt(c.Direct), c.Parent, matchKey, matchAlt,
				depPath(c.DepPath))
		}
		q := `INSERT INTO components (` + componentColumns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", end-start), ", ")
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// depPath encodes a dependency path for the dep_path column: ” when the
// graph does not reach the component, a JSON list otherwise.
func depPath(p []string) string {
	if p == nil {
		return ""
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// insertEdges writes the dependency graph in multi-row INSERTs.
func insertEdges(ctx context.Context, tx *Tx, sbomID int64, deps []cra.Dependency) error {
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := `INSERT INTO sbom_dependencies (sbom_id, ref, depends_on) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(args)/3), ", ")
		_, err := tx.exec(ctx, q, args...)
		args = args[:0]
		return err
	}
	for _, d := range deps {
		for _, on := range d.DependsOn {
			args = append(args, sbomID, d.Ref, on)
			if len(args) >= batchRows*3 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

const sbomColumns = `id, release_id, format, spec_version, serial_number, file_name, sha256, size, document_created, metadata,
	component_count, quality, warnings, uploaded_by, uploaded_at, current`

func scanSBOM(row interface{ Scan(...any) error }) (*cra.SBOMRecord, error) {
	var r cra.SBOMRecord
	var created, meta, quality, warnings string
	var uploaded scanTime
	var current int
	if err := row.Scan(&r.ID, &r.ReleaseID, &r.Format, &r.SpecVersion, &r.SerialNumber, &r.FileName, &r.SHA256, &r.Size, &created, &meta,
		&r.ComponentCount, &quality, &warnings, &r.UploadedBy, &uploaded, &current); err != nil {
		return nil, err
	}
	if created != "" {
		var t scanTime
		if err := t.Scan(created); err != nil {
			return nil, err
		}
		r.Created = t.Ptr()
	}
	var m sbomMetadata
	if meta != "" {
		if err := json.Unmarshal([]byte(meta), &m); err != nil {
			return nil, err
		}
	}
	r.Tools, r.Authors, r.Supplier, r.Subject = m.Tools, m.Authors, m.Supplier, m.Subject
	if err := json.Unmarshal([]byte(quality), &r.Quality); err != nil {
		return nil, err
	}
	if warnings != "" {
		if err := json.Unmarshal([]byte(warnings), &r.Warnings); err != nil {
			return nil, err
		}
	}
	r.UploadedAt, r.Current = uploaded.T, current == 1
	return &r, nil
}

// FindSBOMs returns a release's SBOMs, newest first.
func (db *DB) FindSBOMs(ctx context.Context, releaseID int64) ([]*cra.SBOMRecord, error) {
	var out []*cra.SBOMRecord
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+sbomColumns+` FROM sboms WHERE release_id = ? ORDER BY id DESC`, releaseID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanSBOM(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// FindSBOMByID returns one SBOM's record.
func (db *DB) FindSBOMByID(ctx context.Context, id int64) (*cra.SBOMRecord, error) {
	var out *cra.SBOMRecord
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = scanSBOM(tx.queryRow(ctx, `SELECT `+sbomColumns+` FROM sboms WHERE id = ?`, id))
		return notFound(err, "SBOM "+itoa(id)+" not found.")
	})
	return out, err
}

// SBOMContent returns an SBOM's original document.
func (db *DB) SBOMContent(ctx context.Context, id int64) ([]byte, error) {
	var data []byte
	err := db.view(ctx, func(tx *Tx) error {
		return notFound(tx.queryRow(ctx, `SELECT content FROM sboms WHERE id = ?`, id).Scan(&data), "SBOM "+itoa(id)+" not found.")
	})
	return data, err
}

// SBOMGraph returns an SBOM's dependency edges grouped by ref.
func (db *DB) SBOMGraph(ctx context.Context, id int64) ([]cra.Dependency, error) {
	var out []cra.Dependency
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT ref, depends_on FROM sbom_dependencies WHERE sbom_id = ? ORDER BY ref, depends_on`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ref, on string
			if err := rows.Scan(&ref, &on); err != nil {
				return err
			}
			if n := len(out); n > 0 && out[n-1].Ref == ref {
				out[n-1].DependsOn = append(out[n-1].DependsOn, on)
			} else {
				out = append(out, cra.Dependency{Ref: ref, DependsOn: []string{on}})
			}
		}
		return rows.Err()
	})
	return out, err
}

const storedComponentColumns = `c.id, c.release_id, c.sbom_id, c.ref, c.type, c.name, c.grp, c.version, c.purl, c.raw_purl, c.purl_problem,
	c.cpe, c.supplier, c.author, c.hashes, c.licenses, c.scope, c.direct, c.parent`

func scanComponent(row interface{ Scan(...any) error }, extra ...any) (cra.StoredComponent, error) {
	var c cra.StoredComponent
	var hashes, licenses string
	var direct int
	dest := append([]any{&c.ID, &c.ReleaseID, &c.SBOMID, &c.Ref, &c.Type, &c.Name, &c.Group, &c.Version, &c.PURL, &c.RawPURL, &c.PURLProblem,
		&c.CPE, &c.Supplier, &c.Author, &hashes, &licenses, &c.Scope, &direct, &c.Parent}, extra...)
	if err := row.Scan(dest...); err != nil {
		return c, err
	}
	c.Direct = direct == 1
	if hashes != "" {
		if err := json.Unmarshal([]byte(hashes), &c.Hashes); err != nil {
			return c, err
		}
	}
	if licenses != "" {
		if err := json.Unmarshal([]byte(licenses), &c.Licenses); err != nil {
			return c, err
		}
	}
	return c, nil
}

// FindComponents returns a page of a release's components, by name.
func (db *DB) FindComponents(ctx context.Context, f cra.ComponentFilter) ([]cra.StoredComponent, int, error) {
	where, args := []string{"c.release_id = ?"}, []any{f.ReleaseID}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		where = append(where, `(lower(c.name) LIKE ? ESCAPE '\' OR lower(c.grp) LIKE ? ESCAPE '\' OR lower(c.version) LIKE ? ESCAPE '\' OR lower(c.purl) LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like, like)
	}
	if f.DirectOnly {
		where = append(where, "c.direct = 1")
	}
	if f.WithoutPURL {
		where = append(where, "c.purl = ''")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []cra.StoredComponent
	var total int
	err := db.view(ctx, func(tx *Tx) error {
		cond := strings.Join(where, " AND ")
		if err := tx.queryRow(ctx, `SELECT count(*) FROM components c WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT `+storedComponentColumns+` FROM components c WHERE `+cond+` ORDER BY c.name, c.version, c.id LIMIT ? OFFSET ?`,
			append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanComponent(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, total, err
}

// SearchComponents finds the releases that contain a package.
func (db *DB) SearchComponents(ctx context.Context, key cra.PackageKey, version string) ([]cra.ComponentHit, error) {
	where, args := []string{"c.purl_type = ?", "c.purl_namespace = ?", "c.purl_name = ?"}, []any{key.Type, key.Namespace, key.Name}
	if version != "" {
		where, args = append(where, "c.version = ?"), append(args, version)
	}
	var out []cra.ComponentHit
	err := db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+storedComponentColumns+`, p.id, p.name, r.version, r.placed_on_market, r.status
			FROM components c JOIN releases r ON r.id = c.release_id JOIN products p ON p.id = r.product_id
			WHERE `+strings.Join(where, " AND ")+` ORDER BY p.name, r.version, c.version LIMIT 5000`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h cra.ComponentHit
			var placed, status string
			c, err := scanComponent(rows, &h.ProductID, &h.ProductName, &h.Release, &placed, &status)
			if err != nil {
				return err
			}
			h.Component, h.ReleaseID, h.Status = c, c.ReleaseID, cra.ReleaseStatus(status)
			if placed != "" {
				if h.PlacedOnMarket, err = cra.ParseDate(placed); err != nil {
					return err
				}
			}
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, err
}
