package notify_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// received is one message the test SMTP server accepted.
type received struct {
	from   string   // MAIL FROM argument
	to     []string // RCPT TO arguments
	data   string   // the message, dot-unstuffed, LF line endings
	tls    bool     // sent after STARTTLS
	authed bool
}

// smtpServer is a minimal SMTP server for tests: EHLO, STARTTLS (when
// tlsConf is set), AUTH PLAIN (when user is set), MAIL, RCPT, DATA, RSET,
// NOOP, QUIT.
type smtpServer struct {
	ln         net.Listener
	tlsConf    *tls.Config
	user, pass string
	rejectData bool // answer DATA's end with 554

	mu   sync.Mutex
	msgs []received
	wg   sync.WaitGroup
}

type smtpOption func(*smtpServer)

func withTLS(c *tls.Config) smtpOption { return func(s *smtpServer) { s.tlsConf = c } }
func withAuth(user, pass string) smtpOption {
	return func(s *smtpServer) { s.user, s.pass = user, pass }
}
func rejectingData() smtpOption { return func(s *smtpServer) { s.rejectData = true } }

// startSMTP starts a server on addr ("127.0.0.1:0" when empty), stopped
// when the test ends.
func startSMTP(t *testing.T, addr string, opts ...smtpOption) *smtpServer {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	for _, o := range opts {
		o(s)
	}
	s.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(conn) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *smtpServer) serve(conn net.Conn) {
	defer func() { conn.Close() }()
	tp := textproto.NewConn(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			tp.PrintfLine("%s", l)
		}
	}
	reply("220 test.local ESMTP ready")
	var cur received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"test.local greets " + arg}
			if s.tlsConf != nil && !cur.tls {
				ext = append(ext, "STARTTLS")
			}
			if s.user != "" {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250" + sep + e)
			}
		case "HELO", "NOOP":
			reply("250 ok")
		case "RSET":
			cur = received{tls: cur.tls, authed: cur.authed}
			reply("250 ok")
		case "STARTTLS":
			if s.tlsConf == nil || cur.tls {
				reply("502 not now")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(conn, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp = tc, textproto.NewConn(tc)
			cur = received{tls: true}
		case "AUTH":
			mech, b64, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(b64)
			if s.user == "" || !strings.EqualFold(mech, "PLAIN") || err != nil {
				reply("504 unsupported")
				continue
			}
			if string(raw) != "\x00"+s.user+"\x00"+s.pass {
				reply("535 5.7.8 Authentication credentials invalid")
				continue
			}
			cur.authed = true
			reply("235 2.7.0 Authentication successful")
		case "MAIL":
			if s.user != "" && !cur.authed {
				reply("530 5.7.0 Authentication required")
				continue
			}
			cur.from = strings.TrimPrefix(arg, "FROM:")
			reply("250 ok")
		case "RCPT":
			cur.to = append(cur.to, strings.TrimPrefix(arg, "TO:"))
			reply("250 ok")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			if s.rejectData {
				reply("554 5.6.0 message refused")
				continue
			}
			cur.data = string(b)
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			cur = received{tls: cur.tls, authed: cur.authed}
			reply("250 2.0.0 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

// testTLS returns a server certificate for 127.0.0.1 and a client
// configuration that trusts it (httptest's certificate).
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{Certificates: srv.TLS.Certificates}, &tls.Config{RootCAs: pool}
}
