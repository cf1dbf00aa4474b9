package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/metrics"
	"cyra/internal/server"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
	"cyra/internal/testutil"
)

type site struct {
	srv   *httptest.Server
	svc   cra.Services
	db    *sqlstore.DB
	reg   *metrics.Registry
	setup string // one-time setup token
}

func newSite(t *testing.T, db *sqlstore.DB, secure bool) *site {
	t.Helper()
	svc := service.New(db, service.Options{})
	reg := metrics.NewRegistry()
	h, err := server.New(server.Config{Logger: slog.New(slog.DiscardHandler), Secure: secure}, svc, db, reg)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{srv: httptest.NewServer(h), svc: svc, db: db, reg: reg}
	t.Cleanup(s.srv.Close)
	s.setup, _, err = svc.Auth.IssueSetupToken(cra.WithActor(context.Background(), cra.SystemActor("test")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t      *testing.T
	c      *http.Client
	base   string
	header http.Header
}

func (s *site) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.send("GET", path, nil)
}

func (b *browser) send(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// post submits a form with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get(from)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s: %s", from, page)
	}
	form.Set("csrf_token", m[1])
	return b.send("POST", path, form)
}

func setupValues(tok string) url.Values {
	return url.Values{"token": {tok}, "legal_name": {"ACME Devices SE"}, "postal_address": {"1 Rue de la Paix, Paris"},
		"contact_email": {"psirt@acme.example"}, "member_state": {"FR"}, "admin_email": {"ada@acme.example"}, "admin_name": {"Ada"},
		"admin_password": {"granite-puffin-lattice-8"}, "admin_password_confirm": {"granite-puffin-lattice-8"}}
}

func TestHealthReadyMetrics(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, false)
		b := s.browser(t)
		if resp, body := b.get("/healthz"); resp.StatusCode != 200 || body != "ok\n" {
			t.Fatalf("healthz %d %q", resp.StatusCode, body)
		}
		if resp, body := b.get("/readyz"); resp.StatusCode != 200 || body != "ready\n" {
			t.Fatalf("readyz %d %q", resp.StatusCode, body)
		}
		b.get("/api/v1/users/7")
		b.send("BREW", "/coffee", nil)
		resp, body := b.get("/metrics")
		if strings.Contains(body, "BREW") || !strings.Contains(body, `method="OTHER"`) {
			t.Errorf("a made-up method got a series of its own:\n%s", body)
		}
		for _, want := range []string{
			`cyra_http_requests_total{method="GET",route="GET /healthz",code="200"} 1`,
			`cyra_http_requests_total{method="GET",route="GET /api/v1/users/{id}",code="401"} 1`,
			`cyra_http_request_duration_seconds_count{method="GET",route="GET /readyz"} 1`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s:\n%s", want, body)
			}
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
			t.Errorf("metrics content type %q", resp.Header.Get("Content-Type"))
		}
		// A schema from a newer cyra makes the instance not ready.
		if err := db.ExecForTestNewerSchema(context.Background()); err != nil {
			t.Fatal(err)
		}
		if resp, body := b.get("/readyz"); resp.StatusCode != 503 || !strings.Contains(body, "schema") {
			t.Fatalf("readyz on newer schema: %d %q", resp.StatusCode, body)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	s := newSite(t, testutil.MustOpenDB(t, "sqlite", nil), true)
	b := s.browser(t)
	for _, path := range []string{"/login", "/api/v1/me", "/healthz", "/nope"} {
		resp, _ := b.get(path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), v)
			}
		}
	}
	// Under https the cookies are Secure and __Host- prefixed.
	resp, _ := s.browser(t).get("/login")
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-cyra_csrf" && c.Secure && c.HttpOnly && c.SameSite == http.SameSiteLaxMode && c.Path == "/" {
			found = true
		}
	}
	if !found {
		t.Errorf("no secure CSRF cookie: %v", resp.Header["Set-Cookie"])
	}
	// No page carries inline script.
	_, page := b.get("/login")
	if strings.Contains(page, "<script>") || strings.Contains(page, "onclick=") || strings.Contains(page, "style=") {
		t.Errorf("inline script or style on the login page")
	}
}

func TestSetupAndSignInThroughForms(t *testing.T) {
	testutil.EachDB(t, nil, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, false)
		b := s.browser(t)
		if resp, body := b.get("/setup?token=cyrasetup_forged"); resp.StatusCode != 404 || !strings.Contains(body, "not valid") {
			t.Fatalf("forged token: %d", resp.StatusCode)
		}
		if resp, _ := b.get("/setup"); resp.StatusCode != 404 {
			t.Fatalf("no token: %d", resp.StatusCode)
		}
		if _, body := b.get("/login"); !strings.Contains(body, "has no administrator yet") {
			t.Fatal("login page does not explain that setup is pending")
		}
		// Without the CSRF token the form is refused and nothing happens.
		if resp, _ := b.send("POST", "/setup", setupValues(s.setup)); resp.StatusCode != 403 {
			t.Fatalf("setup without CSRF token: %d", resp.StatusCode)
		}
		// A cross-site request is refused even with a token.
		bad := setupValues(s.setup)
		bad.Set("admin_password_confirm", "something-else-entirely")
		resp, body := b.post("/setup?token="+s.setup, "/setup", bad)
		if resp.StatusCode != 400 || !strings.Contains(body, "The passwords do not match.") || !strings.Contains(body, `aria-invalid="true" aria-describedby="err-admin_password_confirm"`) {
			t.Fatalf("mismatched passwords: %d", resp.StatusCode)
		}
		weak := setupValues(s.setup)
		weak.Set("admin_password", "password1234")
		weak.Set("admin_password_confirm", "password1234")
		weak.Set("member_state", "CH")
		resp, body = b.post("/setup?token="+s.setup, "/setup", weak)
		if resp.StatusCode != 400 || !strings.Contains(body, "common password") || !strings.Contains(body, "Member State") || !strings.Contains(body, `value="ACME Devices SE"`) {
			t.Fatalf("weak password: %d %s", resp.StatusCode, body)
		}
		resp, _ = b.post("/setup?token="+s.setup, "/setup", setupValues(s.setup))
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/?done=setup" {
			t.Fatalf("setup: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := b.get("/?done=setup"); !strings.Contains(body, "cyra is set up") || !strings.Contains(body, "ACME Devices SE") {
			t.Fatalf("dashboard after setup: %s", body)
		}
		// The token is spent.
		if resp, body := b.get("/setup?token=" + s.setup); resp.StatusCode != 409 || !strings.Contains(body, "already complete") {
			t.Fatalf("reused setup link: %d %s", resp.StatusCode, body)
		}
		// Sign out, then protected pages send us to the sign-in page.
		b.post("/", "/logout", url.Values{})
		if resp, _ := b.get("/settings/users"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next=%2Fsettings%2Fusers" {
			t.Fatalf("after logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = b.post("/login", "/login", url.Values{"email": {"ada@acme.example"}, "password": {"wrong-password-1"}})
		if resp.StatusCode != 401 || !strings.Contains(body, "E-mail or password is wrong.") {
			t.Fatalf("wrong password: %d", resp.StatusCode)
		}
		resp, _ = b.post("/login", "/login", url.Values{"email": {"ada@acme.example"}, "password": {"granite-puffin-lattice-8"}, "next": {"/settings/audit"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/settings/audit" {
			t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// An open redirect is not possible through next, including the
		// forms browsers normalise into another host.
		for _, next := range []string{"//evil.example/x", "/\t/evil.example", "/\\evil.example", "https://evil.example", "/\n/evil.example", "/ /evil.example"} {
			b2 := s.browser(t)
			resp, _ = b2.post("/login", "/login", url.Values{"email": {"ada@acme.example"}, "password": {"granite-puffin-lattice-8"}, "next": {next}})
			if resp.Header.Get("Location") != "/" {
				t.Fatalf("next=%q redirects to %q", next, resp.Header.Get("Location"))
			}
			if resp, _ := b2.get("/login?next=" + url.QueryEscape(next)); resp.Header.Get("Location") != "/" {
				t.Fatalf("signed-in GET /login?next=%q redirects to %q", next, resp.Header.Get("Location"))
			}
		}
		// A browser still holding the cookie of an ended session can sign in.
		stale := s.browser(t)
		u, _ := url.Parse(s.srv.URL)
		stale.c.Jar.SetCookies(u, []*http.Cookie{{Name: "cyra_session", Value: "cyrasess_ended-long-ago", Path: "/"}})
		resp, _ = stale.post("/login", "/login", url.Values{"email": {"ada@acme.example"}, "password": {"granite-puffin-lattice-8"}})
		if resp.StatusCode != 303 {
			t.Fatalf("sign-in with a stale session cookie: %d", resp.StatusCode)
		}
		_, body = b.get("/settings/audit")
		for _, action := range []string{"setup.complete", "user.create", "organisation.create", "session.login", "session.logout"} {
			if !strings.Contains(body, action) {
				t.Errorf("audit page lacks %s", action)
			}
		}
	})
}

func TestCSRFAndRoles(t *testing.T) {
	s := newSite(t, testutil.MustOpenDB(t, "sqlite", nil), false)
	admin := s.browser(t)
	admin.post("/setup?token="+s.setup, "/setup", setupValues(s.setup))
	// The admin creates a member through the form.
	resp, _ := admin.post("/settings/users", "/settings/users", url.Values{"email": {"mo@acme.example"}, "role": {"member"}, "kind": {"person"}, "password": {"quartz-meadow-kiln-44"}})
	if resp.StatusCode != 303 {
		t.Fatalf("create user: %d", resp.StatusCode)
	}
	// A form posted with another session's token is refused.
	member := s.browser(t)
	member.post("/login", "/login", url.Values{"email": {"mo@acme.example"}, "password": {"quartz-meadow-kiln-44"}})
	_, adminPage := admin.get("/settings/users")
	adminToken := csrfRE.FindStringSubmatch(adminPage)[1]
	if resp, _ := member.send("POST", "/settings/tokens", url.Values{"csrf_token": {adminToken}, "name": {"x"}, "expires_in": {"1d"}}); resp.StatusCode != 403 {
		t.Fatalf("foreign CSRF token: %d", resp.StatusCode)
	}
	// A cross-origin POST is refused before the token is checked.
	member.header = http.Header{"Sec-Fetch-Site": {"cross-site"}}
	if resp, _ := member.post("/settings/tokens", "/settings/tokens", url.Values{"name": {"x"}, "expires_in": {"1d"}}); resp.StatusCode != 403 {
		t.Fatalf("cross-site POST: %d", resp.StatusCode)
	}
	member.header = nil
	// The member sees no users page or audit log and cannot use them.
	if _, body := member.get("/settings"); strings.Contains(body, "/settings/users") || strings.Contains(body, "/settings/audit") {
		t.Error("member sees links to users or audit log")
	}
	for _, path := range []string{"/settings/users", "/settings/audit", "/settings/audit/verify"} {
		if resp, _ := member.get(path); resp.StatusCode != 403 {
			t.Errorf("member GET %s: %d", path, resp.StatusCode)
		}
	}
	if resp, _ := member.post("/settings/tokens", "/settings/users", url.Values{"email": {"x@acme.example"}, "role": {"admin"}, "kind": {"service"}}); resp.StatusCode != 403 {
		t.Errorf("member creates user: %d", resp.StatusCode)
	}
	// The member creates a token; the secret is shown once.
	resp, body := member.post("/settings/tokens", "/settings/tokens", url.Values{"name": {"laptop"}, "expires_in": {"30d"}})
	m := regexp.MustCompile(`value="(cyra_[A-Za-z0-9_-]{43})"`).FindStringSubmatch(body)
	if resp.StatusCode != 201 || m == nil {
		t.Fatalf("token page: %d %s", resp.StatusCode, body)
	}
	if a, err := s.svc.Auth.AuthenticateToken(context.Background(), m[1]); err != nil || a.Role != cra.RoleMember {
		t.Fatalf("the shown token does not work: %v", err)
	}
	if _, body := member.get("/settings/tokens"); strings.Contains(body, m[1]) || !strings.Contains(body, "laptop") {
		t.Error("token list shows the secret or lacks the token")
	}
	// A token above the member's role is refused with a message on the form.
	resp, body = member.post("/settings/tokens", "/settings/tokens", url.Values{"name": {"x"}, "role": {"admin"}, "expires_in": {"1d"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "higher than its owner") {
		t.Fatalf("admin token by member: %d", resp.StatusCode)
	}
	// The admin sets a new password for the member, who is signed out.
	members, _ := s.svc.Users.ListUsers(cra.WithActor(context.Background(), cra.SystemActor("test")), cra.UserFilter{})
	var memberID int64
	for _, u := range members {
		if u.Email == "mo@acme.example" {
			memberID = u.ID
		}
	}
	page := "/settings/users/" + strconv.FormatInt(memberID, 10)
	resp, body = admin.post(page, page+"/password", url.Values{"password": {"ember-willow-quarry-6"}, "password_confirm": {"ember-willow-quarry-6"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != page+"?done=password-set" {
		t.Fatalf("reset password: %d %s", resp.StatusCode, body)
	}
	if resp, _ := member.get("/settings/tokens"); resp.StatusCode != 303 {
		t.Fatalf("member still signed in after the reset: %d", resp.StatusCode)
	}
	// Audit verification page.
	if _, body := admin.get("/settings/audit/verify"); !strings.Contains(body, `data-result="intact"`) {
		t.Fatalf("verify page: %s", body)
	}
}

func TestUnknownPage(t *testing.T) {
	s := newSite(t, testutil.MustOpenDB(t, "sqlite", nil), false)
	resp, body := s.browser(t).get("/no/such/page")
	if resp.StatusCode != 404 || !strings.Contains(body, "There is no page at /no/such/page") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if resp, _ := s.browser(t).get("/static/deadbeef/css/cyra.css"); resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("stale asset hash: %d %s", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}
