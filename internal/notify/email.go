package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
)

// mailer sends reminders as plain-text e-mail.
type mailer struct {
	cfg SMTPConfig
}

func newMailer(cfg SMTPConfig) *mailer {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &mailer{cfg: cfg}
}

func (m *mailer) name() string {
	n := len(m.cfg.To)
	who := strconv.Itoa(n) + " recipients"
	if n == 1 {
		who = "1 recipient"
	}
	return "e-mail to " + who + " via " + m.cfg.Addr
}

func (m *mailer) send(ctx context.Context, r cra.Reminder, now time.Time) error {
	if err := m.deliver(ctx, r, now); err != nil {
		return fmt.Errorf("e-mail via %s: %w", m.cfg.Addr, err)
	}
	return nil
}

// deliver runs one SMTP session. It uses net/smtp's Client rather than
// smtp.SendMail to bound the session by a deadline and to make STARTTLS
// mandatory when asked (SendMail only tries it).
func (m *mailer) deliver(ctx context.Context, r cra.Reminder, now time.Time) error {
	from, err := mail.ParseAddress(m.cfg.From)
	if err != nil {
		return fmt.Errorf("sender %q is not an e-mail address", m.cfg.From)
	}
	to := make([]*mail.Address, 0, len(m.cfg.To))
	for _, s := range m.cfg.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return fmt.Errorf("recipient %q is not an e-mail address", s)
		}
		to = append(to, a)
	}
	if len(to) == 0 {
		return errors.New("no recipient")
	}
	msg, err := message(from, to, r, now)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.cfg.Addr)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return err
	}
	// A context cancelled mid-session ends it at once, not at the deadline.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	host := hostOf(m.cfg.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(heloName()); err != nil {
		return err
	}
	if m.cfg.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS, which is required")
		}
		tc := m.cfg.TLS.Clone()
		if tc == nil {
			tc = &tls.Config{}
		}
		if tc.ServerName == "" {
			tc.ServerName = host
		}
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if m.cfg.Username != "" {
		if _, isTLS := c.TLSConnectionState(); !isTLS && !isLocalhost(host) {
			return errors.New("refusing to send credentials over an unencrypted connection: turn on STARTTLS")
		}
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not offer AUTH, and a username is set")
		}
		if err := c.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, host)); err != nil {
			return fmt.Errorf("authentication as %s failed: %w", m.cfg.Username, err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}

// message renders the reminder as an RFC 5322 message with CRLF line
// endings: UTF-8 plain text, quoted-printable (so no line is too long and
// no 8BITMIME is needed), the subject RFC 2047-encoded when it is not
// ASCII, marked as automatic (RFC 3834) so auto-responders stay quiet.
func message(from *mail.Address, to []*mail.Address, r cra.Reminder, now time.Time) ([]byte, error) {
	rcpts := make([]string, len(to))
	for i, a := range to {
		rcpts[i] = a.String()
	}
	subject := strings.Join(strings.Fields(r.Subject), " ") // one line: no header injection
	if subject == "" {
		subject = "cyra reminder"
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", strings.Join(rcpts, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	header("X-Cyra-Event", headerToken(r.Kind))
	header("X-Cyra-Delivery", headerToken(r.Key))
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(r.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// messageID is a unique Message-ID in the sender's domain.
func messageID(addr string) string {
	domain := "cyra.invalid"
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		domain = addr[i+1:]
	}
	return "<" + rand.Text() + "@" + domain + ">"
}

// headerToken keeps only what is safe in a header value: printable ASCII.
func headerToken(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}

// heloName is the name cyra greets the server with: the machine's host
// name when it is fully qualified (some servers refuse a bare one), else
// "localhost" as net/smtp does.
func heloName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}
