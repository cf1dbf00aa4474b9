// Package ui is cyra's server-rendered web interface: html/template pages
// and static files, all embedded in the binary. Handlers call the cra
// services exactly as the API does; the services decide who may do what.
package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the UI needs.
type Deps struct {
	Services cra.Services
	Logger   *slog.Logger
	Now      func() time.Time
	Cookies  httpx.Cookies
	// ProxyHeader names a trusted header carrying the client address.
	ProxyHeader string
	// SessionMaxAge is the session cookie's lifetime (the absolute limit).
	SessionMaxAge time.Duration
	// SBOMMaxSize bounds an SBOM upload form's file (default
	// DefaultSBOMMaxSize); the SBOM service applies its own limit too.
	SBOMMaxSize int64
	// FeedFileMaxSize bounds a feed file upload (default 512 MB).
	FeedFileMaxSize int64
}

// DefaultSBOMMaxSize is the SBOM upload limit when Deps.SBOMMaxSize is 0.
const DefaultSBOMMaxSize = 50 << 20

// UI renders pages.
type UI struct {
	Deps
	pages  map[string]*template.Template
	static map[string]staticFile // by name, e.g. "css/cyra.css"
}

type staticFile struct {
	body []byte
	hash string
	ct   string
}

// New parses every template and hashes every static file, failing at
// start-up rather than at the first request.
func New(d Deps) (*UI, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SBOMMaxSize <= 0 {
		d.SBOMMaxSize = DefaultSBOMMaxSize
	}
	if d.FeedFileMaxSize <= 0 {
		d.FeedFileMaxSize = 512 << 20
	}
	u := &UI{Deps: d, pages: map[string]*template.Template{}, static: map[string]staticFile{}}
	err := fs.WalkDir(staticFS, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		u.static[name] = staticFile{body: b, hash: hex.EncodeToString(sum[:6]), ct: ct}
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset":        u.assetURL,
		"fmtTime":      fmtTime,
		"fmtTimePtr":   fmtTimePtr,
		"roleLabel":    func(r cra.Role) string { return r.Label() },
		"roles":        func() []cra.Role { return cra.Roles },
		"memberStates": func() []cra.MemberState { return cra.MemberStates },
		"invalid":      invalidAttrs,
		"invalidHint":  invalidHint,
		"fieldError":   fieldError,
	}
	maps.Copy(funcs, productFuncs)
	maps.Copy(funcs, sbomFuncs)
	maps.Copy(funcs, vulnFuncs)
	maps.Copy(funcs, findingFuncs)
	maps.Copy(funcs, caseFuncs)
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("ui: layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("ui: %s: %w", n, err)
		}
		u.pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	for _, p := range requiredPages {
		if u.pages[p] == nil {
			return nil, fmt.Errorf("ui: page template %q missing", p)
		}
	}
	return u, nil
}

// requiredPages are rendered by handlers; a missing one fails start-up.
var requiredPages = []string{"setup", "setup_done", "login", "dashboard", "section", "settings", "users", "user", "tokens",
	"token_created", "organisation", "audit", "audit_verify", "account", "error",
	"products", "product", "product_form", "scope", "classification", "release", "matrix", "requirement", "risk", "compliance",
	"components", "diff", "component_search", "vulnerabilities", "vulnerability", "feeds", "findings", "finding",
	"reporting", "review", "case", "case_print", "case_notice", "reporting_settings"}

func (u *UI) assetURL(name string) string {
	f, ok := u.static[name]
	if !ok {
		panic("ui: unknown asset " + name)
	}
	return "/static/" + f.hash + "/" + name
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "–"
	}
	return fmtTime(*t)
}

// invalidAttrs marks a form control whose field has a problem, linking it
// to the message for screen readers.
func invalidAttrs(errs map[string]string, field string) template.HTMLAttr {
	if errs[field] == "" {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="err-` + template.HTMLEscapeString(field) + `"`)
}

// invalidHint is invalidAttrs for a control that also has a hint: the
// hint's id joins the error's in aria-describedby (an element can carry
// the attribute only once).
func invalidHint(errs map[string]string, field, hintID string) template.HTMLAttr {
	ids := template.HTMLEscapeString(hintID)
	if errs[field] == "" {
		return template.HTMLAttr(`aria-describedby="` + ids + `"`)
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="err-` + template.HTMLEscapeString(field) + ` ` + ids + `"`)
}

// fieldError renders a field's problem, if any.
func fieldError(errs map[string]string, field string) template.HTML {
	msg := errs[field]
	if msg == "" {
		return ""
	}
	return template.HTML(`<p class="field-error" id="err-` + template.HTMLEscapeString(field) + `">` + template.HTMLEscapeString(msg) + `</p>`)
}

// Page is the data every template receives.
type Page struct {
	Title  string
	Nav    string // the active top-level section
	Actor  *cra.Actor
	CSRF   string
	Flash  string
	Errors map[string]string
	Error  string
	Data   any
	// Scripts are static scripts (names under static/, e.g.
	// "js/dropzone.js") the page loads, deferred; most pages need none.
	Scripts []string
}

// Can reports whether the viewer holds a permission (to show or hide
// controls; the services enforce it regardless).
func (p *Page) Can(perm string) bool {
	return p.Actor.Can(cra.Permission(perm))
}

// render writes a page with a status.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	p.Actor = cra.ActorFrom(r.Context())
	p.CSRF = httpx.CSRFToken(r)
	var buf bytes.Buffer
	if err := u.pages[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		u.Logger.Error("render", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError renders the error page for err, or sends an anonymous
// visitor to the sign-in page.
func (u *UI) renderError(w http.ResponseWriter, r *http.Request, err error) {
	httpx.LogError(u.Logger, r, err)
	if cra.ErrorCode(err) == cra.EUNAUTHORIZED && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+safeNext(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	var ce *cra.Error
	if errorsAs(err, &ce) && ce.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(ce.RetryAfterSeconds))
	}
	status := httpx.Status(err)
	u.render(w, r, status, "error", &Page{Title: http.StatusText(status), Error: cra.ErrorMessage(err)})
}
