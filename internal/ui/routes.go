package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

// Route is one page or form endpoint.
type Route struct {
	Pattern string
	Handler http.Handler
}

// handler is the shape of every page handler: return an error and the
// error page is rendered.
type handler func(w http.ResponseWriter, r *http.Request) error

// Routes returns every UI endpoint wrapped with session authentication and
// CSRF protection.
func (u *UI) Routes() []Route {
	pages := []struct {
		pattern string
		h       handler
	}{
		{"GET /{$}", u.dashboard},
		{"GET /setup", u.setupForm},
		{"POST /setup", u.setupSubmit},
		{"GET /login", u.loginForm},
		{"POST /login", u.loginSubmit},
		{"POST /logout", u.logout},
		{"GET /products", u.products},
		{"GET /products/new", u.productNew},
		{"POST /products", u.productCreate},
		{"GET /products/{id}", u.product},
		{"GET /products/{id}/edit", u.productEdit},
		{"POST /products/{id}/edit", u.productUpdate},
		{"GET /products/{id}/scope", u.scopeForm},
		{"POST /products/{id}/scope", u.scopeSubmit},
		{"GET /products/{id}/classification", u.classifyForm},
		{"POST /products/{id}/classification", u.classifySubmit},
		{"GET /products/{id}/releases/new", u.releaseNew},
		{"POST /products/{id}/releases", u.releaseCreate},
		{"GET /releases/{id}", u.release},
		{"POST /releases/{id}", u.releaseUpdate},
		{"GET /products/{id}/requirements", u.matrix(false)},
		{"GET /releases/{id}/requirements", u.matrix(true)},
		{"GET /products/{id}/requirements/{req}", u.requirement(false)},
		{"POST /products/{id}/requirements/{req}", u.requirementSubmit(false)},
		{"GET /releases/{id}/requirements/{req}", u.requirement(true)},
		{"POST /releases/{id}/requirements/{req}", u.requirementSubmit(true)},
		{"POST /releases/{id}/requirements/{req}/clear", u.clearOverride},
		{"GET /evidence/{id}/file", u.evidenceFile},
		{"POST /evidence/{id}/delete", u.evidenceDelete},
		{"GET /releases/{id}/components", u.components},
		{"GET /releases/{id}/sbom.cdx.json", u.sbomExport(cra.FormatCycloneDXJSON)},
		{"GET /releases/{id}/sbom.spdx.json", u.sbomExport(cra.FormatSPDXJSON)},
		{"GET /sboms/{id}/document", u.sbomDocument},
		{"GET /products/{id}/diff", u.diff},
		{"GET /components", u.componentSearch},
		{"GET /products/{id}/risk", u.risk},
		{"POST /products/{id}/risk", u.riskSubmit},
		{"GET /findings", u.findings},
		{"GET /findings/{id}", u.finding},
		{"POST /findings/{id}/triage", u.findingTriage},
		{"GET /vulnerabilities", u.vulnerabilities},
		{"GET /vulnerabilities/{id}", u.vulnerability},
		{"GET /feeds", u.feeds},
		{"POST /feeds/sync", u.feedsSync},
		{"GET /reports", u.reportsMoved},
		{"GET /reporting", u.reporting},
		{"POST /reporting/cases", u.caseOpen},
		{"GET /reviews/{id}", u.review},
		{"POST /reviews/{id}/decision", u.reviewDecide},
		{"GET /cases/{id}", u.caseView},
		{"POST /cases/{id}/awareness", u.caseAwareness},
		{"POST /cases/{id}/fix", u.caseFix},
		{"POST /cases/{id}/stages/{stage}", u.caseStageSave},
		{"GET /cases/{id}/stages/{stage}/print", u.caseStagePrint},
		{"POST /cases/{id}/close", u.caseClose},
		{"GET /cases/{id}/notice", u.caseNotice},
		{"POST /cases/{id}/notice", u.caseNoticeSave},
		{"POST /cases/{id}/notice/sent", u.caseNoticeSent},
		{"GET /settings/reporting", u.reportingSettings},
		{"POST /settings/reporting", u.reportingSettingsSave},
		{"GET /compliance", u.compliance},
		{"GET /settings", u.settings},
		{"GET /settings/organisation", u.organisationForm},
		{"POST /settings/organisation", u.organisationSubmit},
		{"GET /settings/users", u.users},
		{"POST /settings/users", u.userCreate},
		{"GET /settings/users/{id}", u.user},
		{"POST /settings/users/{id}", u.userUpdate},
		{"POST /settings/users/{id}/password", u.userSetPassword},
		{"GET /settings/tokens", u.tokens},
		{"POST /settings/tokens", u.tokenCreate},
		{"POST /settings/tokens/{id}/revoke", u.tokenRevoke},
		{"GET /settings/audit", u.audit},
		{"GET /settings/audit/verify", u.auditVerify},
		{"GET /settings/account", u.account},
		{"POST /settings/account/password", u.passwordChange},
		{"/", u.notFound},
	}
	routes := []Route{{Pattern: "GET /static/{hash}/{name...}", Handler: http.HandlerFunc(u.serveStatic)}}
	for _, p := range pages {
		// Authentication comes first so that the CSRF check knows whether
		// the session cookie is live (an ended session's cookie must not
		// decide the form token).
		routes = append(routes, Route{Pattern: p.pattern, Handler: u.authenticate(u.Cookies.ProtectForms(u.serve(p.h)))})
	}
	// Upload forms carry files larger than ProtectForms reads: evidence up
	// to 20 MiB, SBOMs up to the SBOM limit, SRP receipts up to 10 MiB.
	// readUploads reads them first (see there).
	for _, p := range []struct {
		pattern string
		max     int64
		h       handler
	}{
		{"POST /products/{id}/requirements/{req}/evidence", cra.MaxEvidenceFile, u.evidenceAdd(false)},
		{"POST /releases/{id}/requirements/{req}/evidence", cra.MaxEvidenceFile, u.evidenceAdd(true)},
		{"POST /releases/{id}/sbom", u.SBOMMaxSize, u.sbomUpload},
		{"POST /feeds/import", u.FeedFileMaxSize, u.feedsImport},
		{"POST /cases/{id}/stages/{stage}/submit", maxReceipt, u.caseStageSubmit},
	} {
		routes = append(routes, Route{Pattern: p.pattern, Handler: u.authenticate(u.readUploads(p.max, u.Cookies.ProtectForms(u.serve(p.h))))})
	}
	return routes
}

// Register adds the routes to a mux.
func Register(mux *http.ServeMux, routes []Route) {
	for _, r := range routes {
		mux.Handle(r.Pattern, r.Handler)
	}
}

func (u *UI) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			u.renderError(w, r, err)
		}
	})
}

// authenticate resolves the session cookie. An ended session's cookie is
// cleared and the request proceeds anonymously.
func (u *UI) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(u.Cookies.Session)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		a, err := u.Services.Auth.AuthenticateSession(r.Context(), c.Value)
		if err != nil {
			if cra.ErrorCode(err) != cra.EUNAUTHORIZED {
				u.renderError(w, r, err)
				return
			}
			u.Cookies.Set(w, u.Cookies.Session, "", -1)
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(cra.WithActor(r.Context(), a)))
	})
}

func (u *UI) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := u.static[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ct)
	if r.PathValue("hash") == f.hash {
		// The hash is in the URL, so the file may be cached for good.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Write(f.body)
}

func (u *UI) notFound(w http.ResponseWriter, r *http.Request) error {
	return cra.Errorf(cra.ENOTFOUND, "There is no page at %s.", r.URL.Path)
}

// requireActor sends anonymous visitors to the sign-in page.
func requireActor(r *http.Request) error {
	if cra.ActorFrom(r.Context()) == nil {
		return cra.Errorf(cra.EUNAUTHORIZED, "Sign in to continue.")
	}
	return nil
}

// localPath returns s when it is a path on this site, "/" otherwise. It is
// strict on purpose: browsers ignore tabs and newlines in URLs and read a
// backslash as a slash, so "/\t/evil.example" or "/\\evil.example" would
// leave the site although they start with one slash.
func localPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || len(s) > 2000 {
		return "/"
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return s
}

// safeNext is localPath, query-escaped for a ?next= parameter.
func safeNext(s string) string { return url.QueryEscape(localPath(s)) }

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, cra.Errorf(cra.ENOTFOUND, "There is no page at %s.", r.URL.Path)
	}
	return id, nil
}

func errorsAs(err error, target **cra.Error) bool { return errors.As(err, target) }

func clientInfo(r *http.Request, proxyHeader string) cra.ClientInfo {
	return cra.ClientInfo{IP: httpx.ClientIP(r, proxyHeader), UserAgent: r.UserAgent()}
}

// formError renders a form again with the error's field problems; other
// errors go to the error page.
func (u *UI) formError(w http.ResponseWriter, r *http.Request, err error, page string, p *Page) error {
	code := cra.ErrorCode(err)
	if code != cra.EINVALID && code != cra.ECONFLICT && code != cra.EFORBIDDEN && code != cra.ETOOMANY && code != cra.EUNAUTHORIZED {
		return err
	}
	if code == cra.EUNAUTHORIZED && page != "login" {
		return err
	}
	p.Errors = cra.ErrorFields(err)
	p.Error = cra.ErrorMessage(err)
	var ce *cra.Error
	if errors.As(err, &ce) && ce.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ce.RetryAfterSeconds))
	}
	u.render(w, r, httpx.Status(err), page, p)
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
