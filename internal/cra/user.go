package cra

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// UserKind distinguishes people from service accounts.
type UserKind string

// User kinds. A service account has no password and authenticates with API
// tokens only (for CI pipelines and integrations).
const (
	KindPerson  UserKind = "person"
	KindService UserKind = "service"
)

// User is an account of this cyra instance.
type User struct {
	ID          int64
	Email       string
	Name        string
	Role        Role
	Kind        UserKind
	CreatedAt   time.Time
	DisabledAt  *time.Time
	LastLoginAt *time.Time
}

// Active reports whether the user may authenticate.
func (u *User) Active() bool { return u.DisabledAt == nil }

// UserFilter selects users.
type UserFilter struct {
	ID    *int64
	Email *string
	Kind  *UserKind
}

// UserUpdate is a partial change to a user; nil fields stay as they are.
type UserUpdate struct {
	Name     *string
	Role     *Role
	Disabled *bool
}

// NewUser is the input for creating a user. Password is empty for service
// accounts.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Kind     UserKind
	Password string
}

// NormalizeEmail trims and lower-cases an address so that look-ups are
// case-insensitive.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidateEmail checks that s is a bare address ("a@example.com").
func ValidateEmail(s string) string {
	if s == "" {
		return "E-mail is required."
	}
	if len(s) > 254 {
		return "E-mail must be at most 254 characters."
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "Enter an address like name@example.com."
	}
	return ""
}

// Validate checks a new user and returns EINVALID with per-field problems.
// The password policy is applied here too, so every path that creates an
// account (setup page, API, CLI) enforces it.
func (n *NewUser) Validate() error {
	p := map[string]string{}
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if msg := ValidateEmail(n.Email); msg != "" {
		p["email"] = msg
	}
	if utf8.RuneCountInString(n.Name) > 200 {
		p["name"] = "Name must be at most 200 characters."
	}
	if !n.Role.Valid() {
		p["role"] = "Choose one of admin, security-officer, member, auditor."
	}
	switch n.Kind {
	case KindPerson:
		if msg := CheckPassword(n.Password, n.Email); msg != "" {
			p["password"] = msg
		}
	case KindService:
		if n.Password != "" {
			p["password"] = "Service accounts have no password; they use API tokens."
		}
	default:
		p["kind"] = "Kind must be person or service."
	}
	return Invalid(p)
}
