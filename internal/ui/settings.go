package ui

import (
	"net/http"
	"time"

	"cyra/internal/cra"
)

func (u *UI) settings(w http.ResponseWriter, r *http.Request) error {
	if err := requireActor(r); err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "settings", &Page{Title: "Settings", Nav: "settings"})
	return nil
}

// flashes are the messages shown after a redirect, by ?done= code.
var flashes = map[string]string{
	"sync-started": "Sync started. This page shows each feed's progress; reload it to see the outcome.",
	"organisation": "Organisation saved.",
	"user-created": "User created. Share the password with them through a separate channel; they can change it under Account.",
	"user-updated": "User updated.",
	"password-set": "Password set. The user was signed out everywhere; tell them the new password through a separate channel.",
	"revoked":      "Token revoked. Requests with it are refused from now on.",
	"password":     "Password changed. Your other sessions were signed out.",
	"logout":       "You are signed out.",

	"product-created":  "Product created. Next, run the scope check and classify it.",
	"product-updated":  "Product saved.",
	"scope":            "Scope decision recorded.",
	"classified":       "Classification recorded. The conformity routes below follow from it.",
	"release-created":  "Release added.",
	"release-updated":  "Release saved.",
	"requirement":      "Requirement saved.",
	"override-cleared": "The release follows the product's state for this requirement again.",
	"evidence-added":   "Evidence added.",
	"evidence-deleted": "Evidence deleted. The audit log keeps a record of it.",
	"risk-saved":       "A new version of the risk assessment was saved.",
	"sbom-imported":    "SBOM imported.",
	"sbom-replaced":    "SBOM imported; it replaced the previous SBOM.",
	"triaged":          "Decision recorded.",
}

func flash(r *http.Request) string { return flashes[r.URL.Query().Get("done")] }

// organisationData is the organisation form's state.
type organisationData struct {
	Org      cra.Organisation
	CanWrite bool
	New      bool
}

func (u *UI) organisationForm(w http.ResponseWriter, r *http.Request) error {
	o, err := u.Services.Organisation.GetOrganisation(r.Context())
	isNew := cra.ErrorCode(err) == cra.ENOTFOUND
	if err != nil && !isNew {
		return err
	}
	if isNew {
		o = &cra.Organisation{}
	}
	u.render(w, r, http.StatusOK, "organisation", &Page{Title: "Organisation", Nav: "settings", Flash: flash(r),
		Data: organisationData{Org: *o, CanWrite: cra.ActorFrom(r.Context()).Can(cra.PermOrgWrite), New: isNew}})
	return nil
}

func (u *UI) organisationSubmit(w http.ResponseWriter, r *http.Request) error {
	o := cra.Organisation{LegalName: r.PostFormValue("legal_name"), PostalAddress: r.PostFormValue("postal_address"),
		ContactEmail: r.PostFormValue("contact_email"), Website: r.PostFormValue("website"), MemberState: r.PostFormValue("member_state")}
	if _, err := u.Services.Organisation.UpdateOrganisation(r.Context(), o); err != nil {
		return u.formError(w, r, err, "organisation", &Page{Title: "Organisation", Nav: "settings", Data: organisationData{Org: o, CanWrite: true}})
	}
	http.Redirect(w, r, "/settings/organisation?done=organisation", http.StatusSeeOther)
	return nil
}

// usersData is the users page's state.
type usersData struct {
	Users []*cra.User
	Form  cra.NewUser
}

func (u *UI) users(w http.ResponseWriter, r *http.Request) error {
	us, err := u.Services.Users.ListUsers(r.Context(), cra.UserFilter{})
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "users", &Page{Title: "Users", Nav: "settings", Flash: flash(r),
		Data: usersData{Users: us, Form: cra.NewUser{Role: cra.RoleMember, Kind: cra.KindPerson}}})
	return nil
}

func (u *UI) userCreate(w http.ResponseWriter, r *http.Request) error {
	n := cra.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: cra.Role(r.PostFormValue("role")),
		Kind: cra.UserKind(r.PostFormValue("kind")), Password: r.PostFormValue("password")}
	if n.Kind == cra.KindService {
		n.Password = ""
	}
	created, err := u.Services.Users.CreateUser(r.Context(), n)
	if err != nil {
		us, lerr := u.Services.Users.ListUsers(r.Context(), cra.UserFilter{})
		if lerr != nil {
			return lerr
		}
		n.Password = ""
		return u.formError(w, r, err, "users", &Page{Title: "Users", Nav: "settings", Data: usersData{Users: us, Form: n}})
	}
	http.Redirect(w, r, "/settings/users/"+itoa(created.ID)+"?done=user-created", http.StatusSeeOther)
	return nil
}

func (u *UI) user(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	usr, err := u.Services.Users.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "user", &Page{Title: usr.Email, Nav: "settings", Flash: flash(r), Data: usr})
	return nil
}

func (u *UI) userUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	name, role, disabled := r.PostFormValue("name"), cra.Role(r.PostFormValue("role")), r.PostFormValue("disabled") == "on"
	upd := cra.UserUpdate{Name: &name, Role: &role, Disabled: &disabled}
	if _, err := u.Services.Users.UpdateUser(r.Context(), id, upd); err != nil {
		usr, gerr := u.Services.Users.GetUser(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		return u.formError(w, r, err, "user", &Page{Title: usr.Email, Nav: "settings", Data: usr})
	}
	http.Redirect(w, r, "/settings/users/"+itoa(id)+"?done=user-updated", http.StatusSeeOther)
	return nil
}

func (u *UI) userSetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password_confirm") {
		err = cra.Invalid(map[string]string{"password_confirm": "The passwords do not match."})
	} else {
		err = u.Services.Users.SetPassword(r.Context(), id, pw)
	}
	if err != nil {
		usr, gerr := u.Services.Users.GetUser(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		return u.formError(w, r, err, "user", &Page{Title: usr.Email, Nav: "settings", Data: usr})
	}
	http.Redirect(w, r, "/settings/users/"+itoa(id)+"?done=password-set", http.StatusSeeOther)
	return nil
}

// tokensData is the tokens page's state.
type tokensData struct {
	Tokens   []*cra.APIToken
	All      bool
	Services []*cra.User // service accounts an admin may mint tokens for
	Form     tokenForm
	Now      time.Time
}

type tokenForm struct {
	Name      string
	Role      string
	ExpiresIn string
	UserID    int64
}

func (u *UI) tokensPage(w http.ResponseWriter, r *http.Request, status int, form tokenForm, err error) error {
	a := cra.ActorFrom(r.Context())
	if a == nil {
		return cra.Errorf(cra.EUNAUTHORIZED, "Sign in to continue.")
	}
	all := a.Can(cra.PermTokensService)
	ts, lerr := u.Services.Tokens.ListTokens(r.Context(), all)
	if lerr != nil {
		return lerr
	}
	d := tokensData{Tokens: ts, All: all, Form: form, Now: u.Now()}
	if all {
		kind := cra.KindService
		if d.Services, lerr = u.Services.Users.ListUsers(r.Context(), cra.UserFilter{Kind: &kind}); lerr != nil {
			return lerr
		}
	}
	p := &Page{Title: "API tokens", Nav: "settings", Flash: flash(r), Data: d}
	if err != nil {
		return u.formError(w, r, err, "tokens", p)
	}
	u.render(w, r, status, "tokens", p)
	return nil
}

func (u *UI) tokens(w http.ResponseWriter, r *http.Request) error {
	return u.tokensPage(w, r, http.StatusOK, tokenForm{ExpiresIn: "90d"}, nil)
}

func (u *UI) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	f := tokenForm{Name: r.PostFormValue("name"), Role: r.PostFormValue("role"), ExpiresIn: r.PostFormValue("expires_in")}
	f.UserID, _ = parseInt(r.PostFormValue("user_id"))
	n := cra.NewToken{UserID: f.UserID, Name: f.Name, Role: cra.Role(f.Role)}
	d, err := cra.ParseLifetime(f.ExpiresIn)
	if err != nil {
		return u.tokensPage(w, r, 0, f, cra.Invalid(map[string]string{"expires_in": cra.ErrorMessage(err)}))
	}
	if d > 0 {
		t := u.Now().Add(d)
		n.ExpiresAt = &t
	}
	ct, err := u.Services.Tokens.CreateToken(r.Context(), n)
	if err != nil {
		return u.tokensPage(w, r, 0, f, err)
	}
	// The secret is shown in this response only; it is never stored.
	u.render(w, r, http.StatusCreated, "token_created", &Page{Title: "Token created", Nav: "settings", Data: ct})
	return nil
}

func (u *UI) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := u.Services.Tokens.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/tokens?done=revoked", http.StatusSeeOther)
	return nil
}

// auditData is the audit page's state.
type auditData struct {
	Entries    []cra.AuditEntry
	NextBefore int64
}

const auditPageSize = 50

func (u *UI) audit(w http.ResponseWriter, r *http.Request) error {
	before, _ := parseInt(r.URL.Query().Get("before"))
	es, err := u.Services.Audit.ListAudit(r.Context(), cra.AuditFilter{BeforeSeq: before, Limit: auditPageSize})
	if err != nil {
		return err
	}
	d := auditData{Entries: es}
	if len(es) == auditPageSize && es[len(es)-1].Seq > 1 {
		d.NextBefore = es[len(es)-1].Seq
	}
	u.render(w, r, http.StatusOK, "audit", &Page{Title: "Audit log", Nav: "settings", Data: d})
	return nil
}

func (u *UI) auditVerify(w http.ResponseWriter, r *http.Request) error {
	v, err := u.Services.Audit.VerifyAudit(r.Context())
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "audit_verify", &Page{Title: "Audit log verification", Nav: "settings", Data: v})
	return nil
}

func (u *UI) account(w http.ResponseWriter, r *http.Request) error {
	me, err := u.Services.Users.Me(r.Context())
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "account", &Page{Title: "Your account", Nav: "settings", Flash: flash(r), Data: me})
	return nil
}

func (u *UI) passwordChange(w http.ResponseWriter, r *http.Request) error {
	next := r.PostFormValue("new_password")
	err := cra.Invalid(nil)
	if next != r.PostFormValue("new_password_confirm") {
		err = cra.Invalid(map[string]string{"new_password_confirm": "The passwords do not match."})
	} else {
		err = u.Services.Auth.ChangePassword(r.Context(), r.PostFormValue("current_password"), next)
	}
	if err != nil {
		me, merr := u.Services.Users.Me(r.Context())
		if merr != nil {
			return merr
		}
		return u.formError(w, r, err, "account", &Page{Title: "Your account", Nav: "settings", Data: me})
	}
	http.Redirect(w, r, "/settings/account?done=password", http.StatusSeeOther)
	return nil
}
