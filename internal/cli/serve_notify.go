package cli

import (
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/notify"
)

// notifyFlags are serve's flags for reminders: where they go (e-mail,
// webhook) and how long before a deadline they are sent.
type notifyFlags struct {
	smtpAddr, smtpFrom, smtpTo, smtpUsername, smtpPasswordFile *string
	smtpStartTLS                                               *bool
	webhookURL, webhookSecretFile                              *string
	offsets                                                    *string
}

// addNotifyFlags defines the reminder flags on f. Secrets are read from
// files named by flags, never taken as flag values: a flag's value shows in
// ps and in shell history.
func addNotifyFlags(f *flags) *notifyFlags {
	return &notifyFlags{
		smtpAddr:         f.string("smtp-addr", "", "SMTP server for reminder e-mails, host:port (e.g. smtp.example.com:587); empty sends no e-mail"),
		smtpFrom:         f.string("smtp-from", "", `sender of reminder e-mails, e.g. "cyra <cyra@example.com>"`),
		smtpTo:           f.string("smtp-to", "", "recipients of reminder e-mails, comma-separated"),
		smtpUsername:     f.string("smtp-username", "", "SMTP username (AUTH PLAIN, sent only over STARTTLS or to localhost)"),
		smtpPasswordFile: f.string("smtp-password-file", "", "file holding the SMTP password"),
		smtpStartTLS:     notifyBool(f, "smtp-starttls", false, "require STARTTLS before anything is sent to the SMTP server"),
		webhookURL:       f.string("webhook-url", "", "URL reminders are POSTed to as JSON (docs/reminders.md); empty sends none"),
		webhookSecretFile: f.string("webhook-secret-file", "",
			"file holding the secret that signs webhook bodies (header X-Cyra-Signature)"),
		offsets: f.string("reminder-offsets", cra.FormatReminderOffsets(cra.DefaultReminderOffsets),
			"how long before a stage's deadline to remind, comma-separated, or none"),
	}
}

// notifyBool is a boolean flag whose default comes from its environment
// variable (true/false, 1/0).
func notifyBool(f *flags, name string, def bool, usage string) *bool {
	if v := f.getenv(envName(name)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, usagef("%s=%q is not true or false", envName(name), v))
		} else {
			def = b
		}
	}
	return f.Bool(name, def, usage+" (env "+envName(name)+")")
}

// build returns the notifier the flags configure and the reminder
// offsets; it reads the secret files. With neither e-mail nor webhook set
// the notifier is nil (not notify's disabled one), which is how
// service.Options says "no reminders": the service then claims no
// reminder key, so none is used up while nothing can deliver it.
func (n *notifyFlags) build() (cra.Notifier, []time.Duration, error) {
	offsets, err := cra.ParseReminderOffsets(*n.offsets)
	if err != nil {
		return nil, nil, usagef("--reminder-offsets: %s", err)
	}
	var cfg notify.Config
	s := &cfg.SMTP
	s.Addr = strings.TrimSpace(*n.smtpAddr)
	s.From = strings.TrimSpace(*n.smtpFrom)
	s.Username = strings.TrimSpace(*n.smtpUsername)
	s.StartTLS = *n.smtpStartTLS
	if s.Addr == "" {
		for _, set := range []struct {
			name string
			on   bool
		}{
			{"--smtp-from", s.From != ""}, {"--smtp-to", strings.TrimSpace(*n.smtpTo) != ""},
			{"--smtp-username", s.Username != ""}, {"--smtp-password-file", *n.smtpPasswordFile != ""}, {"--smtp-starttls", s.StartTLS},
		} {
			if set.on {
				return nil, nil, usagef("%s needs --smtp-addr (the SMTP server)", set.name)
			}
		}
	} else {
		switch {
		case s.From == "":
			return nil, nil, usagef("--smtp-addr needs --smtp-from (the sender's address)")
		case strings.TrimSpace(*n.smtpTo) == "":
			return nil, nil, usagef("--smtp-addr needs --smtp-to (the recipients)")
		case s.Username != "" && *n.smtpPasswordFile == "":
			return nil, nil, usagef("--smtp-username needs --smtp-password-file")
		case s.Username == "" && *n.smtpPasswordFile != "":
			return nil, nil, usagef("--smtp-password-file needs --smtp-username")
		}
		to, err := mail.ParseAddressList(*n.smtpTo)
		if err != nil {
			return nil, nil, usagef("--smtp-to: %q is not a comma-separated list of e-mail addresses", *n.smtpTo)
		}
		for _, a := range to {
			s.To = append(s.To, a.String())
		}
		if *n.smtpPasswordFile != "" {
			if s.Password, err = readSecretFile(*n.smtpPasswordFile, "--smtp-password-file"); err != nil {
				return nil, nil, err
			}
		}
	}
	cfg.Webhook.URL = strings.TrimSpace(*n.webhookURL)
	if *n.webhookSecretFile != "" {
		if cfg.Webhook.URL == "" {
			return nil, nil, usagef("--webhook-secret-file needs --webhook-url")
		}
		if cfg.Webhook.Secret, err = readSecretFile(*n.webhookSecretFile, "--webhook-secret-file"); err != nil {
			return nil, nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, usagef("reminders: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	notifier := notify.New(cfg, nil)
	if !notifier.Enabled() {
		return nil, offsets, nil // an untyped nil: a nil *notify.Notifier would not be
	}
	return notifier, offsets, nil
}

// maxSecretFile bounds a secret file: a password or key, not a document.
const maxSecretFile = 4 << 10

// readSecretFile reads a password or secret from path. A trailing line
// break (as editors and echo write) is dropped; other white space is part
// of the secret. Errors name the flag and the file, never the content.
func readSecretFile(path, flagName string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flagName, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("%s: %w", flagName, err)
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("%s: %s is larger than %d bytes: is it the right file?", flagName, path, maxSecretFile)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", errors.New(flagName + ": " + path + " is empty")
	}
	return s, nil
}
