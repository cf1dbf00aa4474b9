package service

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"cyra/internal/cra"
	"cyra/internal/secret"
)

// UserService implements cra.UserService.
type UserService struct{ *deps }

var _ cra.UserService = (*UserService)(nil)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// userSummary is what the audit log records of a user (never secrets).
func userSummary(u *cra.User) map[string]any {
	return map[string]any{"email": u.Email, "name": u.Name, "role": string(u.Role), "kind": string(u.Kind), "disabled": u.DisabledAt != nil}
}

// Me returns the caller's account.
func (s *UserService) Me(ctx context.Context) (*cra.User, error) {
	a := cra.ActorFrom(ctx)
	if a == nil {
		return nil, cra.Errorf(cra.EUNAUTHORIZED, "Sign in or send an API token.")
	}
	if a.UserID == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "The %s actor has no account.", a.Kind)
	}
	return s.store.FindUserByID(ctx, a.UserID)
}

// ListUsers lists accounts.
func (s *UserService) ListUsers(ctx context.Context, f cra.UserFilter) ([]*cra.User, error) {
	if err := cra.Authorize(ctx, cra.PermUsersRead); err != nil {
		return nil, err
	}
	return s.store.FindUsers(ctx, f)
}

// GetUser returns an account; everyone may read their own.
func (s *UserService) GetUser(ctx context.Context, id int64) (*cra.User, error) {
	if a := cra.ActorFrom(ctx); a == nil || a.UserID != id {
		if err := cra.Authorize(ctx, cra.PermUsersRead); err != nil {
			return nil, err
		}
	}
	return s.store.FindUserByID(ctx, id)
}

// CreateUser creates a person (with a password) or a service account.
func (s *UserService) CreateUser(ctx context.Context, n cra.NewUser) (*cra.User, error) {
	if err := cra.Authorize(ctx, cra.PermUsersWrite); err != nil {
		return nil, err
	}
	if n.Kind == "" {
		n.Kind = cra.KindPerson
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var hash string
	if n.Kind == cra.KindPerson {
		var err error
		if hash, err = secret.HashPassword(n.Password); err != nil {
			return nil, err
		}
	}
	u := &cra.User{Email: n.Email, Name: n.Name, Role: n.Role, Kind: n.Kind, CreatedAt: s.now().UTC()}
	rec := s.record(cra.ActorFrom(ctx), "user.create", "user", "", nil, userSummary(u))
	if err := s.store.CreateUser(ctx, u, hash, rec); err != nil {
		if cra.ErrorCode(err) == cra.ECONFLICT {
			return nil, &cra.Error{Code: cra.ECONFLICT, Message: cra.ErrorMessage(err), Fields: map[string]string{"email": "This e-mail is already registered."}}
		}
		return nil, err
	}
	return u, nil
}

// UpdateUser changes a user's name, role or disabled state.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd cra.UserUpdate) (*cra.User, error) {
	if err := cra.Authorize(ctx, cra.PermUsersWrite); err != nil {
		return nil, err
	}
	a := cra.ActorFrom(ctx)
	if upd.Name == nil && upd.Role == nil && upd.Disabled == nil {
		return nil, cra.Errorf(cra.EINVALID, "Nothing to change: send name, role or disabled.")
	}
	p := map[string]string{}
	if upd.Role != nil && !upd.Role.Valid() {
		p["role"] = "Choose one of admin, security-officer, member, auditor."
	}
	if upd.Name != nil {
		*upd.Name = strings.TrimSpace(*upd.Name)
		if utf8.RuneCountInString(*upd.Name) > 200 {
			p["name"] = "Name must be at most 200 characters."
		}
	}
	if upd.Disabled != nil && *upd.Disabled && a.UserID == id {
		p["disabled"] = "You cannot disable your own account."
	}
	if err := cra.Invalid(p); err != nil {
		return nil, err
	}
	return s.store.UpdateUser(ctx, id, func(u *cra.User) (cra.AuditRecord, error) {
		before := userSummary(u)
		if upd.Name != nil {
			u.Name = *upd.Name
		}
		if upd.Role != nil {
			u.Role = *upd.Role
		}
		if upd.Disabled != nil {
			switch {
			case *upd.Disabled && u.DisabledAt == nil:
				now := s.now().UTC()
				u.DisabledAt = &now
			case !*upd.Disabled:
				u.DisabledAt = nil
			}
		}
		b, af := diff(before, userSummary(u))
		if len(af) == 0 {
			return cra.AuditRecord{}, nil // nothing changed: no write, no entry
		}
		return s.record(a, "user.update", "user", itoa(u.ID), b, af), nil
	})
}

// SetPassword resets a person's password; they are signed out everywhere.
func (s *UserService) SetPassword(ctx context.Context, id int64, password string) error {
	if err := cra.Authorize(ctx, cra.PermUsersWrite); err != nil {
		return err
	}
	a := cra.ActorFrom(ctx)
	if a.UserID == id {
		return &cra.Error{Code: cra.EINVALID, Message: "Change your own password under Account, with your current password.",
			Fields: map[string]string{"password": "Use Account to change your own password."}}
	}
	u, err := s.store.FindUserByID(ctx, id)
	if err != nil {
		return err
	}
	if u.Kind != cra.KindPerson {
		return cra.Errorf(cra.EINVALID, "Service accounts have no password; they use API tokens.")
	}
	if msg := cra.CheckPassword(password, u.Email); msg != "" {
		return &cra.Error{Code: cra.EINVALID, Message: "The input is not valid.", Fields: map[string]string{"password": msg}}
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return err
	}
	return s.store.SetPassword(ctx, u.ID, hash, 0, s.record(a, "user.password_reset", "user", itoa(u.ID), nil, map[string]any{"email": u.Email}))
}
