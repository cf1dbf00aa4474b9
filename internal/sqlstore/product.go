package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"cyra/internal/cra"
)

const productColumns = `id, name, model, sku, description, intended_purpose, foreseeable_use, foreseeable_misuse, operating_environment,
	rdp, rdp_description, operator_role, licensing, member_states, team, lifecycle, scope, classification, review_reason, created_at, updated_at`

// scopeJSON and classificationJSON are the stored forms of the decisions.
type scopeJSON struct {
	Answers   cra.ScopeAnswers `json:"answers"`
	InScope   bool             `json:"in_scope"`
	Summary   string           `json:"summary"`
	DecidedBy string           `json:"decided_by"`
	DecidedAt time.Time        `json:"decided_at"`
}

type classificationJSON struct {
	Category      string                   `json:"category"`
	Rationale     string                   `json:"rationale"`
	Standards     cra.StandardsApplication `json:"standards"`
	TechDocPublic bool                     `json:"tech_doc_public"`
	DecidedBy     string                   `json:"decided_by"`
	DecidedAt     time.Time                `json:"decided_at"`
}

func scanProduct(row interface{ Scan(...any) error }) (*cra.Product, error) {
	var p cra.Product
	var rdp int
	var states, scope, class string
	var created, updated scanTime
	err := row.Scan(&p.ID, &p.Name, &p.Model, &p.SKU, &p.Description, &p.IntendedPurpose, &p.ForeseeableUse, &p.ForeseeableMisuse,
		&p.OperatingEnvironment, &rdp, &p.RDPDescription, &p.OperatorRole, &p.Licensing, &states, &p.Team, &p.Lifecycle,
		&scope, &class, &p.ReviewReason, &created, &updated)
	if err != nil {
		return nil, err
	}
	p.RemoteDataProcessing = rdp == 1
	if states != "" {
		p.MemberStates = strings.Split(states, ",")
	}
	if scope != "" {
		var s scopeJSON
		if err := json.Unmarshal([]byte(scope), &s); err != nil {
			return nil, err
		}
		p.Scope = &cra.ScopeDecision{Answers: s.Answers, InScope: s.InScope, Summary: s.Summary, DecidedBy: s.DecidedBy, DecidedAt: s.DecidedAt}
	}
	if class != "" {
		var c classificationJSON
		if err := json.Unmarshal([]byte(class), &c); err != nil {
			return nil, err
		}
		p.Classification = &cra.Classification{Category: c.Category, Rationale: c.Rationale, Standards: c.Standards,
			TechDocPublic: c.TechDocPublic, DecidedBy: c.DecidedBy, DecidedAt: c.DecidedAt}
	}
	p.CreatedAt, p.UpdatedAt = created.T, updated.T
	return &p, nil
}

// productValues returns the column values of p after id, in productColumns
// order.
func productValues(p *cra.Product) ([]any, error) {
	var scope, class string
	var category any
	if p.Scope != nil {
		b, err := json.Marshal(scopeJSON{Answers: p.Scope.Answers, InScope: p.Scope.InScope, Summary: p.Scope.Summary, DecidedBy: p.Scope.DecidedBy, DecidedAt: p.Scope.DecidedAt.UTC()})
		if err != nil {
			return nil, err
		}
		scope = string(b)
	}
	if c := p.Classification; c != nil {
		b, err := json.Marshal(classificationJSON{Category: c.Category, Rationale: c.Rationale, Standards: c.Standards,
			TechDocPublic: c.TechDocPublic, DecidedBy: c.DecidedBy, DecidedAt: c.DecidedAt.UTC()})
		if err != nil {
			return nil, err
		}
		class, category = string(b), c.Category
	}
	return []any{p.Name, p.Model, p.SKU, p.Description, p.IntendedPurpose, p.ForeseeableUse, p.ForeseeableMisuse,
		p.OperatingEnvironment, boolInt(p.RemoteDataProcessing), p.RDPDescription, string(p.OperatorRole), string(p.Licensing),
		strings.Join(p.MemberStates, ","), p.Team, string(p.Lifecycle), scope, category, class, p.ReviewReason,
		dbTime(p.CreatedAt), dbTime(p.UpdatedAt)}, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateProduct inserts a product.
func (db *DB) CreateProduct(ctx context.Context, p *cra.Product, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		vals, err := productValues(p)
		if err != nil {
			return err
		}
		id, err := tx.insertID(ctx, `INSERT INTO products (name, model, sku, description, intended_purpose, foreseeable_use, foreseeable_misuse,
			operating_environment, rdp, rdp_description, operator_role, licensing, member_states, team, lifecycle, scope, category,
			classification, review_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, vals...)
		if err != nil {
			if cra.ErrorCode(formatError(err)) == cra.ECONFLICT {
				return &cra.Error{Code: cra.ECONFLICT, Message: "A product named " + p.Name + " already exists.", Fields: map[string]string{"name": "This name is taken."}}
			}
			return err
		}
		p.ID = id
		rec.ObjectID = itoa(id)
		return db.appendAudit(ctx, tx, rec)
	})
}

// FindProducts lists products by name.
func (db *DB) FindProducts(ctx context.Context, f cra.ProductFilter) ([]*cra.Product, error) {
	var out []*cra.Product
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = findProducts(ctx, tx, f)
		return err
	})
	return out, err
}

func findProducts(ctx context.Context, tx *Tx, f cra.ProductFilter) ([]*cra.Product, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ID != nil {
		where, args = append(where, "id = ?"), append(args, *f.ID)
	}
	if f.Name != nil {
		where, args = append(where, "name = ?"), append(args, *f.Name)
	}
	rows, err := tx.query(ctx, `SELECT `+productColumns+` FROM products WHERE `+strings.Join(where, " AND ")+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cra.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// FindProductByID returns one product.
func (db *DB) FindProductByID(ctx context.Context, id int64) (*cra.Product, error) {
	ps, err := db.FindProducts(ctx, cra.ProductFilter{ID: &id})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "Product %d not found.", id)
	}
	return ps[0], nil
}

// UpdateProduct changes a product in one transaction.
func (db *DB) UpdateProduct(ctx context.Context, id int64, fn func(p *cra.Product) (cra.AuditRecord, error)) (*cra.Product, error) {
	var out *cra.Product
	err := db.update(ctx, func(tx *Tx) error {
		ps, err := findProducts(ctx, tx, cra.ProductFilter{ID: &id})
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return cra.Errorf(cra.ENOTFOUND, "Product %d not found.", id)
		}
		p := ps[0]
		rec, err := fn(p)
		if err != nil {
			return err
		}
		out = p
		if rec.Action == "" {
			return nil
		}
		vals, err := productValues(p)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE products SET name = ?, model = ?, sku = ?, description = ?, intended_purpose = ?, foreseeable_use = ?,
			foreseeable_misuse = ?, operating_environment = ?, rdp = ?, rdp_description = ?, operator_role = ?, licensing = ?,
			member_states = ?, team = ?, lifecycle = ?, scope = ?, category = ?, classification = ?, review_reason = ?,
			created_at = ?, updated_at = ? WHERE id = ?`, append(vals, p.ID)...)
		if err != nil {
			if cra.ErrorCode(formatError(err)) == cra.ECONFLICT {
				return &cra.Error{Code: cra.ECONFLICT, Message: "A product named " + p.Name + " already exists.", Fields: map[string]string{"name": "This name is taken."}}
			}
			return err
		}
		return db.appendAudit(ctx, tx, rec)
	})
	return out, err
}
