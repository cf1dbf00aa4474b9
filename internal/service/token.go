package service

import (
	"context"
	"time"

	"cyra/internal/cra"
	"cyra/internal/secret"
)

// TokenService implements cra.TokenService.
type TokenService struct{ *deps }

var _ cra.TokenService = (*TokenService)(nil)

// ListTokens lists the caller's tokens, or all tokens.
func (s *TokenService) ListTokens(ctx context.Context, all bool) ([]*cra.APIToken, error) {
	perm := cra.PermTokensOwn
	if all {
		perm = cra.PermTokensService
	}
	if err := cra.Authorize(ctx, perm); err != nil {
		return nil, err
	}
	f := cra.TokenFilter{}
	if !all {
		id := cra.ActorFrom(ctx).UserID
		f.UserID = &id
	}
	return s.store.FindTokens(ctx, f)
}

// CreateToken creates a token for the caller, or (with PermTokensService)
// for a service account. The token's role may not exceed the owner's role
// nor the creator's; a token created with an API token expires no later
// than that token.
func (s *TokenService) CreateToken(ctx context.Context, n cra.NewToken) (*cra.CreatedToken, error) {
	if err := cra.Authorize(ctx, cra.PermTokensOwn); err != nil {
		return nil, err
	}
	a := cra.ActorFrom(ctx)
	now := s.now().UTC()
	if err := n.Validate(now); err != nil {
		return nil, err
	}
	if n.UserID == 0 {
		n.UserID = a.UserID
	}
	if n.UserID == 0 {
		return nil, cra.Errorf(cra.EINVALID, "Say which user the token is for.")
	}
	// Check the permission before looking the owner up, so that callers
	// without it cannot probe which user ids exist.
	if n.UserID != a.UserID {
		if err := cra.Authorize(ctx, cra.PermTokensService); err != nil {
			return nil, err
		}
	}
	owner, err := s.store.FindUserByID(ctx, n.UserID)
	if err != nil {
		return nil, err
	}
	if owner.ID != a.UserID {
		if owner.Kind != cra.KindService && a.Kind != cra.ActorSystem {
			return nil, &cra.Error{Code: cra.EINVALID, Message: "Tokens can be created for yourself or for a service account only.",
				Fields: map[string]string{"user_id": "Choose yourself or a service account."}}
		}
	}
	if !owner.Active() {
		return nil, cra.Errorf(cra.EINVALID, "%s is disabled.", owner.Email)
	}
	if n.Role == "" {
		n.Role = owner.Role
		if a.Kind != cra.ActorSystem && !n.Role.Within(a.Role) {
			n.Role = a.Role
		}
	}
	if !n.Role.Within(owner.Role) {
		return nil, &cra.Error{Code: cra.EINVALID, Message: "A token's role cannot be higher than its owner's role.",
			Fields: map[string]string{"role": "Choose " + string(owner.Role) + " or a lower role."}}
	}
	if a.Kind != cra.ActorSystem && !n.Role.Within(a.Role) {
		return nil, &cra.Error{Code: cra.EFORBIDDEN, Message: "A token's role cannot be higher than your own role.",
			Fields: map[string]string{"role": "Choose " + string(a.Role) + " or a lower role."}}
	}
	if a.Kind == cra.ActorToken {
		if err := s.boundByCreatorToken(ctx, a, &n); err != nil {
			return nil, err
		}
	}
	sec := secret.New(TokenPrefix)
	t := &cra.APIToken{UserID: owner.ID, UserEmail: owner.Email, Name: n.Name, Role: n.Role, Prefix: sec[:len(TokenPrefix)+6],
		CreatedAt: now, CreatedBy: a.UserID, ExpiresAt: n.ExpiresAt}
	after := map[string]any{"name": t.Name, "role": string(t.Role), "owner": owner.Email, "prefix": t.Prefix, "expires_at": ""}
	if t.ExpiresAt != nil {
		after["expires_at"] = t.ExpiresAt.Format(time.RFC3339)
	}
	if err := s.store.CreateToken(ctx, t, secret.Digest(sec), s.record(a, "token.create", "token", "", nil, after)); err != nil {
		return nil, err
	}
	return &cra.CreatedToken{Token: *t, Secret: sec}, nil
}

// boundByCreatorToken caps the expiry of a token minted with a token.
func (s *TokenService) boundByCreatorToken(ctx context.Context, a *cra.Actor, n *cra.NewToken) error {
	id := a.TokenID
	ts, err := s.store.FindTokens(ctx, cra.TokenFilter{ID: &id})
	if err != nil || len(ts) == 0 {
		return cra.Errorf(cra.EUNAUTHORIZED, "The API token is not valid.")
	}
	if limit := ts[0].ExpiresAt; limit != nil && (n.ExpiresAt == nil || n.ExpiresAt.After(*limit)) {
		return &cra.Error{Code: cra.EINVALID, Message: "A token created with an API token cannot outlive it.",
			Fields: map[string]string{"expires_at": "Choose an expiry no later than " + limit.Format(time.RFC3339) + "."}}
	}
	return nil
}

// RevokeToken revokes one of the caller's tokens, or any token with
// PermTokensService.
func (s *TokenService) RevokeToken(ctx context.Context, id int64) error {
	if err := cra.Authorize(ctx, cra.PermTokensOwn); err != nil {
		return err
	}
	a := cra.ActorFrom(ctx)
	ts, err := s.store.FindTokens(ctx, cra.TokenFilter{ID: &id})
	if err != nil {
		return err
	}
	if len(ts) == 0 || (ts[0].UserID != a.UserID && !a.Can(cra.PermTokensService)) {
		return cra.Errorf(cra.ENOTFOUND, "Token %d not found.", id)
	}
	t := ts[0]
	rec := s.record(a, "token.revoke", "token", itoa(t.ID), map[string]any{"status": t.Status(s.now())}, map[string]any{"status": "revoked", "name": t.Name, "owner": t.UserEmail})
	return s.store.RevokeToken(ctx, t.ID, s.now().UTC(), rec)
}
