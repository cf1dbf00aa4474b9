package webdriver_test

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cyra/internal/testutil"
	"cyra/internal/webdriver"
)

const formPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Webdriver test page</title></head>
<body>
<h1 id="heading">Hello, browser</h1>
<form id="form" method="post" action="/submit">
  <label for="name">Name</label>
  <input id="name" name="name" type="text">
  <input id="other" name="other" type="text" value="preset">
  <button id="go" type="submit">Send</button>
</form>
<ul>
  <li class="item">one</li>
  <li class="item">two</li>
  <li class="item">three</li>
</ul>
</body>
</html>
`

// processesMatching lists running processes whose command line matches the
// literal text, using pgrep -f like an operator would.
func processesMatching(t *testing.T, text string) []string {
	t.Helper()
	pgrep, err := exec.LookPath("pgrep")
	if err != nil {
		t.Skipf("pgrep not available: %v", err)
	}
	out, err := exec.Command(pgrep, "-a", "-f", "--", regexp.QuoteMeta(text)).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return nil // no match
	}
	if err != nil {
		t.Fatalf("pgrep: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func newServer(t *testing.T) (*httptest.Server, <-chan string) {
	submitted := make(chan string, 4)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self'")
		fmt.Fprint(w, formPage)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		name := r.PostFormValue("name")
		select {
		case submitted <- name:
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Submitted</title></head>`+
			`<body><p id="result">Got: %s</p></body></html>`, html.EscapeString(name))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, submitted
}

func TestBrowser(t *testing.T) {
	testutil.RequireBrowser(t)
	// Start puts the Chromium profile under os.TempDir; a private TMPDIR
	// lets the test find it and check that Close removes it.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	srv, submitted := newServer(t)

	var log testutil.SyncBuffer
	t0 := time.Now()
	s, err := webdriver.Start(t.Context(), webdriver.Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %v", time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() {
		_ = s.Close() // safety net; the test closes explicitly below
		if t.Failed() {
			t.Logf("chromedriver output:\n%s", log.String())
		}
	})

	dirs, _ := filepath.Glob(filepath.Join(tmp, "cyra-webdriver-*"))
	if len(dirs) != 1 {
		t.Fatalf("want one temporary session directory in %s, found %q", tmp, dirs)
	}
	sessionDir := dirs[0]
	profileFlag := "user-data-dir=" + filepath.Join(sessionDir, "profile")

	t.Run("NavigateAndTitle", func(t *testing.T) {
		if err := s.Navigate(srv.URL); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Title(); err != nil || got != "Webdriver test page" {
			t.Errorf("Title() = %q, %v; want %q", got, err, "Webdriver test page")
		}
		if got, err := s.CurrentURL(); err != nil || got != srv.URL+"/" {
			t.Errorf("CurrentURL() = %q, %v; want %q", got, err, srv.URL+"/")
		}
		if src, err := s.PageSource(); err != nil || !strings.Contains(src, `id="heading"`) {
			t.Errorf("PageSource() = %q, %v; want it to contain the heading", src, err)
		}
	})

	t.Run("TextAndTagName", func(t *testing.T) {
		h, err := s.Find("h1")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := h.Text(); err != nil || got != "Hello, browser" {
			t.Errorf("Text() = %q, %v; want %q", got, err, "Hello, browser")
		}
		if got, err := h.TagName(); err != nil || got != "h1" {
			t.Errorf("TagName() = %q, %v; want h1", got, err)
		}
		form, err := s.Find("#form")
		if err != nil {
			t.Fatal(err)
		}
		label, err := form.Find("label")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := label.Text(); err != nil || got != "Name" {
			t.Errorf("label Text() = %q, %v; want Name", got, err)
		}
	})

	t.Run("FindAll", func(t *testing.T) {
		items, err := s.FindAll("li.item")
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 3 {
			t.Fatalf("FindAll(li.item) found %d elements, want 3", len(items))
		}
		if got, err := items[2].Text(); err != nil || got != "three" {
			t.Errorf("third item Text() = %q, %v; want three", got, err)
		}
	})

	t.Run("Attribute", func(t *testing.T) {
		other, err := s.Find("#other")
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"value": "preset", "type": "text", "name": "other", "data-missing": ""} {
			if got, err := other.Attribute(name); err != nil || got != want {
				t.Errorf("Attribute(%q) = %q, %v; want %q", name, got, err, want)
			}
		}
	})

	t.Run("ExecuteScript", func(t *testing.T) {
		got, err := s.ExecuteScript("return document.title")
		if err != nil || string(got) != `"Webdriver test page"` {
			t.Errorf("ExecuteScript(title) = %s, %v", got, err)
		}
		el, err := s.Find("#other")
		if err != nil {
			t.Fatal(err)
		}
		got, err = s.ExecuteScript("return arguments[0].id + arguments[1]", el, "!")
		if err != nil || string(got) != `"other!"` {
			t.Errorf("ExecuteScript(element arg) = %s, %v", got, err)
		}
	})

	t.Run("TabMovesFocus", func(t *testing.T) {
		focused := func() string {
			t.Helper()
			el, err := s.ActiveElement()
			if err != nil {
				t.Fatal(err)
			}
			id, err := el.Attribute("id")
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		name, err := s.Find("#name")
		if err != nil {
			t.Fatal(err)
		}
		if err := name.Click(); err != nil {
			t.Fatal(err)
		}
		if got := focused(); got != "name" {
			t.Fatalf("after clicking #name, focus is on %q", got)
		}
		for _, want := range []string{"other", "go"} {
			if err := s.SendKeys(webdriver.Tab); err != nil {
				t.Fatal(err)
			}
			if got := focused(); got != want {
				t.Fatalf("after Tab, focus is on %q, want %q", got, want)
			}
		}
		if err := s.SendKeys(webdriver.Shift + webdriver.Tab + webdriver.Shift); err != nil {
			t.Fatal(err)
		}
		if got := focused(); got != "other" {
			t.Fatalf("after Shift+Tab, focus is on %q, want other", got)
		}
	})

	t.Run("Screenshot", func(t *testing.T) {
		png, err := s.Screenshot()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("Screenshot() does not start with the PNG signature: % x", png[:min(len(png), 8)])
		}
	})

	t.Run("FindMissing", func(t *testing.T) {
		// Keep the test fast: do not wait the default 5s for no match.
		if err := s.SetImplicitWait(200 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := s.SetImplicitWait(5 * time.Second); err != nil {
				t.Error(err)
			}
		}()
		const sel = "#does-not-exist"
		el, err := s.Find(sel)
		if err == nil {
			t.Fatalf("Find(%q) = %v, want an error", sel, el)
		}
		if !strings.Contains(err.Error(), sel) {
			t.Errorf("Find error %q does not mention the selector %q", err, sel)
		}
		var werr *webdriver.Error
		if !errors.As(err, &werr) || werr.Code != "no such element" {
			t.Errorf("Find error %#v, want a *webdriver.Error with code %q", err, "no such element")
		}
		t.Logf("error: %v", err)
		if els, err := s.FindAll(sel); err != nil || len(els) != 0 {
			t.Errorf("FindAll(%q) = %d elements, %v; want none", sel, len(els), err)
		}
	})

	t.Run("SubmitForm", func(t *testing.T) {
		if err := s.Navigate(srv.URL); err != nil {
			t.Fatal(err)
		}
		name, err := s.Find("#name")
		if err != nil {
			t.Fatal(err)
		}
		if err := name.SendKeys("scratch"); err != nil {
			t.Fatal(err)
		}
		if err := name.Clear(); err != nil {
			t.Fatal(err)
		}
		if got, err := name.Attribute("value"); err != nil || got != "" {
			t.Errorf("after Clear, value = %q, %v; want empty", got, err)
		}
		const typed = "Ada <Lovelace> & co"
		if err := name.SendKeys(typed); err != nil {
			t.Fatal(err)
		}
		if got, err := name.Attribute("value"); err != nil || got != typed {
			t.Errorf("Attribute(value) = %q, %v; want %q", got, err, typed)
		}
		button, err := s.Find("#go")
		if err != nil {
			t.Fatal(err)
		}
		if err := button.Click(); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-submitted:
			if got != typed {
				t.Errorf("server received name=%q, want %q", got, typed)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the server did not receive the form submission")
		}
		err = s.WaitFor(5*time.Second, func() (bool, error) {
			title, err := s.Title()
			return title == "Submitted", err
		})
		if err != nil {
			t.Fatal(err)
		}
		result, err := s.Find("#result")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := result.Text(); err != nil || got != "Got: "+typed {
			t.Errorf("result Text() = %q, %v; want %q", got, err, "Got: "+typed)
		}
		if got, err := s.CurrentURL(); err != nil || got != srv.URL+"/submit" {
			t.Errorf("CurrentURL() = %q, %v; want %q", got, err, srv.URL+"/submit")
		}
	})

	t.Run("EnterSubmits", func(t *testing.T) {
		if err := s.Navigate(srv.URL); err != nil {
			t.Fatal(err)
		}
		name, err := s.Find("#name")
		if err != nil {
			t.Fatal(err)
		}
		if err := name.SendKeys("Grace" + webdriver.Enter); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-submitted:
			if got != "Grace" {
				t.Errorf("server received name=%q, want Grace", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Enter did not submit the form")
		}
	})

	t.Run("WaitForTimeout", func(t *testing.T) {
		start := time.Now()
		err := s.WaitFor(300*time.Millisecond, func() (bool, error) { return false, nil })
		if err == nil {
			t.Fatal("WaitFor on a never-true condition returned nil")
		}
		if d := time.Since(start); d < 300*time.Millisecond || d > 2*time.Second {
			t.Errorf("WaitFor(300ms) returned after %v", d)
		}
		boom := errors.New("boom")
		if err := s.WaitFor(time.Second, func() (bool, error) { return false, boom }); !errors.Is(err, boom) {
			t.Errorf("WaitFor = %v, want the condition's error", err)
		}
	})

	// The check after Close only means something if the pattern matches
	// while the browser runs.
	if procs := processesMatching(t, profileFlag); len(procs) == 0 {
		t.Fatalf("no running process matches %q before Close", profileFlag)
	}
	t0 = time.Now()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	t.Logf("Close took %v", time.Since(t0).Round(time.Millisecond))
	if procs := processesMatching(t, profileFlag); len(procs) > 0 {
		t.Errorf("processes left after Close:\n%s", strings.Join(procs, "\n"))
	}
	// Crashpad handlers run in their own sessions, outside the process
	// group; they refer to the session directory through their database.
	if procs := processesMatching(t, sessionDir); len(procs) > 0 {
		t.Errorf("processes referring to %s left after Close:\n%s", sessionDir, strings.Join(procs, "\n"))
	}
	if _, err := os.Stat(sessionDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s still exists after Close (stat: %v)", sessionDir, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestAvailableReportsMissingBinary(t *testing.T) {
	ok, why := webdriver.Available(webdriver.Options{ChromeDriver: "/nonexistent/chromedriver"})
	if ok || !strings.Contains(why, "/nonexistent/chromedriver") {
		t.Errorf("Available(missing chromedriver) = %v, %q", ok, why)
	}
	ok, why = webdriver.Available(webdriver.Options{Chrome: "/nonexistent/chromium"})
	if ok || !strings.Contains(why, "/nonexistent/chromium") {
		t.Errorf("Available(missing chromium) = %v, %q", ok, why)
	}
	if _, err := webdriver.Start(t.Context(), webdriver.Options{Chrome: "/nonexistent/chromium"}); err == nil {
		t.Error("Start with a missing Chromium succeeded")
	}
}
