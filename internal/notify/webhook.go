package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"cyra/internal/cra"
)

// Payload is the JSON body of a webhook delivery. Receivers should ignore
// fields they do not know: new ones may be added.
type Payload struct {
	Event    string     `json:"event"` // cra.Reminder.Kind: review_opened, deadline, overdue
	Key      string     `json:"key"`   // unique per reminder, also X-Cyra-Delivery
	CaseID   int64      `json:"case_id,omitempty"`
	ReviewID int64      `json:"review_id,omitempty"`
	Stage    cra.Stage  `json:"stage,omitempty"`
	Due      *time.Time `json:"due,omitempty"` // RFC 3339, UTC
	Subject  string     `json:"subject"`
	Text     string     `json:"text"`
	SentAt   time.Time  `json:"sent_at"` // RFC 3339, UTC; receivers may refuse old deliveries
}

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body
// keyed with the webhook secret.
const SignatureHeader = "X-Cyra-Signature"

// Sign returns the X-Cyra-Signature value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature (an X-Cyra-Signature value) is body's
// under secret, in constant time. Receivers written in Go can call it;
// docs/reminders.md shows the same check elsewhere.
func Verify(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// webhook POSTs reminders as signed JSON.
type webhook struct {
	url     string
	secret  string
	timeout time.Duration
	client  *http.Client
}

func newWebhook(cfg WebhookConfig, client *http.Client) *webhook {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	var c http.Client
	if client != nil {
		c = *client
	}
	// A redirect is an error to show, not to follow: a POST turned into a
	// GET by a 302 would be reported delivered, and a 307 would re-send
	// the signed body to another host.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &webhook{url: cfg.URL, secret: cfg.Secret, timeout: cfg.Timeout, client: &c}
}

func (w *webhook) name() string { return "webhook to " + redactURL(w.url) }

func (w *webhook) send(ctx context.Context, r cra.Reminder, now time.Time) error {
	if err := w.post(ctx, r, now); err != nil {
		return fmt.Errorf("webhook to %s: %w", redactURL(w.url), err)
	}
	return nil
}

func (w *webhook) post(ctx context.Context, r cra.Reminder, now time.Time) error {
	p := Payload{Event: r.Kind, Key: r.Key, CaseID: r.CaseID, ReviewID: r.Review, Stage: r.Stage,
		Subject: r.Subject, Text: r.Text, SentAt: now.UTC().Truncate(time.Second)}
	if r.Due != nil {
		due := r.Due.UTC()
		p.Due = &due
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if w.client.Timeout == 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return errors.New("the URL is not valid")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cyra-reminders")
	req.Header.Set("X-Cyra-Event", headerToken(r.Kind))
	req.Header.Set("X-Cyra-Delivery", headerToken(r.Key))
	if w.secret != "" {
		req.Header.Set(SignatureHeader, Sign(w.secret, body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		// *url.Error repeats the URL, which may hold a token; keep the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection can be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := "the receiver answered " + resp.Status
		if s := printable(string(snippet), 200); s != "" {
			msg += ": " + s
		}
		return errors.New(msg)
	}
	return nil
}

// printable shortens s to n runes on one line, dropping control
// characters, to quote a receiver's answer in an error.
func printable(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
