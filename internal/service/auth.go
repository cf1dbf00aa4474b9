package service

import (
	"context"
	"math"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/secret"
)

// Secret prefixes make a leaked credential recognisable (for secret
// scanners) and tell API tokens from session cookies.
const (
	TokenPrefix   = "cyra_"
	SessionPrefix = "cyrasess_"
	SetupPrefix   = "cyrasetup_"
)

// touchInterval limits how often "last seen" and "last used" are written.
const touchInterval = time.Minute

// AuthService implements cra.AuthService.
type AuthService struct {
	*deps
	policy   cra.SessionPolicy
	throttle *throttle
}

var _ cra.AuthService = (*AuthService)(nil)

// SetupRequired reports whether no user exists yet.
func (s *AuthService) SetupRequired(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	return n == 0, err
}

// IssueSetupToken creates the one-time setup secret. Only cyra itself (the
// serve command) calls it, before any user exists.
func (s *AuthService) IssueSetupToken(ctx context.Context) (string, time.Time, error) {
	if a := cra.ActorFrom(ctx); a == nil || a.Kind != cra.ActorSystem {
		return "", time.Time{}, cra.Errorf(cra.EFORBIDDEN, "Only cyra itself issues setup tokens.")
	}
	tok := secret.New(SetupPrefix)
	exp := s.now().Add(cra.SetupTokenLifetime).UTC()
	rec := s.record(cra.ActorFrom(ctx), "setup.token_issue", "setup", "", nil, map[string]any{"expires_at": exp.Format(time.RFC3339)})
	if err := s.store.IssueSetupToken(ctx, secret.Digest(tok), exp, rec); err != nil {
		return "", time.Time{}, err
	}
	return tok, exp, nil
}

// CheckSetupToken returns nil if the token can still complete setup.
func (s *AuthService) CheckSetupToken(ctx context.Context, tok string) error {
	if !strings.HasPrefix(tok, SetupPrefix) {
		return cra.Errorf(cra.ENOTFOUND, "This setup link is not valid. Restart cyra serve to print a new one.")
	}
	return s.store.SetupTokenUsable(ctx, secret.Digest(tok), s.now())
}

// CompleteSetup creates the organisation and the first administrator and
// signs them in.
func (s *AuthService) CompleteSetup(ctx context.Context, f cra.SetupForm, c cra.ClientInfo) (*cra.User, string, error) {
	if err := s.CheckSetupToken(ctx, f.Token); err != nil {
		return nil, "", err
	}
	f.Admin.Role, f.Admin.Kind = cra.RoleAdmin, cra.KindPerson
	fields := map[string]string{}
	for k, v := range cra.ErrorFields(f.Organisation.Validate()) {
		fields[k] = v
	}
	for k, v := range cra.ErrorFields(f.Admin.Validate()) {
		fields["admin_"+k] = v
	}
	if err := cra.Invalid(fields); err != nil {
		return nil, "", err
	}
	hash, err := secret.HashPassword(f.Admin.Password)
	if err != nil {
		return nil, "", err
	}
	setupActor := &cra.Actor{Kind: cra.ActorSetup, Email: "setup"}
	setup := &cra.Setup{
		TokenHash: secret.Digest(f.Token), At: s.now(),
		Organisation:       f.Organisation,
		Admin:              cra.User{Email: f.Admin.Email, Name: f.Admin.Name, Role: cra.RoleAdmin, Kind: cra.KindPerson},
		PasswordHash:       hash,
		SetupRecord:        s.record(setupActor, "setup.complete", "setup", "", nil, map[string]any{"ip": c.IP}),
		AdminRecord:        s.record(setupActor, "user.create", "user", "", nil, userSummary(&cra.User{Email: f.Admin.Email, Name: f.Admin.Name, Role: cra.RoleAdmin, Kind: cra.KindPerson})),
		OrganisationRecord: s.record(setupActor, "organisation.create", "organisation", "1", nil, orgSummary(&f.Organisation)),
	}
	if err := s.store.CompleteSetup(ctx, setup); err != nil {
		return nil, "", err
	}
	admin := setup.Admin
	sess, err := s.startSession(ctx, &admin, c)
	return &admin, sess, err
}

// Login checks a password, applying per-account and per-address
// throttling, and starts a session.
func (s *AuthService) Login(ctx context.Context, email, password string, c cra.ClientInfo) (*cra.User, string, error) {
	email = cra.NormalizeEmail(email)
	now := s.now()
	acctKey := "acct:" + email
	// Each attempt is counted as a failure before the password is checked
	// and taken back only if it succeeds.
	acctWait, undoAcct := s.throttle.reserve(acctKey, accountLimit, now)
	ipWait, undoIP := s.throttle.reserve("ip:"+c.IP, ipLimit, now)
	if wait := max(acctWait, ipWait); wait > 0 {
		undoAcct()
		undoIP()
		s.logger.Warn("sign-in throttled", "email", email, "ip", c.IP, "retry_after", wait.Round(time.Second))
		return nil, "", &cra.Error{Code: cra.ETOOMANY, Message: "Too many failed sign-ins. Try again later.",
			RetryAfterSeconds: int(math.Ceil(wait.Seconds()))}
	}
	u, ok, err := s.checkPassword(ctx, email, password)
	if err != nil {
		undoAcct()
		undoIP()
		return nil, "", err
	}
	if !ok {
		s.logger.Warn("sign-in failed", "email", email, "ip", c.IP)
		return nil, "", cra.Errorf(cra.EUNAUTHORIZED, "E-mail or password is wrong.")
	}
	s.throttle.reset(acctKey)
	undoIP()
	sess, err := s.startSession(ctx, u, c)
	return u, sess, err
}

// checkPassword reports whether password signs in the account email. It
// spends the same argon2 work whether the account is unknown, disabled, a
// service account (no password) or a person, so that timing does not tell
// which e-mails exist.
func (s *AuthService) checkPassword(ctx context.Context, email, password string) (*cra.User, bool, error) {
	u, hash, err := s.store.PasswordHash(ctx, email)
	if cra.ErrorCode(err) == cra.ENOTFOUND {
		secret.CheckDummy(password)
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	if u.Kind != cra.KindPerson || hash == "" {
		secret.CheckDummy(password)
		return u, false, nil
	}
	ok, err := secret.CheckPassword(hash, password)
	if err != nil {
		return nil, false, err
	}
	return u, ok && u.Active(), nil
}

func (s *AuthService) startSession(ctx context.Context, u *cra.User, c cra.ClientInfo) (string, error) {
	now := s.now().UTC()
	tok := secret.New(SessionPrefix)
	sess := &cra.Session{UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.policy.Absolute),
		IP: c.IP, UserAgent: truncate(c.UserAgent, 300)}
	actor := &cra.Actor{Kind: cra.ActorSession, UserID: u.ID, Email: u.Email, Role: u.Role}
	rec := s.record(actor, "session.login", "user", itoa(u.ID), nil, map[string]any{"ip": c.IP})
	if err := s.store.CreateSession(ctx, sess, secret.Digest(tok), rec); err != nil {
		return "", err
	}
	return tok, nil
}

// Logout ends the session with this secret. Ending an unknown or already
// ended session succeeds.
func (s *AuthService) Logout(ctx context.Context, sessionSecret string) error {
	sess, u, err := s.store.FindSession(ctx, secret.Digest(sessionSecret))
	if cra.ErrorCode(err) == cra.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	actor := &cra.Actor{Kind: cra.ActorSession, UserID: u.ID, Email: u.Email, Role: u.Role, SessionID: sess.ID}
	rec := s.record(actor, "session.logout", "user", itoa(u.ID), nil, nil)
	return s.store.DeleteSession(ctx, sess.ID, &rec)
}

var errSignedOut = cra.Errorf(cra.EUNAUTHORIZED, "Your session has ended; sign in again.")

// AuthenticateSession resolves a session cookie to an actor, ending the
// session if it is idle or past its absolute lifetime.
func (s *AuthService) AuthenticateSession(ctx context.Context, tok string) (*cra.Actor, error) {
	if !strings.HasPrefix(tok, SessionPrefix) {
		return nil, errSignedOut
	}
	sess, u, err := s.store.FindSession(ctx, secret.Digest(tok))
	if cra.ErrorCode(err) == cra.ENOTFOUND {
		return nil, errSignedOut
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if s.policy.Expired(sess, now) || !u.Active() {
		if err := s.store.DeleteSession(ctx, sess.ID, nil); err != nil {
			return nil, err
		}
		return nil, errSignedOut
	}
	if now.Sub(sess.LastSeenAt) >= touchInterval {
		if err := s.store.TouchSession(ctx, sess.ID, now); err != nil {
			return nil, err
		}
	}
	return &cra.Actor{Kind: cra.ActorSession, UserID: u.ID, Email: u.Email, Role: u.Role, SessionID: sess.ID}, nil
}

// AuthenticateToken resolves an API token to an actor whose role is the
// token's role, provided the owner is active and still holds that role.
func (s *AuthService) AuthenticateToken(ctx context.Context, tok string) (*cra.Actor, error) {
	bad := cra.Errorf(cra.EUNAUTHORIZED, "The API token is not valid.")
	if !strings.HasPrefix(tok, TokenPrefix) {
		return nil, bad
	}
	t, u, err := s.store.FindTokenByHash(ctx, secret.Digest(tok))
	if cra.ErrorCode(err) == cra.ENOTFOUND {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case t.Status(now) == "revoked":
		return nil, cra.Errorf(cra.EUNAUTHORIZED, "The API token %q was revoked.", t.Name)
	case t.Status(now) == "expired":
		return nil, cra.Errorf(cra.EUNAUTHORIZED, "The API token %q expired.", t.Name)
	case !u.Active():
		return nil, cra.Errorf(cra.EUNAUTHORIZED, "The owner of this API token is disabled.")
	case !t.Role.Within(u.Role):
		return nil, cra.Errorf(cra.EUNAUTHORIZED, "The API token's role (%s) is above its owner's current role; create a new token.", t.Role)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchInterval {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			return nil, err
		}
	}
	return &cra.Actor{Kind: cra.ActorToken, UserID: u.ID, Email: u.Email, Role: t.Role, TokenID: t.ID}, nil
}

// ChangePassword changes the caller's own password.
func (s *AuthService) ChangePassword(ctx context.Context, current, next string) error {
	a := cra.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return cra.Errorf(cra.EUNAUTHORIZED, "Sign in to change your password.")
	}
	// Only a signed-in person may change the password: an API token,
	// perhaps of a lower role, must not be able to take over its owner's
	// account.
	if a.Kind != cra.ActorSession {
		return cra.Errorf(cra.EFORBIDDEN, "Change your password in the web UI; API tokens cannot change passwords.")
	}
	// A wrong current password counts against the same limit as a failed
	// sign-in, so a stolen session cannot guess it.
	wait, undo := s.throttle.reserve("acct:"+a.Email, accountLimit, s.now())
	if wait > 0 {
		return &cra.Error{Code: cra.ETOOMANY, Message: "Too many wrong passwords. Try again later.", RetryAfterSeconds: int(math.Ceil(wait.Seconds()))}
	}
	u, ok, err := s.checkPassword(ctx, a.Email, current)
	if err != nil {
		undo()
		return err
	}
	if !ok {
		return &cra.Error{Code: cra.EINVALID, Message: "The input is not valid.", Fields: map[string]string{"current_password": "Current password is wrong."}}
	}
	undo()
	if msg := cra.CheckPassword(next, u.Email); msg != "" {
		return &cra.Error{Code: cra.EINVALID, Message: "The input is not valid.", Fields: map[string]string{"new_password": msg}}
	}
	if current == next {
		return &cra.Error{Code: cra.EINVALID, Message: "The input is not valid.", Fields: map[string]string{"new_password": "Choose a password different from the current one."}}
	}
	newHash, err := secret.HashPassword(next)
	if err != nil {
		return err
	}
	rec := s.record(a, "user.password_change", "user", itoa(u.ID), nil, nil)
	return s.store.SetPassword(ctx, u.ID, newHash, a.SessionID, rec)
}

// PurgeSessions deletes sessions past their idle or absolute limit.
func (s *AuthService) PurgeSessions(ctx context.Context) (int64, error) {
	if a := cra.ActorFrom(ctx); a == nil || a.Kind != cra.ActorSystem {
		return 0, cra.Errorf(cra.EFORBIDDEN, "Only cyra itself purges sessions.")
	}
	now := s.now()
	return s.store.DeleteExpiredSessions(ctx, now.Add(-s.policy.Idle), now)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
