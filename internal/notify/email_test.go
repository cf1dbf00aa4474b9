package notify_test

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/notify"
)

func testReminder() cra.Reminder {
	due := time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC)
	return cra.Reminder{
		Key: "case:1:early_warning:before:4h", Kind: cra.ReminderDeadline, CaseID: 1, Stage: cra.StageEarlyWarning,
		Due: &due, Before: 4 * time.Hour,
		Subject: "Frühwarnung due in 3 hours: case #1 \"Router\"",
		Text: "The early warning of case #1 is due at 2026-10-02T09:00:00Z.\n" +
			".A line that starts with a dot, and a long one: " + strings.Repeat("ünïcode ", 20) + "\n",
	}
}

func mailConfig(s *smtpServer) notify.SMTPConfig {
	return notify.SMTPConfig{Addr: s.addr(), From: "cyra <cyra@example.com>", To: []string{"psirt@example.com", "Ada Lovelace <ada@example.org>"}}
}

// parseMessage parses a received message and decodes its body.
func parseMessage(t *testing.T, data string) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, data)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return m, strings.ReplaceAll(string(body), "\r\n", "\n")
}

func TestEmail(t *testing.T) {
	t.Parallel()
	s := startSMTP(t, "")
	n := notify.New(notify.Config{SMTP: mailConfig(s)}, nil)
	r := testReminder()
	before := time.Now().Add(-time.Second)
	if err := n.Notify(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	msgs := s.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.from != "<cyra@example.com>" || !slices.Equal(got.to, []string{"<psirt@example.com>", "<ada@example.org>"}) {
		t.Errorf("envelope from %s to %v", got.from, got.to)
	}
	m, body := parseMessage(t, got.data)
	h := m.Header
	if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Address != "cyra@example.com" || from.Name != "cyra" {
		t.Errorf("From = %q", h.Get("From"))
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 2 || to[1].Name != "Ada Lovelace" || to[1].Address != "ada@example.org" {
		t.Errorf("To = %q", h.Get("To"))
	}
	if raw := h.Get("Subject"); !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?q?") {
		t.Errorf("a non-ASCII Subject is not RFC 2047 encoded: %q", raw)
	}
	if subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || subj != r.Subject {
		t.Errorf("Subject decodes to %q, %v; want %q", subj, err, r.Subject)
	}
	if d, err := h.Date(); err != nil || d.Before(before) || d.After(time.Now().Add(time.Second)) {
		t.Errorf("Date = %q (%v)", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[A-Z2-7]{20,}@example\.com>$`).MatchString(id) {
		t.Errorf("Message-ID = %q", id)
	}
	for k, want := range map[string]string{
		"MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted": "auto-generated", "X-Cyra-Event": "deadline", "X-Cyra-Delivery": r.Key,
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if body != r.Text {
		t.Errorf("body = %q\nwant %q", body, r.Text)
	}
	for line := range strings.SplitSeq(got.data, "\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78 characters: %q", line)
		}
	}
}

func TestEmailSubjectIsOneLine(t *testing.T) {
	t.Parallel()
	s := startSMTP(t, "")
	r := testReminder()
	r.Subject = "Overdue\r\nBcc: attacker@example.net"
	if err := notify.New(notify.Config{SMTP: mailConfig(s)}, nil).Notify(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	m, _ := parseMessage(t, s.messages()[0].data)
	if m.Header.Get("Bcc") != "" || m.Header.Get("Subject") != "Overdue Bcc: attacker@example.net" {
		t.Errorf("Subject = %q, Bcc = %q", m.Header.Get("Subject"), m.Header.Get("Bcc"))
	}
}

func TestEmailStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := testTLS(t)
	s := startSMTP(t, "", withTLS(serverTLS), withAuth("cyra", "s3cret-pass"))
	cfg := mailConfig(s)
	cfg.StartTLS, cfg.TLS, cfg.Username, cfg.Password = true, clientTLS, "cyra", "s3cret-pass"
	if err := notify.New(notify.Config{SMTP: cfg}, nil).Notify(t.Context(), testReminder()); err != nil {
		t.Fatal(err)
	}
	msgs := s.messages()
	if len(msgs) != 1 || !msgs[0].tls || !msgs[0].authed {
		t.Fatalf("messages = %+v, want one sent over TLS after AUTH", msgs)
	}

	t.Run("WrongPasswordNotInError", func(t *testing.T) {
		cfg := cfg
		cfg.Password = "wrong-pass-XYZ"
		err := notify.New(notify.Config{SMTP: cfg}, nil).Notify(t.Context(), testReminder())
		if err == nil || !strings.Contains(err.Error(), "535") || !strings.Contains(err.Error(), "authentication as cyra failed") {
			t.Fatalf("err = %v, want the server's 535", err)
		}
		if strings.Contains(err.Error(), "wrong-pass-XYZ") {
			t.Errorf("the password leaks into the error: %v", err)
		}
	})
	t.Run("UntrustedCertificate", func(t *testing.T) {
		cfg := cfg
		cfg.TLS = nil // system roots do not know httptest's CA
		err := notify.New(notify.Config{SMTP: cfg}, nil).Notify(t.Context(), testReminder())
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("err = %v, want a certificate error", err)
		}
	})
}

func TestEmailStartTLSRequired(t *testing.T) {
	t.Parallel()
	s := startSMTP(t, "")
	cfg := mailConfig(s)
	cfg.StartTLS = true
	err := notify.New(notify.Config{SMTP: cfg}, nil).Notify(t.Context(), testReminder())
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Fatalf("err = %v", err)
	}
	if len(s.messages()) != 0 {
		t.Error("a message was sent in plain text although STARTTLS was required")
	}
}

func TestEmailNoPlainTextAuthToRemoteHost(t *testing.T) {
	t.Parallel()
	// 127.0.0.2 is this machine, but not a name net/smtp treats as local.
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	} else {
		ln.Close()
	}
	s := startSMTP(t, "127.0.0.2:0", withAuth("cyra", "s3cret-pass"))
	cfg := mailConfig(s)
	cfg.Username, cfg.Password = "cyra", "s3cret-pass"
	if err := (notify.Config{SMTP: cfg}).Validate(); err == nil || !strings.Contains(err.Error(), "only over TLS") {
		t.Errorf("Validate = %v, want a refusal", err)
	}
	err := notify.New(notify.Config{SMTP: cfg}, nil).Notify(t.Context(), testReminder())
	if err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "s3cret-pass") {
		t.Errorf("the password leaks into the error: %v", err)
	}
}

func TestEmailErrors(t *testing.T) {
	t.Parallel()
	t.Run("ServerDown", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		cfg := notify.SMTPConfig{Addr: addr, From: "cyra@example.com", To: []string{"psirt@example.com"}}
		err = notify.New(notify.Config{SMTP: cfg}, nil).Notify(t.Context(), testReminder())
		if err == nil || !strings.Contains(err.Error(), "e-mail via "+addr) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("DataRejected", func(t *testing.T) {
		t.Parallel()
		s := startSMTP(t, "", rejectingData())
		err := notify.New(notify.Config{SMTP: mailConfig(s)}, nil).Notify(t.Context(), testReminder())
		if err == nil || !strings.Contains(err.Error(), "554") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("Silent server times out", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		done := make(chan struct{})
		defer close(done)
		go func() {
			c, err := ln.Accept()
			if err == nil {
				<-done // never greets
				c.Close()
			}
		}()
		cfg := notify.SMTPConfig{Addr: ln.Addr().String(), From: "cyra@example.com", To: []string{"psirt@example.com"}, Timeout: 200 * time.Millisecond}
		start := time.Now()
		err = notify.New(notify.Config{SMTP: cfg}, nil).Notify(t.Context(), testReminder())
		if err == nil || time.Since(start) > 1500*time.Millisecond {
			t.Fatalf("err = %v after %s", err, time.Since(start))
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		t.Parallel()
		s := startSMTP(t, "")
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := notify.New(notify.Config{SMTP: mailConfig(s)}, nil).Notify(ctx, testReminder()); err == nil {
			t.Fatal("a cancelled context sent the message")
		}
	})
}
