package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"cyra/internal/cra"
)

// presenceJSON and routingJSON are the stored form of cra.RoutingFacts,
// tagged so that renaming the domain's fields does not break stored
// profiles.
type presenceJSON struct {
	MemberState string `json:"member_state"`
	Name        string `json:"name,omitempty"`
	Count       int    `json:"count"`
}

type routingJSON struct {
	MainEstablishment         string         `json:"main_establishment,omitempty"`
	Establishments            []presenceJSON `json:"establishments,omitempty"`
	AuthorisedRepresentatives []presenceJSON `json:"authorised_representatives,omitempty"`
	Importers                 []presenceJSON `json:"importers,omitempty"`
	Distributors              []presenceJSON `json:"distributors,omitempty"`
	Users                     []presenceJSON `json:"users,omitempty"`
}

func presencesJSON(ps []cra.Presence) []presenceJSON {
	var out []presenceJSON
	for _, p := range ps {
		out = append(out, presenceJSON(p))
	}
	return out
}

func presences(ps []presenceJSON) []cra.Presence {
	var out []cra.Presence
	for _, p := range ps {
		out = append(out, cra.Presence(p))
	}
	return out
}

// FindReportingProfile returns the reporting profile, ENOTFOUND until one
// is saved.
func (db *DB) FindReportingProfile(ctx context.Context) (*cra.ReportingProfile, error) {
	var p cra.ReportingProfile
	err := db.view(ctx, func(tx *Tx) error {
		var routing string
		var updated scanTime
		err := tx.queryRow(ctx, `SELECT size, routing_json, updated_at FROM reporting_profile WHERE id = 1`).Scan(&p.Size, &routing, &updated)
		if err != nil {
			return notFound(err, "No reporting profile has been saved yet.")
		}
		p.UpdatedAt = updated.T
		if routing == "" {
			return nil
		}
		var r routingJSON
		if err := json.Unmarshal([]byte(routing), &r); err != nil {
			return err
		}
		p.Routing = cra.RoutingFacts{MainEstablishment: r.MainEstablishment, Establishments: presences(r.Establishments),
			AuthorisedRepresentatives: presences(r.AuthorisedRepresentatives), Importers: presences(r.Importers),
			Distributors: presences(r.Distributors), Users: presences(r.Users)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// SaveReportingProfile creates or replaces the reporting profile;
// UpdatedAt defaults to now.
func (db *DB) SaveReportingProfile(ctx context.Context, p *cra.ReportingProfile, rec cra.AuditRecord) error {
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = db.storedNow()
	}
	r := p.Routing
	routing, err := jsonText(routingJSON{MainEstablishment: r.MainEstablishment, Establishments: presencesJSON(r.Establishments),
		AuthorisedRepresentatives: presencesJSON(r.AuthorisedRepresentatives), Importers: presencesJSON(r.Importers),
		Distributors: presencesJSON(r.Distributors), Users: presencesJSON(r.Users)})
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO reporting_profile (id, size, routing_json, updated_at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET size = excluded.size, routing_json = excluded.routing_json, updated_at = excluded.updated_at`,
			string(p.Size), routing, dbTime(p.UpdatedAt)); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, rec)
	})
}

// MarkReminder records that the reminder with this key was sent at at. It
// returns false when it already was: of concurrent callers, one wins.
func (db *DB) MarkReminder(ctx context.Context, key string, at time.Time) (bool, error) {
	if at.IsZero() {
		at = db.storedNow()
	}
	var first bool
	err := db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `INSERT INTO reminders_sent (key, sent_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, dbTime(at))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		first = n == 1
		return err
	})
	return first, err
}
