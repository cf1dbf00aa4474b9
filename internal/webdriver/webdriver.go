// Package webdriver is a small W3C WebDriver client for browser tests. It
// launches chromedriver, which in turn runs headless Chromium with a fresh
// temporary profile, and talks to it with plain net/http and encoding/json.
//
// A typical test:
//
//	if ok, why := webdriver.Available(webdriver.Options{}); !ok {
//		t.Skip(why)
//	}
//	s, err := webdriver.Start(t.Context(), webdriver.Options{})
//	if err != nil {
//		t.Fatal(err)
//	}
//	t.Cleanup(func() { s.Close() })
//	if err := s.Navigate(srv.URL); err != nil {
//		t.Fatal(err)
//	}
//
// Only Linux and other Unix systems are supported: Close relies on process
// groups to stop chromedriver together with every Chromium process it spawned.
package webdriver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Special keys for SendKeys, as defined by the W3C WebDriver specification.
const (
	// Tab is the WebDriver code point for the Tab key.
	Tab = "\uE004"
	// Enter is the WebDriver code point for the Enter key.
	Enter = "\uE007"
	// Shift is the WebDriver code point for the left Shift key. In
	// Session.SendKeys it stays pressed until it appears a second time or the
	// text ends, so Shift+Tab+Shift moves focus backwards.
	Shift = "\uE008"
)

const (
	// elementKey is the JSON key of a W3C web element reference.
	elementKey = "element-6066-11e4-a52e-4f735466cecf"

	// httpTimeout bounds every HTTP round trip to chromedriver.
	httpTimeout = 60 * time.Second
	// defaultImplicitWait is how long Find and FindAll poll for matches.
	defaultImplicitWait = 5 * time.Second
	// pageLoadTimeout is kept below httpTimeout so that a slow page yields a
	// WebDriver "timeout" error rather than an HTTP client timeout.
	pageLoadTimeout = 30 * time.Second
	// scriptTimeout bounds ExecuteScript.
	scriptTimeout = 30 * time.Second
	// pollInterval is the WaitFor polling period.
	pollInterval = 100 * time.Millisecond
)

// Options configures Start and Available. The zero value finds chromedriver
// and Chromium in their usual places and discards their output.
type Options struct {
	// ChromeDriver is the chromedriver executable, as a path or a name looked
	// up in PATH. When empty, "chromedriver" is looked up in PATH and then
	// /usr/bin/chromedriver is tried.
	ChromeDriver string
	// Chrome is the Chromium executable, as a path or a name looked up in
	// PATH. When empty, /usr/bin/chromium is used if it exists, else
	// "chromium" is looked up in PATH.
	Chrome string
	// Args holds extra Chromium command-line arguments, appended after the
	// fixed headless flags and the temporary --user-data-dir.
	Args []string
	// Log receives chromedriver's standard output and standard error, which
	// include Chromium's own log messages (chromedriver runs with
	// --enable-chrome-logs). Nil discards them. Whatever the setting, errors
	// from Start include the last few kilobytes of this output.
	Log io.Writer
}

// Session is a WebDriver session running headless Chromium under a
// chromedriver process owned by the session. Its methods are safe for
// concurrent use, but chromedriver executes a session's commands one at a
// time. Call Close when done.
type Session struct {
	ctx    context.Context // from Start; governs every command
	base   string          // http://127.0.0.1:port
	id     string          // WebDriver session id
	client *http.Client
	proc   *driverProc
	tmpDir string // holds the Chromium profile and config; removed by Close

	stopAfterFunc func() bool // detaches the ctx-cancel hook

	closeOnce sync.Once
	closeErr  error
}

// Element is a reference to a DOM element in a Session. It becomes stale
// when the element is removed from the document or the page navigates away.
type Element struct {
	s  *Session
	id string
}

// Error is a WebDriver error response, as returned by every command that
// chromedriver rejects. Use errors.As to inspect it.
type Error struct {
	// Command names the client call that failed, with its main argument,
	// for example `Find("#missing")`.
	Command string
	// Code is the WebDriver error code, for example "no such element".
	Code string
	// Message is the first line of the error message sent by chromedriver.
	Message string
	// HTTPStatus is the HTTP status code of the response.
	HTTPStatus int
}

// Error formats the failed command, the WebDriver error code and the first
// line of the message.
func (e *Error) Error() string {
	msg := strings.TrimPrefix(e.Message, e.Code+": ")
	if msg == "" || msg == e.Code {
		return fmt.Sprintf("webdriver: %s: %s", e.Command, e.Code)
	}
	return fmt.Sprintf("webdriver: %s: %s: %s", e.Command, e.Code, msg)
}

// newHTTPClient returns a client that never uses a proxy, as chromedriver
// always listens on the loopback interface.
func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout: httpTimeout,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// call sends one WebDriver command using the session's context. path is
// relative to the session URL ("" for the session itself). A nil body sends
// an empty JSON object on POST. When out is non-nil, the response's "value"
// member is decoded into it.
func (s *Session) call(name, method, path string, body, out any) error {
	return s.callCtx(s.ctx, name, method, path, body, out)
}

func (s *Session) callCtx(ctx context.Context, name, method, path string, body, out any) error {
	u := s.base + "/session"
	if s.id != "" {
		u += "/" + s.id
	}
	return doRequest(ctx, s.client, name, method, u+path, body, out)
}

// doRequest performs one HTTP request against chromedriver and decodes the
// W3C response envelope {"value": ...}.
func doRequest(ctx context.Context, client *http.Client, name, method, u string, body, out any) error {
	var rd io.Reader
	if method == http.MethodPost {
		if body == nil {
			body = struct{}{}
		}
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("webdriver: %s: encoding request: %w", name, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("webdriver: %s: %w", name, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webdriver: %s: %w", name, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("webdriver: %s: reading response: %w", name, err)
	}

	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("webdriver: %s: HTTP %d with undecodable body %q: %w",
			name, resp.StatusCode, truncate(string(data), 200), err)
	}
	// Errors are signalled by a non-2xx status and a value object with an
	// "error" member; check both so that neither alone is missed.
	var werr struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if len(env.Value) > 0 && env.Value[0] == '{' {
		_ = json.Unmarshal(env.Value, &werr)
	}
	if werr.Error != "" || resp.StatusCode < 200 || resp.StatusCode > 299 {
		code := werr.Error
		if code == "" {
			code = "HTTP " + resp.Status
		}
		msg, _, _ := strings.Cut(werr.Message, "\n")
		if werr.Error == "" && msg == "" {
			msg = truncate(string(data), 200)
		}
		return &Error{Command: name, Code: code, Message: strings.TrimSpace(msg), HTTPStatus: resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Value, out); err != nil {
		return fmt.Errorf("webdriver: %s: decoding value %q: %w", name, truncate(string(env.Value), 200), err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// SetImplicitWait sets how long Find and FindAll keep looking for a matching
// element before giving up. Start sets it to 5 seconds; tests that expect a
// selector not to match can lower it temporarily to stay fast. Waits of a
// minute or more are cut short by the 60-second HTTP timeout of each command.
func (s *Session) SetImplicitWait(d time.Duration) error {
	return s.call(fmt.Sprintf("SetImplicitWait(%v)", d), http.MethodPost, "/timeouts",
		map[string]int64{"implicit": d.Milliseconds()}, nil)
}

// SetWindowSize resizes the browser window, for example to check a page's
// layout on a phone-sized screen.
func (s *Session) SetWindowSize(width, height int) error {
	return s.call(fmt.Sprintf("SetWindowSize(%d, %d)", width, height), http.MethodPost, "/window/rect",
		map[string]int{"width": width, "height": height}, nil)
}

// Navigate loads url in the current tab and waits for the page to load. As
// in any WebDriver client, an HTTP error status or an unreachable server is
// not an error: the browser just shows the resulting page.
func (s *Session) Navigate(url string) error {
	return s.call(fmt.Sprintf("Navigate(%q)", url), http.MethodPost, "/url", map[string]string{"url": url}, nil)
}

// CurrentURL returns the URL of the current page.
func (s *Session) CurrentURL() (string, error) {
	var v string
	err := s.call("CurrentURL", http.MethodGet, "/url", nil, &v)
	return v, err
}

// Title returns the document title of the current page.
func (s *Session) Title() (string, error) {
	var v string
	err := s.call("Title", http.MethodGet, "/title", nil, &v)
	return v, err
}

// PageSource returns the serialized DOM of the current page, which reflects
// changes made by scripts since it loaded.
func (s *Session) PageSource() (string, error) {
	var v string
	err := s.call("PageSource", http.MethodGet, "/source", nil, &v)
	return v, err
}

// Find returns the first element matching the CSS selector css. It waits up
// to the implicit wait timeout (5 seconds unless changed with
// SetImplicitWait) for a match and returns an *Error naming the selector if
// there is none.
func (s *Session) Find(css string) (*Element, error) {
	return s.findOne(fmt.Sprintf("Find(%q)", css), "/element", css)
}

// FindAll returns all elements matching the CSS selector css, in document
// order. When nothing matches it waits the full implicit wait timeout and
// then returns an empty slice and no error.
func (s *Session) FindAll(css string) ([]*Element, error) {
	return s.findAll(fmt.Sprintf("FindAll(%q)", css), "/elements", css)
}

// ActiveElement returns the element that currently has keyboard focus (the
// document body when nothing else does).
func (s *Session) ActiveElement() (*Element, error) {
	var ref map[string]string
	if err := s.call("ActiveElement", http.MethodGet, "/element/active", nil, &ref); err != nil {
		return nil, err
	}
	return s.elementFromRef("ActiveElement", ref)
}

func (s *Session) findOne(name, path, css string) (*Element, error) {
	var ref map[string]string
	if err := s.call(name, http.MethodPost, path, locator(css), &ref); err != nil {
		return nil, err
	}
	return s.elementFromRef(name, ref)
}

func (s *Session) findAll(name, path, css string) ([]*Element, error) {
	var refs []map[string]string
	if err := s.call(name, http.MethodPost, path, locator(css), &refs); err != nil {
		return nil, err
	}
	els := make([]*Element, 0, len(refs))
	for _, ref := range refs {
		e, err := s.elementFromRef(name, ref)
		if err != nil {
			return nil, err
		}
		els = append(els, e)
	}
	return els, nil
}

func locator(css string) map[string]string {
	return map[string]string{"using": "css selector", "value": css}
}

func (s *Session) elementFromRef(name string, ref map[string]string) (*Element, error) {
	id := ref[elementKey]
	if id == "" {
		return nil, fmt.Errorf("webdriver: %s: response holds no element reference: %v", name, ref)
	}
	return &Element{s: s, id: id}, nil
}

// Screenshot returns a PNG image of the current viewport.
func (s *Session) Screenshot() ([]byte, error) {
	var b64 string
	if err := s.call("Screenshot", http.MethodGet, "/screenshot", nil, &b64); err != nil {
		return nil, err
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("webdriver: Screenshot: decoding base64: %w", err)
	}
	return png, nil
}

// ExecuteScript runs script as the body of a synchronous JavaScript function
// in the current page and returns its JSON-encoded return value ("null" when
// it returns nothing). The args are available to the script as
// arguments[0], arguments[1], ...; an *Element argument arrives as the DOM
// element it refers to.
func (s *Session) ExecuteScript(script string, args ...any) (json.RawMessage, error) {
	if args == nil {
		args = []any{} // chromedriver insists on an array
	}
	var v json.RawMessage
	err := s.call(fmt.Sprintf("ExecuteScript(%q)", truncate(script, 60)), http.MethodPost, "/execute/sync",
		map[string]any{"script": script, "args": args}, &v)
	return v, err
}

// WaitFor calls cond immediately and then every 100ms until it reports true,
// returns an error, or timeout elapses. It returns nil once cond is true,
// cond's error if it fails, and otherwise an error saying the condition was
// not met in time. It also stops when the context passed to Start is done.
func (s *Session) WaitFor(timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			// One last look, so a condition that became true while we slept
			// is not reported as a timeout.
			if ok, err := cond(); err != nil || ok {
				return err
			}
			return fmt.Errorf("webdriver: WaitFor: condition not met within %v", timeout)
		case <-s.ctx.Done():
			return fmt.Errorf("webdriver: WaitFor: %w", context.Cause(s.ctx))
		}
	}
}

// WebDriver code points of modifier keys, which Session.SendKeys holds down
// until they appear again (or the text ends) instead of pressing and
// releasing them at once.
var modifierKeys = map[rune]bool{
	'\uE008': true, '\uE009': true, '\uE00A': true, '\uE03D': true, // Shift, Control, Alt, Meta
	'\uE050': true, '\uE051': true, '\uE052': true, '\uE053': true, // right-hand variants
}

// SendKeys types keys into whichever element has focus, using the W3C
// actions API so that special keys reach the page exactly as a user's
// keystrokes would; for example, SendKeys(Tab) moves focus to the next
// focusable element. Each character is pressed and released in turn, except
// that modifier keys such as Shift are held until they appear a second time
// and the Null key "\uE000" releases all of them; any modifier still held at
// the end is released.
func (s *Session) SendKeys(keys string) error {
	var acts []map[string]string
	press := func(typ string, r rune) {
		acts = append(acts, map[string]string{"type": typ, "value": string(r)})
	}
	held := map[rune]bool{}
	var order []rune // release in reverse order of pressing
	releaseAll := func() {
		for i := len(order) - 1; i >= 0; i-- {
			if held[order[i]] {
				press("keyUp", order[i])
			}
		}
		clear(held)
		order = order[:0]
	}
	for _, r := range keys {
		switch {
		case r == '\uE000':
			releaseAll()
		case modifierKeys[r] && held[r]:
			press("keyUp", r)
			held[r] = false
		case modifierKeys[r]:
			press("keyDown", r)
			held[r] = true
			order = append(order, r)
		default:
			press("keyDown", r)
			press("keyUp", r)
		}
	}
	releaseAll()
	if len(acts) == 0 {
		return nil
	}
	body := map[string]any{"actions": []any{map[string]any{
		"type":    "key",
		"id":      "keyboard",
		"actions": acts,
	}}}
	return s.call(fmt.Sprintf("SendKeys(%q)", truncate(keys, 60)), http.MethodPost, "/actions", body, nil)
}

// MarshalJSON encodes e as a W3C web element reference, which lets an
// *Element be passed to ExecuteScript.
func (e *Element) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{elementKey: e.id})
}

func (e *Element) call(name, method, path string, body, out any) error {
	return e.s.call("Element."+name, method, "/element/"+url.PathEscape(e.id)+path, body, out)
}

// Click scrolls the element into view and clicks its centre.
func (e *Element) Click() error {
	return e.call("Click", http.MethodPost, "/click", nil, nil)
}

// SendKeys focuses the element and types text into it, appending to any
// existing value; special keys such as Enter may be included.
func (e *Element) SendKeys(text string) error {
	return e.call(fmt.Sprintf("SendKeys(%q)", truncate(text, 60)), http.MethodPost, "/value",
		map[string]string{"text": text}, nil)
}

// Clear empties an editable element such as a text input or textarea.
func (e *Element) Clear() error {
	return e.call("Clear", http.MethodPost, "/clear", nil, nil)
}

// Text returns the element's rendered text, as a user would see it.
func (e *Element) Text() (string, error) {
	var v string
	err := e.call("Text", http.MethodGet, "/text", nil, &v)
	return v, err
}

// Attribute returns the named attribute of the element, or "" when it is not
// set. The name "value" is special: it returns the element's current value
// DOM property, which reflects what has been typed into a form control,
// rather than the value attribute, which only holds the initial value. A
// non-string property value is returned in its JSON encoding.
func (e *Element) Attribute(name string) (string, error) {
	path := "/attribute/" + url.PathEscape(name)
	if name == "value" {
		path = "/property/value"
	}
	var v any
	if err := e.call(fmt.Sprintf("Attribute(%q)", name), http.MethodGet, path, nil, &v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		b, _ := json.Marshal(v)
		return string(b), nil
	}
}

// TagName returns the element's tag name in lower case, for example "input".
func (e *Element) TagName() (string, error) {
	var v string
	err := e.call("TagName", http.MethodGet, "/name", nil, &v)
	return v, err
}

// Find returns the first descendant of the element matching the CSS selector
// css, waiting up to the implicit wait timeout like Session.Find.
func (e *Element) Find(css string) (*Element, error) {
	return e.s.findOne(fmt.Sprintf("Element.Find(%q)", css), "/element/"+url.PathEscape(e.id)+"/element", css)
}
