package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/httpx"
)

func decode(ct, body string) error {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", ct)
	var v struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	return httpx.Decode(httptest.NewRecorder(), r, &v)
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		ct, body, code, msg string
	}{
		{"application/json", `{"name":"x","n":1}`, "", ""},
		{"application/json; charset=utf-8", `{"name":"x"}`, "", ""},
		{"application/merge-patch+json", `{"name":"x"}`, "", ""},
		{"", `{}`, cra.EUNSUPPORTED, "application/json"},
		{"application/json", `{"name":}`, cra.EINVALID, "byte 9"},
		{"application/json", `{"n":"1"}`, cra.EINVALID, `"n" must be a number`},
		{"application/json", `{"x":1}`, cra.EINVALID, `Unknown field "x"`},
		{"application/json", `{} []`, cra.EINVALID, "single JSON value"},
		{"application/json", `null`, "", ""},
		{"application/json", strings.Repeat(" ", httpx.MaxJSONBody) + `{}`, cra.ETOOLARGE, "larger than"},
	} {
		err := decode(tc.ct, tc.body)
		if cra.ErrorCode(err) != tc.code || !strings.Contains(cra.ErrorMessage(err), tc.msg) {
			t.Errorf("Decode(%q, %.40q) = %v", tc.ct, tc.body, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"x","n":1}`, `{"n":1e400}`, `{"name":"\ud800"}`, `[`, `{"x":{}}`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		err := decode("application/json", body)
		if err != nil && cra.ErrorCode(err) == cra.EINTERNAL {
			t.Fatalf("Decode(%q) gave an internal error: %v", body, err)
		}
		if err != nil && cra.ErrorMessage(err) == "" {
			t.Fatalf("Decode(%q) gave an error without a message", body)
		}
	})
}

func TestStatus(t *testing.T) {
	for code, status := range map[string]int{cra.EINVALID: 400, cra.EUNAUTHORIZED: 401, cra.EFORBIDDEN: 403, cra.ENOTFOUND: 404,
		cra.ECONFLICT: 409, cra.ETOOLARGE: 413, cra.EUNSUPPORTED: 415, cra.ETOOMANY: 429, cra.EINTERNAL: 500} {
		if got := httpx.Status(&cra.Error{Code: code}); got != status {
			t.Errorf("%s: %d, want %d", code, got, status)
		}
	}
	if httpx.Status(http.ErrBodyNotAllowed) != 500 {
		t.Error("a plain error is not 500")
	}
}

func TestClientIP(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8::1]:4711"
	if ip := httpx.ClientIP(r, ""); ip != "2001:db8::1" {
		t.Errorf("peer: %q", ip)
	}
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.2")
	if ip := httpx.ClientIP(r, ""); ip != "2001:db8::1" {
		t.Errorf("untrusted header was used: %q", ip)
	}
	if ip := httpx.ClientIP(r, "X-Forwarded-For"); ip != "198.51.100.2" {
		t.Errorf("trusted proxy header: %q (want the address the proxy appended)", ip)
	}
}
