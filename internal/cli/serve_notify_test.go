package cli

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cyra/internal/cra"
	"cyra/internal/notify"
)

// buildNotify parses args and environ as serve would and builds the
// notifier.
func buildNotify(t *testing.T, environ map[string]string, args ...string) (*notify.Notifier, []time.Duration, error) {
	t.Helper()
	e := &env{getenv: func(k string) string { return environ[k] }, stdout: io.Discard, stderr: io.Discard}
	f := newFlags(e, "serve", "serve [flags]")
	nf := addNotifyFlags(f)
	if err := f.parse(args, 0); err != nil {
		return nil, nil, err
	}
	n, offsets, err := nf.build()
	if err != nil {
		return nil, nil, err
	}
	if n == nil {
		return nil, offsets, nil
	}
	return n.(*notify.Notifier), offsets, nil
}

func writeSecret(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNotifyFlagsDefaults(t *testing.T) {
	t.Parallel()
	n, offsets, err := buildNotify(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	// nil, not a disabled notifier: the service then claims no reminder.
	if n != nil || !slices.Equal(offsets, cra.DefaultReminderOffsets) {
		t.Errorf("notifier = %v, offsets = %v", n, offsets)
	}
}

func TestNotifyFlags(t *testing.T) {
	t.Parallel()
	pass := writeSecret(t, "hunter2\n")
	secret := writeSecret(t, "whsec\r\n")
	n, offsets, err := buildNotify(t, nil,
		"--smtp-addr", "smtp.example.com:587", "--smtp-from", "cyra <cyra@example.com>", "--smtp-to", `psirt@example.com, "Lovelace, Ada" <ada@example.org>`,
		"--smtp-username", "cyra", "--smtp-password-file", pass, "--smtp-starttls",
		"--webhook-url", "https://hooks.example.com/T0KEN", "--webhook-secret-file", secret, "--reminder-offsets", "2h,30m")
	if err != nil {
		t.Fatal(err)
	}
	if want := "e-mail to 2 recipients via smtp.example.com:587, webhook to https://hooks.example.com/…"; n.String() != want {
		t.Errorf("String = %q, want %q", n.String(), want)
	}
	if !slices.Equal(offsets, []time.Duration{2 * time.Hour, 30 * time.Minute}) {
		t.Errorf("offsets = %v", offsets)
	}
}

func TestNotifyFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	n, offsets, err := buildNotify(t, map[string]string{
		"CYRA_SMTP_ADDR": "smtp.example.com:587", "CYRA_SMTP_FROM": "cyra@example.com", "CYRA_SMTP_TO": "psirt@example.com",
		"CYRA_SMTP_USERNAME": "cyra", "CYRA_SMTP_PASSWORD_FILE": writeSecret(t, "pw"), "CYRA_SMTP_STARTTLS": "true",
		"CYRA_WEBHOOK_URL": "http://127.0.0.1:9000/hook", "CYRA_REMINDER_OFFSETS": "none",
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "e-mail to 1 recipient via smtp.example.com:587, webhook to http://127.0.0.1:9000/…"; n.String() != want {
		t.Errorf("String = %q, want %q", n.String(), want)
	}
	if len(offsets) != 0 {
		t.Errorf("offsets = %v, want none", offsets)
	}
	// A flag overrides its variable.
	if _, _, err := buildNotify(t, map[string]string{"CYRA_SMTP_STARTTLS": "true", "CYRA_SMTP_USERNAME": "u"},
		"--smtp-starttls=false", "--smtp-username="); err != nil {
		t.Errorf("flags do not override the environment: %v", err)
	}
}

func TestNotifyFlagsErrors(t *testing.T) {
	t.Parallel()
	pass := writeSecret(t, "hunter2\n")
	empty := writeSecret(t, "\n")
	mail := []string{"--smtp-addr", "smtp.example.com:587", "--smtp-from", "cyra@example.com", "--smtp-to", "psirt@example.com"}
	tests := []struct {
		name    string
		environ map[string]string
		args    []string
		want    string
	}{
		{"recipients without a server", nil, []string{"--smtp-to", "psirt@example.com"}, "--smtp-to needs --smtp-addr"},
		{"STARTTLS without a server", map[string]string{"CYRA_SMTP_STARTTLS": "1"}, nil, "--smtp-starttls needs --smtp-addr"},
		{"not a boolean", map[string]string{"CYRA_SMTP_STARTTLS": "maybe"}, nil, `CYRA_SMTP_STARTTLS="maybe" is not true or false`},
		{"no sender", nil, []string{"--smtp-addr", "smtp.example.com:587", "--smtp-to", "a@example.com"}, "--smtp-addr needs --smtp-from"},
		{"no recipient", nil, []string{"--smtp-addr", "smtp.example.com:587", "--smtp-from", "a@example.com"}, "--smtp-addr needs --smtp-to"},
		{"bad recipients", nil, append(slices.Clone(mail), "--smtp-to", "psirt@example.com, nobody"), "--smtp-to: \"psirt@example.com, nobody\" is not"},
		{"no port", nil, append(slices.Clone(mail), "--smtp-addr", "smtp.example.com"), "not host:port"},
		{"username without password", nil, append(slices.Clone(mail), "--smtp-username", "cyra", "--smtp-starttls"), "--smtp-username needs --smtp-password-file"},
		{"password without username", nil, append(slices.Clone(mail), "--smtp-password-file", pass), "--smtp-password-file needs --smtp-username"},
		{"no password flag", nil, append(slices.Clone(mail), "--smtp-password", "hunter2"), "flag provided but not defined: -smtp-password"},
		{"missing password file", nil, append(slices.Clone(mail), "--smtp-username", "cyra", "--smtp-starttls", "--smtp-password-file", "/nonexistent/pw"), "--smtp-password-file: open /nonexistent/pw"},
		{"empty password file", nil, append(slices.Clone(mail), "--smtp-username", "cyra", "--smtp-starttls", "--smtp-password-file", empty), "is empty"},
		{"credentials in plain text", nil, append(slices.Clone(mail), "--smtp-username", "cyra", "--smtp-password-file", pass), "only over TLS"},
		{"secret without URL", nil, []string{"--webhook-secret-file", pass}, "--webhook-secret-file needs --webhook-url"},
		{"bad URL", nil, []string{"--webhook-url", "hooks.example.com/x"}, "is not an http(s) URL"},
		{"bad offsets", nil, []string{"--reminder-offsets", "12h,soon"}, `--reminder-offsets: reminder offset "soon" is not a duration`},
		{"bad offsets from the environment", map[string]string{"CYRA_REMINDER_OFFSETS": "-1h"}, nil, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := buildNotify(t, tt.environ, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the password leaks into the error: %v", err)
			}
		})
	}
}

func TestReadSecretFile(t *testing.T) {
	t.Parallel()
	for content, want := range map[string]string{"pw\n": "pw", "pw\r\n": "pw", " pw with spaces ": " pw with spaces ", "pw\n\n": "pw\n"} {
		got, err := readSecretFile(writeSecret(t, content), "--x")
		if err != nil || got != want {
			t.Errorf("readSecretFile(%q) = %q, %v; want %q", content, got, err, want)
		}
	}
	if _, err := readSecretFile(writeSecret(t, strings.Repeat("x", maxSecretFile+1)), "--x"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a large file: %v", err)
	}
}
