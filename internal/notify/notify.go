// Package notify delivers cyra's reminders (cra.Reminder) by e-mail over
// SMTP and by a signed webhook. It implements cra.Notifier and knows
// nothing of the database or the services: the case service decides what
// is due (cra.DueReminders) and records what was sent.
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"cyra/internal/cra"
)

// Config says where reminders go. A zero Config sends nothing.
type Config struct {
	SMTP    SMTPConfig
	Webhook WebhookConfig
}

// SMTPConfig is the mail server reminders are sent through. Addr empty
// means no e-mail.
type SMTPConfig struct {
	Addr string   // host:port of the submission server, e.g. smtp.example.com:587
	From string   // sender address, "cyra <cyra@example.com>" or cyra@example.com
	To   []string // recipients
	// Username and Password authenticate with AUTH PLAIN. Like net/smtp,
	// cyra sends them only over TLS (StartTLS) or to localhost.
	Username string
	Password string
	// StartTLS upgrades the connection with STARTTLS before anything else
	// is sent, and fails when the server does not offer it.
	StartTLS bool
	// TLS configures STARTTLS (a private CA, say); nil verifies the
	// server's certificate against the system roots for Addr's host.
	TLS *tls.Config
	// Timeout bounds one delivery (default 30 s).
	Timeout time.Duration
}

// WebhookConfig is the URL reminders are POSTed to. URL empty means no
// webhook.
type WebhookConfig struct {
	URL string // http(s)://…
	// Secret signs each body (X-Cyra-Signature); empty sends no signature.
	Secret string
	// Timeout bounds one delivery when the HTTP client has none (default
	// 15 s).
	Timeout time.Duration
}

// Validate checks the configuration: addresses that parse, a host:port,
// credentials in pairs, an http(s) URL. Its messages never contain the
// password or the secret.
func (c Config) Validate() error {
	var errs []error
	s := c.SMTP
	if s.Addr == "" {
		if s.From != "" || len(s.To) > 0 || s.Username != "" || s.Password != "" || s.StartTLS {
			errs = append(errs, errors.New("smtp: set the server address too"))
		}
	} else {
		if host, port, err := net.SplitHostPort(s.Addr); err != nil || host == "" || port == "" {
			errs = append(errs, fmt.Errorf("smtp: address %q is not host:port (like smtp.example.com:587)", s.Addr))
		}
		if _, err := mail.ParseAddress(s.From); err != nil {
			errs = append(errs, fmt.Errorf("smtp: sender %q is not an e-mail address", s.From))
		}
		if len(s.To) == 0 {
			errs = append(errs, errors.New("smtp: no recipient"))
		}
		for _, to := range s.To {
			if _, err := mail.ParseAddress(to); err != nil {
				errs = append(errs, fmt.Errorf("smtp: recipient %q is not an e-mail address", to))
			}
		}
		if (s.Username == "") != (s.Password == "") {
			errs = append(errs, errors.New("smtp: a username needs a password and a password a username"))
		}
		if s.Username != "" && !s.StartTLS && !isLocalhost(hostOf(s.Addr)) {
			errs = append(errs, fmt.Errorf("smtp: cyra sends credentials only over TLS: turn on STARTTLS for %s (only localhost may authenticate in plain text)", s.Addr))
		}
	}
	if w := c.Webhook; w.URL == "" {
		if w.Secret != "" {
			errs = append(errs, errors.New("webhook: a secret without a URL"))
		}
	} else if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("webhook: %q is not an http(s) URL", redactURL(w.URL)))
	}
	return errors.Join(errs...)
}

// channel is one way of delivering reminders.
type channel interface {
	name() string
	send(ctx context.Context, r cra.Reminder, now time.Time) error
}

// Notifier sends each reminder to every configured channel. It implements
// cra.Notifier.
type Notifier struct {
	channels []channel
	now      func() time.Time
}

var _ cra.Notifier = (*Notifier)(nil)

// New returns a notifier for cfg, which should have passed Validate (an
// invalid setting surfaces as an error from Notify). httpClient posts
// webhooks; nil uses a client with a 15-second timeout. With nothing
// configured the notifier is disabled: Notify does nothing and returns
// nil, and Enabled reports false so the caller can say so at startup.
func New(cfg Config, httpClient *http.Client) *Notifier {
	n := &Notifier{now: time.Now}
	if cfg.SMTP.Addr != "" {
		n.channels = append(n.channels, newMailer(cfg.SMTP))
	}
	if cfg.Webhook.URL != "" {
		n.channels = append(n.channels, newWebhook(cfg.Webhook, httpClient))
	}
	return n
}

// Enabled reports whether any channel is configured.
func (n *Notifier) Enabled() bool { return len(n.channels) > 0 }

// String describes the channels for a log line ("e-mail to 2 recipients
// via smtp.example.com:587, webhook to https://hooks.example.com") without
// credentials, secrets or webhook paths; "disabled" when there is none.
func (n *Notifier) String() string {
	if !n.Enabled() {
		return "disabled"
	}
	parts := make([]string, len(n.channels))
	for i, c := range n.channels {
		parts[i] = c.name()
	}
	return strings.Join(parts, ", ")
}

// Notify sends r to every channel, all of them even when one fails, and
// returns the failures joined, each naming its channel.
func (n *Notifier) Notify(ctx context.Context, r cra.Reminder) error {
	now := n.now().UTC()
	var errs []error
	for _, c := range n.channels {
		if err := c.send(ctx, r, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// hostOf returns the host of host:port (addr itself when it has no port).
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// isLocalhost is net/smtp's test for where PLAIN auth may go unencrypted.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// redactURL keeps a URL's scheme and host: webhook URLs often carry a
// token in their path or query (Slack, Teams, Mattermost), which must not
// reach logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(an unparsable URL)"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		out += "/…"
	}
	return out
}
