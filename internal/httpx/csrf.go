package httpx

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"cyra/internal/cra"
	"cyra/internal/secret"
)

// Cookies names the cookies cyra sets. Under https the names carry the
// __Host- prefix, which makes browsers refuse them unless they are Secure,
// host-only and path=/, so no sibling domain can plant them.
type Cookies struct {
	Secure   bool
	Session  string
	CSRFName string
}

// NewCookies returns the cookie names for http or https.
func NewCookies(secure bool) Cookies {
	if secure {
		return Cookies{Secure: true, Session: "__Host-cyra_session", CSRFName: "__Host-cyra_csrf"}
	}
	return Cookies{Session: "cyra_session", CSRFName: "cyra_csrf"}
}

// Set writes an HttpOnly, SameSite=Lax cookie; maxAge 0 makes it a
// browser-session cookie, a negative maxAge deletes it.
func (c Cookies) Set(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

type csrfKey struct{}

// CSRFFieldName is the form field (and X-CSRF-Token the header) that
// carries the token.
const CSRFFieldName = "csrf_token"

// CSRFToken returns the token to embed in forms of this request.
func CSRFToken(r *http.Request) string {
	s, _ := r.Context().Value(csrfKey{}).(string)
	return s
}

// SessionCSRFToken derives a signed-in browser's token from its session
// secret: only the holder of the HttpOnly session cookie can know it.
func SessionCSRFToken(sessionSecret string) string {
	sum := sha256.Sum256([]byte("cyra-csrf\x00" + sessionSecret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ProtectForms protects state-changing requests in two layers. First, Go's
// CrossOriginProtection refuses cross-origin unsafe requests using the
// Sec-Fetch-Site and Origin headers browsers send. Second, each form must
// carry a token: derived from the session secret once signed in
// (synchroniser token), or equal to a random pre-session cookie on the
// sign-in and setup pages (double submit). It runs after authentication:
// only a session that resolved to an actor decides the token, so a stale
// session cookie cannot break the sign-in form.
func (c Cookies) ProtectForms(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	deny := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Forbidden: the form's security token is missing or out of date. Go back, reload the page and try again.", http.StatusForbidden)
	})
	cop.SetDenyHandler(deny)
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var want string
		if a := cra.ActorFrom(r.Context()); a != nil && a.Kind == cra.ActorSession && sessionCookie(r, c.Session) != "" {
			want = SessionCSRFToken(sessionCookie(r, c.Session))
		} else if cc, err := r.Cookie(c.CSRFName); err == nil && len(cc.Value) >= 43 {
			want = cc.Value
		} else {
			want = secret.New("")
			c.Set(w, c.CSRFName, want, 0)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
				got = r.PostFormValue(CSRFFieldName)
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
				deny.ServeHTTP(w, r)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), csrfKey{}, want)))
	}))
}

func sessionCookie(r *http.Request, name string) string {
	if sc, err := r.Cookie(name); err == nil {
		return sc.Value
	}
	return ""
}

// MaxFormBody bounds URL-encoded form bodies from the web UI.
const MaxFormBody = 64 << 10
