package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func rec(action, objType, objID string) cra.AuditRecord {
	return cra.NewAuditRecord(cra.SystemActor("test"), t0, action, objType, objID, nil, map[string]any{"k": action})
}

func mustCreateUser(t *testing.T, db *sqlstore.DB, email string, role cra.Role) *cra.User {
	t.Helper()
	u := &cra.User{Email: email, Role: role, Kind: cra.KindPerson}
	if err := db.CreateUser(context.Background(), u, "hash-"+email, rec("user.create", "user", "")); err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func verifyChain(t *testing.T, db *sqlstore.DB) (int64, error) {
	t.Helper()
	var v cra.AuditVerifier
	err := db.WalkAudit(context.Background(), v.Next)
	return v.Count(), err
}

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	lite, err := sqlstore.Migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := sqlstore.Migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) || len(lite) == 0 {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}

func TestMigrate(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		applied, err := db.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %v, err %v; want nothing", applied, err)
		}
		cur, latest, err := db.SchemaVersion(ctx)
		if err != nil || cur != latest || cur < 1 {
			t.Fatalf("version %d of %d, err %v", cur, latest, err)
		}
		if err := db.Ready(ctx); err != nil {
			t.Fatalf("ready: %v", err)
		}
		// A schema from a newer cyra is refused.
		if err := db.ExecForTest(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01T00:00:00.000000Z')`); err != nil {
			t.Fatal(err)
		}
		_, err = db.Migrate(ctx)
		var tooNew *sqlstore.ErrSchemaTooNew
		if !errors.As(err, &tooNew) || tooNew.Current != 999 {
			t.Fatalf("migrate on newer schema: %v", err)
		}
		if err := db.Ready(ctx); err == nil {
			t.Fatal("ready on newer schema: want error")
		}
	})
}

func TestUsers(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		admin := mustCreateUser(t, db, "admin@example.com", cra.RoleAdmin)
		member := mustCreateUser(t, db, "member@example.com", cra.RoleMember)
		if admin.ID == 0 || member.ID == admin.ID {
			t.Fatalf("ids %d %d", admin.ID, member.ID)
		}
		err := db.CreateUser(ctx, &cra.User{Email: "admin@example.com", Role: cra.RoleMember, Kind: cra.KindPerson}, "", rec("user.create", "user", ""))
		if cra.ErrorCode(err) != cra.ECONFLICT {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		got, err := db.FindUserByEmail(ctx, "ADMIN@example.com ")
		if err != nil || got.ID != admin.ID || got.Role != cra.RoleAdmin || got.CreatedAt.IsZero() {
			t.Fatalf("find by e-mail: %+v %v", got, err)
		}
		if _, err := db.FindUserByID(ctx, 9999); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("missing user: %v", err)
		}
		u, hash, err := db.PasswordHash(ctx, "member@example.com")
		if err != nil || u.ID != member.ID || hash != "hash-member@example.com" {
			t.Fatalf("password hash: %v %q %v", u, hash, err)
		}
		n, err := db.CountUsers(ctx)
		if err != nil || n != 2 {
			t.Fatalf("count %d %v", n, err)
		}

		// Demoting the only administrator is refused and changes nothing.
		_, err = db.UpdateUser(ctx, admin.ID, func(u *cra.User) (cra.AuditRecord, error) {
			u.Role = cra.RoleMember
			return rec("user.update", "user", "1"), nil
		})
		if cra.ErrorCode(err) != cra.ECONFLICT {
			t.Fatalf("demote last admin: %v", err)
		}
		if got, _ := db.FindUserByID(ctx, admin.ID); got.Role != cra.RoleAdmin {
			t.Fatalf("role after refused demotion: %s", got.Role)
		}
		// Disabling a user ends their sessions.
		s := &cra.Session{UserID: member.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := db.CreateSession(ctx, s, "sess-hash", rec("session.login", "user", "2")); err != nil {
			t.Fatal(err)
		}
		upd, err := db.UpdateUser(ctx, member.ID, func(u *cra.User) (cra.AuditRecord, error) {
			at := t0.Add(time.Minute)
			u.DisabledAt, u.Name = &at, "Mem Ber"
			return rec("user.update", "user", "2"), nil
		})
		if err != nil || upd.DisabledAt == nil || !upd.DisabledAt.Equal(t0.Add(time.Minute)) || upd.Name != "Mem Ber" {
			t.Fatalf("disable: %+v %v", upd, err)
		}
		if _, _, err := db.FindSession(ctx, "sess-hash"); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("session of disabled user survives: %v", err)
		}
		if err := db.SetPassword(ctx, admin.ID, "new-hash", 0, rec("user.password", "user", "1")); err != nil {
			t.Fatal(err)
		}
		if _, hash, _ := db.PasswordHash(ctx, "admin@example.com"); hash != "new-hash" {
			t.Fatalf("hash after set: %q", hash)
		}
		if n, err := verifyChain(t, db); err != nil || n != 5 {
			t.Fatalf("audit chain: %d entries, %v", n, err)
		}
	})
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://cyra:secret@db:5432/cyra":                 "postgres://cyra:xxxxx@db:5432/cyra",
		"postgres://cyra@db/cyra?sslmode=require&password=pw": "postgres://cyra@db/cyra?password=xxxxx&sslmode=require",
		"postgres://db/cyra?sslpassword=k":                    "postgres://db/cyra?sslpassword=xxxxx",
		"postgres://cyra:p%ZZ@db/cyra":                        "(database URL that does not parse)",
		"postgres://cyra@db/cyra":                             "postgres://cyra@db/cyra",
	} {
		if got := sqlstore.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSessions(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		u := mustCreateUser(t, db, "a@example.com", cra.RoleAdmin)
		s := &cra.Session{UserID: u.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(12 * time.Hour), IP: "192.0.2.1", UserAgent: "test"}
		if err := db.CreateSession(ctx, s, "h1", rec("session.login", "user", "1")); err != nil {
			t.Fatal(err)
		}
		got, gu, err := db.FindSession(ctx, "h1")
		if err != nil || got.ID != s.ID || gu.ID != u.ID || !got.ExpiresAt.Equal(s.ExpiresAt) || got.IP != "192.0.2.1" {
			t.Fatalf("find: %+v %+v %v", got, gu, err)
		}
		if gu.LastLoginAt == nil || !gu.LastLoginAt.Equal(t0) {
			t.Fatalf("last login %v", gu.LastLoginAt)
		}
		if err := db.TouchSession(ctx, s.ID, t0.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		s2 := &cra.Session{UserID: u.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(12 * time.Hour)}
		if err := db.CreateSession(ctx, s2, "h2", rec("session.login", "user", "1")); err != nil {
			t.Fatal(err)
		}
		// Idle cut-off at t0+10m removes h2 (last seen t0) but keeps h1.
		n, err := db.DeleteExpiredSessions(ctx, t0.Add(10*time.Minute), t0.Add(40*time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("expired: %d %v", n, err)
		}
		if _, _, err := db.FindSession(ctx, "h1"); err != nil {
			t.Fatalf("h1 gone: %v", err)
		}
		r := rec("session.logout", "user", "1")
		if err := db.DeleteSession(ctx, s.ID, &r); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.FindSession(ctx, "h1"); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("after logout: %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		u := mustCreateUser(t, db, "a@example.com", cra.RoleAdmin)
		exp := t0.Add(90 * 24 * time.Hour)
		tok := &cra.APIToken{UserID: u.ID, Name: "ci", Role: cra.RoleMember, Prefix: "cyra_abc", CreatedAt: t0, CreatedBy: u.ID, ExpiresAt: &exp}
		if err := db.CreateToken(ctx, tok, "th", rec("token.create", "token", "")); err != nil {
			t.Fatal(err)
		}
		got, owner, err := db.FindTokenByHash(ctx, "th")
		if err != nil || got.ID != tok.ID || owner.ID != u.ID || got.Role != cra.RoleMember || !got.ExpiresAt.Equal(exp) || got.UserEmail != u.Email {
			t.Fatalf("by hash: %+v %+v %v", got, owner, err)
		}
		if err := db.TouchToken(ctx, tok.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		list, err := db.FindTokens(ctx, cra.TokenFilter{UserID: &u.ID})
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("list: %+v %v", list, err)
		}
		if err := db.RevokeToken(ctx, tok.ID, t0.Add(2*time.Hour), rec("token.revoke", "token", "1")); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, tok.ID, t0.Add(3*time.Hour), rec("token.revoke", "token", "1")); cra.ErrorCode(err) != cra.ECONFLICT {
			t.Fatalf("revoke twice: %v", err)
		}
		got, _, _ = db.FindTokenByHash(ctx, "th")
		if got.Status(t0.Add(4*time.Hour)) != "revoked" || !got.RevokedAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("status %s", got.Status(t0))
		}
		// The audit log holds the creation and the one successful revocation.
		entries, err := db.FindAuditEntries(ctx, cra.AuditFilter{ObjectType: "token"})
		if err != nil || len(entries) != 2 || entries[0].Action != "token.revoke" || entries[1].ObjectID != fmt.Sprint(tok.ID) {
			t.Fatalf("audit: %+v %v", entries, err)
		}
	})
}

func TestOrganisation(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if _, err := db.FindOrganisation(ctx); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("before setup: %v", err)
		}
		o := &cra.Organisation{LegalName: "ACME GmbH", PostalAddress: "Hauptstr. 1\n10115 Berlin", ContactEmail: "psirt@acme.example", MemberState: "DE", UpdatedAt: t0}
		save := func(wantCurrent bool, r cra.AuditRecord) {
			t.Helper()
			err := db.UpdateOrganisation(ctx, func(cur *cra.Organisation) (*cra.Organisation, cra.AuditRecord, error) {
				if (cur != nil) != wantCurrent {
					t.Errorf("current organisation %+v, want one: %v", cur, wantCurrent)
				}
				return o, r, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		save(false, rec("organisation.create", "organisation", "1"))
		o.Website, o.UpdatedAt = "https://acme.example", t0.Add(time.Hour)
		save(true, rec("organisation.update", "organisation", "1"))
		// A zero record writes nothing.
		o2 := *o
		o2.LegalName = "Ignored"
		if err := db.UpdateOrganisation(ctx, func(*cra.Organisation) (*cra.Organisation, cra.AuditRecord, error) {
			return &o2, cra.AuditRecord{}, nil
		}); err != nil {
			t.Fatal(err)
		}
		// An error from fn rolls back.
		if err := db.UpdateOrganisation(ctx, func(*cra.Organisation) (*cra.Organisation, cra.AuditRecord, error) {
			return &o2, rec("organisation.update", "organisation", "1"), cra.Errorf(cra.EINVALID, "no")
		}); cra.ErrorCode(err) != cra.EINVALID {
			t.Fatal(err)
		}
		got, err := db.FindOrganisation(ctx)
		if err != nil || got.LegalName != "ACME GmbH" || got.Website != "https://acme.example" || got.PostalAddress != o.PostalAddress || !got.UpdatedAt.Equal(o.UpdatedAt) {
			t.Fatalf("got %+v %v", got, err)
		}
		if n, err := verifyChain(t, db); err != nil || n != 2 {
			t.Fatalf("audit entries %d %v", n, err)
		}
	})
}

func TestSetup(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		issue := func(hash string) {
			t.Helper()
			if err := db.IssueSetupToken(ctx, hash, t0.Add(24*time.Hour), rec("setup.token_issue", "setup", "")); err != nil {
				t.Fatal(err)
			}
		}
		issue("old")
		issue("new")
		if err := db.SetupTokenUsable(ctx, "old", t0); cra.ErrorCode(err) != cra.EFORBIDDEN {
			t.Fatalf("replaced token: %v", err)
		}
		if err := db.SetupTokenUsable(ctx, "nope", t0); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("unknown token: %v", err)
		}
		if err := db.SetupTokenUsable(ctx, "new", t0.Add(24*time.Hour)); cra.ErrorCode(err) != cra.EFORBIDDEN {
			t.Fatalf("expired token: %v", err)
		}
		setup := func(role cra.Role) *cra.Setup {
			return &cra.Setup{
				TokenHash: "new", At: t0.Add(time.Hour),
				Organisation: cra.Organisation{LegalName: "ACME", PostalAddress: "x", ContactEmail: "a@acme.example", MemberState: "FR"},
				Admin:        cra.User{Email: "admin@acme.example", Role: role, Kind: cra.KindPerson}, PasswordHash: "h",
				SetupRecord: rec("setup.complete", "setup", ""), AdminRecord: rec("user.create", "user", ""), OrganisationRecord: rec("organisation.create", "organisation", "1"),
			}
		}
		before, _ := verifyChain(t, db)
		// A failure inside setup (here the database's role CHECK) leaves no
		// trace: token unused, no user, no organisation, no audit entry.
		if err := db.CompleteSetup(ctx, setup("root")); err == nil {
			t.Fatal("setup with invalid role succeeded")
		}
		if n, _ := db.CountUsers(ctx); n != 0 {
			t.Fatalf("users after failed setup: %d", n)
		}
		if _, err := db.FindOrganisation(ctx); cra.ErrorCode(err) != cra.ENOTFOUND {
			t.Fatalf("organisation after failed setup: %v", err)
		}
		if after, _ := verifyChain(t, db); after != before {
			t.Fatalf("audit entries after failed setup: %d, before %d", after, before)
		}
		s := setup(cra.RoleAdmin)
		if err := db.CompleteSetup(ctx, s); err != nil {
			t.Fatalf("setup: %v", err)
		}
		if s.Admin.ID == 0 {
			t.Fatal("admin id not set")
		}
		if err := db.CompleteSetup(ctx, setup(cra.RoleAdmin)); cra.ErrorCode(err) != cra.ECONFLICT {
			t.Fatalf("second setup: %v", err)
		}
		if err := db.IssueSetupToken(ctx, "later", t0.Add(48*time.Hour), rec("setup.token_issue", "setup", "")); cra.ErrorCode(err) != cra.ECONFLICT {
			t.Fatalf("issue after setup: %v", err)
		}
		entries, _ := db.FindAuditEntries(ctx, cra.AuditFilter{Limit: 3})
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if !slices.Equal(actions, []string{"organisation.create", "user.create", "setup.complete"}) {
			t.Fatalf("actions %v", actions)
		}
		if entries[1].ObjectID != fmt.Sprint(s.Admin.ID) {
			t.Fatalf("user.create object id %q", entries[1].ObjectID)
		}
	})
}

func TestAuditAppendOnlyAndTamperDetection(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for i := range 5 {
			if err := db.AppendAudit(ctx, rec(fmt.Sprintf("test.%d", i), "test", fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := verifyChain(t, db); err != nil || n != 5 {
			t.Fatalf("intact chain: %d %v", n, err)
		}
		if err := db.ExecForTest(ctx, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`); err == nil {
			t.Fatal("the database allowed an UPDATE of the audit log")
		}
		if err := db.ExecForTest(ctx, `DELETE FROM audit_log WHERE seq = 3`); err == nil {
			t.Fatal("the database allowed a DELETE from the audit log")
		}
		// Someone with database access drops the guard and edits entry 3.
		if err := db.DropAuditGuardForTest(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(ctx, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		_, err := verifyChain(t, db)
		var br *cra.AuditBreak
		if !errors.As(err, &br) || br.Seq != 3 {
			t.Fatalf("tampered entry: %v", err)
		}
		// Deleting an entry is found at the gap.
		if err := db.ExecForTest(ctx, `DELETE FROM audit_log WHERE seq >= 3 AND seq <= 4`); err != nil {
			t.Fatal(err)
		}
		_, err = verifyChain(t, db)
		if !errors.As(err, &br) || br.Seq != 5 {
			t.Fatalf("deleted entries: %v", err)
		}
	})
}

func TestAuditChainUnderConcurrentWriters(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				if i%2 == 0 {
					errs <- db.AppendAudit(ctx, rec("test.concurrent", "test", fmt.Sprint(i)))
					return
				}
				u := &cra.User{Email: fmt.Sprintf("u%d@example.com", i), Role: cra.RoleMember, Kind: cra.KindService}
				errs <- db.CreateUser(ctx, u, "", rec("user.create", "user", ""))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, err := verifyChain(t, db); err != nil || n != 40 {
			t.Fatalf("chain after concurrent appends: %d entries, %v", n, err)
		}
	})
}
