package cli_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cyra/internal/testutil"
	"cyra/internal/webdriver"
)

// The browser test drives the real web UI of a running `cyra serve` in
// headless Chromium: first-run setup, sign-in, creating a user and an API
// token, and the audit log listing those actions. It skips when Chromium
// or chromedriver is missing, unless CYRA_BROWSER_TEST=1 (set by CI)
// makes that a failure. CYRA_SCREENSHOTS=DIR saves a PNG of each step.

type ui struct {
	t    *testing.T
	s    *webdriver.Session
	base string
	shot string
	n    int
}

func (u *ui) must(err error) {
	u.t.Helper()
	if err != nil {
		u.fail("%v", err)
	}
}

// fail saves a screenshot and the page source before failing.
func (u *ui) fail(format string, args ...any) {
	u.t.Helper()
	dir := u.shot
	if dir == "" {
		dir = u.t.TempDir()
	}
	if png, err := u.s.Screenshot(); err == nil {
		os.WriteFile(filepath.Join(dir, "failure.png"), png, 0o644)
	}
	src, _ := u.s.PageSource()
	cur, _ := u.s.CurrentURL()
	u.t.Fatalf(format+"\nat %s (screenshot in %s)\n%s", append(args, cur, dir, src)...)
}

func (u *ui) open(path string) {
	u.t.Helper()
	u.must(u.s.Navigate(u.base + path))
}

func (u *ui) fill(css, text string) {
	u.t.Helper()
	el, err := u.s.Find(css)
	u.must(err)
	u.must(el.Clear())
	u.must(el.SendKeys(text))
}

func (u *ui) click(css string) {
	u.t.Helper()
	el, err := u.s.Find(css)
	u.must(err)
	u.must(el.Click())
}

// waitPath waits for the browser to arrive at a path; when want has a
// query, the query must match too.
func (u *ui) waitPath(want string) {
	u.t.Helper()
	err := u.s.WaitFor(10*time.Second, func() (bool, error) {
		cur, err := u.s.CurrentURL()
		if err != nil {
			return false, err
		}
		p, _ := url.Parse(cur)
		if strings.Contains(want, "?") {
			return p.RequestURI() == want, nil
		}
		return p.Path == want, nil
	})
	if err != nil {
		u.fail("never reached %s: %v", want, err)
	}
}

func (u *ui) text(css string) string {
	u.t.Helper()
	el, err := u.s.Find(css)
	u.must(err)
	s, err := el.Text()
	u.must(err)
	return s
}

func (u *ui) snap(name string) {
	if u.shot == "" {
		return
	}
	u.n++
	if png, err := u.s.Screenshot(); err == nil {
		os.WriteFile(filepath.Join(u.shot, strings.ReplaceAll(u.t.Name(), "/", "_")+"-"+string(rune('0'+u.n/10))+string(rune('0'+u.n%10))+"-"+name+".png"), png, 0o644)
	}
}

func TestBrowserFirstRunToAuditLog(t *testing.T) {
	testutil.RequireBrowser(t)
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			u, setup := startBrowser(t, d, false)
			s := u.s

			// First-run setup through the one-time link.
			u.must(s.Navigate(setup))
			if title, _ := s.Title(); title != "Set up cyra · cyra" {
				u.fail("setup page title %q", title)
			}
			// A weak password is refused with the reason next to the field.
			u.fillSetupForm("qwertyuiop12")
			u.snap("setup")
			u.click("form button[type=submit]")
			u.waitPath("/setup")
			if msg := u.text("#err-admin_password"); !strings.Contains(msg, "keyboard") && !strings.Contains(msg, "common") {
				u.fail("weak password message %q", msg)
			}
			if v, _ := mustFind(u, "#legal_name").Attribute("value"); v != "Nordlicht Devices GmbH" {
				u.fail("the form lost its input: %q", v)
			}
			u.fill("#admin_password", "heron-glacier-mosaic-31")
			u.fill("#admin_password_confirm", "heron-glacier-mosaic-31")
			u.click("form button[type=submit]")
			u.waitPath("/?done=setup")
			if f := u.text(".flash"); !strings.Contains(f, "cyra is set up") {
				u.fail("flash %q", f)
			}
			u.snap("dashboard")

			// Sign out and back in.
			u.click(".who button")
			u.waitPath("/login?done=logout")
			u.fill("#email", "greta@nordlicht.example")
			u.fill("#password", "heron-glacier-mosaic-31")
			u.click("form.stack button[type=submit]")
			u.waitPath("/")
			if who := u.text(".who a"); who != "greta@nordlicht.example" {
				u.fail("signed in as %q", who)
			}

			// Create a user.
			u.open("/settings/users")
			u.fill("#email", "sam@nordlicht.example")
			u.fill("#name", "Sam Officer")
			u.click(`#role option[value="security-officer"]`)
			u.fill("#password", "saffron-tundra-beacon-5")
			u.snap("users")
			u.click("form.stack button[type=submit]")
			err := s.WaitFor(10*time.Second, func() (bool, error) {
				cur, err := s.CurrentURL()
				return strings.Contains(cur, "done=user-created"), err
			})
			if err != nil {
				u.fail("user not created: %v", err)
			}
			if h := u.text("h1"); h != "sam@nordlicht.example" {
				u.fail("user page heading %q", h)
			}

			// Create an API token and use it.
			u.open("/settings/tokens")
			u.fill("#token-name", "ci-pipeline")
			u.fill("#token-expiry", "30d")
			u.click(`#token-role option[value="member"]`)
			u.click("form.stack button[type=submit]")
			u.waitPath("/settings/tokens")
			secret, err := mustFind(u, "#token-secret").Attribute("value")
			u.must(err)
			if !strings.HasPrefix(secret, "cyra_") {
				u.fail("token secret %q", secret)
			}
			u.snap("token")
			req, _ := http.NewRequest("GET", u.base+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				u.fail("the token from the UI does not work: %v %v", resp, err)
			}
			resp.Body.Close()

			// The audit log lists what happened, newest first.
			u.open("/settings/audit")
			rows, err := s.FindAll("table.audit tbody tr")
			u.must(err)
			var log []string
			for _, r := range rows {
				txt, err := r.Text()
				u.must(err)
				log = append(log, txt)
			}
			want := []string{"token.create", "user.create", "session.login", "session.logout", "session.login", "organisation.create", "user.create", "setup.complete"}
			if len(log) < len(want) {
				u.fail("audit log has %d rows: %q", len(log), log)
			}
			for i, action := range want {
				if !strings.Contains(log[i], action) {
					u.fail("audit row %d is %q, want %s", i, log[i], action)
				}
			}
			if !strings.Contains(log[1], "sam@nordlicht.example") || !strings.Contains(log[0], "ci-pipeline") || !strings.Contains(log[0], "greta@nordlicht.example") {
				u.fail("audit rows lack the objects or the actor: %q", log[:2])
			}
			u.snap("audit")
			u.open("/settings/audit/verify")
			if r, _ := mustFind(u, "[data-result]").Attribute("data-result"); r != "intact" {
				u.fail("audit verification: %q", r)
			}

			// On a phone-sized screen no page scrolls sideways: wide tables
			// scroll inside their own box.
			u.must(s.SetWindowSize(400, 800))
			for _, p := range []string{"/", "/settings", "/settings/users", "/settings/tokens", "/settings/audit", "/settings/organisation"} {
				u.open(p)
				out, err := s.ExecuteScript(`return document.documentElement.scrollWidth - document.documentElement.clientWidth;`)
				u.must(err)
				if string(out) != "0" {
					u.fail("%s scrolls sideways by %s px at 400 px wide", p, out)
				}
			}
			u.must(s.SetWindowSize(1280, 900))

			// Keyboard: the first Tab reaches the skip link, which leads to main.
			u.open("/settings")
			u.must(s.SendKeys(webdriver.Tab))
			active, err := s.ActiveElement()
			u.must(err)
			if txt, _ := active.Text(); txt != "Skip to content" {
				u.fail("first Tab focuses %q, not the skip link", txt)
			}
		})
	}
}

// fillSetupForm fills the first-run form for Nordlicht Devices and its
// administrator greta@nordlicht.example with the given password.
func (u *ui) fillSetupForm(password string) {
	u.t.Helper()
	u.fill("#legal_name", "Nordlicht Devices GmbH")
	u.fill("#postal_address", "Hafenstraße 5\n20457 Hamburg")
	u.fill("#contact_email", "psirt@nordlicht.example")
	u.fill("#website", "https://nordlicht.example")
	u.click(`#member_state option[value="DE"]`)
	u.fill("#admin_name", "Greta Admin")
	u.fill("#admin_email", "greta@nordlicht.example")
	u.fill("#admin_password", password)
	u.fill("#admin_password_confirm", password)
}

// startBrowser starts cyra on a fresh database of the dialect and a
// headless Chromium, and completes the first-run setup when setup is true.
func startBrowser(t *testing.T, dialect string, setup bool) (*ui, string) {
	t.Helper()
	setupURL, _, stop := Serve(t, dbEnv(t, dialect))
	t.Cleanup(func() { stop() })
	s, err := webdriver.Start(t.Context(), webdriver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	u := &ui{t: t, s: s, base: setupURL[:strings.Index(setupURL, "/setup")], shot: os.Getenv("CYRA_SCREENSHOTS")}
	if setup {
		u.must(s.Navigate(setupURL))
		u.fillSetupForm("heron-glacier-mosaic-31")
		u.click("form button[type=submit]")
		u.waitPath("/?done=setup")
	}
	return u, setupURL
}

func mustFind(u *ui, css string) *webdriver.Element {
	u.t.Helper()
	el, err := u.s.Find(css)
	u.must(err)
	return el
}
