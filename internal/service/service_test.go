package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

const adminPassword = "blue-kettle-harbour-42"

var (
	t0     = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	client = cra.ClientInfo{IP: "192.0.2.10", UserAgent: "test"}
	system = cra.WithActor(context.Background(), cra.SystemActor("test"))
)

type env struct {
	db    *sqlstore.DB
	clock *testutil.Clock
	svc   cra.Services
	admin *cra.User
	// adminCtx is the context of the administrator's session.
	adminCtx context.Context
}

// setup returns services on a fresh database of each dialect, with setup
// completed by an administrator.
func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			clock := testutil.NewClock(t0)
			db := testutil.MustOpenDB(t, d, clock.Now)
			e := &env{db: db, clock: clock, svc: service.New(db, service.Options{Now: clock.Now})}
			tok, _, err := e.svc.Auth.IssueSetupToken(system)
			if err != nil {
				t.Fatal(err)
			}
			admin, sess, err := e.svc.Auth.CompleteSetup(context.Background(), setupForm(tok), client)
			if err != nil {
				t.Fatal(err)
			}
			e.admin = admin
			e.adminCtx = e.sessionCtx(t, sess)
			fn(t, e)
		})
	}
}

func setupForm(tok string) cra.SetupForm {
	return cra.SetupForm{
		Token:        tok,
		Organisation: cra.Organisation{LegalName: "ACME Devices GmbH", PostalAddress: "Hauptstr. 1, 10115 Berlin", ContactEmail: "psirt@acme.example", MemberState: "de"},
		Admin:        cra.NewUser{Email: "Admin@Acme.example", Name: "Ada", Password: adminPassword},
	}
}

func (e *env) sessionCtx(t *testing.T, sess string) context.Context {
	t.Helper()
	a, err := e.svc.Auth.AuthenticateSession(context.Background(), sess)
	if err != nil {
		t.Fatalf("authenticate session: %v", err)
	}
	return cra.WithActor(context.Background(), a)
}

func (e *env) mustUser(t *testing.T, email string, role cra.Role) *cra.User {
	t.Helper()
	u, err := e.svc.Users.CreateUser(e.adminCtx, cra.NewUser{Email: email, Role: role, Kind: cra.KindPerson, Password: "violet-anchor-meadow-9"})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func code(err error) string { return cra.ErrorCode(err) }

func TestSetupFlow(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			clock := testutil.NewClock(t0)
			db := testutil.MustOpenDB(t, d, clock.Now)
			svc := service.New(db, service.Options{Now: clock.Now})
			ctx := context.Background()
			if req, err := svc.Auth.SetupRequired(ctx); err != nil || !req {
				t.Fatalf("setup required: %v %v", req, err)
			}
			if _, _, err := svc.Auth.IssueSetupToken(ctx); code(err) != cra.EFORBIDDEN {
				t.Fatalf("anonymous issue: %v", err)
			}
			first, exp, err := svc.Auth.IssueSetupToken(system)
			if err != nil || !exp.Equal(t0.Add(24*time.Hour)) || len(first) < 43 {
				t.Fatalf("issue: %q %v %v", first, exp, err)
			}
			tok, _, _ := svc.Auth.IssueSetupToken(system)
			if err := svc.Auth.CheckSetupToken(ctx, first); code(err) != cra.EFORBIDDEN {
				t.Fatalf("replaced token: %v", err)
			}
			if err := svc.Auth.CheckSetupToken(ctx, "cyrasetup_guess"); code(err) != cra.ENOTFOUND {
				t.Fatalf("guessed token: %v", err)
			}
			// Invalid input names each field and consumes nothing.
			bad := setupForm(tok)
			bad.Organisation.MemberState, bad.Admin.Password = "US", "password1234"
			_, _, err = svc.Auth.CompleteSetup(ctx, bad, client)
			if f := cra.ErrorFields(err); code(err) != cra.EINVALID || f["member_state"] == "" || f["admin_password"] == "" {
				t.Fatalf("invalid setup: %v %v", err, f)
			}
			clock.Advance(24*time.Hour - time.Second)
			admin, sess, err := svc.Auth.CompleteSetup(ctx, setupForm(tok), client)
			if err != nil || admin.Email != "admin@acme.example" || admin.Role != cra.RoleAdmin || sess == "" {
				t.Fatalf("setup: %+v %v", admin, err)
			}
			if _, _, err := svc.Auth.CompleteSetup(ctx, setupForm(tok), client); code(err) != cra.ECONFLICT {
				t.Fatalf("reused token: %v", err)
			}
			actor, err := svc.Auth.AuthenticateSession(ctx, sess)
			if err != nil || actor.Role != cra.RoleAdmin {
				t.Fatalf("session after setup: %+v %v", actor, err)
			}
			org, err := svc.Organisation.GetOrganisation(cra.WithActor(ctx, actor))
			if err != nil || org.MemberState != "DE" || org.LegalName != "ACME Devices GmbH" {
				t.Fatalf("organisation: %+v %v", org, err)
			}
		})
	}
}

func TestSetupTokenExpires(t *testing.T) {
	clock := testutil.NewClock(t0)
	db := testutil.MustOpenDB(t, "sqlite", clock.Now)
	svc := service.New(db, service.Options{Now: clock.Now})
	tok, _, err := svc.Auth.IssueSetupToken(system)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour)
	if _, _, err := svc.Auth.CompleteSetup(context.Background(), setupForm(tok), client); code(err) != cra.EFORBIDDEN {
		t.Fatalf("expired token: %v", err)
	}
}

func TestLoginAndThrottling(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, _, err := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, client); err != nil {
			t.Fatalf("login: %v", err)
		}
		for i := range 5 {
			if _, _, err := e.svc.Auth.Login(ctx, "admin@acme.example", "wrong-password-123", client); code(err) != cra.EUNAUTHORIZED {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		// The sixth attempt is refused before the password is checked, even
		// when it is right, and says when to retry.
		_, _, err := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, client)
		var ce *cra.Error
		if !errors.As(err, &ce) || ce.Code != cra.ETOOMANY || ce.RetryAfterSeconds <= 0 || ce.RetryAfterSeconds > 900 {
			t.Fatalf("throttled: %v", err)
		}
		// Another address is throttled too: the limit is per account.
		if _, _, err := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, cra.ClientInfo{IP: "198.51.100.7"}); code(err) != cra.ETOOMANY {
			t.Fatalf("other IP, same account: %v", err)
		}
		e.clock.Advance(15 * time.Minute)
		if _, _, err := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, client); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// Per address: 20 failures over many accounts block that address.
		for i := range 20 {
			e.svc.Auth.Login(ctx, "nobody"+itoa(i)+"@acme.example", "wrong-password-123", cra.ClientInfo{IP: "203.0.113.5"})
		}
		if _, _, err := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, cra.ClientInfo{IP: "203.0.113.5"}); code(err) != cra.ETOOMANY {
			t.Fatalf("per-IP throttle: %v", err)
		}
	})
}

// TestLoginThrottlingUnderParallelGuesses sends 40 wrong passwords for one
// account at once: only the first five may be checked, however the
// requests interleave.
func TestLoginThrottlingUnderParallelGuesses(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		codes := make(chan string, 40)
		for range 40 {
			wg.Go(func() {
				_, _, err := e.svc.Auth.Login(context.Background(), "admin@acme.example", "wrong-password-123", client)
				codes <- code(err)
			})
		}
		wg.Wait()
		close(codes)
		count := map[string]int{}
		for c := range codes {
			count[c]++
		}
		if count[cra.EUNAUTHORIZED] != 5 || count[cra.ETOOMANY] != 35 {
			t.Fatalf("outcomes %v; want 5 checked and 35 throttled", count)
		}
	})
}

func itoa(i int) string { return string(rune('a'+i%26)) + string(rune('a'+i/26)) }

func TestSessionTimeouts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		_, idle, _ := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, client)
		_, busy, _ := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, client)
		// Used every 50 minutes, busy outlives the idle limit; idle does not.
		for range 13 {
			e.clock.Advance(50 * time.Minute)
			if _, err := e.svc.Auth.AuthenticateSession(ctx, busy); err != nil {
				// 13 × 50 min passes the 12 h absolute limit on the last turn.
				if e.clock.Now().Sub(t0) < 12*time.Hour {
					t.Fatalf("busy session ended at %v: %v", e.clock.Now().Sub(t0), err)
				}
				break
			}
			if e.clock.Now().Sub(t0) >= 12*time.Hour {
				t.Fatal("session outlived its absolute lifetime")
			}
		}
		if _, err := e.svc.Auth.AuthenticateSession(ctx, idle); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("idle session: %v", err)
		}
		_, s, _ := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, client)
		if err := e.svc.Auth.Logout(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Auth.AuthenticateSession(ctx, s); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("after logout: %v", err)
		}
	})
}

func TestUsers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		for pw, field := range map[string]string{"short-pw": "password", "qwertyuiopasdfgh": "password", "Password2024!!": "password", "xavier-at-acme-1": "password"} {
			_, err := e.svc.Users.CreateUser(e.adminCtx, cra.NewUser{Email: "xavier@acme.example", Role: cra.RoleMember, Kind: cra.KindPerson, Password: pw})
			if code(err) != cra.EINVALID || cra.ErrorFields(err)[field] == "" {
				t.Errorf("password %q: %v %v", pw, err, cra.ErrorFields(err))
			}
		}
		m := e.mustUser(t, "member@acme.example", cra.RoleMember)
		_, err := e.svc.Users.CreateUser(e.adminCtx, cra.NewUser{Email: "MEMBER@acme.example", Role: cra.RoleMember, Kind: cra.KindPerson, Password: "violet-anchor-meadow-9"})
		if code(err) != cra.ECONFLICT || cra.ErrorFields(err)["email"] == "" {
			t.Fatalf("duplicate: %v", err)
		}
		_, sess, err := e.svc.Auth.Login(context.Background(), m.Email, "violet-anchor-meadow-9", client)
		if err != nil {
			t.Fatal(err)
		}
		memberCtx := e.sessionCtx(t, sess)
		if _, err := e.svc.Users.ListUsers(memberCtx, cra.UserFilter{}); code(err) != cra.EFORBIDDEN {
			t.Fatalf("member lists users: %v", err)
		}
		if u, err := e.svc.Users.GetUser(memberCtx, m.ID); err != nil || u.ID != m.ID {
			t.Fatalf("member reads self: %v", err)
		}
		yes := true
		if _, err := e.svc.Users.UpdateUser(e.adminCtx, e.admin.ID, cra.UserUpdate{Disabled: &yes}); code(err) != cra.EINVALID {
			t.Fatalf("disable self: %v", err)
		}
		member := cra.RoleMember
		if _, err := e.svc.Users.UpdateUser(e.adminCtx, e.admin.ID, cra.UserUpdate{Role: &member}); code(err) != cra.ECONFLICT {
			t.Fatalf("demote last admin: %v", err)
		}
		if _, err := e.svc.Users.UpdateUser(e.adminCtx, m.ID, cra.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Auth.AuthenticateSession(context.Background(), sess); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("disabled user's session: %v", err)
		}
		if _, _, err := e.svc.Auth.Login(context.Background(), m.Email, "violet-anchor-meadow-9", client); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("disabled user signs in: %v", err)
		}
		// An update that changes nothing writes nothing.
		if _, err := e.svc.Users.UpdateUser(e.adminCtx, m.ID, cra.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		entries, _ := e.svc.Audit.ListAudit(e.adminCtx, cra.AuditFilter{Action: "user.update"})
		if len(entries) != 1 || entries[0].After != `{"disabled":true}` || entries[0].Before != `{"disabled":false}` {
			t.Fatalf("audit of the update: %+v", entries)
		}
	})
}

func TestTokens(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		m := e.mustUser(t, "member@acme.example", cra.RoleMember)
		_, sess, _ := e.svc.Auth.Login(ctx, m.Email, "violet-anchor-meadow-9", client)
		memberCtx := e.sessionCtx(t, sess)
		if _, err := e.svc.Tokens.CreateToken(memberCtx, cra.NewToken{Name: "x", Role: cra.RoleAdmin}); code(err) != cra.EINVALID {
			t.Fatalf("member mints admin token: %v", err)
		}
		if _, err := e.svc.Tokens.CreateToken(memberCtx, cra.NewToken{Name: "x", Role: cra.RoleAuditor}); code(err) != cra.EINVALID {
			t.Fatalf("member mints auditor token (audit:read it lacks): %v", err)
		}
		exp := t0.Add(time.Hour)
		ct, err := e.svc.Tokens.CreateToken(memberCtx, cra.NewToken{Name: "ci", ExpiresAt: &exp})
		if err != nil || ct.Token.Role != cra.RoleMember || ct.Token.Prefix != ct.Secret[:11] {
			t.Fatalf("create: %+v %v", ct, err)
		}
		a, err := e.svc.Auth.AuthenticateToken(ctx, ct.Secret)
		if err != nil || a.Role != cra.RoleMember || a.UserID != m.ID || a.Kind != cra.ActorToken {
			t.Fatalf("authenticate: %+v %v", a, err)
		}
		tokCtx := cra.WithActor(ctx, a)
		later := t0.Add(2 * time.Hour)
		if _, err := e.svc.Tokens.CreateToken(tokCtx, cra.NewToken{Name: "longer", ExpiresAt: &later}); code(err) != cra.EINVALID {
			t.Fatalf("token outliving its creator token: %v", err)
		}
		// A person's tokens cannot be minted by an admin; a service account's can.
		if _, err := e.svc.Tokens.CreateToken(e.adminCtx, cra.NewToken{UserID: m.ID, Name: "x"}); code(err) != cra.EINVALID {
			t.Fatalf("admin mints a person's token: %v", err)
		}
		svcAcct, err := e.svc.Users.CreateUser(e.adminCtx, cra.NewUser{Email: "ci@acme.example", Role: cra.RoleSecurityOfficer, Kind: cra.KindService})
		if err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.Tokens.CreateToken(e.adminCtx, cra.NewToken{UserID: svcAcct.ID, Name: "pipeline"})
		if err != nil || st.Token.Role != cra.RoleSecurityOfficer {
			t.Fatalf("service token: %+v %v", st, err)
		}
		if _, err := e.svc.Tokens.CreateToken(memberCtx, cra.NewToken{UserID: svcAcct.ID, Name: "x"}); code(err) != cra.EFORBIDDEN {
			t.Fatalf("member mints service token: %v", err)
		}
		if _, err := e.svc.Tokens.CreateToken(memberCtx, cra.NewToken{UserID: 424242, Name: "x"}); code(err) != cra.EFORBIDDEN {
			t.Fatalf("member probes a user id: %v", err)
		}
		if _, _, err := e.svc.Auth.Login(ctx, "ci@acme.example", "", client); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("service account signs in: %v", err)
		}
		if own, _ := e.svc.Tokens.ListTokens(memberCtx, false); len(own) != 1 {
			t.Fatalf("member sees %d tokens", len(own))
		}
		if _, err := e.svc.Tokens.ListTokens(memberCtx, true); code(err) != cra.EFORBIDDEN {
			t.Fatalf("member lists all: %v", err)
		}
		if err := e.svc.Tokens.RevokeToken(memberCtx, st.Token.ID); code(err) != cra.ENOTFOUND {
			t.Fatalf("member revokes another's token: %v", err)
		}
		// The owner's demotion disables a token above the new role.
		auditor := cra.RoleAuditor
		if _, err := e.svc.Users.UpdateUser(e.adminCtx, svcAcct.ID, cra.UserUpdate{Role: &auditor}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Auth.AuthenticateToken(ctx, st.Secret); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("token above demoted owner: %v", err)
		}
		// Expiry and revocation.
		e.clock.Advance(time.Hour)
		if _, err := e.svc.Auth.AuthenticateToken(ctx, ct.Secret); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("expired token: %v", err)
		}
		if err := e.svc.Tokens.RevokeToken(e.adminCtx, st.Token.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Auth.AuthenticateToken(ctx, st.Secret); code(err) != cra.EUNAUTHORIZED || cra.ErrorMessage(err) == "" {
			t.Fatalf("revoked token: %v", err)
		}
		if _, err := e.svc.Auth.AuthenticateToken(ctx, "cyra_notatoken"); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("garbage token: %v", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		_, other, _ := e.svc.Auth.Login(ctx, "admin@acme.example", adminPassword, client)
		if err := e.svc.Auth.ChangePassword(e.adminCtx, "wrong-current-pw", "fresh-lantern-orbit-7"); cra.ErrorFields(err)["current_password"] == "" {
			t.Fatalf("wrong current: %v", err)
		}
		if err := e.svc.Auth.ChangePassword(e.adminCtx, adminPassword, "123456789012"); cra.ErrorFields(err)["new_password"] == "" {
			t.Fatalf("weak new: %v", err)
		}
		if err := e.svc.Auth.ChangePassword(e.adminCtx, adminPassword, "fresh-lantern-orbit-7"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Auth.AuthenticateSession(ctx, other); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("other session survives a password change: %v", err)
		}
		if _, err := e.svc.Users.Me(e.adminCtx); err != nil {
			t.Fatalf("current session ended: %v", err)
		}
		if _, _, err := e.svc.Auth.Login(ctx, "admin@acme.example", "fresh-lantern-orbit-7", client); err != nil {
			t.Fatalf("new password: %v", err)
		}
		// An API token cannot change its owner's password.
		ct, err := e.svc.Tokens.CreateToken(e.adminCtx, cra.NewToken{Name: "t", Role: cra.RoleAuditor})
		if err != nil {
			t.Fatal(err)
		}
		ta, _ := e.svc.Auth.AuthenticateToken(ctx, ct.Secret)
		if err := e.svc.Auth.ChangePassword(cra.WithActor(ctx, ta), "fresh-lantern-orbit-7", "other-lantern-orbit-8"); code(err) != cra.EFORBIDDEN {
			t.Fatalf("token changes password: %v", err)
		}
		// Guessing the current password is throttled like signing in.
		for range 5 {
			e.svc.Auth.ChangePassword(e.adminCtx, "a-wrong-guess-123", "other-lantern-orbit-8")
		}
		if err := e.svc.Auth.ChangePassword(e.adminCtx, "fresh-lantern-orbit-7", "other-lantern-orbit-8"); code(err) != cra.ETOOMANY {
			t.Fatalf("guessing not throttled: %v", err)
		}
	})
}

func TestAdministratorSetsPassword(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		m := e.mustUser(t, "member@acme.example", cra.RoleMember)
		_, sess, _ := e.svc.Auth.Login(ctx, m.Email, "violet-anchor-meadow-9", client)
		memberCtx := e.sessionCtx(t, sess)
		if err := e.svc.Users.SetPassword(memberCtx, e.admin.ID, "walnut-harbor-crystal-62"); code(err) != cra.EFORBIDDEN {
			t.Fatalf("member resets admin's password: %v", err)
		}
		if err := e.svc.Users.SetPassword(e.adminCtx, e.admin.ID, "walnut-harbor-crystal-62"); code(err) != cra.EINVALID {
			t.Fatalf("admin resets own password without the current one: %v", err)
		}
		if err := e.svc.Users.SetPassword(e.adminCtx, m.ID, "123456789012"); cra.ErrorFields(err)["password"] == "" {
			t.Fatalf("weak reset: %v", err)
		}
		if err := e.svc.Users.SetPassword(e.adminCtx, m.ID, "walnut-harbor-crystal-62"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Auth.AuthenticateSession(ctx, sess); code(err) != cra.EUNAUTHORIZED {
			t.Fatalf("session survives a reset: %v", err)
		}
		if _, _, err := e.svc.Auth.Login(ctx, m.Email, "walnut-harbor-crystal-62", client); err != nil {
			t.Fatalf("new password: %v", err)
		}
		entries, _ := e.svc.Audit.ListAudit(e.adminCtx, cra.AuditFilter{Action: "user.password_reset"})
		if len(entries) != 1 || strings.Contains(entries[0].After, "walnut") {
			t.Fatalf("audit of the reset: %+v", entries)
		}
	})
}

func TestOrganisationAndAudit(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		org, err := e.svc.Organisation.UpdateOrganisation(e.adminCtx, cra.Organisation{LegalName: "ACME Devices GmbH", PostalAddress: "Neue Str. 2, 10115 Berlin",
			ContactEmail: "psirt@acme.example", Website: "https://acme.example", MemberState: "GR"})
		if err != nil || org.MemberState != "EL" {
			t.Fatalf("update: %+v %v", org, err)
		}
		// Saving the same details again changes nothing and writes nothing.
		if _, err := e.svc.Organisation.UpdateOrganisation(e.adminCtx, *org); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Organisation.UpdateOrganisation(e.adminCtx, cra.Organisation{Website: "ftp://x"}); len(cra.ErrorFields(err)) != 5 {
			t.Fatalf("invalid organisation: %v", cra.ErrorFields(err))
		}
		entries, err := e.svc.Audit.ListAudit(e.adminCtx, cra.AuditFilter{Limit: 1})
		if err != nil || entries[0].Action != "organisation.update" || entries[0].Actor != "admin@acme.example" ||
			entries[0].After != `{"member_state":"EL","postal_address":"Neue Str. 2, 10115 Berlin","website":"https://acme.example"}` {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		v, err := e.svc.Audit.VerifyAudit(e.adminCtx)
		if err != nil || !v.Intact || v.Entries != 6 || v.HeadHash != entries[0].Hash {
			t.Fatalf("verify: %+v %v", v, err)
		}
	})
}
