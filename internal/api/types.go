package api

import (
	"encoding/json"
	"time"

	"cyra/internal/cra"
)

// User is the JSON form of a user.
type User struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        cra.Role   `json:"role"`
	Kind        string     `json:"kind"`
	CreatedAt   time.Time  `json:"created_at"`
	DisabledAt  *time.Time `json:"disabled_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

func userJSON(u *cra.User) User {
	return User{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Kind: string(u.Kind), CreatedAt: u.CreatedAt.UTC(),
		DisabledAt: timePtr(u.DisabledAt), LastLoginAt: timePtr(u.LastLoginAt)}
}

// Token is the JSON form of an API token (never its secret).
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Name       string     `json:"name"`
	Role       cra.Role   `json:"role"`
	Prefix     string     `json:"prefix"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func tokenJSON(t *cra.APIToken, now time.Time) Token {
	return Token{ID: t.ID, UserID: t.UserID, UserEmail: t.UserEmail, Name: t.Name, Role: t.Role, Prefix: t.Prefix, Status: t.Status(now),
		CreatedAt: t.CreatedAt.UTC(), ExpiresAt: timePtr(t.ExpiresAt), LastUsedAt: timePtr(t.LastUsedAt), RevokedAt: timePtr(t.RevokedAt)}
}

// Organisation is the JSON form of the organisation.
type Organisation struct {
	LegalName     string     `json:"legal_name"`
	PostalAddress string     `json:"postal_address"`
	ContactEmail  string     `json:"contact_email"`
	Website       string     `json:"website"`
	MemberState   string     `json:"member_state"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
}

func orgJSON(o *cra.Organisation) Organisation {
	return Organisation{LegalName: o.LegalName, PostalAddress: o.PostalAddress, ContactEmail: o.ContactEmail, Website: o.Website,
		MemberState: o.MemberState, UpdatedAt: timePtr(&o.UpdatedAt)}
}

// AuditEntry is the JSON form of an audit entry. Before and After are the
// stored summaries as JSON objects (null when empty).
type AuditEntry struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	ActorID    int64           `json:"actor_id"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

func rawOrNull(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

func auditJSON(e cra.AuditEntry) AuditEntry {
	return AuditEntry{Seq: e.Seq, At: e.At.UTC(), ActorID: e.ActorID, Actor: e.Actor, Action: e.Action, ObjectType: e.ObjectType,
		ObjectID: e.ObjectID, Before: rawOrNull(e.Before), After: rawOrNull(e.After), PrevHash: e.PrevHash, Hash: e.Hash}
}
