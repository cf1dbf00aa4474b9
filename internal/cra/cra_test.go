package cra_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"cyra/internal/cra"
)

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		pw, email string
		ok        bool
	}{
		{"blue-kettle-harbour-42", "ada@example.com", true},
		{"Tr0ub4dor&3xyz", "ada@example.com", true},
		{"short", "", false},
		{"elevenchars", "", false},
		{"twelve chars", "", true},
		{"password1234", "", false},   // common word plus digits
		{"Password2024!", "", false},  // case-insensitive, digits and symbols
		{"1qaz2wsx3edc", "", false},   // in the list
		{"123456789012", "", false},   // digit run wrapping round
		{"qwertyuiopasdf", "", false}, // keyboard rows
		{"abcdef123456", "", false},   // two sequences
		{"monkeymonkey", "", false},   // a common word repeated
		{"aaaaaaaaaaaa", "", false},   // one character
		{"xyzxyzxyzxyz", "", false},   // short unit repeated
		{"ada.lovelace.1815", "ada.lovelace@example.com", false},
		{"lovelace-engine-1843", "ada@example.com", true}, // short local parts are not checked
		{string(make([]byte, 257)), "", false},
		{"ünïcödé-pässwörd", "", true},
	} {
		msg := cra.CheckPassword(tc.pw, tc.email)
		if (msg == "") != tc.ok {
			t.Errorf("CheckPassword(%q) = %q; want ok=%v", tc.pw, msg, tc.ok)
		}
	}
}

func TestRoleWithin(t *testing.T) {
	for _, tc := range []struct {
		r, other cra.Role
		want     bool
	}{
		{cra.RoleAdmin, cra.RoleAdmin, true},
		{cra.RoleSecurityOfficer, cra.RoleAdmin, true},
		{cra.RoleMember, cra.RoleSecurityOfficer, true},
		{cra.RoleAuditor, cra.RoleSecurityOfficer, true},
		{cra.RoleAuditor, cra.RoleMember, false}, // members may not read the audit log
		{cra.RoleMember, cra.RoleAuditor, false}, // auditors may not write
		{cra.RoleAdmin, cra.RoleSecurityOfficer, false},
		{"root", cra.RoleAdmin, false},
	} {
		if got := tc.r.Within(tc.other); got != tc.want {
			t.Errorf("%s within %s = %v", tc.r, tc.other, got)
		}
	}
	for _, r := range cra.Roles {
		if !r.Within(cra.RoleAdmin) {
			t.Errorf("%s is not within admin", r)
		}
	}
}

func TestAuthorize(t *testing.T) {
	ctx := context.Background()
	if cra.ErrorCode(cra.Authorize(ctx, cra.PermOrgRead)) != cra.EUNAUTHORIZED {
		t.Error("anonymous is not unauthorized")
	}
	member := cra.WithActor(ctx, &cra.Actor{Kind: cra.ActorSession, UserID: 1, Role: cra.RoleMember})
	if err := cra.Authorize(member, cra.PermProductsWrite); err != nil {
		t.Error(err)
	}
	if cra.ErrorCode(cra.Authorize(member, cra.PermReportsSubmit)) != cra.EFORBIDDEN {
		t.Error("member may submit reports")
	}
	if err := cra.Authorize(cra.WithActor(ctx, cra.SystemActor("cli")), cra.PermUsersWrite); err != nil {
		t.Error(err)
	}
	if cra.ErrorCode(cra.Authorize(cra.WithActor(ctx, &cra.Actor{Kind: cra.ActorSetup}), cra.PermOrgRead)) != cra.EFORBIDDEN {
		t.Error("the setup actor holds a permission")
	}
}

func TestParseLifetime(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "never": 0, "90d": 90 * 24 * time.Hour, "12h": 12 * time.Hour, "2W": 14 * 24 * time.Hour} {
		if got, err := cra.ParseLifetime(in); err != nil || got != want {
			t.Errorf("ParseLifetime(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"d", "0d", "-1d", "90", "1y", "9999999999999d", "3000d"} {
		if _, err := cra.ParseLifetime(in); cra.ErrorCode(err) != cra.EINVALID {
			t.Errorf("ParseLifetime(%q): %v", in, err)
		}
	}
}

func FuzzParseLifetime(f *testing.F) {
	for _, s := range []string{"90d", "12h", "2w", "never", "", "x", "99999999999999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := cra.ParseLifetime(s)
		if err == nil && (d < 0 || d > cra.MaxTokenLifetime) {
			t.Fatalf("ParseLifetime(%q) = %v", s, d)
		}
	})
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("blue-kettle-harbour-42", "ada@example.com")
	f.Add("123456789012", "")
	f.Fuzz(func(t *testing.T, pw, email string) {
		cra.CheckPassword(pw, email) // must not panic
	})
}

func TestAuditChain(t *testing.T) {
	actor := &cra.Actor{Kind: cra.ActorSession, UserID: 7, Email: "a@example.com", Role: cra.RoleAdmin}
	at := time.Date(2026, 11, 26, 10, 0, 0, 123456789, time.UTC)
	var entries []cra.AuditEntry
	var prev *cra.AuditEntry
	for i, action := range []string{"user.create", "token.create", "token.revoke"} {
		e, err := cra.NewAuditRecord(actor, at.Add(time.Duration(i)*time.Second), action, "x", "1", map[string]any{"b": 1}, map[string]any{"a": "z", "b": 2}).Entry(prev)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
		prev = &entries[len(entries)-1]
	}
	if entries[0].PrevHash != cra.AuditGenesisHash || entries[1].PrevHash != entries[0].Hash || entries[2].Seq != 3 {
		t.Fatalf("chain links: %+v", entries)
	}
	if entries[0].After != `{"a":"z","b":2}` || entries[0].At.Nanosecond() != 123456000 {
		t.Fatalf("canonical form: %q %v", entries[0].After, entries[0].At)
	}
	verify := func(es []cra.AuditEntry) error {
		var v cra.AuditVerifier
		for _, e := range es {
			if err := v.Next(e); err != nil {
				return err
			}
		}
		return nil
	}
	if err := verify(entries); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(es []cra.AuditEntry){
		"actor changed":  func(es []cra.AuditEntry) { es[1].Actor = "mallory" },
		"time changed":   func(es []cra.AuditEntry) { es[1].At = es[1].At.Add(time.Microsecond) },
		"summary edited": func(es []cra.AuditEntry) { es[1].After = `{"a":"y","b":2}` },
		"rehashed alone": func(es []cra.AuditEntry) { es[1].Action = "user.delete"; es[1].Hash = es[1].ComputeHash() },
	} {
		es := append([]cra.AuditEntry(nil), entries...)
		mutate(es)
		var br *cra.AuditBreak
		if err := verify(es); !errors.As(err, &br) || br.Seq != 2 && br.Seq != 3 {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Dropping an entry breaks the sequence.
	var br *cra.AuditBreak
	if err := verify([]cra.AuditEntry{entries[0], entries[2]}); !errors.As(err, &br) || br.Seq != 3 {
		t.Errorf("dropped entry: %v", err)
	}
}

func TestOrganisationValidate(t *testing.T) {
	o := cra.Organisation{LegalName: " ACME ", PostalAddress: "1 Main St\r\nDublin\r\n", ContactEmail: "PSIRT@Acme.Example", MemberState: "gr", Website: "https://acme.example"}
	if err := o.Validate(); err != nil || o.MemberState != "EL" || o.PostalAddress != "1 Main St\nDublin" || o.ContactEmail != "psirt@acme.example" || o.LegalName != "ACME" {
		t.Fatalf("%+v %v", o, err)
	}
	bad := cra.Organisation{ContactEmail: "Ada <ada@example.com>", MemberState: "CH", Website: "javascript:alert(1)"}
	f := cra.ErrorFields(bad.Validate())
	for _, k := range []string{"legal_name", "postal_address", "contact_email", "member_state", "website"} {
		if f[k] == "" {
			t.Errorf("no problem reported for %s", k)
		}
	}
	if len(cra.MemberStates) != 27 {
		t.Errorf("%d member states", len(cra.MemberStates))
	}
}
