package api

import (
	"net/http"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

func handleMe(users cra.UserService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := users.Me(r.Context())
		if err != nil {
			return err
		}
		a := cra.ActorFrom(r.Context())
		httpx.JSON(w, http.StatusOK, struct {
			User
			Via       cra.ActorKind `json:"authenticated_by"`
			TokenRole cra.Role      `json:"effective_role"`
		}{userJSON(u), a.Kind, a.Role})
		return nil
	}
}

func handleGetOrganisation(orgs cra.OrganisationService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := orgs.GetOrganisation(r.Context())
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, orgJSON(o))
		return nil
	}
}

func handlePutOrganisation(orgs cra.OrganisationService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			LegalName     string `json:"legal_name"`
			PostalAddress string `json:"postal_address"`
			ContactEmail  string `json:"contact_email"`
			Website       string `json:"website"`
			MemberState   string `json:"member_state"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		o, err := orgs.UpdateOrganisation(r.Context(), cra.Organisation{LegalName: in.LegalName, PostalAddress: in.PostalAddress,
			ContactEmail: in.ContactEmail, Website: in.Website, MemberState: in.MemberState})
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, orgJSON(o))
		return nil
	}
}

func handleListUsers(users cra.UserService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		us, err := users.ListUsers(r.Context(), cra.UserFilter{})
		if err != nil {
			return err
		}
		out := struct {
			Users []User `json:"users"`
		}{Users: []User{}}
		for _, u := range us {
			out.Users = append(out.Users, userJSON(u))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleGetUser(users cra.UserService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		u, err := users.GetUser(r.Context(), id)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, userJSON(u))
		return nil
	}
}

func handleCreateUser(users cra.UserService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := cra.Authorize(r.Context(), cra.PermUsersWrite); err != nil {
			return err
		}
		var in struct {
			Email    string       `json:"email"`
			Name     string       `json:"name"`
			Role     cra.Role     `json:"role"`
			Kind     cra.UserKind `json:"kind"`
			Password string       `json:"password"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		u, err := users.CreateUser(r.Context(), cra.NewUser{Email: in.Email, Name: in.Name, Role: in.Role, Kind: in.Kind, Password: in.Password})
		if err != nil {
			return err
		}
		w.Header().Set("Location", Prefix+"/users/"+itoa(u.ID))
		httpx.JSON(w, http.StatusCreated, userJSON(u))
		return nil
	}
}

func handleUpdateUser(users cra.UserService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := cra.Authorize(r.Context(), cra.PermUsersWrite); err != nil {
			return err
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in struct {
			Name     *string   `json:"name"`
			Role     *cra.Role `json:"role"`
			Disabled *bool     `json:"disabled"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		u, err := users.UpdateUser(r.Context(), id, cra.UserUpdate{Name: in.Name, Role: in.Role, Disabled: in.Disabled})
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, userJSON(u))
		return nil
	}
}

func handleSetPassword(users cra.UserService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in struct {
			Password string `json:"password"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		if err := users.SetPassword(r.Context(), id, in.Password); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func handleListTokens(tokens cra.TokenService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		all, err := queryBool(r, "all")
		if err != nil {
			return err
		}
		ts, err := tokens.ListTokens(r.Context(), all)
		if err != nil {
			return err
		}
		out := struct {
			Tokens []Token `json:"tokens"`
		}{Tokens: []Token{}}
		for _, t := range ts {
			out.Tokens = append(out.Tokens, tokenJSON(t, now()))
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleCreateToken(tokens cra.TokenService, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := cra.Authorize(r.Context(), cra.PermTokensOwn); err != nil {
			return err
		}
		var in struct {
			Name      string     `json:"name"`
			Role      cra.Role   `json:"role"`
			UserID    int64      `json:"user_id"`
			ExpiresAt *time.Time `json:"expires_at"`
			ExpiresIn string     `json:"expires_in"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
		if in.ExpiresIn != "" {
			if in.ExpiresAt != nil {
				return &cra.Error{Code: cra.EINVALID, Message: "Send expires_at or expires_in, not both.", Fields: map[string]string{"expires_in": "Send expires_at or expires_in, not both."}}
			}
			d, err := cra.ParseLifetime(in.ExpiresIn)
			if err != nil {
				return &cra.Error{Code: cra.EINVALID, Message: cra.ErrorMessage(err), Fields: map[string]string{"expires_in": cra.ErrorMessage(err)}}
			}
			if d > 0 {
				t := now().Add(d)
				in.ExpiresAt = &t
			}
		}
		ct, err := tokens.CreateToken(r.Context(), cra.NewToken{UserID: in.UserID, Name: in.Name, Role: in.Role, ExpiresAt: in.ExpiresAt})
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusCreated, struct {
			Token
			Secret string `json:"secret"`
		}{tokenJSON(&ct.Token, now()), ct.Secret})
		return nil
	}
}

func handleRevokeToken(tokens cra.TokenService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := tokens.RevokeToken(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func handleListAudit(audit cra.AuditService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		before, err := queryInt(r, "before")
		if err != nil {
			return err
		}
		limit, err := queryInt(r, "limit")
		if err != nil {
			return err
		}
		if limit > 1000 {
			return &cra.Error{Code: cra.EINVALID, Message: "Query parameter limit must be at most 1000.", Fields: map[string]string{"limit": "Must be at most 1000."}}
		}
		if limit == 0 {
			limit = 100
		}
		q := r.URL.Query()
		es, err := audit.ListAudit(r.Context(), cra.AuditFilter{BeforeSeq: before, Limit: int(limit),
			Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id")})
		if err != nil {
			return err
		}
		out := struct {
			Entries    []AuditEntry `json:"entries"`
			NextBefore *int64       `json:"next_before"`
		}{Entries: []AuditEntry{}}
		for _, e := range es {
			out.Entries = append(out.Entries, auditJSON(e))
		}
		if len(es) == int(limit) && es[len(es)-1].Seq > 1 {
			next := es[len(es)-1].Seq
			out.NextBefore = &next
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleVerifyAudit(audit cra.AuditService) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := audit.VerifyAudit(r.Context())
		if err != nil {
			return err
		}
		type broken struct {
			Seq    int64  `json:"seq"`
			Reason string `json:"reason"`
		}
		out := struct {
			Intact   bool    `json:"intact"`
			Entries  int64   `json:"entries"`
			HeadHash string  `json:"head_hash"`
			Broken   *broken `json:"broken"`
		}{Intact: v.Intact, Entries: v.Entries, HeadHash: v.HeadHash}
		if v.Broken != nil {
			out.Broken = &broken{Seq: v.Broken.Seq, Reason: v.Broken.Reason}
		}
		httpx.JSON(w, http.StatusOK, out)
		return nil
	}
}

func handleNotFound() handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		return cra.Errorf(cra.ENOTFOUND, "No API endpoint %s %s; the endpoints are listed in %s/openapi.json.", r.Method, r.URL.Path, Prefix)
	}
}
