package notify_test

import (
	"net/http"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/notify"
)

func TestDisabled(t *testing.T) {
	t.Parallel()
	var n cra.Notifier = notify.New(notify.Config{}, nil)
	if err := n.Notify(t.Context(), testReminder()); err != nil {
		t.Fatal(err)
	}
	d := n.(*notify.Notifier)
	if d.Enabled() || d.String() != "disabled" {
		t.Errorf("Enabled = %v, String = %q", d.Enabled(), d.String())
	}
}

func TestFanOut(t *testing.T) {
	t.Parallel()
	s := startSMTP(t, "")
	srv, got := receiver(t, http.StatusBadGateway)
	n := notify.New(notify.Config{SMTP: mailConfig(s), Webhook: notify.WebhookConfig{URL: srv.URL + "/secret-path?x=1", Secret: "k"}}, nil)
	if want := "e-mail to 2 recipients via " + s.addr() + ", webhook to " + srv.URL + "/…"; n.String() != want {
		t.Errorf("String = %q, want %q", n.String(), want)
	}
	err := n.Notify(t.Context(), testReminder())
	// The webhook failed; the e-mail went all the same, and the error
	// names only the channel that failed.
	if err == nil || !strings.Contains(err.Error(), "webhook to") || !strings.Contains(err.Error(), "502") || strings.Contains(err.Error(), "e-mail") {
		t.Fatalf("err = %v", err)
	}
	if len(s.messages()) != 1 || len(got()) != 1 {
		t.Errorf("%d e-mails, %d webhook deliveries; want one of each", len(s.messages()), len(got()))
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	mail := notify.SMTPConfig{Addr: "smtp.example.com:587", From: "cyra <cyra@example.com>", To: []string{"psirt@example.com"}}
	tests := []struct {
		name string
		cfg  notify.Config
		want string // "" = valid
	}{
		{"nothing", notify.Config{}, ""},
		{"mail", notify.Config{SMTP: mail}, ""},
		{"mail with auth over STARTTLS", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.Username, s.Password, s.StartTLS = "u", "p", true })}, ""},
		{"auth to localhost in plain text", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.Addr, s.Username, s.Password = "localhost:25", "u", "p" })}, ""},
		{"webhook", notify.Config{Webhook: notify.WebhookConfig{URL: "https://hooks.example.com/x", Secret: "s"}}, ""},
		{"recipients without a server", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.Addr = "" })}, "set the server address"},
		{"no port", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.Addr = "smtp.example.com" })}, "not host:port"},
		{"bad sender", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.From = "cyra" })}, `sender "cyra"`},
		{"no recipient", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.To = nil })}, "no recipient"},
		{"bad recipient", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.To = []string{"a@b.c", "nobody"} })}, `recipient "nobody"`},
		{"username without password", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.Username, s.StartTLS = "u", true })}, "needs a password"},
		{"auth in plain text", notify.Config{SMTP: with(mail, func(s *notify.SMTPConfig) { s.Username, s.Password = "u", "hunter2" })}, "only over TLS"},
		{"secret without URL", notify.Config{Webhook: notify.WebhookConfig{Secret: "hunter2"}}, "a secret without a URL"},
		{"not http", notify.Config{Webhook: notify.WebhookConfig{URL: "ftp://example.com/hunter2"}}, `"ftp://example.com/…" is not an http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want it to say %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), "hunter2"):
				t.Errorf("a secret leaks into the error: %v", err)
			}
		})
	}
}

func with(s notify.SMTPConfig, f func(*notify.SMTPConfig)) notify.SMTPConfig {
	f(&s)
	return s
}
