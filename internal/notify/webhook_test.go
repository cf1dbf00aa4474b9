package notify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/notify"
)

// delivery is one request the test receiver got.
type delivery struct {
	method string
	path   string
	header http.Header
	body   []byte
}

// receiver records deliveries and answers with status.
func receiver(t *testing.T, status int) (*httptest.Server, func() []delivery) {
	t.Helper()
	var mu sync.Mutex
	var got []delivery
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{r.Method, r.URL.Path, r.Header.Clone(), b})
		mu.Unlock()
		w.WriteHeader(status)
		if status >= 300 {
			io.WriteString(w, "nope:\ninvalid signature")
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []delivery {
		mu.Lock()
		defer mu.Unlock()
		return append([]delivery(nil), got...)
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	srv, got := receiver(t, http.StatusNoContent)
	const secret = "whsec-0123456789"
	n := notify.New(notify.Config{Webhook: notify.WebhookConfig{URL: srv.URL + "/hooks/cyra", Secret: secret}}, srv.Client())
	r := testReminder()
	before := time.Now().UTC().Truncate(time.Second)
	if err := n.Notify(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	ds := got()
	if len(ds) != 1 {
		t.Fatalf("receiver got %d deliveries, want 1", len(ds))
	}
	d := ds[0]
	if d.method != http.MethodPost || d.path != "/hooks/cyra" || d.header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s, Content-Type %q", d.method, d.path, d.header.Get("Content-Type"))
	}
	if d.header.Get("X-Cyra-Event") != "deadline" || d.header.Get("X-Cyra-Delivery") != r.Key {
		t.Errorf("X-Cyra-Event = %q, X-Cyra-Delivery = %q", d.header.Get("X-Cyra-Event"), d.header.Get("X-Cyra-Delivery"))
	}
	// Verify as a receiver would, without cyra's code.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(d.body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if sig := d.header.Get("X-Cyra-Signature"); !hmac.Equal([]byte(sig), []byte(want)) {
		t.Errorf("X-Cyra-Signature = %q, want %q", sig, want)
	}
	if !notify.Verify(secret, d.body, d.header.Get("X-Cyra-Signature")) || notify.Verify("other", d.body, d.header.Get("X-Cyra-Signature")) {
		t.Error("Verify disagrees with the HMAC")
	}
	var p map[string]any
	if err := json.Unmarshal(d.body, &p); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{
		"event": "deadline", "key": r.Key, "case_id": 1.0, "stage": "early_warning", "due": "2026-10-02T09:00:00Z",
		"subject": r.Subject, "text": r.Text,
	} {
		if p[k] != v {
			t.Errorf("%s = %#v, want %#v", k, p[k], v)
		}
	}
	if _, ok := p["review_id"]; ok {
		t.Error("review_id is set for a case reminder")
	}
	sent, err := time.Parse(time.RFC3339, p["sent_at"].(string))
	if err != nil || sent.Before(before) || sent.After(time.Now()) || sent.Location() != time.UTC {
		t.Errorf("sent_at = %v (%v)", p["sent_at"], err)
	}
}

func TestWebhookReview(t *testing.T) {
	t.Parallel()
	srv, got := receiver(t, http.StatusOK)
	n := notify.New(notify.Config{Webhook: notify.WebhookConfig{URL: srv.URL}}, nil)
	r := cra.Reminder{Key: "review:7:opened", Kind: cra.ReminderReviewOpened, Review: 7, Subject: "s", Text: "t"}
	if err := n.Notify(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	d := got()[0]
	if d.header.Get("X-Cyra-Signature") != "" {
		t.Error("signed without a secret")
	}
	var p notify.Payload
	if err := json.Unmarshal(d.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != "review_opened" || p.ReviewID != 7 || p.CaseID != 0 || p.Due != nil || p.Stage != "" {
		t.Errorf("payload = %+v", p)
	}
}

func TestWebhookErrors(t *testing.T) {
	t.Parallel()
	const secret = "whsec-never-in-errors"
	const token = "T0KEN-in-the-path"
	check := func(t *testing.T, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want it to say %q", err, want)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), token) {
			t.Errorf("the error leaks the secret or the URL's token: %v", err)
		}
	}
	t.Run("Status500", func(t *testing.T) {
		t.Parallel()
		srv, _ := receiver(t, http.StatusInternalServerError)
		n := notify.New(notify.Config{Webhook: notify.WebhookConfig{URL: srv.URL + "/hooks/" + token, Secret: secret}}, nil)
		err := n.Notify(t.Context(), testReminder())
		check(t, err, "the receiver answered 500 Internal Server Error: nope: invalid signature")
		check(t, err, "webhook to "+srv.URL+"/…")
	})
	t.Run("Unauthorized", func(t *testing.T) {
		t.Parallel()
		srv, _ := receiver(t, http.StatusUnauthorized)
		n := notify.New(notify.Config{Webhook: notify.WebhookConfig{URL: srv.URL + "/?token=" + token, Secret: secret}}, nil)
		check(t, n.Notify(t.Context(), testReminder()), "401 Unauthorized")
	})
	t.Run("RedirectNotFollowed", func(t *testing.T) {
		t.Parallel()
		target, got := receiver(t, http.StatusOK)
		srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
		defer srv.Close()
		n := notify.New(notify.Config{Webhook: notify.WebhookConfig{URL: srv.URL + "/" + token, Secret: secret}}, http.DefaultClient)
		check(t, n.Notify(t.Context(), testReminder()), "307 Temporary Redirect")
		if len(got()) != 0 {
			t.Error("the redirect was followed")
		}
	})
	t.Run("ServerDown", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL + "/hooks/" + token
		srv.Close()
		n := notify.New(notify.Config{Webhook: notify.WebhookConfig{URL: url, Secret: secret}}, nil)
		check(t, n.Notify(t.Context(), testReminder()), "connection refused")
	})
	t.Run("Timeout", func(t *testing.T) {
		t.Parallel()
		done := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-done:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(done)
		n := notify.New(notify.Config{Webhook: notify.WebhookConfig{URL: srv.URL + "/" + token, Secret: secret, Timeout: 100 * time.Millisecond}}, nil)
		check(t, n.Notify(t.Context(), testReminder()), "deadline exceeded")
	})
}
