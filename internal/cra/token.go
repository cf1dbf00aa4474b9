package cra

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// APIToken is a bearer credential for /api/v1. The secret is shown once at
// creation and only its SHA-256 hash is stored.
type APIToken struct {
	ID     int64
	UserID int64
	// UserEmail is the owner's e-mail, filled in by listings.
	UserEmail string
	Name      string
	// Role is the token's own role; its effective permissions are further
	// bounded by the owner's current role.
	Role Role
	// Prefix is the start of the secret, kept to recognise a token in lists.
	Prefix     string
	CreatedAt  time.Time
	CreatedBy  int64
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Status is "active", "expired" or "revoked" at time now.
func (t *APIToken) Status(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return "expired"
	}
	return "active"
}

// NewToken is the input for creating a token.
type NewToken struct {
	// UserID is the owner; 0 means the caller.
	UserID int64
	Name   string
	// Role defaults to the owner's role.
	Role      Role
	ExpiresAt *time.Time
}

// CreatedToken is a new token with its one-time secret.
type CreatedToken struct {
	Token  APIToken
	Secret string
}

// MaxTokenLifetime bounds an explicit expiry; tokens without expiry are
// allowed (service accounts) but shown as such.
const MaxTokenLifetime = 5 * 366 * 24 * time.Hour

// ParseLifetime parses a token lifetime such as "90d", "12h" or "2w".
// "" and "never" mean no expiry and return 0.
func ParseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "never" {
		return 0, nil
	}
	bad := Errorf(EINVALID, "Lifetime %q is not valid; use a number followed by h, d or w (for example 90d).", s)
	if len(s) < 2 {
		return 0, bad
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, bad
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	default:
		return 0, bad
	}
	if time.Duration(n) > MaxTokenLifetime/unit {
		return 0, Errorf(EINVALID, "Lifetime %q is longer than five years.", s)
	}
	return time.Duration(n) * unit, nil
}

// Validate checks a token request against the time now.
func (n *NewToken) Validate(now time.Time) error {
	p := map[string]string{}
	n.Name = strings.TrimSpace(n.Name)
	switch {
	case n.Name == "":
		p["name"] = "Name is required (for example \"ci\")."
	case utf8.RuneCountInString(n.Name) > 100:
		p["name"] = "Name must be at most 100 characters."
	}
	if n.Role != "" && !n.Role.Valid() {
		p["role"] = "Choose one of admin, security-officer, member, auditor."
	}
	if n.ExpiresAt != nil {
		if !n.ExpiresAt.After(now) {
			p["expires_at"] = "Expiry must be in the future."
		} else if n.ExpiresAt.Sub(now) > MaxTokenLifetime {
			p["expires_at"] = "Expiry must be within five years."
		}
	}
	return Invalid(p)
}

// Session is a signed-in browser. The cookie holds a random secret; only
// its hash is stored.
type Session struct {
	ID         int64
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute limit
	IP         string
	UserAgent  string
}

// SessionPolicy holds the session lifetimes.
type SessionPolicy struct {
	Idle     time.Duration // a session unused this long ends
	Absolute time.Duration // a session ends this long after sign-in, used or not
}

// DefaultSessionPolicy signs users out after an hour of inactivity and
// twelve hours after they signed in.
var DefaultSessionPolicy = SessionPolicy{Idle: time.Hour, Absolute: 12 * time.Hour}

// Expired reports whether s has ended at time now under policy p.
func (p SessionPolicy) Expired(s *Session, now time.Time) bool {
	return !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= p.Idle
}

// SetupTokenLifetime is how long the first-run setup URL stays valid.
const SetupTokenLifetime = 24 * time.Hour
